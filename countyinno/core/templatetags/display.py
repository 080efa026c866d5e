"""Values as people read them: no None / True / False / ISO timestamps / Python lists in pages."""

import datetime

from django import template
from django.utils import timezone
from django.utils.dateparse import parse_datetime

register = template.Library()


@register.filter
def readable(value):
    if value is None or value == "":
        return "∅"
    if value is True:
        return "是 / yes"
    if value is False:
        return "否 / no"
    if isinstance(value, str) and len(value) >= 19 and value[4] == "-" and "T" in value:
        moment = parse_datetime(value)
        if moment is not None:
            if timezone.is_aware(moment):
                moment = timezone.localtime(moment)
            return moment.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, (list, tuple)):
        return "、".join(readable(v) for v in value) or "∅"
    if isinstance(value, dict):
        return "；".join(f"{k}: {readable(v)}" for k, v in value.items()) or "∅"
    if isinstance(value, (datetime.date, datetime.datetime)):
        return value.isoformat()
    return str(value)
