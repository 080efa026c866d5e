"""One job through a real Celery worker and Redis — the scaled deployment path."""

import os
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


@pytest.mark.django_db(transaction=True)
def test_job_runs_on_a_celery_worker(shandong, tmp_path):
    queue = f"countyinno-test-{uuid.uuid4().hex[:8]}"
    env = {**os.environ, "DATABASE_URL": database_url_for_worker(), "DJANGO_SETTINGS_MODULE": "countyinno.settings.base",
           "DEBUG": "1", "JOB_QUEUE": queue, "JOB_BACKEND": "celery", "CELERY_BROKER_URL": settings.CELERY_BROKER_URL}
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "countyinno.celery_app", "worker", "--pool=solo", "-Q", queue,
         "--concurrency=1", "--loglevel=WARNING", "--without-gossip", "--without-mingle", "--without-heartbeat"],
        env=env, stdout=open(tmp_path / "worker.log", "w"), stderr=subprocess.STDOUT)
    try:
        with override_settings(JOB_QUEUE=queue):
            job = jobs.submit("core.selfcheck", {"steps": 3}, backend="celery")
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            job.refresh_from_db()
            if job.is_finished or worker.poll() is not None:
                break
            time.sleep(0.2)
        log = (tmp_path / "worker.log").read_text()
        assert job.status == Job.Status.SUCCEEDED, f"job {job.status}: {job.error}\nworker log:\n{log}"
        assert job.result == {"regions": 153, "steps": 3}
    finally:
        worker.terminate()
        try:
            worker.wait(timeout=20)
        except subprocess.TimeoutExpired:
            worker.kill()
