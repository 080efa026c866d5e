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

from .results import ambiguous_names, city_summaries, county_label, dimensions_of, run_results, sees_whole_run

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


PLATFORM_SOURCES = {
    "enterprises.hightech_count": "高新技术企业认定名单（平台企业库）",
    "enterprises.tsme_count": "科技型中小企业入库名单（平台企业库）",
    "enterprises.carrier_count": "孵化器、众创空间、星创天地认定名单（平台载体库）",
    "talent.commissioners_per_10k": "科技特派员选派与服务记录（平台科技特派员库）",
    "contracts.turnover_share_of_gdp": "技术合同认定登记（平台技术合同登记系统）",
    "techmarket.achievement_count": "科技成果登记（平台技术市场）",
}


def platform_source_label(key: str) -> str:
    return PLATFORM_SOURCES.get(key, "平台数据") if key else ""


def _pct(part: int, whole: int) -> str:
    return f"{100 * part / whole:.0f}%" if whole else "—"


def province_findings(results, cities, dimensions, group_counts, type_counts_: dict) -> tuple[list[str], list[str]]:
    """主要发现 and 建议, as sentences generated from the results (nothing here is written by hand)."""
    findings, advice = [], []
    if not results:
        return findings, advice
    n = len(results)
    top, bottom = results[0], results[-1]
    findings.append(f"全省 {n} 个县（市、区）综合指数最高为{top.label}（{top.index:.2f}），最低为{bottom.label}"
                    f"（{bottom.index:.2f}），相差 {top.index - bottom.index:.2f} 分。")
    top20 = results[:20]
    by_type: dict[str, int] = {}
    for r in top20:
        by_type[r.region.county_type] = by_type.get(r.region.county_type, 0) + 1
    if by_type:
        parts = "、".join(f"{t} {k} 个" for t, k in sorted(by_type.items(), key=lambda kv: -kv[1]))
        findings.append(f"前 20 位中{parts}；市辖区占全省县级单元的 {_pct(type_counts_.get('市辖区', 0), n)}，"
                        f"却占前 20 位的 {_pct(by_type.get('市辖区', 0), len(top20))}，比较时宜按类型分别排名。")
    if cities:
        best, worst = cities[0], cities[-1]
        findings.append(f"各市平均指数以{best['name']}最高（{best['mean_index']:.2f}），{worst['name']}最低"
                        f"（{worst['mean_index']:.2f}）。")
    if dimensions:
        spreads = []
        for d in dimensions:
            values = sorted(r.scores.get(d.code) or 0 for r in results)
            spreads.append((values[int(len(values) * 0.9) - 1] - values[int(len(values) * 0.1)], d))
        spreads.sort(key=lambda x: -x[0])
        widest, narrowest = spreads[0], spreads[-1]
        findings.append(f"各维度中「{widest[1].name}」县际差距最大（第 90 与第 10 百分位相差 {widest[0]:.1f} 分），"
                        f"「{narrowest[1].name}」差距最小（{narrowest[0]:.1f} 分）。")
        advice.append(f"把「{widest[1].name}」作为缩小县际差距的重点，对该维度得分处于后 20% 的县（市、区）"
                      f"开展一对一诊断和结对帮扶。")
    risers = sorted([r for r in results if r.rank_change and r.rank_change > 0], key=lambda r: -r.rank_change)
    if risers:
        names = "、".join(f"{r.label}（↑{r.rank_change}）" for r in risers[:3])
        findings.append(f"名次上升最多的是{names}。")
        advice.append(f"总结{risers[0].label}等进步较快县的做法，在同类型县（市、区）中推广。")
    lagging = [g for g in group_counts if g[0].startswith("落后")]
    if lagging:
        advice.append(f"对 {lagging[0][1]} 个综合指数处于落后组的县（市、区），在科技特派员选派、技术合同登记点布局和"
                      f"创新载体认定上予以倾斜。")
    advice.append("创新型县（市）培育和资源倾斜宜分县、县级市、市辖区三类分别遴选，避免市辖区挤占县域名额。")
    return findings, advice


def county_findings(result, label, dimension_rows, strengths, weaknesses, trend, n_all, n_type) -> list[str]:
    """One county's summary in sentences (used by its profile page and its report)."""
    out = [f"{label}综合指数 {result.index:.2f}，全省第 {result.rank} 位（共 {n_all} 个），"
           f"在 {n_type} 个{result.region.county_type}中第 {getattr(result, 'rank_in_type', None) or '—'} 位，"
           f"市内第 {result.rank_in_city} 位，属「{result.performance_group}」组。"]
    above = [d.name for d, score, pm, tm in dimension_rows if score is not None and tm is not None and score >= tm]
    below = [d.name for d, score, pm, tm in dimension_rows if score is not None and tm is not None and score < tm]
    if above:
        out.append(f"高于同类型中位数的维度：{'、'.join(above)}。")
    if below:
        out.append(f"低于同类型中位数的维度：{'、'.join(below)}，是下一步提升的重点。")
    if strengths:
        out.append(f"相对优势指标：{'、'.join(n.name for n in strengths[:3])}。")
    if weaknesses:
        out.append(f"相对短板指标：{'、'.join(n.name for n in weaknesses[:3])}。")
    if len(trend) >= 2 and trend[0]["rank"] and trend[-1]["rank"]:
        change = trend[0]["rank"] - trend[-1]["rank"]
        word = f"上升 {change} 位" if change > 0 else (f"下降 {-change} 位" if change < 0 else "持平")
        out.append(f"{trend[0]['year']}—{trend[-1]['year']} 年全省名次{word}。")
    return out


def report_context(run, user) -> dict:
    """Everything the report shows, through the user's scope."""
    from countyinno.regions.models import RegionBoundary

    from .results import type_counts

    results = list(run_results(run, user))
    ambiguous = ambiguous_names(run.campaign.province)
    for r in results:
        r.label = county_label(r.region, ambiguous)
    boundaries = [(b.region.code, b.geometry) for b in RegionBoundary.objects.filter(
        region__province=run.campaign.province, region__level="county").select_related("region")]
    values = {r.region.code: r.index for r in results}
    dimensions = dimensions_of(run)
    cities = city_summaries(results)
    group_counts = _counts((r.performance_group for r in results),
                           run.config.get("results", {}).get("performance", {}).get("labels") or [])
    counts_by_type = type_counts(results)
    findings, advice = province_findings(results, cities, dimensions, group_counts, counts_by_type)
    framework = run.campaign.framework
    platform = [(n, platform_source_label(n.platform_source)) for n in framework.indicators() if n.platform_source]
    return {"run": run, "campaign": run.campaign, "results": results, "dimensions": dimensions,
            "map_svg": svg_choropleth(boundaries, values),
            "bars_svg": svg_bars([(r.label, r.index or 0) for r in results[:20]]),
            "cities": cities, "generated_at": timezone.now(), "user": user, "group_counts": group_counts,
            "type_counts": sorted(counts_by_type.items()), "findings": findings, "advice": advice,
            "issuer": f"{run.campaign.province.name}科学技术厅", "platform_sources": platform,
            "whole_province": sees_whole_run(user, run) or user.is_superuser}


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
def report_scope(user, run) -> str:
    """Users who see the same results share a report: the whole province (superusers, and every official
    once the run is published), an admin's area (level and region, as scoping reads them), or else the
    user alone."""
    if user.is_superuser or sees_whole_run(user, run):
        return "all"
    level, region = getattr(user, "admin_level", None), getattr(user, "region", None)
    if level and region is not None:
        return f"{level}-{region.code}"
    return f"u{user.pk}"


def _report_file(run, user, suffix: str) -> Path:
    return Path(settings.MEDIA_ROOT) / "reports" / f"monitoring-{run.campaign.year}-run{run.pk}-{report_scope(user, run)}.{suffix}"


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
    return (Job.objects.filter(kind=HTML_JOB, params__run_id=run.pk, params__scope=report_scope(user, run),
                               status__in=[Job.Status.QUEUED, Job.Status.RUNNING])
            .order_by("-created_at").first())


def request_html_report(run, user) -> Job:
    """The job that renders this scope's HTML report: the one already under way, or a new one."""
    job = pending_html_job(run, user)
    if job is not None:
        return job
    region = user.region if getattr(user, "admin_level", None) else None
    return jobs.submit(HTML_JOB, {"run_id": run.pk, "user_id": user.pk, "scope": report_scope(user, run)}, user=user,
                       region=region, title=f"{run.campaign.year} 年度县域创新监测报告 HTML #{run.pk}")


def request_pdf_report(run, user) -> Job:
    region = user.region if getattr(user, "admin_level", None) else None
    return jobs.submit("monitoring.report", {"run_id": run.pk, "user_id": user.pk}, user=user, region=region,
                       title=f"{run.campaign.year} 年度县域创新监测报告 PDF")
