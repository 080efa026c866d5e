"""The annual monitoring report: HTML and PDF (WeasyPrint, Chinese fonts embedded), with an SVG map
and charts drawn here so the report needs no browser or JavaScript.

Rendering takes tens of seconds for the whole province, so it never happens inside a request: the
jobs "monitoring.report_html" and "monitoring.report" (jobs.py) render it once per index run and scope
(the users who see the same results) and store it; requests serve the stored file."""

from __future__ import annotations

import math
from pathlib import Path

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone

from countyinno.core import jobs
from countyinno.core.models import Job

from .results import city_summaries, dimensions_of, scoped_results

PALETTE = ["#eff3ff", "#c6dbef", "#9ecae1", "#6baed6", "#3182bd", "#08519c"]


def svg_choropleth(boundaries: list[tuple[str, dict]], values: dict[str, float], width: int = 640,
                   height: int = 420) -> str:
    """A county map as SVG: equirectangular projection scaled by cos(latitude), quantile colours."""
    rings = []
    for code, geometry in boundaries:
        polygons = geometry["coordinates"] if geometry["type"] == "MultiPolygon" else [geometry["coordinates"]]
        for polygon in polygons:
            rings.append((code, polygon[0]))
    if not rings:
        return ""
    lons = [p[0] for _, ring in rings for p in ring]
    lats = [p[1] for _, ring in rings for p in ring]
    k = math.cos(math.radians((min(lats) + max(lats)) / 2))
    span_x, span_y = (max(lons) - min(lons)) * k, max(lats) - min(lats)
    scale = min((width - 20) / span_x, (height - 20) / span_y)
    present = sorted(v for v in values.values() if v is not None)
    cuts = [present[int(len(present) * q / len(PALETTE))] for q in range(1, len(PALETTE))] if present else []

    def colour(value):
        if value is None:
            return "#eeeeee"
        return PALETTE[sum(1 for c in cuts if value >= c)]

    paths = []
    for code, ring in rings:
        points = " ".join(f"{10 + (x - min(lons)) * k * scale:.1f},{10 + (max(lats) - y) * scale:.1f}" for x, y in ring)
        paths.append(f'<polygon points="{points}" fill="{colour(values.get(code))}" stroke="#ffffff" stroke-width="0.4"/>')
    legend = "".join(f'<rect x="{12 + i * 26}" y="{height - 18}" width="24" height="10" fill="{c}"/>'
                     for i, c in enumerate(PALETTE))
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
            f'viewBox="0 0 {width} {height}">{"".join(paths)}{legend}'
            f'<text x="{12 + len(PALETTE) * 26 + 6}" y="{height - 9}" font-size="10">低 → 高 low → high</text></svg>')


def svg_bars(items: list[tuple[str, float]], width: int = 640, bar: int = 14) -> str:
    if not items:
        return ""
    top = max(v for _, v in items) or 1
    height = len(items) * (bar + 4) + 10
    rows = []
    for i, (label, value) in enumerate(items):
        y = 5 + i * (bar + 4)
        w = (width - 170) * value / top
        rows.append(f'<text x="0" y="{y + bar - 3}" font-size="10">{label}</text>'
                    f'<rect x="110" y="{y}" width="{w:.1f}" height="{bar}" fill="#3182bd"/>'
                    f'<text x="{114 + w:.1f}" y="{y + bar - 3}" font-size="10">{value:.1f}</text>')
    return f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}">{"".join(rows)}</svg>'


def report_context(run, user) -> dict:
    """Everything the report shows, through the user's scope."""
    from countyinno.regions.models import RegionBoundary

    results = list(scoped_results(run, user))
    boundaries = [(b.region.code, b.geometry) for b in RegionBoundary.objects.filter(
        region__province=run.campaign.province, region__level="county").select_related("region")]
    values = {r.region.code: r.index for r in results}
    return {"run": run, "campaign": run.campaign, "results": results, "dimensions": dimensions_of(run),
            "map_svg": svg_choropleth(boundaries, values),
            "bars_svg": svg_bars([(r.region.name, r.index or 0) for r in results[:20]]),
            "cities": city_summaries(results), "generated_at": timezone.now(), "user": user,
            "group_counts": _counts((r.performance_group for r in results),
                                    run.config.get("results", {}).get("performance", {}).get("labels") or [])}


def _counts(items, order: list[str]):
    """Counts per label, in the configured order (leading first)."""
    counts = {}
    for item in items:
        counts[item] = counts.get(item, 0) + 1
    rank = {label: i for i, label in enumerate(order)}
    return sorted(counts.items(), key=lambda kv: (rank.get(kv[0], len(rank)), kv[0]))


def render_html(run, user) -> str:
    """The whole report (slow: for the jobs only)."""
    return render_to_string("monitoring/report.html", report_context(run, user))


def html_to_pdf(html: str) -> bytes:
    from weasyprint import HTML

    return HTML(string=html, base_url=str(settings.BASE_DIR)).write_pdf()


def render_pdf(run, user) -> bytes:
    return html_to_pdf(render_html(run, user))


# ------------------------------------------------------------------ stored reports, one per run and scope
def report_scope(user) -> str:
    """Users who see the same results share a report: everything (superusers), an admin's area
    (level and region, as scoping reads them), or else the user alone."""
    if user.is_superuser:
        return "all"
    level, region = getattr(user, "admin_level", None), getattr(user, "region", None)
    if level and region is not None:
        return f"{level}-{region.code}"
    return f"u{user.pk}"


def _report_file(run, user, suffix: str) -> Path:
    return Path(settings.MEDIA_ROOT) / "reports" / f"monitoring-{run.campaign.year}-run{run.pk}-{report_scope(user)}.{suffix}"


def report_path(run, user) -> Path:
    """The PDF the report job rendered for this user's scope."""
    return _report_file(run, user, "pdf")


def html_path(run, user) -> Path:
    return _report_file(run, user, "html")


def _write(path: Path, data: bytes) -> None:
    """Write beside, then rename: a reader never sees half a report."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".part")
    partial.write_bytes(data)
    partial.replace(path)


def store_html(run, user, html: str) -> Path:
    path = html_path(run, user)
    _write(path, html.encode("utf-8"))
    return path


def stored_html(run, user) -> str | None:
    path = html_path(run, user)
    return path.read_text(encoding="utf-8") if path.exists() else None


def store_pdf(run, user, pdf: bytes) -> Path:
    path = report_path(run, user)
    _write(path, pdf)
    return path


HTML_JOB = "monitoring.report_html"


def pending_html_job(run, user) -> Job | None:
    """A queued or running HTML report job for this run and scope."""
    return (Job.objects.filter(kind=HTML_JOB, params__run_id=run.pk, params__scope=report_scope(user),
                               status__in=[Job.Status.QUEUED, Job.Status.RUNNING])
            .order_by("-created_at").first())


def request_html_report(run, user) -> Job:
    """The job that renders this scope's HTML report: the one already under way, or a new one."""
    job = pending_html_job(run, user)
    if job is not None:
        return job
    region = user.region if getattr(user, "admin_level", None) else None
    return jobs.submit(HTML_JOB, {"run_id": run.pk, "user_id": user.pk, "scope": report_scope(user)}, user=user,
                       region=region, title=f"{run.campaign.year} 年度县域创新监测报告 HTML #{run.pk}")


def request_pdf_report(run, user) -> Job:
    region = user.region if getattr(user, "admin_level", None) else None
    return jobs.submit("monitoring.report", {"run_id": run.pk, "user_id": user.pk}, user=user, region=region,
                       title=f"{run.campaign.year} 年度县域创新监测报告 PDF")
