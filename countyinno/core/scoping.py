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


NOTHING = Q(pk__in=[])


def _path(prefix: str, field: str) -> str:
    return f"{prefix}__{field}" if prefix else field


def region_q(path: str, user) -> Q | None:
    """The filter that limits `path` (a Region path) to the user's administrative area."""
    from countyinno.accounts.models import Role

    region = user.region
    if region is None:
        return None
    if user.role == Role.PROVINCE_ADMIN:
        return Q(**{_path(path, "province_id"): region.province_id})
    if user.role == Role.CITY_ADMIN:
        return Q(**{_path(path, "city_id"): region.pk})
    if user.role == Role.COUNTY_ADMIN:
        return Q(**{_path(path, "pk") if path else "pk": region.pk})
    return None


def scope_q(model: type[models.Model], user, action: str = VIEW) -> Q | None:
    """A Q object selecting what `user` may `action`; None means everything."""
    if user is None or not user.is_authenticated or not user.is_active:
        return NOTHING
    if user.is_superuser:
        return None
    rule: ScopeRule | None = getattr(model, "scope", None)
    if rule is None:
        return NOTHING
    if action == VIEW and rule.public_view:
        return None
    parts: list[Q] = []
    if action == VIEW and rule.public_filter:
        parts.append(Q(**dict(rule.public_filter)))
    if rule.region is not None and user.is_region_admin:
        q = region_q(rule.region, user)
        if q is not None:
            parts.append(q)
    if rule.organisation is not None and user.organisation_id:
        parts.append(Q(**{_path(rule.organisation, "pk"): user.organisation_id}))
    if rule.owner is not None:
        parts.append(Q(**{_path(rule.owner, "pk"): user.pk}))
    if not parts:
        return NOTHING
    return reduce(or_, parts)


class RestrictedQuerySet(models.QuerySet):
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
    q = scope_q(type(instance), user, action)
    if q is None:
        return True
    return type(instance)._default_manager.filter(q, pk=instance.pk).exists()
