"""Declared actions: the one write path. Every state change in every app is one of these.

    @action(permission=can_publish_plan, target="plan")
    def publish_plan(*, actor, plan): ...

Calling a declared action
1. refuses `actor=None` unless inside `audit.system(reason)` (demo loading, migrations, scheduled jobs)
   or the action admits anonymous callers (a public form) — then the caller is recorded as anonymous;
2. asks the permission predicate about the actor and the target object (`kwargs[target]`, or no
   object when the action has no target); a refusal raises `PermissionDenied` with a bilingual message,
   changes nothing and is itself audited as a "denied" entry;
3. opens the transaction, sets the acting user and the operation name, and runs the function, whose
   saves are audited one entry per object (model signals, and `audit.bulk()` for bulk writes), each
   entry naming this action.

Further checks inside the body (a second object, e.g. the organisation a listing is filed for) use
`require(predicate, actor, obj)`, which refuses and audits the same way.
"""

from __future__ import annotations

import functools
import inspect
from dataclasses import dataclass
from typing import Callable

from django.core.exceptions import PermissionDenied
from django.db import transaction

from . import audit
from .errors import bilingual
from .permissions import Predicate, signed_in


@dataclass(frozen=True)
class DeclaredAction:
    name: str
    func: Callable
    permission: Predicate
    target: str | None
    anonymous: bool

    @property
    def app_label(self) -> str:
        return self.name.split(".")[0]


_registry: dict[str, DeclaredAction] = {}


def declared_actions() -> dict[str, DeclaredAction]:
    return dict(_registry)


def _app_of(module: str) -> str:
    parts = module.split(".")
    return parts[1] if parts[0] == "countyinno" and len(parts) > 1 else parts[0]


class ActionRefused(PermissionDenied):
    """The actor may not do this; nothing was changed."""


def refuse(actor, name: str, obj=None, message: str | None = None):
    """Raise ActionRefused; the attempt is audited — now, or, when refused inside an action's body, once
    that action's transaction has rolled back (an entry written inside it would be rolled back too)."""
    exc = ActionRefused(message or bilingual("无权执行该操作", "you may not do this"))
    if signed_in(actor):
        pending = (actor, name, obj, message or "")
        if audit.current_operation():
            exc.pending_audit = pending
        else:
            audit.record_denied(*pending)
    raise exc


def require(permission: Predicate, actor, obj=None, message: str | None = None) -> None:
    """A further permission check inside an action's body; refuses and audits like the declared one."""
    if actor is None and audit.system_reason() is not None:
        return
    if not permission(actor, obj):
        refuse(actor, audit.current_operation() or permission.name, obj,
               message or bilingual("无权执行该操作", "you may not do this") + f" ({permission.name})")


def action(*, permission: Predicate, target: str | None = None, anonymous: bool = False, name: str | None = None,
           message: str | None = None):
    """Declare a state-changing function: permission, transaction and audit in one place.

    `message`: the bilingual refusal users see (default: "无权执行该操作 / you may not do this")."""
    if not isinstance(permission, Predicate):
        raise TypeError("permission must be a predicate from core.permissions.define()")

    def decorate(func):
        full_name = name or f"{_app_of(func.__module__)}.{func.__name__}"
        signature = inspect.signature(func)
        if "actor" not in signature.parameters or signature.parameters["actor"].kind != inspect.Parameter.KEYWORD_ONLY:
            raise TypeError(f"{full_name}: a declared action takes a keyword-only `actor`")
        if target is not None and target not in signature.parameters:
            raise TypeError(f"{full_name}: target {target!r} is not a parameter")
        if full_name in _registry:
            raise ValueError(f"action {full_name} is declared twice")

        @functools.wraps(func)
        def run(*args, **kwargs):
            actor = kwargs.get("actor")
            if actor is not None and not signed_in(actor):
                actor = kwargs["actor"] = None  # an AnonymousUser is no actor
            obj = None
            if target is not None:
                obj = kwargs.get(target)
                if obj is None:
                    bound = signature.bind_partial(*args, **kwargs)
                    obj = bound.arguments.get(target)
            if actor is None:
                if audit.system_reason() is None and not anonymous:
                    raise ActionRefused(bilingual("该操作需要登录的操作人", "this action needs a signed-in actor")
                                        + f" ({full_name})")
            elif not permission(actor, obj):
                refuse(actor, full_name, obj, message)
            try:
                with transaction.atomic(), audit.acting_as(actor), audit.operation(full_name):
                    return func(*args, **kwargs)
            except ActionRefused as exc:
                pending = getattr(exc, "pending_audit", None)
                if pending is not None and not audit.current_operation():  # the outermost action
                    exc.pending_audit = None
                    audit.record_denied(*pending)
                raise

        run.declared = _registry[full_name] = DeclaredAction(full_name, run, permission, target, anonymous)
        return run

    return decorate
