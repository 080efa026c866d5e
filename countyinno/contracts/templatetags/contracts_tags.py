"""{% load contracts_tags %}: amounts in 万元 rounded for display (the stored values stay exact)."""

from django import template

from ..labels import wan as _wan

register = template.Library()


@register.filter
def wan(value, places=2):
    """12345.678 → "12,345.68" (half up); empty for None."""
    if value is None or value == "":
        return "—"
    try:
        return _wan(value, int(places))
    except (TypeError, ValueError):
        return value
