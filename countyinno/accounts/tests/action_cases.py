"""One case per declared action of accounts: an actor who may, and a realistic one who may not."""

from itertools import count

from django.conf import settings

from countyinno.accounts.models import Organisation, Role, User
from countyinno.core.testing import Case, action_case
from countyinno.core.validators import make_credit_code

_serial = count(1)
NEW_PASSWORD = "Harbour-Lamp-2026!"


def fresh_organisation(region, **fields):
    n = next(_serial)
    return Organisation.objects.create(name=f"用例企业{n}", kind=Organisation.Kind.ENTERPRISE, region=region,
                                       credit_code=make_credit_code("9", "1", region.code, f"AC{n:07d}"), **fields)


def fresh_user(organisation, role=Role.ORG_MEMBER, **fields):
    user = User(username=f"case-user-{next(_serial)}", role=role, organisation=organisation, **fields)
    user.set_password(settings.DEMO_PASSWORD)
    user.save()
    return user


# ------------------------------------------------------------------ organisations
@action_case("accounts.create_organisation")
def _(world):
    n = next(_serial)
    return Case(kwargs={"name": f"新企业{n}", "kind": "enterprise", "region": world.county_a,
                        "credit_code": make_credit_code("9", "1", "370102", f"NEW{n:06d}")},
                allowed=world.users["county_a"], denied=world.users["county_c"])


@action_case("accounts.update_organisation")
def _(world):
    org = fresh_organisation(world.county_a)
    return Case(kwargs={"organisation": org, "name": org.name + "（更名）"},
                allowed=world.users["county_a"], denied=world.users["county_c"])


@action_case("accounts.update_organisation_contact")
def _(world):
    org = fresh_organisation(world.county_a)
    member = fresh_user(org)
    # The neighbour firm's member in the same county may not edit it.
    return Case(kwargs={"organisation": org, "address": "历下区新地址 1 号"}, allowed=member,
                denied=world.users["member_a2"])


@action_case("accounts.deactivate_organisation")
def _(world):
    return Case(kwargs={"organisation": fresh_organisation(world.county_a)}, allowed=world.users["city_ab"],
                denied=world.users["county_b"])


@action_case("accounts.reactivate_organisation")
def _(world):
    org = fresh_organisation(world.county_a, is_active=False)
    # Its own member may not reactivate it: that is the registry's call.
    return Case(kwargs={"organisation": org}, allowed=world.users["province"], denied=fresh_user(org))


# ------------------------------------------------------------------ accounts
@action_case("accounts.create_user")
def _(world):
    return Case(kwargs={"username": f"new-colleague-{next(_serial)}", "password": NEW_PASSWORD,
                        "role": Role.ORG_MEMBER, "organisation": world.enterprise_a},
                allowed=world.users["member_a"], denied=world.users["talent_a"])


@action_case("accounts.update_user")
def _(world):
    user = fresh_user(world.enterprise_a)
    return Case(kwargs={"user": user, "display_name": "新名字"}, allowed=user, denied=world.users["member_a"])


@action_case("accounts.change_role")
def _(world):
    user = fresh_user(world.enterprise_a)
    return Case(kwargs={"user": user, "role": Role.TALENT, "organisation": world.enterprise_a},
                allowed=world.users["county_a"], denied=world.users["county_c"])


@action_case("accounts.deactivate_user")
def _(world):
    # A colleague in the same organisation may not switch another's account off.
    return Case(kwargs={"user": fresh_user(world.enterprise_a)}, allowed=world.users["county_a"],
                denied=world.users["member_a"])


@action_case("accounts.reactivate_user")
def _(world):
    return Case(kwargs={"user": fresh_user(world.enterprise_a, is_active=False)}, allowed=world.users["city_ab"],
                denied=world.users["county_b"])


@action_case("accounts.reset_password")
def _(world):
    return Case(kwargs={"user": fresh_user(world.enterprise_a), "password": NEW_PASSWORD},
                allowed=world.users["county_a"], denied=world.users["county_c"])


@action_case("accounts.change_password")
def _(world):
    user = fresh_user(world.enterprise_a)
    return Case(kwargs={"user": user, "password": NEW_PASSWORD}, allowed=user, denied=world.users["member_a"])


# ------------------------------------------------------------------ second factor and lock-outs
def _with_pending_device(user):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    return TOTPDevice.objects.create(user=user, name="app", confirmed=False)


@action_case("accounts.start_totp_enrolment")
def _(world):
    user = fresh_user(world.enterprise_a)
    # Nobody enrols an authenticator for someone else, not even the county's admin.
    return Case(kwargs={"user": user}, allowed=user, denied=world.users["county_a"])


@action_case("accounts.confirm_totp_enrolment")
def _(world):
    import base64

    import pyotp

    user = fresh_user(world.enterprise_a)
    device = _with_pending_device(user)
    code = pyotp.TOTP(base64.b32encode(device.bin_key).decode()).now()
    return Case(kwargs={"user": user, "code": code}, allowed=user, denied=world.users["member_a"])


@action_case("accounts.regenerate_recovery_codes")
def _(world):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    user = fresh_user(world.enterprise_a)
    TOTPDevice.objects.create(user=user, name="app", confirmed=True)
    return Case(kwargs={"user": user}, allowed=user, denied=world.users["city_ab"])


@action_case("accounts.reset_second_factor")
def _(world):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    user = fresh_user(world.enterprise_a)
    TOTPDevice.objects.create(user=user, name="app", confirmed=True)
    return Case(kwargs={"user": user}, allowed=world.users["county_a"], denied=world.users["county_b"])


@action_case("accounts.lift_lockout")
def _(world):
    return Case(kwargs={"username": "t-member-a", "ip_address": "203.0.113.9"}, allowed=world.users["province"],
                denied=world.users["city_ab"])
