"""Audit log: who changed what, when, from where, with the values before and after.

One mechanism for every write path (declared actions, API, admin, CLI): model signals on every
`AuditedModel` record single saves and deletes, and the querysets of audited models refuse the bulk
writes that bypass signals (`update()`, `delete()`, `bulk_create()`, `bulk_update()`) unless they run
inside `audit.bulk(reason)`, which records one entry per object those writes changed.

Context carried into every entry: the acting user (`acting_as()`, set by declared actions and the
request middleware), the declared action running (`operation`), the source address of the request, and
`system(reason)` for work with no user (demo loading, migrations, scheduled jobs).
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
_current_operation: contextvars.ContextVar = contextvars.ContextVar("countyinno_operation", default="")
_current_ip: contextvars.ContextVar = contextvars.ContextVar("countyinno_ip", default=None)
_system_reason: contextvars.ContextVar = contextvars.ContextVar("countyinno_system", default=None)
_bulk_reason: contextvars.ContextVar = contextvars.ContextVar("countyinno_bulk", default=None)

SECRET_FIELDS = {"password", "key", "token"}


class AuditedModel(models.Model):
    """Abstract base: saving or deleting one of these writes an AuditLogEntry."""

    audit_exclude: tuple[str, ...] = ()

    class Meta:
        abstract = True


def _entry_model():
    """core.AuditLogEntry, looked up rather than imported: core.models builds on this module."""
    from django.apps import apps

    return apps.get_model("core", "AuditLogEntry")


def current_actor():
    return _current_actor.get()


@contextlib.contextmanager
def _setting(var: contextvars.ContextVar, value):
    token = var.set(value)
    try:
        yield value
    finally:
        var.reset(token)


def acting_as(user):
    return _setting(_current_actor, user)


def operation(name: str):
    """Entries written inside carry the declared action's name."""
    return _setting(_current_operation, name)


def current_operation() -> str:
    return _current_operation.get()


def system(reason: str):
    """Work done by the platform itself, with no acting user: demo loading, migrations, scheduled jobs.

    Declared actions accept `actor=None` only inside this block; its entries name the reason."""
    if not reason or not reason.strip():
        raise ValueError("system() needs a reason")
    return _setting(_system_reason, reason.strip())


def system_reason() -> str | None:
    return _system_reason.get()


def client_ip(request) -> str | None:
    """The request's source address; behind a proxy, the left-most address of the trusted header."""
    from django.conf import settings

    header = getattr(settings, "AUDIT_CLIENT_IP_HEADER", "")
    value = request.META.get(header, "") if header else ""
    if value:
        value = value.split(",")[0].strip()
    value = value or request.META.get("REMOTE_ADDR", "")
    import ipaddress

    try:
        return str(ipaddress.ip_address(value))
    except ValueError:
        return None


def current_ip() -> str | None:
    return _current_ip.get()


class AuditActorMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        token = _current_actor.set(user if user is not None and user.is_authenticated else None)
        ip_token = _current_ip.set(client_ip(request))
        try:
            return self.get_response(request)
        finally:
            _current_actor.reset(token)
            _current_ip.reset(ip_token)


def _plain(value):
    if isinstance(value, float) and (value != value or value in (float("inf"), float("-inf"))):
        return str(value)  # NaN and infinities are not JSON; the audit records them as text
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


def _actor_fields(actor) -> dict:
    actor = actor if actor is not None else current_actor()
    if actor is not None and getattr(actor, "pk", None):
        name = actor.username
    else:
        reason = system_reason()
        name = f"system:{reason}"[:150] if reason else ("anonymous" if current_operation() else "system")
        actor = None
    return {"actor": actor, "actor_name": name, "operation": current_operation()[:100], "source_ip": current_ip()}


def entry(action: str, instance: models.Model, before: dict | None, after: dict | None, comment: str = "",
          actor=None, region_id=None, organisation_id=None, resolve_scope: bool = True):
    """An unsaved AuditLogEntry for `instance` (for bulk inserts); `record` saves one."""
    from django.contrib.contenttypes.models import ContentType

    AuditLogEntry = _entry_model()

    if resolve_scope:
        rule = getattr(instance.__class__, "scope", None)
        region_id = getattr(_resolve(instance, rule.region), "pk", None) if rule else None
        organisation_id = getattr(_resolve(instance, rule.organisation), "pk", None) if rule else None
    return AuditLogEntry(
        **_actor_fields(actor),
        action=action,
        content_type=ContentType.objects.get_for_model(instance.__class__),
        object_id=str(instance.pk),
        object_repr=str(instance)[:200],
        before=before,
        after=after,
        changes=diff(before, after),
        comment=comment,
        region_id=region_id,
        organisation_id=organisation_id,
    )


def record(action: str, instance: models.Model, before: dict | None, after: dict | None,
           comment: str = "", actor=None):
    made = entry(action, instance, before, after, comment, actor)
    made.save()
    return made


def record_event(action: str, model: type[models.Model], *, object_id: str = "-", object_repr: str = "",
                 comment: str = "", actor=None, region_id=None, organisation_id=None, after: dict | None = None,
                 actor_name: str | None = None):
    """An entry about something other than one saved object: an export, a refused attempt, a log-in.
    `actor_name`: who it was when there is no signed-in actor (the user name a failed log-in tried)."""
    from django.contrib.contenttypes.models import ContentType

    AuditLogEntry = _entry_model()
    fields = _actor_fields(actor)
    if actor_name and fields["actor"] is None:
        fields["actor_name"] = actor_name[:150]
    return AuditLogEntry.objects.create(
        **fields, action=action, content_type=ContentType.objects.get_for_model(model),
        object_id=str(object_id)[:64], object_repr=str(object_repr)[:200], after=after, comment=comment,
        region_id=region_id, organisation_id=organisation_id)


def user_scope_ids(user) -> dict:
    """Where an entry about a user's own act belongs: the user's region, else the organisation's."""
    if user is None or not getattr(user, "pk", None):
        return {"region_id": None, "organisation_id": None}
    organisation = getattr(user, "organisation", None)
    region_id = getattr(user, "region_id", None) or getattr(organisation, "region_id", None)
    return {"region_id": region_id, "organisation_id": getattr(user, "organisation_id", None)}


def record_export(user, model: type[models.Model], *, what: str, filters: dict | None = None, rows: int,
                  fmt: str = "xlsx"):
    """Every export: who, what, which filter, how many rows."""
    filters = {k: _plain(v) for k, v in (filters or {}).items() if v not in (None, "", [])}
    return record_event("export", model, object_repr=what, actor=user,
                        comment=f"导出 {rows} 行 / exported {rows} row(s) as {fmt}",
                        after={"what": what, "filters": filters, "rows": rows, "format": fmt}, **user_scope_ids(user))


def record_denied(user, operation_name: str, instance=None, reason: str = ""):
    """A refused attempt to act on an object: who tried what, on which object."""
    from django.contrib.auth import get_user_model

    model = instance.__class__ if instance is not None else get_user_model()
    scope = {"region_id": None, "organisation_id": None}
    if instance is not None and getattr(instance, "pk", None) is not None:
        rule = getattr(model, "scope", None)
        if rule:
            scope = {"region_id": getattr(_resolve(instance, rule.region), "pk", None),
                     "organisation_id": getattr(_resolve(instance, rule.organisation), "pk", None)}
    if scope["region_id"] is None and scope["organisation_id"] is None:
        scope = user_scope_ids(user)
    with operation(operation_name):
        return record_event("denied", model, object_id=getattr(instance, "pk", None) or "-",
                            object_repr=str(instance) if instance is not None else operation_name,
                            comment=reason or "拒绝 / refused", actor=user, **scope)


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
        made = entry("delete", instance, snapshot(instance), None)
        # A deleted region or organisation cannot be the scope of its own entry (the row is gone).
        rule = getattr(instance.__class__, "scope", None)
        if rule is not None and rule.organisation == "":
            made.organisation_id = None
        if rule is not None and rule.region == "":
            made.region_id = None
        made.save()


def record_login(*, username: str, user=None, ok: bool, method: str = "password", reason: str = "", request=None):
    """A log-in attempt: password or token, success or failure, with the source address.

    `method`: "password" (pages), "token" (API token issued), "totp" (second factor); `reason` for a
    failure: "bad-credentials", "locked", "totp-failed", "inactive"."""
    from django.contrib.auth import get_user_model

    User = get_user_model()
    if user is None and username:
        user = User._default_manager.filter(username=username).select_related("organisation").first()
    ip = client_ip(request) if request is not None else current_ip()
    labels = {"password": "密码登录 / password sign-in", "token": "令牌签发 / API token issued",
              "totp": "动态口令 / second factor", "recovery": "恢复码 / recovery code"}
    outcome = "成功 / succeeded" if ok else f"失败 / failed ({reason or 'bad-credentials'})"
    token = _current_ip.set(ip)
    try:
        return record_event("login", User, object_id=getattr(user, "pk", None) or "-",
                            object_repr=(username or getattr(user, "username", ""))[:200],
                            comment=f"{labels.get(method, method)}: {outcome}", actor=user if ok else None,
                            actor_name=f"{username or getattr(user, 'username', '')}（未登录 / not signed in）",
                            after={"method": method, "ok": ok, "reason": reason, "username": username[:150]},
                            **user_scope_ids(user))
    finally:
        _current_ip.reset(token)


def _logged_in(sender, request, user, **kwargs):
    record_login(username=user.username, user=user, ok=True, method=getattr(request, "login_method", "password")
                 if request is not None else "password", request=request)


def _login_failed(sender, credentials, request=None, **kwargs):
    record_login(username=str(credentials.get("username", ""))[:150], ok=False,
                 method=getattr(request, "login_method", "password"), reason="bad-credentials", request=request)


# ------------------------------------------------------------------ bulk writes
class UnauditedWrite(Exception):
    """A bulk write on an audited model outside `audit.bulk()`: it would leave no trail."""


def bulk(reason: str):
    """Allow bulk writes on audited models; each changed object gets its own entry."""
    if not reason or not reason.strip():
        raise ValueError("audit.bulk() needs a reason")
    return _setting(_bulk_reason, reason.strip())


def _require_bulk(model, what: str) -> str:
    reason = _bulk_reason.get()
    if reason is None:
        raise UnauditedWrite(f"{model._meta.label}.{what}() outside audit.bulk(): bulk writes on audited models "
                             f"must say why and are recorded per object")
    return reason


def _scope_ids(model, pks) -> dict:
    """{pk: (region_id, organisation_id)} in one query, for entries about many objects."""
    rule = getattr(model, "scope", None)
    if rule is None or not pks:
        return {}
    fields = ["pk"]
    region = (f"{rule.region}__pk" if rule.region else "pk") if rule.region is not None else None
    organisation = (f"{rule.organisation}__pk" if rule.organisation else "pk") if rule.organisation is not None else None
    for path in (region, organisation):
        if path:
            fields.append(path)
    out = {}
    for row in model._base_manager.filter(pk__in=list(pks)).values_list(*fields):
        values = dict(zip(fields, row))
        out[row[0]] = (values.get(region) if region else None, values.get(organisation) if organisation else None)
    return out


def _bulk_entries(action: str, model, pairs, reason: str):
    """pairs: [(instance, before, after)] → one entry each, inserted together."""
    AuditLogEntry = _entry_model()

    scope = _scope_ids(model, [obj.pk for obj, _, _ in pairs if obj.pk is not None])
    made = []
    for obj, before, after in pairs:
        if action == "update" and not diff(before, after):
            continue
        region_id, organisation_id = scope.get(obj.pk, (None, None))
        made.append(entry(action, obj, before, after, comment=f"批量 / bulk: {reason}", region_id=region_id,
                          organisation_id=organisation_id, resolve_scope=False))
    AuditLogEntry.objects.bulk_create(made, batch_size=500)
    return made


class AuditGuardedQuerySetMixin:
    """Bulk writes on audited models only inside audit.bulk(), recorded per object."""

    def _is_audited(self) -> bool:
        return issubclass(self.model, AuditedModel)

    def update(self, **kwargs):
        if not self._is_audited():
            return super().update(**kwargs)
        reason = _require_bulk(self.model, "update")
        before = {obj.pk: snapshot(obj) for obj in self._chain()}
        count = super().update(**kwargs)
        after = list(self.model._base_manager.filter(pk__in=list(before)))
        _bulk_entries("update", self.model, [(obj, before.get(obj.pk), snapshot(obj)) for obj in after], reason)
        return count

    def delete(self):
        if self._is_audited():
            _require_bulk(self.model, "delete")  # each deleted object is recorded by the post_delete signal
        return super().delete()

    def bulk_create(self, objs, *args, **kwargs):
        if not self._is_audited():
            return super().bulk_create(objs, *args, **kwargs)
        reason = _require_bulk(self.model, "bulk_create")
        created = super().bulk_create(objs, *args, **kwargs)
        _bulk_entries("create", self.model, [(obj, None, snapshot(obj)) for obj in created], reason)
        return created

    def bulk_update(self, objs, fields, *args, **kwargs):
        if not self._is_audited():
            return super().bulk_update(objs, fields, *args, **kwargs)
        reason = _require_bulk(self.model, "bulk_update")
        objs = list(objs)
        before = {obj.pk: snapshot(obj) for obj in self.model._base_manager.filter(pk__in=[o.pk for o in objs])}
        count = super().bulk_update(objs, fields, *args, **kwargs)
        _bulk_entries("update", self.model, [(obj, before.get(obj.pk), snapshot(obj)) for obj in objs], reason)
        return count


def connect_signals():
    from django.contrib.auth.signals import user_logged_in, user_login_failed

    user_logged_in.connect(_logged_in, dispatch_uid="countyinno_audit_login")
    user_login_failed.connect(_login_failed, dispatch_uid="countyinno_audit_login_failed")
    pre_save.connect(_pre_save, dispatch_uid="countyinno_audit_pre_save")
    post_save.connect(_post_save, dispatch_uid="countyinno_audit_post_save")
    post_delete.connect(_post_delete, dispatch_uid="countyinno_audit_post_delete")
