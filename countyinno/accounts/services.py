"""Every write to organisations and users: declared actions (permission, transaction and audit in one place)."""

from __future__ import annotations

from django.core.exceptions import ValidationError

from countyinno.core.actions import action, require
from countyinno.core.errors import bilingual

from .models import ADMIN_ROLE_LEVEL, Organisation, Role, User
from .permissions import (can_add_member, can_appoint_admin, can_change_organisation, can_change_password,
                          can_create_individual, can_create_organisation, can_create_user,
                          can_edit_organisation_contact, can_edit_profile, can_lift_lockout,
                          can_manage_own_second_factor, can_manage_user, can_reset_second_factor)

# What members may edit of their own organisation; the rest is the registry, kept by the admins.
CONTACT_FIELDS = ("address", "contact_phone")
ORGANISATION_FIELDS = ("name", "kind", "credit_code", "region", *CONTACT_FIELDS, "is_active")
# What a user edits of a profile; role, placement, activity and password have their own actions.
PROFILE_FIELDS = ("display_name", "phone", "email", "first_name", "last_name")


def _only(changes: dict, allowed: tuple[str, ...]) -> None:
    unknown = sorted(set(changes) - set(allowed))
    if unknown:
        raise ValidationError({name: bilingual("该字段不能在此修改", "this field cannot be changed here")
                               for name in unknown})


def changed_fields(instance, changes: dict) -> set[str]:
    """The keys of `changes` whose value differs from the instance's (a PUT repeats unchanged fields)."""
    return {key for key, value in changes.items() if getattr(instance, key, None) != value}


# ------------------------------------------------------------------ organisations
@action(permission=can_create_organisation, target="region")
def create_organisation(*, actor, name: str, kind: str, region, credit_code: str | None = None,
                        **contact) -> Organisation:
    _only(contact, CONTACT_FIELDS)
    org = Organisation(name=name, kind=kind, region=region, credit_code=(credit_code or None), **contact)
    org.full_clean()
    org.save()
    return org


@action(permission=can_change_organisation, target="organisation")
def update_organisation(*, actor, organisation: Organisation, **changes) -> Organisation:
    """The registry facts and the contact details (admins of the organisation's area)."""
    _only(changes, ORGANISATION_FIELDS)
    if "region" in changed_fields(organisation, changes):
        require(can_create_organisation, actor, changes["region"])
    if "credit_code" in changes:
        changes["credit_code"] = changes["credit_code"] or None
    for key, value in changes.items():
        setattr(organisation, key, value)
    organisation.full_clean()
    organisation.save()
    return organisation


@action(permission=can_edit_organisation_contact, target="organisation")
def update_organisation_contact(*, actor, organisation: Organisation, **changes) -> Organisation:
    """Address and phone: what the organisation's own members may keep up to date."""
    _only(changes, CONTACT_FIELDS)
    for key, value in changes.items():
        setattr(organisation, key, value)
    organisation.full_clean()
    organisation.save()
    return organisation


@action(permission=can_change_organisation, target="organisation")
def deactivate_organisation(*, actor, organisation: Organisation) -> Organisation:
    """Mark an organisation no longer active (deregistered, merged). Its accounts are left as they are."""
    organisation.is_active = False
    organisation.save()
    return organisation


@action(permission=can_change_organisation, target="organisation")
def reactivate_organisation(*, actor, organisation: Organisation) -> Organisation:
    organisation.is_active = True
    organisation.save()
    return organisation


# ------------------------------------------------------------------ accounts
def _require_placement(actor, role: str, region, organisation) -> None:
    """May the actor give an account this role in this region / organisation?"""
    if role in ADMIN_ROLE_LEVEL and region is not None:
        require(can_appoint_admin, actor, region,
                bilingual("无权在该地区任命管理员", "you may not appoint an admin in that region"))
    if organisation is not None:
        require(can_add_member, actor, organisation,
                bilingual("无权为该机构建账号", "you may not add accounts to that organisation"))
    elif role not in ADMIN_ROLE_LEVEL:
        require(can_create_individual, actor, None,
                bilingual("无权建立不属于机构的账号", "you may not create an account without an organisation"))


def _checked_password(password: str, user: User) -> str:
    from django.contrib.auth.password_validation import validate_password

    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise ValidationError({"password": [bilingual("密码不符合要求", "password rejected") + f": {m}"
                                            for m in exc.messages]})
    return password


@action(permission=can_create_user)
def create_user(*, actor, username: str, password: str, role: str, region=None, organisation=None,
                display_name: str = "", validate_password: bool = True, one_time: bool = False, **profile) -> User:
    """`one_time`: the password is a one-time one (shown once to the admin); the account chooses its own
    at its first log-in."""
    _only(profile, PROFILE_FIELDS)
    _require_placement(actor, role, region, organisation)
    user = User(username=username, role=role, region=region, organisation=organisation,
                display_name=display_name, must_change_password=one_time, **profile)
    if validate_password:
        _checked_password(password, user)
    user.set_password(password)
    user.full_clean()
    user.save()
    return user


@action(permission=can_edit_profile, target="user")
def update_user(*, actor, user: User, **changes) -> User:
    """Name, phone and e-mail: the user's own, or an account's in the admin's area."""
    _only(changes, PROFILE_FIELDS)
    for key, value in changes.items():
        setattr(user, key, value)
    user.full_clean()
    user.save()
    return user


@action(permission=can_manage_user, target="user")
def change_role(*, actor, user: User, role: str, region=None, organisation=None) -> User:
    """A new role and placement; the actor must be allowed to create an account with them."""
    _require_placement(actor, role, region, organisation)
    user.role, user.region, user.organisation = role, region, organisation
    user.full_clean()
    user.save()
    return user


@action(permission=can_manage_user, target="user")
def deactivate_user(*, actor, user: User) -> User:
    """The account can no longer sign in; its API tokens stop working with it (inactive users fail auth)."""
    user.is_active = False
    user.save()
    return user


@action(permission=can_manage_user, target="user")
def reactivate_user(*, actor, user: User) -> User:
    user.is_active = True
    user.save()
    return user


def one_time_password(user: User | None = None) -> str:
    """A random password that satisfies the platform's rules, for an admin's reset (shown once)."""
    import secrets

    from django.contrib.auth.password_validation import validate_password

    alphabet = "ABCDEFGHJKMNPQRSTUVWXYZabcdefghjkmnpqrstuvwxyz23456789"
    while True:
        body = "".join(secrets.choice(alphabet) for _ in range(14))
        candidate = f"{body[:7]}-{body[7:]}"
        try:
            validate_password(candidate, user)
        except ValidationError:
            continue
        return candidate


@action(permission=can_manage_user, target="user")
def reset_password(*, actor, user: User, password: str) -> User:
    """An admin sets a one-time password for an account of the area (e.g. a forgotten one): the account
    must choose its own at the next log-in, and its API tokens stop working (the password changed)."""
    user.set_password(_checked_password(password, user))
    user.must_change_password = True
    user.save()
    return user


@action(permission=can_change_password, target="user")
def change_password(*, actor, user: User, password: str) -> User:
    """One's own new password (the page's form has already checked the old one)."""
    user.set_password(_checked_password(password, user))
    user.must_change_password = False
    user.save()
    return user


# ------------------------------------------------------------------ second factor
def _record(user: User, zh: str, en: str, after: dict | None = None):
    from countyinno.core import audit

    audit.record_event("state", User, object_id=user.pk, object_repr=user.username, comment=bilingual(zh, en),
                       after=after, **audit.user_scope_ids(user))


def _revoke_tokens(user: User, reason: str) -> int:
    from countyinno.core.api.tokens import revoke_all

    return revoke_all(user, reason)


@action(permission=can_manage_own_second_factor, target="user")
def start_totp_enrolment(*, actor, user: User):
    """A new, unconfirmed authenticator key for the user (any earlier unconfirmed one is dropped)."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    TOTPDevice.objects.filter(user=user, confirmed=False).delete()
    device = TOTPDevice.objects.create(user=user, name="动态口令 authenticator", confirmed=False)
    _record(user, "开始绑定动态口令", "authenticator enrolment started")
    return device


@action(permission=can_manage_own_second_factor, target="user")
def confirm_totp_enrolment(*, actor, user: User, code: str) -> list[str]:
    """Confirm the pending key with a code from the app; replaces any earlier authenticator, issues ten
    recovery codes (returned once, to be shown once) and revokes the API tokens issued without it."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from .second_factor import normalise

    device = TOTPDevice.objects.select_for_update().filter(user=user, confirmed=False).order_by("-id").first()
    if device is None:
        raise ValidationError({"code": bilingual("请先生成二维码", "start the enrolment first")})
    if not normalise(code).isdigit() or not device.verify_token(normalise(code)):
        raise ValidationError({"code": bilingual("动态口令不正确，请核对手机时间后重试",
                                                 "the code is wrong; check the phone's clock and try again")})
    TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
    device.confirmed = True
    device.save()
    codes = _new_recovery_codes(user)
    revoked = _revoke_tokens(user, "second factor enrolled")
    _record(user, "已绑定动态口令", "authenticator enrolled", {"recovery_codes": len(codes), "tokens_revoked": revoked})
    return codes


def _new_recovery_codes(user: User) -> list[str]:
    from django_otp.plugins.otp_static.models import StaticDevice, StaticToken

    from .second_factor import RECOVERY_CODES, new_recovery_code

    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name="恢复码 recovery codes", confirmed=True)
    codes = [new_recovery_code() for _ in range(RECOVERY_CODES)]
    StaticToken.objects.bulk_create([StaticToken(device=device, token=code) for code in codes])
    return codes


@action(permission=can_manage_own_second_factor, target="user")
def regenerate_recovery_codes(*, actor, user: User) -> list[str]:
    """Ten new recovery codes; the old ones stop working."""
    from .second_factor import has_second_factor

    if not has_second_factor(user):
        raise ValidationError(bilingual("请先绑定动态口令", "enrol an authenticator first"))
    codes = _new_recovery_codes(user)
    _record(user, "已重新生成恢复码", "recovery codes renewed", {"recovery_codes": len(codes)})
    return codes


@action(permission=can_reset_second_factor, target="user")
def reset_second_factor(*, actor, user: User) -> User:
    """An admin removes a lost authenticator and the recovery codes of an account of the area; the account
    enrols again at its next log-in (when it must) and its API tokens are revoked."""
    from django_otp.plugins.otp_static.models import StaticDevice
    from django_otp.plugins.otp_totp.models import TOTPDevice

    removed = TOTPDevice.objects.filter(user=user).delete()[0] + StaticDevice.objects.filter(user=user).delete()[0]
    revoked = _revoke_tokens(user, "second factor reset")
    _record(user, "管理员已重置动态口令", "second factor reset by an admin", {"removed": removed, "tokens_revoked": revoked})
    return user


# ------------------------------------------------------------------ lock-outs
@action(permission=can_lift_lockout)
def lift_lockout(*, actor, username: str, ip_address: str | None) -> int:
    """Lift the lock-out of (user name, address) before its cool-off ends."""
    from countyinno.core import audit

    from countyinno.core.security import lift

    count = lift(username, ip_address)
    target = User.objects.filter(username=username).select_related("organisation").first()
    audit.record_event("state", User, object_id=getattr(target, "pk", None) or "-", object_repr=username,
                       comment=bilingual(f"解除登录锁定（来源地址 {ip_address or '—'}）",
                                         f"log-in lock-out lifted (address {ip_address or '—'})"),
                       after={"username": username, "ip_address": ip_address, "attempts_removed": count},
                       **audit.user_scope_ids(target))
    return count
