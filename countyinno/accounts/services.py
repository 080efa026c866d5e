"""Every write to organisations and users: declared actions (permission, transaction and audit in one place)."""

from __future__ import annotations

from django.core.exceptions import ValidationError

from countyinno.core.actions import action, require
from countyinno.core.errors import bilingual

from .models import ADMIN_ROLE_LEVEL, Organisation, Role, User
from .permissions import (can_add_member, can_appoint_admin, can_change_organisation, can_change_password,
                          can_create_individual, can_create_organisation, can_create_user,
                          can_edit_organisation_contact, can_edit_profile, can_manage_user)

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
                display_name: str = "", validate_password: bool = True, **profile) -> User:
    _only(profile, PROFILE_FIELDS)
    _require_placement(actor, role, region, organisation)
    user = User(username=username, role=role, region=region, organisation=organisation,
                display_name=display_name, **profile)
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


@action(permission=can_manage_user, target="user")
def reset_password(*, actor, user: User, password: str) -> User:
    """An admin sets a new password for an account of the area (e.g. a forgotten one)."""
    user.set_password(_checked_password(password, user))
    user.save()
    return user


@action(permission=can_change_password, target="user")
def change_password(*, actor, user: User, password: str) -> User:
    """One's own new password (the page's form has already checked the old one)."""
    user.set_password(_checked_password(password, user))
    user.save()
    return user
