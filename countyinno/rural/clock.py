"""The 12396 answer clock in working time: hours on working days count, weekends and public holidays
(with their make-up working days, 调休) do not. The number of hours comes from the `rural` rule set.

For a year whose holiday schedule is not yet published, Monday to Friday count as working days; the
page says so (`calendar_note`)."""

from __future__ import annotations

import datetime
from decimal import ROUND_HALF_UP, Decimal

from django.utils import timezone

from countyinno.engines.rules.rulesets import RuleSetError
from countyinno.engines.rules.workdays import is_working_day

HOURS_PER_DAY = Decimal(24)


def working_day(day: datetime.date) -> bool:
    try:
        return is_working_day(day)
    except RuleSetError:
        return day.weekday() < 5


def schedule_known(day: datetime.date) -> bool:
    try:
        is_working_day(day)
        return True
    except RuleSetError:
        return False


def _local(moment: datetime.datetime) -> datetime.datetime:
    return timezone.localtime(moment) if timezone.is_aware(moment) else moment


def _next_midnight(moment: datetime.datetime) -> datetime.datetime:
    day = moment.date() + datetime.timedelta(days=1)
    return moment.replace(year=day.year, month=day.month, day=day.day, hour=0, minute=0, second=0, microsecond=0)


def add_working_hours(start: datetime.datetime, hours: int | float | Decimal) -> datetime.datetime:
    """The moment `hours` working hours after `start` (a start on a rest day begins the next working day)."""
    left = datetime.timedelta(hours=float(hours))
    current = _local(start)
    for _ in range(3700):  # ten years of days at most
        midnight = _next_midnight(current)
        if working_day(current.date()):
            span = midnight - current
            if left <= span:
                return current + left
            left -= span
        current = midnight
    raise ValueError("the answer period is longer than the calendar allows")


def working_hours_between(start: datetime.datetime, end: datetime.datetime) -> Decimal:
    """Working hours from `start` to `end` (negative when `end` is earlier), to one decimal."""
    sign = 1
    if end < start:
        start, end, sign = end, start, -1
    current, total = _local(start), datetime.timedelta()
    end = _local(end)
    for _ in range(3700):
        if current >= end:
            break
        midnight = min(_next_midnight(current), end)
        if working_day(current.date()):
            total += midnight - current
        current = midnight
    hours = Decimal(total.total_seconds()) / Decimal(3600)
    return (sign * hours).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def describe(hours: Decimal) -> tuple[Decimal, Decimal]:
    """Working hours and the same in working days (24 working hours a day), each to one decimal."""
    return hours, (hours / HOURS_PER_DAY).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
