"""Templates ask the same predicates as services and the API which buttons to show.

    {% load permissions %}
    {% can "techmarket.review_listing" listing as may_review %}
    {% if may_review %}<button>审核</button>{% endif %}
"""

from django import template

from countyinno.core.permissions import predicate

register = template.Library()


@register.simple_tag(takes_context=True)
def can(context, name, obj=None):
    request = context.get("request")
    user = getattr(request, "user", None) or context.get("user")
    return predicate(name)(user, obj)
