"""One permission vocabulary: named predicates that querysets, actions, the API and templates all ask.

Each app declares its predicates in `<app>/permissions.py`:

    can_review_listing = define("techmarket.review_listing", Listing, action="review",
                                roles=ADMINS, via=("region",), where=Q(status="submitted"))
    can_solve_plan = define("talent.solve_plan", roles={"province_admin"})   # no object

A predicate is called as `can_review_listing(user, listing) -> bool`; `.q(user)` is the same rule as a
queryset filter, so `Listing.objects.restrict(user, "review")` returns exactly the listings for which
the predicate is true. Templates ask `{% can "techmarket.review_listing" listing as ok %}`, the API
`PredicatePermission("techmarket.review_listing")`, and declared actions name the predicate they check.

How a rule reads, for a model with a `ScopeRule`:
- `roles`: the roles that may do it at all (None: every signed-in role);
- `via`: which paths of the model's scope rule grant it — "region" (admins over the object's area),
  "organisation" (members of the owning organisation), "owner" (the owning user). `via=ANYWHERE`
  grants it on every object (province-wide reference data such as indicator frameworks);
- `where`: a Q (or a function of the user returning one) the object must also satisfy, e.g. its state;
- `test`: an extra check on one object that a query cannot express (used by the predicate only, so
  keep it to conditions that `restrict` need not know, and say so).
Superusers pass every predicate. Nothing here knows the roles: `accounts` gives users `admin_level`
("province" / "city" / "county" / None) and `role`; predicates name roles as plain strings.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import reduce
from operator import or_
from typing import Callable, Iterable

from django.db.models import Q

ANYWHERE = "anywhere"
NOTHING = Q(pk__in=[])

_by_name: dict[str, "Predicate"] = {}
_by_model_action: dict[tuple[type, str], "Predicate"] = {}


def _path(prefix: str, name: str) -> str:
    return f"{prefix}__{name}" if prefix else name


def region_q(path: str, user) -> Q | None:
    """The filter that limits `path` (a Region path) to the user's administrative area."""
    level, region = getattr(user, "admin_level", None), getattr(user, "region", None)
    if level is None or region is None:
        return None
    if level == "province":
        return Q(**{_path(path, "province_id"): region.province_id})
    if level == "city":
        return Q(**{_path(path, "city_id"): region.pk})
    if level == "county":
        return Q(**{_path(path, "pk"): region.pk})
    return None


def scope_parts(rule, user, via: Iterable[str]) -> list[Q]:
    """The Q objects a model's ScopeRule grants `user` through the named paths."""
    parts: list[Q] = []
    via = set(via)
    if "region" in via and rule.region is not None and getattr(user, "admin_level", None):
        q = region_q(rule.region, user)
        if q is not None:
            parts.append(q)
    if "organisation" in via and rule.organisation is not None and getattr(user, "organisation_id", None) \
            and getattr(user, "acts_for_organisation", True):
        parts.append(Q(**{_path(rule.organisation, "pk"): user.organisation_id}))
    if "owner" in via and rule.owner is not None and getattr(user, "pk", None):
        parts.append(Q(**{_path(rule.owner, "pk"): user.pk}))
    return parts


def signed_in(user) -> bool:
    return user is not None and getattr(user, "is_authenticated", False) and getattr(user, "is_active", False)


@dataclass(eq=False)
class Predicate:
    name: str
    model: type | None = None
    action: str | None = None
    roles: frozenset[str] | None = None
    via: tuple[str, ...] | str = ("region", "organisation", "owner")
    where: Q | Callable | None = None
    test: Callable | None = None
    allow_anonymous: bool = False
    description: str = ""
    extra: dict = field(default_factory=dict)

    # -------------------------------------------------------------- who, as a role
    def role_allows(self, user) -> bool:
        if not signed_in(user):
            return self.allow_anonymous
        if user.is_superuser:
            return True
        return self.roles is None or user.role in self.roles

    # -------------------------------------------------------------- which objects, as a filter
    def q(self, user) -> Q | None:
        """The objects of `self.model` this user may act on; None means every object."""
        if not signed_in(user):
            return None if (self.allow_anonymous and self.via == ANYWHERE and self.where is None) else NOTHING
        if user.is_superuser:
            return None
        if not self.role_allows(user):
            return NOTHING
        where = self.where(user) if callable(self.where) else self.where
        if self.via == ANYWHERE:
            return where
        rule = getattr(self.model, "scope", None)
        if rule is None:
            return NOTHING
        parts = scope_parts(rule, user, self.via)
        if not parts:
            return NOTHING
        scoped = reduce(or_, parts)
        return scoped & where if where is not None else scoped

    # -------------------------------------------------------------- one object
    def __call__(self, user, obj=None) -> bool:
        if not self.role_allows(user):
            return False
        if signed_in(user) and user.is_superuser:
            return True
        if self.model is not None:
            if obj is None:
                raise TypeError(f"{self.name} needs the object it is asked about")
            q = self.q(user)
            if q is not None and q != Q():
                if obj.pk is None or not obj.__class__._default_manager.filter(q, pk=obj.pk).exists():
                    return False
        if self.test is not None and not self.test(user, obj):
            return False
        return True

    def __repr__(self):
        return f"<Predicate {self.name}>"


def define(name: str, model: type | None = None, *, action: str | None = None, roles: Iterable[str] | None = None,
           via: tuple[str, ...] | str = ("region", "organisation", "owner"), where=None, test=None,
           allow_anonymous: bool = False, description: str = "") -> Predicate:
    """Declare a named predicate; with `model` and `action`, `restrict(user, action)` uses it."""
    if name in _by_name:
        raise ValueError(f"predicate {name} is declared twice")
    if model is None and action is not None:
        raise ValueError(f"{name}: an action name needs a model")
    predicate = Predicate(name=name, model=model, action=action,
                          roles=frozenset(str(r) for r in roles) if roles is not None else None, via=via,
                          where=where, test=test, allow_anonymous=allow_anonymous, description=description)
    _by_name[name] = predicate
    if model is not None and action is not None:
        key = (model, action)
        if key in _by_model_action:
            raise ValueError(f"{model.__name__}.{action} already has predicate {_by_model_action[key].name}")
        _by_model_action[key] = predicate
    return predicate


def anyone(name: str, **kwargs) -> Predicate:
    """A predicate that admits every caller, signed in or not (a public form)."""
    return define(name, allow_anonymous=True, **kwargs)


def predicate(name: str) -> Predicate:
    try:
        return _by_name[name]
    except KeyError:
        raise KeyError(f"unknown permission predicate {name!r}") from None


def for_model_action(model: type, action: str) -> Predicate | None:
    for klass in model.__mro__:
        found = _by_model_action.get((klass, action))
        if found is not None:
            return found
    return None


def all_predicates() -> dict[str, Predicate]:
    return dict(_by_name)


def check(user, name_or_predicate, obj=None) -> bool:
    pred = predicate(name_or_predicate) if isinstance(name_or_predicate, str) else name_or_predicate
    return pred(user, obj)


# Core's own pages: the audit log and the job list are for officials (those with an administrative
# level); everyone still sees their own jobs' pages through the job link they were given.
can_view_audit_log = define("core.view_audit_log", test=lambda user, obj: getattr(user, "admin_level", None) is not None,
                            description="officials read the audit log of their area")
can_view_job_list = define("core.view_job_list", test=lambda user, obj: getattr(user, "admin_level", None) is not None,
                           description="officials see the background jobs of their area")
