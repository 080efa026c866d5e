"""Celery application for the scaled deployment (JOB_BACKEND=celery, broker on Redis)."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "countyinno.settings.base")

app = Celery("countyinno")
app.config_from_object("django.conf:settings", namespace="CELERY")


@app.task(name="countyinno.run_job", acks_late=True)
def run_job_task(job_id: str):
    import django

    django.setup()
    from django.db import close_old_connections

    from countyinno.core.jobs import execute

    close_old_connections()
    try:
        return execute(job_id).status
    finally:
        close_old_connections()
