"""Reaping jobs whose worker stopped (the real-worker case is tests/test_celery_worker.py)."""

import pytest

from countyinno.core import jobs
from countyinno.core.models import Job


@pytest.mark.django_db
def test_reaper_fails_a_silent_job_of_a_kind_that_is_not_idempotent():
    """No worker needed: a RUNNING job whose heartbeat stopped is failed with a bilingual reason."""
    import datetime

    from django.utils import timezone

    jobs.register("tests.not_idempotent")(lambda job: None)
    old = timezone.now() - datetime.timedelta(seconds=600)
    job = Job.objects.create(kind="tests.not_idempotent", status=Job.Status.RUNNING, backend="celery",
                             worker="elsewhere:1", started_at=old, heartbeat_at=old, attempts=1)
    fresh = Job.objects.create(kind="tests.not_idempotent", status=Job.Status.RUNNING, backend="celery",
                               worker="elsewhere:2", started_at=old, heartbeat_at=timezone.now(), attempts=1)
    outcome = jobs.reap_stale_jobs()
    job.refresh_from_db()
    fresh.refresh_from_db()
    assert outcome["failed"] == [str(job.pk)]
    assert job.status == Job.Status.FAILED and "工作进程已中断" in job.error and "worker running this job stopped" in job.error
    assert fresh.status == Job.Status.RUNNING


@pytest.mark.django_db
def test_thread_jobs_of_a_dead_process_are_failed_at_start_up():
    """The embedded backend: a job left RUNNING by a process that no longer exists on this host."""
    import socket

    from django.utils import timezone

    dead_pid = 2 ** 22 + 12345  # above pid_max on Linux: never a live process
    job = Job.objects.create(kind="core.selfcheck", status=Job.Status.RUNNING, backend="thread",
                             worker=f"{socket.gethostname()}:{dead_pid}", started_at=timezone.now(),
                             heartbeat_at=timezone.now(), attempts=2)
    jobs.reap_stale_jobs()
    job.refresh_from_db()
    assert job.status == Job.Status.FAILED


def test_periodic_reaper_is_declared_and_runs_as_system():
    from countyinno.core import schedule

    assert "core.reap_stale_jobs" in schedule.tasks()


@pytest.mark.django_db
def test_job_submission_is_throttled_per_user(settings):
    from django.contrib.auth import get_user_model

    from countyinno.core.jobs import JobThrottled

    settings.JOB_USER_MAX_ACTIVE = 2
    settings.JOB_USER_PER_HOUR = 3
    user = get_user_model().objects.create(username="busy", role="talent")
    Job.objects.create(kind="core.selfcheck", created_by=user, status=Job.Status.RUNNING)
    Job.objects.create(kind="core.selfcheck", created_by=user, status=Job.Status.QUEUED)
    with pytest.raises(JobThrottled, match="wait for them"):
        jobs.submit("core.selfcheck", {}, user=user, backend="sync")
    Job.objects.filter(created_by=user).update(status=Job.Status.SUCCEEDED)
    jobs.submit("core.selfcheck", {}, user=user, backend="sync")  # the third this hour
    with pytest.raises(JobThrottled, match="an hour"):
        jobs.submit("core.selfcheck", {}, user=user, backend="sync")
    assert Job.objects.filter(created_by=user).count() == 3
    jobs.submit("core.selfcheck", {}, backend="sync")  # platform work is not throttled
