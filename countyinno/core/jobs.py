"""One task API for long work, and what happens when a worker dies.

    @register("monitoring.index_run")
    def run_index(job: JobContext, campaign_id: int): ...
        job.progress(0.4, "归一化 normalising")

    submit("monitoring.index_run", {"campaign_id": 3}, user=request.user)

The backend comes from settings.JOB_BACKEND: "thread" (embedded default: a daemon thread in the
app process), "celery" (workers on Redis), or "sync" (inline; tests and the CLI).

Running jobs heartbeat every JOB_HEARTBEAT_SECONDS. `reap_stale_jobs()` — run every
JOB_REAP_SECONDS by the scheduler (`core.schedule`: a thread in the web process by default, Celery
beat at scale) — finds RUNNING jobs whose heartbeat is older than JOB_STALE_SECONDS, or whose
thread-backend process on this host is gone, and re-queues them when their kind is idempotent and
attempts remain, or fails them with a message saying the worker stopped.
"""

from __future__ import annotations

import datetime
import os
import socket
import threading
import traceback
from typing import Callable

from django.conf import settings
from django.db import close_old_connections, connection, transaction
from django.utils import timezone

from django.core.exceptions import ValidationError

from .audit import acting_as
from .errors import bilingual
from .models import Job


class _Kind:
    def __init__(self, func: Callable, idempotent: bool):
        self.func, self.idempotent = func, idempotent


_registry: dict[str, _Kind] = {}


def register(kind: str, *, idempotent: bool = False):
    """Declare a job kind. `idempotent`: running it again after a crash is safe, so it is retried."""

    def decorator(func):
        _registry[kind] = _Kind(func, idempotent)
        return func

    return decorator


def registered_kinds() -> list[str]:
    return sorted(_registry)


def worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def _setting(name: str, default):
    return getattr(settings, name, default)


class JobContext:
    def __init__(self, job: Job):
        self.job = job

    def progress(self, fraction: float, message: str = "") -> None:
        fraction = max(0.0, min(1.0, float(fraction)))
        Job.objects.filter(pk=self.job.pk).update(progress=fraction, message=message[:300], heartbeat_at=timezone.now())
        self.job.progress, self.job.message = fraction, message


class JobThrottled(ValidationError):
    """A user asked for more background work than the platform gives one person at a time."""


def check_throttle(user, kind: str) -> None:
    """At most JOB_USER_MAX_ACTIVE unfinished jobs per user, and JOB_USER_PER_HOUR submissions an hour."""
    if user is None or not getattr(user, "pk", None):
        return  # platform work
    active_limit = int(_setting("JOB_USER_MAX_ACTIVE", 3))
    hourly_limit = int(_setting("JOB_USER_PER_HOUR", 30))
    mine = Job.objects.filter(created_by=user)
    active = mine.filter(status__in=[Job.Status.QUEUED, Job.Status.RUNNING]).count()
    if active >= active_limit:
        raise JobThrottled(bilingual(f"您已有 {active} 个后台任务在排队或运行，请等其完成后再提交",
                                     f"you already have {active} background jobs queued or running; wait for "
                                     f"them to finish"), code="throttled")
    recent = mine.filter(created_at__gte=timezone.now() - datetime.timedelta(hours=1)).count()
    if recent >= hourly_limit:
        raise JobThrottled(bilingual(f"一小时内最多提交 {hourly_limit} 个后台任务，请稍后再试",
                                     f"at most {hourly_limit} background jobs an hour; try again later"),
                           code="throttled")


def submit(kind: str, params: dict | None = None, *, user=None, title: str = "", region=None,
           backend: str | None = None) -> Job:
    if kind not in _registry:
        raise KeyError(f"未知任务类型 / unknown job kind: {kind}")
    check_throttle(user, kind)
    backend = backend or settings.JOB_BACKEND
    job = Job.objects.create(kind=kind, params=params or {}, created_by=user if getattr(user, "pk", None) else None,
                             title=title or kind, region=region, backend=backend)
    _dispatch(job, backend)
    return job


def _dispatch(job: Job, backend: str) -> None:
    if backend == "sync":
        execute(job.pk)
        job.refresh_from_db()
    elif backend == "celery":
        queue = settings.JOB_QUEUE
        transaction.on_commit(lambda: _celery_client().send_task("countyinno.run_job", args=[str(job.pk)], queue=queue))
    elif backend == "thread":
        # Start after the surrounding transaction commits, so the thread sees the job row.
        transaction.on_commit(
            lambda: threading.Thread(target=_execute_in_thread, args=(job.pk,), daemon=True).start())
    else:
        raise ValueError(f"unknown JOB_BACKEND {backend!r}")


_client = None


def _celery_client():
    """A Celery client configured from settings; tasks are sent by name, so core imports no worker code."""
    global _client
    if _client is None:
        from celery import Celery

        _client = Celery("countyinno-client")
        _client.config_from_object("django.conf:settings", namespace="CELERY")
    return _client


def _execute_in_thread(job_id):
    close_old_connections()
    try:
        execute(job_id)
    finally:
        connection.close()


class _Heartbeat(threading.Thread):
    """Touches the job's heartbeat while its function runs, so a dead worker is told from a slow one."""

    def __init__(self, job_id):
        super().__init__(daemon=True)
        self.job_id, self.stopped = job_id, threading.Event()

    def run(self):
        interval = float(_setting("JOB_HEARTBEAT_SECONDS", 10))
        try:
            while not self.stopped.wait(interval):
                Job.objects.filter(pk=self.job_id, status=Job.Status.RUNNING).update(heartbeat_at=timezone.now())
        finally:
            connection.close()


def execute(job_id) -> Job:
    """Run one queued job to the end; any backend ends up here."""
    now = timezone.now()
    updated = Job.objects.filter(pk=job_id, status=Job.Status.QUEUED).update(
        status=Job.Status.RUNNING, started_at=now, heartbeat_at=now, worker=worker_id()[:100])
    job = Job.objects.get(pk=job_id)
    if not updated:
        return job  # someone else took it, or it was reaped
    Job.objects.filter(pk=job_id).update(attempts=job.attempts + 1)
    kind = _registry[job.kind]
    context = JobContext(job)
    heartbeat = _Heartbeat(job.pk)
    if job.backend != "sync":
        heartbeat.start()  # a sync job belongs to the foreground process that runs it inline
    try:
        with acting_as(job.created_by):
            result = kind.func(context, **job.params)
    except Exception as exc:  # the job failed; keep the reason visible
        Job.objects.filter(pk=job.pk, status=Job.Status.RUNNING).update(
            status=Job.Status.FAILED, finished_at=timezone.now(),
            error=f"{exc}\n\n{traceback.format_exc()}"[:20000])
    else:
        Job.objects.filter(pk=job.pk, status=Job.Status.RUNNING).update(
            status=Job.Status.SUCCEEDED, finished_at=timezone.now(), progress=1.0,
            result=result if result is not None else {})
    finally:
        heartbeat.stopped.set()
    job.refresh_from_db()
    return job


def _process_alive(worker: str) -> bool | None:
    """For a worker on this host: is its process alive? None when it is on another host."""
    host, _, pid = worker.rpartition(":")
    if host != socket.gethostname() or not pid.isdigit():
        return None
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def reap_stale_jobs(now: datetime.datetime | None = None) -> dict:
    """Fail or re-queue RUNNING jobs whose worker stopped. Safe to run anywhere, any number of times."""
    now = now or timezone.now()
    stale_after = float(_setting("JOB_STALE_SECONDS", 60))
    max_attempts = int(_setting("JOB_MAX_ATTEMPTS", 2))
    cutoff = now - datetime.timedelta(seconds=stale_after)
    failed, requeued = [], []
    for job in Job.objects.filter(status=Job.Status.RUNNING):
        silent = job.backend != "sync" and (job.heartbeat_at is None or job.heartbeat_at < cutoff)
        dead_process = job.backend in ("thread", "sync") and job.worker and _process_alive(job.worker) is False
        if not (silent or dead_process):
            continue
        kind = _registry.get(job.kind)
        seconds = int((now - (job.heartbeat_at or job.started_at or now)).total_seconds())
        if kind is not None and kind.idempotent and job.attempts < max_attempts and job.backend != "sync":
            if Job.objects.filter(pk=job.pk, status=Job.Status.RUNNING, heartbeat_at=job.heartbeat_at).update(
                    status=Job.Status.QUEUED, message=f"工作进程中断，重试 / worker stopped; retrying "
                                                      f"(attempt {job.attempts + 1} of {max_attempts})"):
                requeued.append(str(job.pk))
                _dispatch(job, job.backend)
        elif Job.objects.filter(pk=job.pk, status=Job.Status.RUNNING, heartbeat_at=job.heartbeat_at).update(
                status=Job.Status.FAILED, finished_at=now,
                error=(f"执行该任务的工作进程已中断（{seconds} 秒无心跳），任务未完成，可重新提交。\n"
                       f"The worker running this job stopped ({seconds} s without a heartbeat, worker "
                       f"{job.worker or '?'}); the job did not finish and can be submitted again.")):
            failed.append(str(job.pk))
    return {"failed": failed, "requeued": requeued}


@register("core.selfcheck", idempotent=True)
def selfcheck(job: JobContext, steps: int = 3, fail: bool = False, sleep: float = 0.0):
    """A tiny job for checking that a backend works end to end (`sleep` seconds per step)."""
    import time

    for i in range(steps):
        if sleep:
            time.sleep(sleep)
        job.progress((i + 1) / steps, f"步骤 step {i + 1}/{steps}")
    if fail:
        raise RuntimeError("按要求失败 / failing as asked")
    return {"steps": steps, "worker": worker_id()}
