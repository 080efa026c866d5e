"""One task API for long work.

    @register("monitoring.index_run")
    def run_index(job: JobContext, campaign_id: int): ...
        job.progress(0.4, "归一化 normalising")

    submit("monitoring.index_run", {"campaign_id": 3}, user=request.user)

The backend comes from settings.JOB_BACKEND: "thread" (embedded default: a daemon thread in the
app process), "celery" (workers on Redis), or "sync" (inline; tests and the CLI).
"""

from __future__ import annotations

import threading
import traceback
from typing import Callable

from django.conf import settings
from django.db import close_old_connections, connection
from django.utils import timezone

from .audit import acting_as
from .models import Job

_registry: dict[str, Callable] = {}


def register(kind: str):
    def decorator(func):
        _registry[kind] = func
        return func

    return decorator


def registered_kinds() -> list[str]:
    return sorted(_registry)


class JobContext:
    def __init__(self, job: Job):
        self.job = job

    def progress(self, fraction: float, message: str = "") -> None:
        fraction = max(0.0, min(1.0, float(fraction)))
        Job.objects.filter(pk=self.job.pk).update(progress=fraction, message=message[:300])
        self.job.progress, self.job.message = fraction, message


def submit(kind: str, params: dict | None = None, *, user=None, title: str = "", region=None,
           backend: str | None = None) -> Job:
    if kind not in _registry:
        raise KeyError(f"未知任务类型 / unknown job kind: {kind}")
    job = Job.objects.create(kind=kind, params=params or {}, created_by=user if getattr(user, "pk", None) else None,
                             title=title or kind, region=region)
    backend = backend or settings.JOB_BACKEND
    if backend == "sync":
        execute(job.pk)
        job.refresh_from_db()
    elif backend == "celery":
        from countyinno.celery_app import run_job_task

        from django.db import transaction

        queue = settings.JOB_QUEUE
        transaction.on_commit(lambda: run_job_task.apply_async(args=[str(job.pk)], queue=queue))
    elif backend == "thread":
        def start():
            threading.Thread(target=_execute_in_thread, args=(job.pk,), daemon=True).start()

        # Start after the surrounding transaction commits, so the thread sees the job row.
        from django.db import transaction

        transaction.on_commit(start)
    else:
        raise ValueError(f"unknown JOB_BACKEND {backend!r}")
    return job


def _execute_in_thread(job_id):
    close_old_connections()
    try:
        execute(job_id)
    finally:
        connection.close()


def execute(job_id) -> Job:
    """Run one queued job to the end; any backend ends up here."""
    updated = Job.objects.filter(pk=job_id, status=Job.Status.QUEUED).update(
        status=Job.Status.RUNNING, started_at=timezone.now())
    job = Job.objects.get(pk=job_id)
    if not updated:
        return job  # someone else took it
    func = _registry[job.kind]
    context = JobContext(job)
    try:
        with acting_as(job.created_by):
            result = func(context, **job.params)
    except Exception as exc:  # the job failed; keep the reason visible
        Job.objects.filter(pk=job.pk).update(
            status=Job.Status.FAILED, finished_at=timezone.now(),
            error=f"{exc}\n\n{traceback.format_exc()}"[:20000])
    else:
        Job.objects.filter(pk=job.pk).update(
            status=Job.Status.SUCCEEDED, finished_at=timezone.now(), progress=1.0,
            result=result if result is not None else {})
    job.refresh_from_db()
    return job


@register("core.selfcheck")
def selfcheck(job: JobContext, steps: int = 3, fail: bool = False):
    """A tiny job for checking that a backend works end to end."""
    from countyinno.regions.models import Region

    for i in range(steps):
        job.progress((i + 1) / steps, f"步骤 step {i + 1}/{steps}")
    if fail:
        raise RuntimeError("按要求失败 / failing as asked")
    return {"regions": Region.objects.count(), "steps": steps}
