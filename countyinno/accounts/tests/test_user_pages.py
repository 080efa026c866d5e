"""The admins' own account pages: list in scope, create, deactivate / reactivate, one-time password reset,
role change — each refused outside scope and audited; organisation pages agree with the API on what
members may change; Argon2 hashes."""

import re

import pytest
from django.test import Client, override_settings

from countyinno.accounts.models import Organisation, Role, User
from countyinno.core.models import AuditLogEntry
from countyinno.core.validators import make_credit_code

PASSWORD = "CountyInno@2026"


def test_the_user_list_shows_the_admins_area_only(world, client):
    client.force_login(world.users["county_a"])
    page = client.get("/accounts/users/").content.decode()
    assert "t-member-a" in page and "t-member-a2" in page and "t-member-c" not in page
    assert "机构用户 organisation member" in page and "未绑定" in page  # labels, not codes
    filtered = client.get("/accounts/users/", {"q": "a2", "role": "org_member", "is_active": "1"}).content.decode()
    assert "t-member-a2" in filtered and 't-member-a"' not in filtered
    assert client.get("/accounts/users/", {"role": "emperor", "is_active": "maybe"}).status_code == 400
    assert client.get("/accounts/users/", {"sort": "nonsense", "page": "99999"}).status_code == 200
    for who in ("member_a", "talent_a"):
        client.force_login(world.users[who])
        assert client.get("/accounts/users/").status_code == 403


def test_create_an_account_with_a_one_time_password_then_it_must_be_changed(world, client, api_client):
    client.force_login(world.users["county_a"])
    form = client.get("/accounts/users/new/").content.decode()
    assert "测试企业丙" not in form  # an organisation out of the county is not offered
    bad = client.post("/accounts/users/new/", {"username": "new one", "role": Role.ORG_MEMBER,
                                               "organisation": world.enterprise_c.pk, "display_name": "保留"})
    assert bad.status_code == 400
    body = bad.content.decode()
    assert "请选择列表中的一项" in body and 'value="保留"' in body and "账号：" in body
    response = client.post("/accounts/users/new/", {"username": "new-colleague", "role": Role.ORG_MEMBER,
                                                    "organisation": world.enterprise_a.pk, "display_name": "新同事"})
    assert response.status_code == 200
    password = re.search(r'id="one-time-password">([^<]+)<', response.content.decode()).group(1)
    made = User.objects.get(username="new-colleague")
    assert made.organisation == world.enterprise_a and made.must_change_password and made.check_password(password)
    assert AuditLogEntry.objects.filter(operation="accounts.create_user", object_id=str(made.pk),
                                        actor=world.users["county_a"]).exists()
    # The one-time password is not in the audit log.
    assert not AuditLogEntry.objects.filter(after__icontains=password).exists()

    # First log-in: straight to the password change; the API refuses a token until then.
    newcomer = Client()
    newcomer.post("/login/", {"username": "new-colleague", "password": password})
    response = newcomer.get("/enterprises/")
    assert response.status_code == 302 and response["Location"] == "/password/change/?reset=1"
    assert "一次性密码" in newcomer.get(response["Location"]).content.decode()
    refused = api_client.post("/api/auth/token/", {"username": "new-colleague", "password": password}, format="json")
    assert refused.status_code == 403
    newcomer.post("/password/change/", {"old_password": password, "new_password1": "Harbour-Lamp-2026!",
                                        "new_password2": "Harbour-Lamp-2026!"})
    assert not User.objects.get(pk=made.pk).must_change_password
    assert newcomer.get("/enterprises/").status_code == 200


def test_an_admin_is_appointed_only_in_the_admins_area(world, client):
    client.force_login(world.users["city_ab"])
    ok = client.post("/accounts/users/new/", {"username": "new-county-admin", "role": Role.COUNTY_ADMIN,
                                              "region": world.county_b.pk})
    assert ok.status_code == 200 and User.objects.get(username="new-county-admin").region == world.county_b
    refused = client.post("/accounts/users/new/", {"username": "far-admin", "role": Role.COUNTY_ADMIN,
                                                   "region": world.county_c.pk})
    assert refused.status_code == 400 and not User.objects.filter(username="far-admin").exists()
    # A county admin is not offered admin roles of a higher level.
    client.force_login(world.users["county_a"])
    form = client.get("/accounts/users/new/").content.decode()
    assert 'value="city_admin"' not in form and 'value="county_admin"' in form


def test_deactivate_reactivate_reset_and_change_role_by_clicking(world, client):
    member = world.users["member_a"]
    client.force_login(world.users["county_a"])
    page = client.get(f"/accounts/users/{member.pk}/").content.decode()
    for button in ("deactivate-user", "reset-password", "change-role"):
        assert f'id="{button}"' in page
    assert client.post(f"/accounts/users/{member.pk}/deactivate/").status_code == 302
    assert not User.objects.get(pk=member.pk).is_active
    assert 'id="reactivate-user"' in client.get(f"/accounts/users/{member.pk}/").content.decode()
    assert client.post(f"/accounts/users/{member.pk}/reactivate/").status_code == 302
    assert User.objects.get(pk=member.pk).is_active
    reset = client.post(f"/accounts/users/{member.pk}/reset-password/")
    password = re.search(r'id="one-time-password">([^<]+)<', reset.content.decode()).group(1)
    assert reset["Cache-Control"] == "no-store"
    after = User.objects.get(pk=member.pk)
    assert after.check_password(password) and after.must_change_password
    role = client.post(f"/accounts/users/{member.pk}/role/", {"role": Role.TALENT,
                                                                 "organisation": world.enterprise_a.pk})
    assert role.status_code == 302 and User.objects.get(pk=member.pk).role == Role.TALENT
    bad = client.post(f"/accounts/users/{member.pk}/role/", {"role": Role.ORG_MEMBER, "organisation": ""})
    assert bad.status_code == 400 and "所属机构" in bad.content.decode()
    ops = set(AuditLogEntry.objects.filter(object_id=str(member.pk), actor=world.users["county_a"])
              .exclude(action="denied").values_list("operation", flat=True))
    assert {"accounts.deactivate_user", "accounts.reactivate_user", "accounts.reset_password",
            "accounts.change_role"} <= ops


@pytest.mark.parametrize("url", ["deactivate/", "reactivate/", "reset-password/", "role/", "reset-second-factor/"])
def test_account_actions_outside_the_area_are_refused(world, client, url):
    target = world.users["member_c"]
    client.force_login(world.users["county_a"])
    assert client.post(f"/accounts/users/{target.pk}/{url}", {"role": Role.TALENT}).status_code == 404
    assert client.get(f"/accounts/users/{target.pk}/").status_code == 404
    # An admin does not manage their own account, and a member cannot manage a visible colleague.
    me = world.users["county_a"]
    assert client.post(f"/accounts/users/{me.pk}/deactivate/").status_code == 403
    client.force_login(world.users["member_a"])
    colleague = User.objects.create(username="colleague", role=Role.ORG_MEMBER, organisation=world.enterprise_a)
    assert client.post(f"/accounts/users/{colleague.pk}/deactivate/").status_code == 403
    assert User.objects.get(pk=target.pk).is_active and User.objects.get(pk=colleague.pk).is_active
    assert AuditLogEntry.objects.filter(action="denied", actor=world.users["member_a"]).exists()


def test_register_and_edit_an_organisation_by_clicking(world, client):
    client.force_login(world.users["county_a"])
    assert 'id="new-organisation"' in client.get("/accounts/organisations/").content.decode()
    code = make_credit_code("9", "1", "370102", "PAGE00001")
    bad = client.post("/accounts/organisations/new/", {"name": "页面企业", "kind": "enterprise",
                                                       "region": world.county_a.pk, "credit_code": code[:-1] + "0"})
    assert bad.status_code in (200, 400) and "统一社会信用代码" in bad.content.decode()
    assert 'value="页面企业"' in bad.content.decode()
    ok = client.post("/accounts/organisations/new/", {"name": "页面企业", "kind": "enterprise",
                                                      "region": world.county_a.pk, "credit_code": code})
    org = Organisation.objects.get(name="页面企业")
    assert ok.status_code == 302 and ok["Location"] == f"/accounts/organisations/{org.pk}/"
    out = client.post("/accounts/organisations/new/", {"name": "越界企业", "kind": "enterprise",
                                                       "region": world.county_c.pk})
    assert out.status_code == 400 and not Organisation.objects.filter(name="越界企业").exists()
    detail = client.get(f"/accounts/organisations/{org.pk}/").content.decode()
    assert 'id="deactivate-organisation"' in detail and 'id="add-member"' in detail
    assert client.post(f"/accounts/organisations/{org.pk}/deactivate/").status_code == 302
    assert not Organisation.objects.get(pk=org.pk).is_active
    assert client.post(f"/accounts/organisations/{org.pk}/reactivate/").status_code == 302
    edit = client.post(f"/accounts/organisations/{org.pk}/edit/", {"name": "页面企业（更名）", "kind": "institute",
                                                                  "region": world.county_a.pk, "credit_code": code,
                                                                  "address": "经十路", "contact_phone": ""})
    assert edit.status_code == 302
    org.refresh_from_db()
    assert (org.name, org.kind, org.address) == ("页面企业（更名）", "institute", "经十路")


def test_members_edit_contact_details_only_and_pages_agree_with_the_api(world, client, api_client):
    org = world.enterprise_a
    member = world.users["member_a"]
    client.force_login(member)
    detail = client.get(f"/accounts/organisations/{org.pk}/").content.decode()
    assert 'id="edit-organisation"' in detail and "修改联系方式" in detail
    assert 'id="deactivate-organisation"' not in detail
    form = client.get(f"/accounts/organisations/{org.pk}/edit/").content.decode()
    assert 'name="address"' in form and 'name="kind"' not in form and 'name="name"' not in form
    response = client.post(f"/accounts/organisations/{org.pk}/edit/", {"address": "新址 9 号", "contact_phone": "",
                                                                      "kind": "university", "is_active": ""})
    assert response.status_code == 302
    org.refresh_from_db()
    assert org.address == "新址 9 号" and org.kind == "enterprise" and org.is_active
    assert client.post(f"/accounts/organisations/{org.pk}/deactivate/").status_code == 403
    assert Organisation.objects.get(pk=org.pk).is_active
    # The API agrees: kind and is_active are the registry's.
    api_client.force_authenticate(member)
    assert api_client.patch(f"/api/organisations/{org.pk}/", {"kind": "university"}, format="json").status_code == 403
    assert api_client.patch(f"/api/organisations/{org.pk}/", {"is_active": False}, format="json").status_code == 403
    org.refresh_from_db()
    assert org.kind == "enterprise" and org.is_active
    # Another firm's member cannot even open the edit page.
    client.force_login(world.users["member_a2"])
    assert client.get(f"/accounts/organisations/{org.pk}/edit/").status_code == 404


def test_a_member_adds_a_colleague_from_the_organisation_page(world, client):
    client.force_login(world.users["member_a"])
    detail = client.get(f"/accounts/organisations/{world.enterprise_a.pk}/").content.decode()
    assert f'href="/accounts/users/new/?organisation={world.enterprise_a.pk}"' in detail
    form = client.get(f"/accounts/users/new/?organisation={world.enterprise_a.pk}").content.decode()
    assert 'name="organisation"' not in form and 'value="county_admin"' not in form
    response = client.post(f"/accounts/users/new/?organisation={world.enterprise_a.pk}",
                           {"username": "firm-colleague", "role": Role.ORG_MEMBER,
                            "fixed_organisation": world.enterprise_a.pk})
    assert response.status_code == 200
    assert User.objects.get(username="firm-colleague").organisation == world.enterprise_a
    assert client.get(f"/accounts/users/new/?organisation={world.enterprise_c.pk}").status_code == 404
    assert client.get("/accounts/users/new/?organisation=abc").status_code == 404


def test_argon2id_first_and_old_hashes_upgraded(world, client):
    from django.contrib.auth.hashers import make_password

    from countyinno.settings import base

    assert base.PASSWORD_HASHERS[0] == "django.contrib.auth.hashers.Argon2PasswordHasher"
    assert "django.contrib.auth.hashers.PBKDF2PasswordHasher" in base.PASSWORD_HASHERS
    user = world.users["member_c"]
    with override_settings(PASSWORD_HASHERS=base.PASSWORD_HASHERS):
        from countyinno.core import audit

        with audit.system("test: an old PBKDF2 hash"), audit.bulk("test: an old PBKDF2 hash"):
            User.objects.filter(pk=user.pk).update(password=make_password(PASSWORD, hasher="pbkdf2_sha256"))
        assert client.post("/login/", {"username": user.username, "password": PASSWORD}).status_code == 302
        assert User.objects.get(pk=user.pk).password.startswith("argon2$argon2id$")
