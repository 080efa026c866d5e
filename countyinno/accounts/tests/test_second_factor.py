"""The second factor: enrol with a QR code, log in with a code, no replay, recovery codes work once, wrong
codes lock out, required for province and city admins, and the API token endpoint asks for it too."""

import base64
import re

import pyotp
import pytest
from django.test import Client, override_settings
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from countyinno.accounts.models import User
from countyinno.core.api.tokens import issue
from countyinno.core.models import ApiToken, AuditLogEntry

PASSWORD = "CountyInno@2026"


def totp_for(device: TOTPDevice) -> pyotp.TOTP:
    return pyotp.TOTP(base64.b32encode(device.bin_key).decode())


def next_code(device: TOTPDevice) -> str:
    """The code of the next 30-second step: accepted now (the device tolerates one step of drift) and not
    the one the enrolment just used (which replay protection refuses)."""
    import time

    return totp_for(device).at(time.time() + 30)


def enrol(client, user) -> tuple[TOTPDevice, list[str]]:
    """Click through the enrolment page as `user` (signed in with `client`)."""
    page = client.get("/accounts/security/").content.decode()
    assert 'id="start-totp"' in page
    response = client.post("/accounts/security/enrol/")
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    qr = re.search(r'<img src="(data:image/svg\+xml;base64,[^"]+)"', page)
    assert qr, "the QR code is an inline SVG data: image"
    svg = base64.b64decode(qr.group(1).split(",", 1)[1]).decode()
    assert svg.lstrip().startswith("<svg") or "<svg" in svg[:200]
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    key = re.search(r'id="totp-key">([A-Z2-7]+)<', page).group(1)
    assert key == base64.b32encode(device.bin_key).decode().rstrip("=")
    bad = client.post("/accounts/security/confirm/", {"code": "12345"})
    assert bad.status_code == 400 and "6" in bad.content.decode()
    done = client.post("/accounts/security/confirm/", {"code": totp_for(device).now()})
    assert done.status_code == 200, done.content.decode()[:500]
    codes = re.findall(r"<li><code>([a-z2-9]{5}-[a-z2-9]{5})</code></li>", done.content.decode())
    assert len(codes) == 10 and len(set(codes)) == 10
    device.refresh_from_db()
    return device, codes


def login_password(client, username, password=PASSWORD):
    return client.post("/login/", {"username": username, "password": password})


def test_enrol_then_log_in_with_a_code_and_no_replay(world, client):
    user = world.users["county_a"]
    key, _ = issue(user)  # a token issued before the second factor existed
    client.force_login(user)
    device, codes = enrol(client, user)
    assert device.confirmed and StaticToken.objects.filter(device__user=user).count() == 10
    assert ApiToken.objects.get(user=user).revoked_at is not None, "tokens issued without the factor are revoked"
    assert client.get("/accounts/organisations/").status_code == 200  # this session proved the factor
    assert AuditLogEntry.objects.filter(object_id=str(user.pk), comment__contains="authenticator enrolled").exists()

    # A new log-in now needs the code; a used code is refused afterwards (no replay).
    other = Client()
    assert login_password(other, user.username)["Location"] == "/login/totp/"
    assert other.get("/accounts/organisations/").status_code == 302
    used = totp_for(device).now()  # the enrolment used this step's code: refused
    assert other.post("/login/totp/", {"code": used}).status_code == 200
    code = next_code(device)
    assert other.post("/login/totp/", {"code": code}).status_code == 302
    assert other.get("/accounts/organisations/").status_code == 200
    success = AuditLogEntry.objects.filter(action="login", object_id=str(user.pk)).latest("id")
    assert success.after == {"method": "totp", "ok": True, "reason": "", "username": user.username}

    replay = Client()
    login_password(replay, user.username)
    page = replay.post("/login/totp/", {"code": code})
    assert page.status_code == 200 and "动态口令错误" in page.content.decode()
    assert replay.get("/accounts/organisations/").status_code == 302
    failed = AuditLogEntry.objects.filter(action="login", object_id=str(user.pk)).latest("id")
    assert failed.after["reason"] == "totp-failed" and failed.after["ok"] is False


def test_a_recovery_code_works_once(world, client):
    user = world.users["city_ab"]
    client.force_login(user)
    _, codes = enrol(client, user)
    first = Client()
    login_password(first, user.username)
    assert first.post("/login/totp/", {"code": codes[3].upper().replace("-", " ")}).status_code == 302
    assert first.get("/accounts/organisations/").status_code == 200
    entry = AuditLogEntry.objects.filter(action="login", object_id=str(user.pk)).latest("id")
    assert entry.after["method"] == "recovery" and entry.after["ok"]
    assert StaticToken.objects.filter(device__user=user).count() == 9
    again = Client()
    login_password(again, user.username)
    assert again.post("/login/totp/", {"code": codes[3]}).status_code == 200
    assert again.get("/accounts/organisations/").status_code == 302
    entry = AuditLogEntry.objects.filter(action="login", object_id=str(user.pk)).latest("id")
    assert entry.after["method"] == "recovery" and entry.after["reason"] == "recovery-failed"


def test_renewed_recovery_codes_replace_the_old_ones(world, client):
    user = world.users["county_b"]
    client.force_login(user)
    _, old = enrol(client, user)
    page = client.post("/accounts/security/recovery-codes/").content.decode()
    new = re.findall(r"<li><code>([a-z2-9]{5}-[a-z2-9]{5})</code></li>", page)
    assert len(new) == 10 and not set(new) & set(old)
    fresh = Client()
    login_password(fresh, user.username)
    assert fresh.post("/login/totp/", {"code": old[0]}).status_code == 200  # old codes are dead
    assert fresh.post("/login/totp/", {"code": new[0]}).status_code == 302


def test_a_correct_password_does_not_reset_the_count_of_wrong_codes(world, client):
    """The old flaw: each correct password cleared the counter, so codes could be guessed forever."""
    user = world.users["province"]
    device = TOTPDevice.objects.create(user=user, name="app", confirmed=True)
    for _ in range(2):  # 2 rounds × (password right, 2 wrong codes) = 4 wrong codes, still counting
        login_password(client, user.username)
        client.post("/login/totp/", {"code": "000000" if totp_for(device).now() != "000000" else "111111"})
        client.post("/login/totp/", {"code": "zzzzz-zzzzz"})
    login_password(client, user.username)
    client.post("/login/totp/", {"code": "yyyyy-yyyyy"})  # the fifth
    page = login_password(client, user.username)
    assert page.status_code == 200 and "locked" in page.content.decode()
    page = client.post("/login/totp/", {"code": totp_for(device).now()})
    assert client.get("/accounts/organisations/").status_code == 302


def test_a_session_that_skipped_the_second_factor_is_ended(world, client):
    user = world.users["county_c"]
    TOTPDevice.objects.create(user=user, name="app", confirmed=True)
    client.force_login(user)  # e.g. signed in through some path that did not ask for the code
    response = client.get("/accounts/organisations/")
    assert response.status_code == 302 and response["Location"] == "/login/"
    assert client.get("/accounts/organisations/").status_code == 302


@override_settings(ADMIN_TOTP_REQUIRED=True)
def test_province_and_city_admins_must_enrol_first(world, client, api_client):
    for who in ("province", "city_ab"):
        client.force_login(world.users[who])
        response = client.get("/enterprises/")
        assert response.status_code == 302 and response["Location"] == "/accounts/security/?required=1", who
        assert "enrol-required" in client.get(response["Location"]).content.decode()
        refused = api_client.post("/api/auth/token/", {"username": world.users[who].username, "password": PASSWORD},
                                  format="json")
        assert refused.status_code == 403 and " / " in refused.json()["detail"]
    # County admins and members are not asked.
    for who in ("county_a", "member_a"):
        client.force_login(world.users[who])
        assert client.get("/accounts/organisations/" if who == "county_a" else "/").status_code == 200, who
    # Once enrolled, the province admin goes on.
    user = world.users["province"]
    client.force_login(user)
    enrol(client, user)
    assert client.get("/enterprises/").status_code == 200
    entry = AuditLogEntry.objects.filter(action="login", object_id=str(user.pk), after__reason="otp-not-enrolled")
    assert entry.exists()


def test_the_token_endpoint_needs_the_second_factor(world, api_client):
    user = world.users["county_a"]
    device = TOTPDevice.objects.create(user=user, name="app", confirmed=True)
    url = "/api/auth/token/"
    missing = api_client.post(url, {"username": user.username, "password": PASSWORD}, format="json")
    assert missing.status_code in (401, 403) and "otp" in missing.json()["detail"]
    wrong = api_client.post(url, {"username": user.username, "password": PASSWORD, "otp": "abcde-fghjk"}, format="json")
    assert wrong.status_code in (401, 403)
    code = totp_for(device).now()
    ok = api_client.post(url, {"username": user.username, "password": PASSWORD, "otp": code}, format="json")
    assert ok.status_code == 200 and ok.json()["token"]
    replay = api_client.post(url, {"username": user.username, "password": PASSWORD, "otp": code}, format="json")
    assert replay.status_code in (401, 403) and "token" not in replay.json()
    reasons = list(AuditLogEntry.objects.filter(action="login", object_id=str(user.pk)).order_by("id")
                   .values_list("after__method", "after__reason"))
    assert reasons == [("totp", "otp-missing"), ("recovery", "recovery-failed"), ("token", ""), ("totp", "totp-failed")]


def test_a_legacy_totp_secret_becomes_a_device(world):
    user = world.users["member_a"]
    secret = pyotp.random_base32()
    user.totp_secret = secret
    user.save()
    device = TOTPDevice.objects.get(user=user)
    assert device.confirmed and base64.b32encode(device.bin_key).decode().rstrip("=") == secret.rstrip("=")
    assert User.objects.filter(pk=user.pk).values_list("totp_secret", flat=True).get() == ""
    user.save()  # saving the same instance again does not replace the device (its last_t is kept)
    assert TOTPDevice.objects.get(user=user).pk == device.pk


def test_the_data_migration_moves_secrets_to_devices(world):
    import importlib

    from django.apps import apps as global_apps

    from countyinno.core import audit

    migration = importlib.import_module("countyinno.accounts.migrations.0003_second_factor_devices_and_forced_password_change")
    user = world.users["member_c"]
    secret = pyotp.random_base32()
    with audit.system("test: an account with a legacy secret"), audit.bulk("test: legacy secret"):
        User.objects.filter(pk=user.pk).update(totp_secret=secret)
    migration.totp_secrets_to_devices(global_apps, None)
    device = TOTPDevice.objects.get(user=user)
    assert device.confirmed and totp_for(device).now() == pyotp.TOTP(secret).now()
    assert User.objects.filter(pk=user.pk).values_list("totp_secret", flat=True).get() == ""


@pytest.mark.parametrize("who", ["county_c", "member_a"])
def test_an_admin_resets_a_lost_second_factor_in_scope_only(world, client, who):
    target = world.users["member_c"]
    TOTPDevice.objects.create(user=target, name="app", confirmed=True)
    client.force_login(world.users[who])
    response = client.post(f"/accounts/users/{target.pk}/reset-second-factor/")
    if who == "county_c":
        assert response.status_code == 302
        assert not TOTPDevice.objects.filter(user=target).exists()
        assert AuditLogEntry.objects.filter(operation="accounts.reset_second_factor", object_id=str(target.pk)).exists()
    else:
        assert response.status_code == 404  # not even visible
        assert TOTPDevice.objects.filter(user=target).exists()
