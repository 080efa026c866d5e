"""Periodic platform work (reaping dead jobs, expiring listings, reminders) declared once.

    @periodic("techmarket.expire_listings", seconds=3600)
    def expire_listings(): ...

Embedded default: `start_embedded_scheduler()` runs every due task in a daemon thread of the web
process (`countyinno.wsgi` starts it). At scale (JOB_BACKEND=celery) Celery beat sends
`countyinno.run_periodic` by name on the same intervals (`celery_app.beat_schedule`), and the
embedded thread does not start. Each run is `audit.system(name)`, so what it changes is attributed.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from typing import Callable

from django.db import close_old_connections, connection

from . import audit

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PeriodicTask:
    name: str
    seconds: float
    func: Callable


_tasks: dict[str, PeriodicTask] = {}


def periodic(name: str, *, seconds: float):
    def decorate(func):
        _tasks[name] = PeriodicTask(name, seconds, func)
        return func

    return decorate


def tasks() -> dict[str, PeriodicTask]:
    from django.utils.module_loading import autodiscover_modules

    autodiscover_modules("jobs")
    return dict(_tasks)


def run(name: str):
    task = tasks()[name]
    with audit.system(f"periodic:{name}"):
        return task.func()


def _loop(stop: threading.Event):
    last: dict[str, float] = {}
    while not stop.is_set():
        now = time.monotonic()
        for name, task in tasks().items():
            if now - last.get(name, -1e18) >= task.seconds:
                last[name] = now
                close_old_connections()
                try:
                    run(name)
                except Exception:  # keep the scheduler alive; the failure is in the log
                    log.exception("periodic task %s failed", name)
                finally:
                    connection.close()
        stop.wait(5)


_started: threading.Event | None = None


def start_embedded_scheduler() -> threading.Event | None:
    """Start the in-process scheduler once per process (embedded deployment only)."""
    from django.conf import settings

    global _started
    if _started is not None or settings.JOB_BACKEND == "celery" or not getattr(settings, "EMBEDDED_SCHEDULER", True):
        return _started
    _started = threading.Event()
    threading.Thread(target=_loop, args=(_started,), name="countyinno-scheduler", daemon=True).start()
    return _started


@periodic("core.reap_stale_jobs", seconds=30)
def _reap():
    from .jobs import reap_stale_jobs

    return reap_stale_jobs()
