"""Organisations and accounts change only through declared actions; refusals change nothing and are audited;
failed second factors and locked-out attempts leave log-in entries with the source address."""

import pyotp
import pytest
from django.core.exceptions import PermissionDenied

from countyinno.accounts import services
from countyinno.accounts.models import Organisation, Role, User
from countyinno.core import audit, security
from countyinno.core.actions import ActionRefused
from countyinno.core.models import AuditLogEntry
from countyinno.core.validators import make_credit_code

PASSWORD = "CountyInno@2026"
NEW_PASSWORD = "Harbour-Lamp-2026!"


def denied(operation: str, who) -> int:
    return AuditLogEntry.objects.filter(action="denied", operation=operation, actor=who).count()


# ------------------------------------------------------------------ organisations
def test_a_member_edits_the_contact_details_of_its_own_organisation_only(world):
    member = world.users["member_a"]
    services.update_organisation_contact(actor=member, organisation=world.enterprise_a, address="历下区经十路 1 号",
                                         contact_phone="0531-1234567")
    entry = AuditLogEntry.objects.filter(operation="accounts.update_organisation_contact", actor=member).get()
    assert entry.changes["address"] == ["", "历下区经十路 1 号"] and entry.organisation_id == world.enterprise_a.pk

    # The registry facts are the admins'.
    with pytest.raises(ActionRefused):
        services.update_organisation(actor=member, organisation=world.enterprise_a, name="自改名称")
    assert denied("accounts.update_organisation", member) == 1
    # Nor may the neighbour firm's member touch it, even its phone.
    with pytest.raises(ActionRefused):
        services.update_organisation_contact(actor=world.users["member_a2"], organisation=world.enterprise_a,
                                             contact_phone="110")
    world.enterprise_a.refresh_from_db()
    assert world.enterprise_a.name == "测试企业甲" and world.enterprise_a.contact_phone == "0531-1234567"


def test_the_contact_action_refuses_registry_fields(world):
    with pytest.raises(Exception) as info:
        services.update_organisation_contact(actor=world.users["member_a"], organisation=world.enterprise_a,
                                             is_active=False)
    assert "is_active" in info.value.message_dict
    assert Organisation.objects.get(pk=world.enterprise_a.pk).is_active


def test_admins_act_within_their_area(world):
    org = world.enterprise_a
    with pytest.raises(ActionRefused):
        services.update_organisation(actor=world.users["county_b"], organisation=org, name="邻县改名")
    with pytest.raises(ActionRefused):
        services.deactivate_organisation(actor=world.users["city_c"], organisation=org)
    # Moving a firm out of the admin's area is refused too: the destination must be the admin's.
    with pytest.raises(PermissionDenied):
        services.update_organisation(actor=world.users["county_a"], organisation=org, region=world.county_b)
    org.refresh_from_db()
    assert org.region == world.county_a and org.is_active and org.name == "测试企业甲"

    services.update_organisation(actor=world.users["city_ab"], organisation=org, region=world.county_b)
    services.deactivate_organisation(actor=world.users["city_ab"], organisation=org)
    org.refresh_from_db()
    assert org.region == world.county_b and not org.is_active
    ops = list(AuditLogEntry.objects.filter(object_id=str(org.pk), content_type__model="organisation",
                                            action="update").values_list("operation", flat=True).order_by("id"))
    assert ops == ["accounts.update_organisation", "accounts.deactivate_organisation"]


def test_api_update_chooses_the_action_by_the_fields_changed(world, api_client):
    url = f"/api/organisations/{world.enterprise_a.pk}/"
    api_client.force_authenticate(world.users["member_a"])
    ok = api_client.patch(url, {"address": "新址 8 号"}, format="json")
    assert ok.status_code == 200 and ok.json()["address"] == "新址 8 号"
    # A PUT that repeats the unchanged registry facts is still a contact edit.
    body = {**ok.json(), "contact_phone": "0531-7654321"}
    assert api_client.put(url, body, format="json").status_code == 200
    refused = api_client.patch(url, {"name": "自改名称"}, format="json")
    assert refused.status_code == 403 and " / " in refused.json()["detail"]
    assert denied("accounts.update_organisation", world.users["member_a"]) == 1
    # Another county's admin cannot see it at all: 404.
    api_client.force_authenticate(world.users["county_c"])
    assert api_client.patch(url, {"address": "x"}, format="json").status_code == 404
    # An individual talent has no organisation rights: members may create nothing either.
    api_client.force_authenticate(world.users["member_a"])
    assert api_client.post("/api/organisations/", {"name": "丁", "kind": "enterprise", "region": "370102"},
                           format="json").status_code == 403
    world.enterprise_a.refresh_from_db()
    assert world.enterprise_a.name == "测试企业甲" and world.enterprise_a.contact_phone == "0531-7654321"
    assert not Organisation.objects.filter(name="丁").exists()


def test_system_work_needs_an_explicit_reason(world):
    region = world.county_a
    with pytest.raises(ActionRefused):
        services.create_organisation(actor=None, name="无主企业", kind="enterprise", region=region)
    with audit.system("test import"):
        org = services.create_organisation(actor=None, name="导入企业", kind="enterprise", region=region,
                                           credit_code=make_credit_code("9", "1", "370102", "PLT000001"))
    entry = AuditLogEntry.objects.get(object_id=str(org.pk), content_type__model="organisation", action="create")
    assert entry.actor is None and entry.actor_name == "system:test import"
    assert entry.operation == "accounts.create_organisation"
    assert not Organisation.objects.filter(name="无主企业").exists()


# ------------------------------------------------------------------ accounts
def test_who_may_create_which_account(world):
    member, county_a = world.users["member_a"], world.users["county_a"]
    colleague = services.create_user(actor=member, username="colleague-a", password=NEW_PASSWORD,
                                     role=Role.ORG_MEMBER, organisation=world.enterprise_a)
    assert colleague.organisation == world.enterprise_a
    refusals = [
        # a member adding an account to another firm
        dict(actor=member, role=Role.ORG_MEMBER, organisation=world.enterprise_c),
        # a member making someone an admin of its county
        dict(actor=member, role=Role.COUNTY_ADMIN, region=world.county_a, organisation=world.enterprise_a),
        # a member creating a free-floating individual account
        dict(actor=member, role=Role.TALENT),
        # a county admin appointing a city admin
        dict(actor=county_a, role=Role.CITY_ADMIN, region=world.city_ab, organisation=world.enterprise_a),
        # an individual talent creating anything
        dict(actor=world.users["talent_a"], role=Role.TALENT),
    ]
    for n, kwargs in enumerate(refusals):
        with pytest.raises(PermissionDenied):
            services.create_user(username=f"refused-{n}", password=NEW_PASSWORD, **kwargs)
    assert not User.objects.filter(username__startswith="refused-").exists()
    talent = services.create_user(actor=county_a, username="talent-new", password=NEW_PASSWORD, role=Role.TALENT)
    assert talent.organisation is None
    assert AuditLogEntry.objects.filter(object_id=str(talent.pk), content_type__model="user", action="create",
                                        operation="accounts.create_user", actor=county_a).exists()


def test_create_user_takes_no_privilege_flags(world):
    with pytest.raises(Exception) as info:
        services.create_user(actor=world.users["county_a"], username="sneaky", password=NEW_PASSWORD,
                             role=Role.ORG_MEMBER, organisation=world.enterprise_a, is_superuser=True)
    assert "is_superuser" in info.value.message_dict
    assert not User.objects.filter(username="sneaky").exists()


def test_roles_change_within_the_area_and_never_ones_own(world):
    member, county_a, city_ab = world.users["member_a"], world.users["county_a"], world.users["city_ab"]
    bureau_a = county_a.organisation
    with pytest.raises(ActionRefused):  # outside the county admin's area
        services.change_role(actor=world.users["county_c"], user=member, role=Role.TALENT,
                             organisation=world.enterprise_a)
    with pytest.raises(ActionRefused):  # no self-appointment
        services.change_role(actor=county_a, user=county_a, role=Role.CITY_ADMIN, region=world.city_ab,
                             organisation=bureau_a)
    with pytest.raises(PermissionDenied):  # a county admin cannot appoint above the county
        services.change_role(actor=county_a, user=member, role=Role.CITY_ADMIN, region=world.city_ab,
                             organisation=world.enterprise_a)
    member.refresh_from_db()
    county_a.refresh_from_db()
    assert member.role == Role.ORG_MEMBER and county_a.role == Role.COUNTY_ADMIN

    services.change_role(actor=city_ab, user=member, role=Role.COUNTY_ADMIN, region=world.county_a,
                         organisation=bureau_a)
    member.refresh_from_db()
    assert member.role == Role.COUNTY_ADMIN and member.region == world.county_a
    entry = AuditLogEntry.objects.filter(operation="accounts.change_role", actor=city_ab).get()
    assert entry.changes["role"] == [Role.ORG_MEMBER, Role.COUNTY_ADMIN]


def test_deactivate_reactivate_and_reset_password(world, client):
    member, county_a = world.users["member_a"], world.users["county_a"]
    with pytest.raises(ActionRefused):
        services.deactivate_user(actor=world.users["member_a2"], user=member)
    with pytest.raises(ActionRefused):
        services.deactivate_user(actor=county_a, user=county_a)  # not oneself
    services.deactivate_user(actor=county_a, user=member)
    assert client.post("/login/", {"username": "t-member-a", "password": PASSWORD}).status_code == 200  # refused
    services.reactivate_user(actor=county_a, user=member)

    with pytest.raises(ActionRefused):
        services.reset_password(actor=world.users["county_c"], user=member, password=NEW_PASSWORD)
    services.reset_password(actor=county_a, user=member, password=NEW_PASSWORD)
    member.refresh_from_db()
    assert member.check_password(NEW_PASSWORD) and member.is_active
    ops = list(AuditLogEntry.objects.filter(object_id=str(member.pk), content_type__model="user", action="update")
               .values_list("operation", flat=True).order_by("id"))
    assert ops == ["accounts.deactivate_user", "accounts.reactivate_user", "accounts.reset_password"]
    reset = AuditLogEntry.objects.filter(operation="accounts.reset_password", action="update").get()
    assert reset.actor == county_a and "password_changed_at" in reset.changes
    assert reset.after["password"] == "***" and NEW_PASSWORD not in str(reset.after)


def test_profile_is_ones_own_or_the_area_admins(world):
    member = world.users["member_a"]
    services.update_user(actor=member, user=member, display_name="甲联系人", phone="13800000000")
    services.update_user(actor=world.users["county_a"], user=member, phone="13900000000")
    with pytest.raises(ActionRefused):
        services.update_user(actor=world.users["member_a2"], user=member, display_name="冒名")
    with pytest.raises(Exception) as info:
        services.update_user(actor=member, user=member, role=Role.PROVINCE_ADMIN)
    assert "role" in info.value.message_dict
    member.refresh_from_db()
    assert (member.display_name, member.phone, member.role) == ("甲联系人", "13900000000", Role.ORG_MEMBER)


def test_password_change_page_goes_through_the_action(world, client):
    client.force_login(world.users["member_a"])
    response = client.post("/password/change/", {"old_password": PASSWORD, "new_password1": NEW_PASSWORD,
                                                 "new_password2": NEW_PASSWORD})
    assert response.status_code == 302
    assert client.get("/accounts/organisations/").status_code == 200  # still signed in
    assert User.objects.get(username="t-member-a").check_password(NEW_PASSWORD)
    entry = AuditLogEntry.objects.filter(operation="accounts.change_password").get()
    assert entry.actor == world.users["member_a"] and entry.source_ip == "127.0.0.1"


# ------------------------------------------------------------------ log-ins
def _with_totp(user):
    user.totp_secret = pyotp.random_base32()
    user.save()
    return user


def test_failed_second_factor_is_recorded_with_the_source_address(world, client):
    user = _with_totp(world.users["county_a"])
    assert client.post("/login/", {"username": user.username, "password": PASSWORD})["Location"] == "/login/totp/"
    client.post("/login/totp/", {"code": "000000" if pyotp.TOTP(user.totp_secret).now() != "000000" else "111111"})
    entry = AuditLogEntry.objects.filter(action="login", object_id=str(user.pk)).latest("id")
    assert entry.after == {"method": "totp", "ok": False, "reason": "totp-failed", "username": user.username}
    assert entry.source_ip == "127.0.0.1" and entry.region_id == world.county_a.pk and entry.actor is None

    client.post("/login/totp/", {"code": pyotp.TOTP(user.totp_secret).now()})
    success = AuditLogEntry.objects.filter(action="login", object_id=str(user.pk)).latest("id")
    assert success.after["ok"] and success.after["method"] == "totp" and success.actor == user


def _fail_from(client, username, n, **extra):
    for _ in range(n):
        client.post("/login/", {"username": username, "password": "wrong-password"}, **extra)


def test_locked_out_attempts_are_recorded_with_the_source_address(world, client):
    username = "t-member-c"
    _fail_from(client, username, security.settings.LOGIN_MAX_FAILURES)
    before = AuditLogEntry.objects.filter(action="login").count()
    page = client.post("/login/", {"username": username, "password": PASSWORD})
    assert page.status_code == 200 and "locked" in page.content.decode()
    entry = AuditLogEntry.objects.filter(action="login").latest("id")
    assert AuditLogEntry.objects.filter(action="login").count() == before + 1
    assert entry.after == {"method": "password", "ok": False, "reason": "locked", "username": username}
    assert entry.source_ip == "127.0.0.1" and entry.object_id == str(world.users["member_c"].pk)
    assert entry.organisation_id == world.enterprise_c.pk


def test_locked_out_second_factor_is_recorded(world, client):
    user = _with_totp(world.users["province"])
    client.post("/login/", {"username": user.username, "password": PASSWORD})
    for _ in range(security.settings.LOGIN_MAX_FAILURES):
        client.post("/login/totp/", {"code": "abcde-fghjk"})  # wrong recovery codes count too
    page = client.post("/login/totp/", {"code": pyotp.TOTP(user.totp_secret).now()})
    assert "locked" in page.content.decode()
    assert client.get("/accounts/organisations/").status_code == 302  # the right code did not sign in
    entry = AuditLogEntry.objects.filter(action="login", object_id=str(user.pk)).latest("id")
    assert entry.after["reason"] == "locked" and entry.after["method"] == "totp" and entry.source_ip == "127.0.0.1"
    failed = AuditLogEntry.objects.filter(action="login", object_id=str(user.pk), after__reason="recovery-failed")
    assert failed.count() == security.settings.LOGIN_MAX_FAILURES


def test_a_refused_placement_is_audited(world):
    member = world.users["member_a"]
    with pytest.raises(PermissionDenied):
        services.create_user(actor=member, username="into-firm-c", password=NEW_PASSWORD, role=Role.ORG_MEMBER,
                             organisation=world.enterprise_c)
    assert denied("accounts.create_user", member) == 1


# ------------------------------------------------------------------ the admin site
@pytest.fixture
def staff_province(world):
    """A province admin who was made staff with every permission (as the old demo did)."""
    from django.contrib.auth.models import Permission

    user = world.users["province"]
    user.is_staff = True
    user.save()
    user.user_permissions.add(*Permission.objects.all())
    return User.objects.get(pk=user.pk)


def test_the_admin_site_is_for_superusers_only(world, client, staff_province):
    client.force_login(staff_province)
    for url in ("/admin/", f"/admin/accounts/user/{staff_province.pk}/change/", "/admin/accounts/user/add/"):
        assert client.get(url, follow=True).status_code == 403, url  # via /admin/login/, which refuses
    response = client.post(f"/admin/accounts/user/{staff_province.pk}/change/", {
        "username": staff_province.username, "is_superuser": "on", "is_staff": "on", "role": Role.PROVINCE_ADMIN,
        "_save": "1"}, follow=True)
    assert response.status_code == 403 and "superusers only" in response.content.decode()
    me = User.objects.get(pk=staff_province.pk)
    assert not me.is_superuser
    # Its log-in page is the platform's (lock-out, second factor, audit).
    anonymous = client.__class__()
    response = anonymous.get("/admin/login/?next=/admin/")
    assert response.status_code == 302 and response["Location"].startswith("/login/")
    boss = User.objects.create_superuser("boss", password=NEW_PASSWORD)
    client.force_login(boss)
    assert client.get("/admin/").status_code == 200
    assert client.get(f"/admin/accounts/user/{staff_province.pk}/change/").status_code == 200


def test_region_admins_cannot_grant_privileges_on_the_platform_pages(world, client):
    """The platform's own account pages have no privilege fields: posting them changes nothing."""
    county = world.users["county_a"]
    member = world.users["member_a"]
    client.force_login(county)
    response = client.post(f"/accounts/users/{member.pk}/role/", {
        "role": Role.ORG_MEMBER, "organisation": world.enterprise_a.pk, "is_superuser": "on", "is_staff": "on"})
    assert response.status_code == 302
    member.refresh_from_db()
    assert not member.is_superuser and not member.is_staff
