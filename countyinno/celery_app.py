"""Celery application for the scaled deployment (JOB_BACKEND=celery, broker on Redis).

Workers run `countyinno.run_job` (every background job) and `countyinno.run_periodic` (the platform's
periodic tasks, sent by Celery beat: `celery -A countyinno.celery_app beat`, or `worker -B`)."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "countyinno.settings.base")

app = Celery("countyinno")
app.config_from_object("django.conf:settings", namespace="CELERY")


def _django():
    import django

    django.setup()
    from django.db import close_old_connections

    close_old_connections()
    return close_old_connections


@app.task(name="countyinno.run_job", acks_late=True)
def run_job_task(job_id: str):
    done = _django()
    from countyinno.core.jobs import execute

    try:
        return execute(job_id).status
    finally:
        done()


@app.task(name="countyinno.run_periodic")
def run_periodic_task(name: str):
    done = _django()
    from countyinno.core import schedule

    try:
        result = schedule.run(name)
        return result if isinstance(result, (dict, list, str, int, type(None))) else str(result)
    finally:
        done()


@app.on_after_configure.connect
def _beat_schedule(sender, **kwargs):
    import django

    django.setup()
    from countyinno.core import schedule

    for name, task in schedule.tasks().items():
        sender.add_periodic_task(task.seconds, run_periodic_task.s(name), name=name)
