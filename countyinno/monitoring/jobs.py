"""Job kinds of the monitoring app (registered on import by core's autodiscovery).

The job functions sit here, at the edge: they import indexing and reports, and nothing in the app
imports this module (jobs are submitted by kind name), so it closes no import cycle."""

from __future__ import annotations

import contextlib

from django.contrib.auth import get_user_model
from django.urls import reverse

import datetime

from countyinno.core import audit, jobs
from countyinno.core.schedule import periodic

from . import indexing, reports, services
from .models import IndexRun, SurveyCampaign


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
    message = (f"测算完成：{summary.get('counties')} 个县（市、区），{len(summary.get('years') or [])} 个年度，"
               f"{summary.get('indicators')} 项指标 / index computed for {summary.get('counties')} counties")
    return {**summary, "message": message, "next_url": reverse("monitoring:run", args=[run.pk])}


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
    size = len(html.encode())
    return {"next_url": reverse("monitoring:run-report-html", args=[run.pk]), "bytes": size,
            "message": f"网页版报告已生成（{size // 1024} KB） / HTML report ready"}


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
    return {"download_url": reverse("monitoring:run-report-pdf", args=[run.pk]), "bytes": len(pdf),
            "message": f"PDF 报告已生成（{len(pdf) // 1024} KB） / PDF report ready"}


@periodic("monitoring.remind_overdue", seconds=3600)
def remind_overdue_counties() -> int:
    """Every hour, look for overdue counties; each is reminded at most once a day (runs as system work)."""
    reminded = 0
    for campaign in SurveyCampaign.objects.filter(status=SurveyCampaign.Status.OPEN):
        reminded += services.remind_overdue(actor=None, campaign=campaign,
                                            min_interval=datetime.timedelta(hours=23, minutes=30))
    return reminded
