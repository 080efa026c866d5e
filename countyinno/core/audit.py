"""Audit log: who changed what, when, with the values before and after.

One mechanism for every write path (services, API, admin, CLI): model signals on every
`AuditedModel`, with the acting user taken from a context variable that the middleware sets per
request and `acting_as()` sets for services, jobs and the CLI.
"""

from __future__ import annotations

import contextlib
import contextvars
import datetime
import decimal
import uuid

from django.db import models
from django.db.models.signals import post_delete, post_save, pre_save

_current_actor: contextvars.ContextVar = contextvars.ContextVar("countyinno_actor", default=None)

SECRET_FIELDS = {"password", "key", "token"}


class AuditedModel(models.Model):
    """Abstract base: saving or deleting one of these writes an AuditLogEntry."""

    audit_exclude: tuple[str, ...] = ()

    class Meta:
        abstract = True


def current_actor():
    return _current_actor.get()


@contextlib.contextmanager
def acting_as(user):
    token = _current_actor.set(user)
    try:
        yield user
    finally:
        _current_actor.reset(token)


class AuditActorMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        token = _current_actor.set(user if user is not None and user.is_authenticated else None)
        try:
            return self.get_response(request)
        finally:
            _current_actor.reset(token)


def _plain(value):
    if isinstance(value, (datetime.date, datetime.datetime, datetime.time)):
        return value.isoformat()
    if isinstance(value, (decimal.Decimal, uuid.UUID)):
        return str(value)
    if isinstance(value, (list, dict, str, int, float, bool)) or value is None:
        return value
    return str(value)


def snapshot(instance: models.Model) -> dict:
    """Concrete field values as JSON-safe data; secrets masked."""
    data = {}
    exclude = set(getattr(instance, "audit_exclude", ()))
    for f in instance._meta.concrete_fields:
        if f.name in exclude:
            continue
        value = getattr(instance, f.attname)
        data[f.attname] = "***" if f.name in SECRET_FIELDS and value else _plain(value)
    return data


# Bookkeeping fields that change on every save; not worth a line in the change list.
DIFF_IGNORED = {"updated_at"}


def diff(before: dict | None, after: dict | None) -> dict:
    before, after = before or {}, after or {}
    keys = (set(before) | set(after)) - DIFF_IGNORED
    return {k: [before.get(k), after.get(k)] for k in sorted(keys) if before.get(k) != after.get(k)}


def _resolve(instance, path: str | None):
    if path is None:
        return None
    if path == "":
        return instance
    obj = instance
    for part in path.split("__"):
        obj = getattr(obj, part, None)
        if obj is None:
            return None
    return obj


def record(action: str, instance: models.Model, before: dict | None, after: dict | None,
           comment: str = "", actor=None):
    from .models import AuditLogEntry
    from django.contrib.contenttypes.models import ContentType

    actor = actor if actor is not None else current_actor()
    rule = getattr(type(instance), "scope", None)
    region = _resolve(instance, rule.region) if rule else None
    organisation = _resolve(instance, rule.organisation) if rule else None
    return AuditLogEntry.objects.create(
        actor=actor if actor is not None and getattr(actor, "pk", None) else None,
        actor_name=getattr(actor, "username", "") or "system",
        action=action,
        content_type=ContentType.objects.get_for_model(type(instance)),
        object_id=str(instance.pk),
        object_repr=str(instance)[:200],
        before=before,
        after=after,
        changes=diff(before, after),
        comment=comment,
        region_id=getattr(region, "pk", None),
        organisation_id=getattr(organisation, "pk", None),
    )


def record_state_change(instance, from_state: str, to_state: str, comment: str = "", actor=None):
    return record("state", instance, {"state": from_state}, {"state": to_state}, comment, actor)


def _pre_save(sender, instance, raw=False, **kwargs):
    if raw or not isinstance(instance, AuditedModel):
        return
    instance._audit_before = None
    if instance.pk is not None and not instance._state.adding:
        old = sender._default_manager.filter(pk=instance.pk).first()
        instance._audit_before = snapshot(old) if old is not None else None


def _post_save(sender, instance, created, raw=False, **kwargs):
    if raw or not isinstance(instance, AuditedModel):
        return
    before = None if created else getattr(instance, "_audit_before", None)
    after = snapshot(instance)
    if not created and not diff(before, after):
        return
    record("create" if created else "update", instance, before, after)


def _post_delete(sender, instance, **kwargs):
    if isinstance(instance, AuditedModel):
        record("delete", instance, snapshot(instance), None)


def _logged_in(sender, request, user, **kwargs):
    record("login", user, None, None, comment="登录成功 / signed in", actor=user)


def _login_failed(sender, credentials, request=None, **kwargs):
    from django.contrib.auth import get_user_model
    from .models import AuditLogEntry
    from django.contrib.contenttypes.models import ContentType

    username = str(credentials.get("username", ""))[:150]
    AuditLogEntry.objects.create(
        actor=None, actor_name=username, action="login",
        content_type=ContentType.objects.get_for_model(get_user_model()), object_id="-", object_repr=username,
        comment="登录失败 / sign-in failed")


def connect_signals():
    from django.contrib.auth.signals import user_logged_in, user_login_failed

    user_logged_in.connect(_logged_in, dispatch_uid="countyinno_audit_login")
    user_login_failed.connect(_login_failed, dispatch_uid="countyinno_audit_login_failed")
    pre_save.connect(_pre_save, dispatch_uid="countyinno_audit_pre_save")
    post_save.connect(_post_save, dispatch_uid="countyinno_audit_post_save")
    post_delete.connect(_post_delete, dispatch_uid="countyinno_audit_post_delete")
