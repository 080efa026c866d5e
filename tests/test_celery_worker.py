"""Jobs through real Celery workers on Redis — the scaled deployment path — and what happens when a
worker dies in the middle of a job."""

import os
import signal
import subprocess
import sys
import time
import uuid

import pytest
from django.conf import settings
from django.db import connection
from django.test import override_settings

from countyinno.core import jobs
from countyinno.core.models import Job

from .services import needs, reachable

pytestmark = [pytest.mark.celery, needs(reachable(settings.REDIS_URL, 6379), "Redis")]


def database_url_for_worker() -> str:
    s = connection.settings_dict
    if s["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{s['NAME']}"
    password = f":{s['PASSWORD']}" if s.get("PASSWORD") else ""
    return f"postgres://{s['USER']}{password}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


def start_worker(queue, log_path, *, beat_schedule=None, extra_env=None):
    env = {**os.environ, "DATABASE_URL": database_url_for_worker(), "DJANGO_SETTINGS_MODULE": "countyinno.settings.base",
           "DEBUG": "1", "JOB_QUEUE": queue, "JOB_BACKEND": "celery", "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
           **(extra_env or {})}
    command = [sys.executable, "-m", "celery", "-A", "countyinno.celery_app", "worker", "--pool=solo", "-Q", queue,
               "--concurrency=1", "--loglevel=INFO", "--without-gossip", "--without-mingle", "--without-heartbeat"]
    if beat_schedule:
        command += ["-B", "--schedule", str(beat_schedule)]
    return subprocess.Popen(command, env=env, stdout=open(log_path, "a"), stderr=subprocess.STDOUT)


def stop(worker):
    if worker.poll() is None:
        worker.terminate()
        try:
            worker.wait(timeout=20)
        except subprocess.TimeoutExpired:
            worker.kill()


def wait_for(job, predicate, seconds, worker=None):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        job.refresh_from_db()
        if predicate(job) or (worker is not None and worker.poll() is not None):
            break
        time.sleep(0.2)
    return job


@pytest.mark.django_db(transaction=True)
def test_job_runs_on_a_celery_worker(shandong, tmp_path):
    queue = f"countyinno-test-{uuid.uuid4().hex[:8]}"
    worker = start_worker(queue, tmp_path / "worker.log")
    try:
        with override_settings(JOB_QUEUE=queue):
            job = jobs.submit("core.selfcheck", {"steps": 3}, backend="celery")
        wait_for(job, lambda j: j.is_finished, 90, worker)
        log = (tmp_path / "worker.log").read_text()
        assert job.status == Job.Status.SUCCEEDED, f"job {job.status}: {job.error}\nworker log:\n{log}"
        assert job.result["steps"] == 3 and job.result["worker"] != jobs.worker_id()
        assert job.attempts == 1 and job.heartbeat_at is not None
    finally:
        stop(worker)


@pytest.mark.django_db(transaction=True)
def test_a_killed_worker_leaves_its_job_retried_within_two_minutes(shandong, tmp_path):
    """Worker A dies (SIGKILL) mid-job; worker B's scheduler (Celery beat) reaps the silent job and,
    the kind being idempotent, runs it again to the end."""
    queue = f"countyinno-test-{uuid.uuid4().hex[:8]}"
    fast = {"JOB_HEARTBEAT_SECONDS": "1", "JOB_STALE_SECONDS": "5"}
    log = tmp_path / "workers.log"
    worker_a = start_worker(queue, log, extra_env=fast)
    worker_b = None
    try:
        with override_settings(JOB_QUEUE=queue):
            job = jobs.submit("core.selfcheck", {"steps": 40, "sleep": 0.5}, backend="celery")
        wait_for(job, lambda j: j.status == Job.Status.RUNNING and j.progress > 0, 90, worker_a)
        assert job.status == Job.Status.RUNNING, f"job never started: {job.status}\n{log.read_text()}"
        os.kill(worker_a.pid, signal.SIGKILL)
        worker_a.wait(timeout=10)
        killed_at = time.monotonic()

        worker_b = start_worker(queue, log, beat_schedule=tmp_path / "beat-schedule", extra_env=fast)
        wait_for(job, lambda j: j.is_finished, 120, worker_b)
        elapsed = time.monotonic() - killed_at
        assert job.status == Job.Status.SUCCEEDED, f"{job.status} {job.message} {job.error}\n{log.read_text()}"
        assert job.attempts == 2, "the job should have run a second time on worker B"
        assert elapsed < 120
    finally:
        stop(worker_a)
        if worker_b is not None:
            stop(worker_b)

