"""One scoping mechanism for pages, API and exports.

Every scoped model declares a `ScopeRule` naming the path to its region and/or owning
organisation. `Model.objects.restrict(user, action)` turns the user's role into a filter:

- province admin: records whose region lies in the admin's province;
- city admin: records whose region lies in the admin's city;
- county admin: records of that county;
- organisation members (and every admin for its own bureau): records of their organisation;
- individual talents: records they own.

Views fetch objects only through restricted querysets, so out-of-scope objects answer 404.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import reduce
from operator import or_

from django.db import models
from django.db.models import Q

from .audit import AuditGuardedQuerySetMixin
from .permissions import NOTHING, for_model_action, region_q, scope_parts, signed_in  # noqa: F401 (region_q re-exported)

VIEW = "view"
CHANGE = "change"
DELETE = "delete"
ADD = "add"


@dataclass(frozen=True)
class ScopeRule:
    region: str | None = None  # path to a Region FK; "" when the model is the Region itself
    organisation: str | None = None  # path to an Organisation FK; "" when the model is the Organisation
    owner: str | None = None  # path to a User FK; "" when the model is the User
    public_view: bool = False  # reference data: every signed-in user may read it
    public_filter: tuple = ()  # e.g. (("status", "published"),): rows every signed-in user may read


def scope_q(model: type[models.Model], user, action: str = VIEW) -> Q | None:
    """A Q object selecting what `user` may `action`; None means everything.

    An action with a declared predicate (`core.permissions.define(..., model, action=...)`) uses it;
    otherwise view / change / delete follow the model's ScopeRule.
    """
    if not signed_in(user):
        return NOTHING
    if user.is_superuser:
        return None
    declared = for_model_action(model, action)
    if declared is not None:
        return declared.q(user)
    rule: ScopeRule | None = getattr(model, "scope", None)
    if rule is None or action not in (VIEW, CHANGE, DELETE):
        return NOTHING
    if action == VIEW and rule.public_view:
        return None
    parts: list[Q] = []
    if action == VIEW and rule.public_filter:
        parts.append(Q(**dict(rule.public_filter)))
    parts += scope_parts(rule, user, ("region", "organisation", "owner"))
    if not parts:
        return NOTHING
    return reduce(or_, parts)


class RestrictedQuerySet(AuditGuardedQuerySetMixin, models.QuerySet):
    def restrict(self, user, action: str = VIEW):
        q = scope_q(self.model, user, action)
        if q is None:
            return self
        restricted = self.filter(q)
        # A rule whose paths cross a many-to-many relation sets scope_distinct to avoid duplicates.
        return restricted.distinct() if getattr(self.model, "scope_distinct", False) else restricted


RestrictedManager = models.Manager.from_queryset(RestrictedQuerySet)


def can(user, action: str, instance: models.Model) -> bool:
    """Whether `user` may `action` this saved instance (same rule as the querysets)."""
    declared = for_model_action(instance.__class__, action)
    if declared is not None:
        return declared(user, instance)
    q = scope_q(instance.__class__, user, action)
    if q is None:
        return True
    return instance.__class__._default_manager.filter(q, pk=instance.pk).exists()
