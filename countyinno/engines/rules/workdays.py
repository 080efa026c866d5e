"""Chinese working-day calendar: public holidays and make-up working days (调休), from the
chinese-calendar package's official State Council schedules. Dates outside its data are an error,
never a silent guess."""

from __future__ import annotations

import datetime

from .rulesets import RuleSetError


def is_working_day(day: datetime.date) -> bool:
    import chinese_calendar

    try:
        return chinese_calendar.is_workday(day)
    except NotImplementedError as exc:
        raise RuleSetError(f"{day.year} 年的节假日安排尚未收录 / no holiday schedule for {day.year} yet") from exc


def add_working_days(start: datetime.date, days: int) -> datetime.date:
    """The date `days` working days after `start` (start itself not counted)."""
    current, left = start, days
    while left > 0:
        current += datetime.timedelta(days=1)
        if is_working_day(current):
            left -= 1
    return current


def working_days_between(start: datetime.date, end: datetime.date) -> int:
    count, current = 0, start
    while current < end:
        current += datetime.timedelta(days=1)
        count += is_working_day(current)
    return count
