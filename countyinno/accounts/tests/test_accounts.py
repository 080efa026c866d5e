import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from countyinno.accounts import services
from countyinno.accounts.models import Organisation, Role, User
from countyinno.core.models import AuditLogEntry
from countyinno.core.validators import credit_code_problem, make_credit_code


@pytest.mark.parametrize("code", ["91350100M000100Y43", "91110000802100433B", "91440300708461136T"])
def test_real_credit_codes_validate(code):
    assert credit_code_problem(code) is None


@pytest.mark.parametrize("code, fragment", [
    ("91350100M000100Y44", "expected 3"),
    ("91350100M000100Y4", "18 characters"),
    ("91350100M00O100Y43", "not allowed"),
    ("9135A100M000100Y43", "area code"),
])
def test_bad_credit_codes_explain_themselves(code, fragment):
    problem = credit_code_problem(code)
    assert problem is not None and fragment in problem and "统一社会信用代码" in problem


def test_made_codes_are_valid():
    assert credit_code_problem(make_credit_code("9", "1", "370102", "MA3C12345")) is None


def test_organisation_scoping_matrix(world):
    objects = {"a": world.enterprise_a, "a2": world.enterprise_a2, "c": world.enterprise_c}
    world.assert_scoping(Organisation, {"a": objects["a"], "c": objects["c"]},
                         members={"member_a": {"a"}, "member_c": {"c"}})
    # A member sees its own organisation only, not a neighbour in the same county.
    visible = set(Organisation.objects.restrict(world.users["member_a"]).values_list("pk", flat=True))
    assert visible == {world.enterprise_a.pk}


def test_organisation_pages_and_api_are_scoped(world, client, api_client):
    objects = {"a": world.enterprise_a, "c": world.enterprise_c}
    members = {"member_a": {"a"}, "member_c": {"c"}}
    world.assert_urls_scoped(client, lambda o: f"/accounts/organisations/{o.pk}/", objects, members=members)
    world.assert_urls_scoped(api_client, lambda o: f"/api/organisations/{o.pk}/", objects, members=members)


def test_export_uses_the_same_scope(world, client):
    import io

    from openpyxl import load_workbook

    client.force_login(world.users["county_a"])
    response = client.get("/accounts/organisations/export.xlsx")
    assert response.status_code == 200
    names = {row[0] for row in load_workbook(io.BytesIO(response.content)).active.iter_rows(min_row=2, values_only=True)}
    assert "测试企业甲" in names and "测试企业丙" not in names
    # The export is recorded: who, what, which filter, how many rows.
    response = client.get("/accounts/organisations/export.xlsx", {"kind": "enterprise", "q": "测试"})
    rows = load_workbook(io.BytesIO(response.content)).active.max_row - 1
    entry = AuditLogEntry.objects.filter(action="export", actor=world.users["county_a"]).latest("id")
    assert entry.after["filters"] == {"kind": "enterprise", "q": "测试"} and entry.after["rows"] == rows == 2
    assert entry.content_type.model == "organisation" and entry.region_id == world.county_a.pk


def test_user_scoping(world):
    users = world.users
    county_a_sees = set(User.objects.restrict(users["county_a"]).values_list("username", flat=True))
    assert {"t-member-a", "t-member-a2", "t-county-370102"} <= county_a_sees
    assert "t-member-c" not in county_a_sees and "t-county-370103" not in county_a_sees
    assert set(User.objects.restrict(users["member_c"]).values_list("username", flat=True)) == {"t-member-c"}


def test_county_admin_cannot_create_in_another_county(world):
    with pytest.raises(PermissionDenied):
        services.create_organisation(actor=world.users["county_a"], name="越权企业", kind="enterprise",
                                     region=world.county_c)
    assert not Organisation.objects.filter(name="越权企业").exists()


def test_create_and_update_are_audited_with_before_and_after(world):
    actor = world.users["county_a"]
    org = services.create_organisation(actor=actor, name="审计测试企业", kind="enterprise", region=world.county_a,
                                       credit_code=make_credit_code("9", "1", "370102", "AUDT00001"))
    services.update_organisation(actor=actor, organisation=org, name="审计测试企业（更名）")
    entries = AuditLogEntry.objects.filter(object_id=str(org.pk), content_type__model="organisation").order_by("id")
    assert [e.action for e in entries] == ["create", "update"]
    assert entries[0].actor == actor and entries[0].after["name"] == "审计测试企业"
    assert entries[1].changes == {"name": ["审计测试企业", "审计测试企业（更名）"]}
    assert entries[1].region_id == world.county_a.pk
    # The county's own audit trail is visible to its admin, not to the neighbour.
    assert AuditLogEntry.objects.restrict(actor).filter(pk=entries[1].pk).exists()
    assert not AuditLogEntry.objects.restrict(world.users["county_b"]).filter(pk=entries[1].pk).exists()


def test_audit_entries_cannot_be_edited_or_deleted(world):
    org = services.create_organisation(actor=world.users["province"], name="不可改", kind="enterprise",
                                       region=world.county_b)
    entry = AuditLogEntry.objects.filter(object_id=str(org.pk)).latest("id")
    entry.comment = "tamper"
    with pytest.raises(PermissionDenied):
        entry.save()
    with pytest.raises(PermissionDenied):
        entry.delete()


def test_bad_credit_code_is_refused_and_nothing_saved(world):
    with pytest.raises(ValidationError) as info:
        services.create_organisation(actor=world.users["county_a"], name="坏代码", kind="enterprise",
                                     region=world.county_a, credit_code="91350100M000100Y44")
    assert "credit_code" in info.value.message_dict
    assert not Organisation.objects.filter(name="坏代码").exists()


def test_admin_roles_need_a_region_of_their_level(world):
    with pytest.raises(ValidationError) as info:
        services.create_user(actor=world.users["province"], username="wrong-level", password="Str0ng-passw0rd!",
                             role=Role.CITY_ADMIN, region=world.county_a)
    assert "region" in info.value.message_dict
    with pytest.raises(ValidationError) as info:
        services.create_user(actor=world.users["county_a"], username="weak", password="123", role=Role.ORG_MEMBER,
                             organisation=world.enterprise_a)
    assert "password" in info.value.message_dict
    assert not User.objects.filter(username__in=["wrong-level", "weak"]).exists()


def test_api_create_organisation_and_bilingual_field_errors(world, api_client):
    api_client.force_authenticate(world.users["county_a"])
    bad = api_client.post("/api/organisations/", {"name": "", "kind": "nonsense", "region": "999999",
                                                  "credit_code": "91350100M000100Y44"}, format="json")
    assert bad.status_code == 400
    errors = bad.json()["errors"]
    assert {"name", "kind", "region"} <= set(errors)
    assert all(" / " in message for messages in errors.values() for message in messages)
    bad_code = api_client.post("/api/organisations/", {"name": "甲", "kind": "enterprise", "region": "370102",
                                                       "credit_code": "91350100M000100Y44"}, format="json")
    assert bad_code.status_code == 400 and "credit_code" in bad_code.json()["errors"]
    other = api_client.post("/api/organisations/", {"name": "乙", "kind": "enterprise", "region": "370202"},
                            format="json")
    assert other.status_code == 403 and " / " in other.json()["detail"]
    good = api_client.post("/api/organisations/", {"name": "丙公司", "kind": "enterprise", "region": "370102",
                                                   "credit_code": make_credit_code("9", "1", "370102", "APQK00001")},
                           format="json")
    assert good.status_code == 201, good.json()
    assert AuditLogEntry.objects.filter(object_id=str(good.json()["id"]), actor=world.users["county_a"]).exists()
    assert Organisation.objects.filter(name__in=["甲", "乙"]).count() == 0


def test_token_login(world, api_client):
    response = api_client.post("/api/auth/token/", {"username": "t-county-370102",
                                                    "password": "CountyInno@2026"}, format="json")
    assert response.status_code == 200
    token = response.json()["token"]
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    me = api_client.get("/api/users/me/").json()
    assert me["username"] == "t-county-370102" and me["region"] == "370102"
    wrong = APIClientFactory().post("/api/auth/token/", {"username": "t-county-370102", "password": "x"},
                                    format="json")
    assert wrong.status_code in (400, 401, 403) and " / " in wrong.json()["detail"]
    missing = APIClientFactory().post("/api/auth/token/", {}, format="json")
    assert missing.status_code == 400 and {"username", "password"} <= set(missing.json()["errors"])


def APIClientFactory():
    from rest_framework.test import APIClient

    return APIClient()


def test_login_page_and_dashboard(world, client):
    page = client.get("/login/")
    assert "登录" in page.content.decode()
    response = client.post("/login/", {"username": "t-county-370102", "password": "CountyInno@2026"})
    assert response.status_code == 302
    home = client.get("/").content.decode()
    assert "县域创新驱动发展服务与监测平台" in home and "county-map" in home
    assert AuditLogEntry.objects.filter(action="login", actor_name="t-county-370102").exists()
