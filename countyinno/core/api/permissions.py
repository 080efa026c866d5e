"""The API asks the same predicates as services and templates."""

from rest_framework.permissions import BasePermission


class PredicatePermission(BasePermission):
    """Viewsets name a predicate per DRF action: `predicates = {"create": "techmarket.create_listing", …}`.

    Role-level checks run before the view (`has_permission`), object-level checks on the fetched
    object; objects outside the user's scope never get here (they are 404 from the restricted queryset)."""

    def _predicate(self, view):
        from countyinno.core.permissions import predicate

        name = getattr(view, "predicates", {}).get(getattr(view, "action", None))
        return predicate(name) if name else None

    def has_permission(self, request, view):
        pred = self._predicate(view)
        allowed = True if pred is None else pred.role_allows(request.user)
        if not allowed:
            _record(request, pred, None)
        return allowed

    def has_object_permission(self, request, view, obj):
        pred = self._predicate(view)
        if pred is None:
            return True
        allowed = pred(request.user, obj if pred.model is not None else None)
        if not allowed:
            _record(request, pred, obj)
        return allowed


def _record(request, pred, obj):
    """A refused API attempt is audited like a refused action."""
    from countyinno.core import audit
    from countyinno.core.permissions import signed_in

    if signed_in(request.user):
        audit.record_denied(request.user, pred.name, obj)
