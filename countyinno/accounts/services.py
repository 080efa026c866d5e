"""Every write to organisations and users goes through these functions."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from countyinno.core.audit import acting_as
from countyinno.core.errors import bilingual
from countyinno.core.scoping import CHANGE, can, scope_q

from .models import Organisation, Role, User


def _check_region_in_scope(actor, region) -> None:
    """An admin may only create records in a region it administers."""
    from countyinno.regions.models import Region

    if actor is None or actor.is_superuser:
        return
    q = scope_q(Region, actor, CHANGE)
    if q is not None and not Region.objects.filter(q, pk=region.pk).exists():
        raise PermissionDenied(bilingual("无权在该地区操作", "you may not act in that region"))


@transaction.atomic
def create_organisation(*, actor, name: str, kind: str, region, credit_code: str | None = None, **extra) -> Organisation:
    _check_region_in_scope(actor, region)
    org = Organisation(name=name, kind=kind, region=region, credit_code=(credit_code or None), **extra)
    org.full_clean()
    with acting_as(actor):
        org.save()
    return org


@transaction.atomic
def update_organisation(*, actor, organisation: Organisation, **changes) -> Organisation:
    if actor is not None and not can(actor, CHANGE, organisation):
        raise PermissionDenied(bilingual("无权修改该机构", "you may not change this organisation"))
    if "region" in changes:
        _check_region_in_scope(actor, changes["region"])
    for key, value in changes.items():
        setattr(organisation, key, value)
    organisation.full_clean()
    with acting_as(actor):
        organisation.save()
    return organisation


@transaction.atomic
def create_user(*, actor, username: str, password: str, role: str, region=None, organisation=None,
                display_name: str = "", validate_password: bool = True, **extra) -> User:
    if role in (Role.PROVINCE_ADMIN, Role.CITY_ADMIN, Role.COUNTY_ADMIN) and region is not None:
        _check_region_in_scope(actor, region)
    if organisation is not None and actor is not None and not can(actor, CHANGE, organisation):
        raise PermissionDenied(bilingual("无权为该机构建账号", "you may not add users to that organisation"))
    user = User(username=username, role=role, region=region, organisation=organisation,
                display_name=display_name, **extra)
    if validate_password:
        from django.contrib.auth.password_validation import validate_password as check

        try:
            check(password, user)
        except ValidationError as exc:
            raise ValidationError({"password": [bilingual("密码不符合要求", "password rejected") + f": {m}"
                                                for m in exc.messages]})
    user.set_password(password)
    user.full_clean()
    with acting_as(actor):
        user.save()
    return user
