"""Periodic work of rural services (registered on import by core's autodiscovery)."""

from __future__ import annotations

from countyinno.core.schedule import periodic

from . import services


@periodic("rural.escalate_overdue_questions", seconds=900)
def escalate_overdue_questions() -> int:
    """Every 15 minutes: overdue 12396 questions go up a level (county → city → province), with notices.
    Runs inside `audit.system(...)`, so each escalation is attributed to this task."""
    return services.escalate_overdue()
