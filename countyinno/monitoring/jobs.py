"""Job kinds of the monitoring app (registered on import by core's autodiscovery).

The job functions sit here, at the edge: they import indexing and reports, and nothing in the app
imports this module (jobs are submitted by kind name), so it closes no import cycle."""

from __future__ import annotations

import contextlib

from django.contrib.auth import get_user_model
from django.urls import reverse

from countyinno.core import audit, jobs

from . import indexing, reports
from .models import IndexRun


def _as_job_user(user, why: str):
    """A job acts as the user who submitted it; one submitted by the platform runs as system work."""
    return contextlib.nullcontext() if user is not None else audit.system(why)


@jobs.register("monitoring.index_run")
def index_run_job(job, run_id: int):
    run = IndexRun.objects.select_related("campaign").get(pk=run_id)
    actor = job.job.created_by
    with _as_job_user(actor, f"指数测算任务 / index run job #{run_id}"):
        indexing.begin_index_run(actor=actor, run=run)
        try:
            results, summary = indexing.compute(run, progress=job.progress)
        except Exception as exc:
            indexing.fail_index_run(actor=actor, run=run, error=str(exc))
            raise
        indexing.complete_index_run(actor=actor, run=run, results=results, summary=summary)
    job.progress(1.0, "完成 done")
    return {**summary, "next_url": reverse("monitoring:run", args=[run.pk])}


def _run_and_user(run_id: int, user_id: int):
    run = IndexRun.objects.select_related("campaign", "campaign__framework").get(pk=run_id)
    return run, get_user_model().objects.select_related("region").get(pk=user_id)


@jobs.register("monitoring.report_html", idempotent=True)  # a re-render replaces the stored file
def report_html_job(job, run_id: int, user_id: int, scope: str = ""):
    """Render the HTML report for the user's scope once; requests then serve the stored file."""
    run, user = _run_and_user(run_id, user_id)
    job.progress(0.1, "汇总数据 gathering results")
    html = reports.render_html(run, user)
    reports.store_html(run, user, html)
    job.progress(1.0, "完成 done")
    return {"next_url": reverse("monitoring:run-report-html", args=[run.pk]), "bytes": len(html.encode())}


@jobs.register("monitoring.report", idempotent=True)
def report_pdf_job(job, run_id: int, user_id: int):
    run, user = _run_and_user(run_id, user_id)
    job.progress(0.1, "汇总数据 gathering results")
    html = reports.stored_html(run, user)
    if html is None:
        html = reports.render_html(run, user)
        reports.store_html(run, user, html)
    job.progress(0.5, "排版 PDF typesetting")
    pdf = reports.html_to_pdf(html)
    reports.store_pdf(run, user, pdf)
    job.progress(1.0, "完成 done")
    return {"download_url": reverse("monitoring:run-report-pdf", args=[run.pk]), "bytes": len(pdf)}
