"""The policy's quantified targets, each computed from platform data by a formula (never typed in)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Callable

from django.db.models import Count
from django.utils import timezone

from countyinno.regions.models import Region
from countyinno.regions.services import home_province_code


@dataclass
class Target:
    key: str
    clause: str
    title: str
    unit: str
    target: float
    compute: Callable[[], dict]


def _projection(series: list[tuple[int, float]], end_year: int, cumulative: bool) -> float | None:
    if not series:
        return None
    if not cumulative:
        return series[-1][1]
    last_year, last = series[-1]
    per_year = last / len(series)
    return round(last + per_year * max(end_year - last_year, 0), 1)


def pool_graduates() -> dict:
    from countyinno.enterprises.models import PoolMembership
    from countyinno.enterprises.services import cultivation_rules

    p = cultivation_rules().params
    start, end = p["start_year"], p["start_year"] + p["horizon_years"] - 1
    rows = dict(PoolMembership.objects.filter(status="graduated", graduated_year__range=(start, end))
                .values_list("graduated_year").annotate(n=Count("id")))
    series, total = [], 0
    for year in range(start, min(end, timezone.localdate().year) + 1):
        total += rows.get(year, 0)
        series.append((year, total))
    by_city = dict(PoolMembership.objects.filter(status="graduated", graduated_year__range=(start, end))
                   .values_list("region__city__name").annotate(n=Count("id")))
    return {"series": series, "current": total, "deadline": end, "projection": _projection(series, end, True),
            "by_area": sorted(by_city.items(), key=lambda kv: -kv[1])}


def commissioners_to_smes() -> dict:
    from countyinno.talent.models import Assignment

    rows = (Assignment.objects.filter(plan__status="published", demand__requester__kind="enterprise")
            .values_list("plan__year", "talent_id", "talent__programmes"))
    per_year: dict[int, set] = defaultdict(set)
    for year, talent, programmes in rows:
        if "qianren" in (programmes or []):
            per_year[year].add(talent)
    series = sorted((year, len(ts)) for year, ts in per_year.items())
    current = series[-1][1] if series else 0
    return {"series": series, "current": current, "deadline": series[-1][0] if series else None,
            "projection": current, "by_area": []}


def _county_share(county_codes: set[str]) -> dict:
    counties = Region.objects.filter(level="county", province__code=home_province_code())
    total = counties.count()
    covered = counties.filter(code__in=county_codes)
    by_city = defaultdict(lambda: [0, 0])
    for r in counties.select_related("city"):
        by_city[r.city_or_province.name][1] += 1
        if r.code in county_codes:
            by_city[r.city_or_province.name][0] += 1
    share = round(100 * covered.count() / total, 1) if total else 0.0
    year = timezone.localdate().year
    return {"series": [(year, share)], "current": share, "deadline": None, "projection": share,
            "by_area": sorted(((k, round(100 * a / b, 1)) for k, (a, b) in by_city.items()), key=lambda kv: kv[1])}


def cluster_coverage() -> dict:
    from countyinno.enterprises.models import Carrier

    return _county_share(set(Carrier.objects.filter(kind="cluster").values_list("region__code", flat=True)))


def survey_coverage() -> dict:
    from countyinno.monitoring.models import CountySubmission, SurveyCampaign

    latest = SurveyCampaign.objects.order_by("-year").first()
    if latest is None:
        return _county_share(set())
    result = _county_share(set(CountySubmission.objects.filter(campaign=latest, status="approved")
                               .values_list("region__code", flat=True)))
    result["series"] = [(latest.year, result["current"])]
    return result


def workstation_turnaround() -> dict:
    from countyinno.talent.models import WorkstationApplication

    decided = WorkstationApplication.objects.filter(status="approved").exclude(province_due_on=None)
    per_year: dict[int, list[bool]] = defaultdict(list)
    for app in decided:
        per_year[app.approved_on.year].append(app.approved_on <= app.province_due_on)
    series = sorted((year, round(100 * sum(v) / len(v), 1)) for year, v in per_year.items())
    current = series[-1][1] if series else 0.0
    return {"series": series, "current": current, "deadline": None, "projection": current, "by_area": []}


TARGETS = [
    Target("graduates", "三(二)", "5 年内推动 1000 家以上小微企业成长为高新技术企业（千强计划入库企业认定高企，累计）", "家",
           1000, pool_graduates),
    Target("commissioners", "四(三)", "每年选派 1000 名高层次科技人才赴中小企业担任科技特派员（千人服务千企，当年人数）", "人",
           1000, commissioners_to_smes),
    Target("clusters", "三(三)", "创新型产业集群覆盖每个县（有集群的县占比）", "%", 100, cluster_coverage),
    Target("survey", "七(二)", "县域创新调查与监测覆盖全省县域（最近一次调查省级审定的县占比）", "%", 100, survey_coverage),
    Target("workstations", "四(五)", "院士工作站备案“最短时间”：省级复审在 7 个工作日内完成的比例", "%", 100,
           workstation_turnaround),
]

NOT_COMPUTABLE = [
    ("三(三)", "培育一批百亿级特色产业集群", "集群产值尚未在平台采集；接入前不显示数值 / cluster output is not collected yet"),
]


def dashboard() -> list[dict]:
    out = []
    for t in TARGETS:
        data = t.compute()
        progress = round(100 * data["current"] / t.target, 1) if t.target else None
        out.append({"key": t.key, "clause": t.clause, "title": t.title, "unit": t.unit, "target": t.target,
                    "progress": progress, **data})
    return out


POLICY_MAP = [
    ("一(一)", "省、市、县网上技术市场体系", "techmarket:market"),
    ("一(二)", "研发费用加计扣除、高企税收优惠", "enterprises:list"),
    ("一(三)", "技术合同登记服务点、技术转移机构奖励、技术经理人", "contracts:list"),
    ("二", "农业科技园区、农业科技服务", "rural:home"),
    ("三(一)(二)", "孵化器、千强小微企业培育计划", "enterprises:pool"),
    ("三(三)", "创新型产业集群、高新技术产业化基地", "enterprises:carriers"),
    ("四", "科技特派员、千人服务千企、院士专家工作站", "talent:home"),
    ("五", "科普与科技活动周、精准扶贫结对", "rural:home"),
    ("七(一)", "监测评价结果运用：资源倾斜", "monitoring:rankings"),
    ("七(二)", "县域科技创新能力监测平台与评价指标体系", "monitoring:home"),
]


def training_and_outreach() -> list[dict]:
    """Policy 二 and 五 name no number, so these are counts, not targets: per year, people trained (attended a
    course), certificates issued, outreach events held and check-ins at them — from the attendance and
    check-in records organisers keep, never typed in."""
    from django.db.models.functions import ExtractYear

    from .models import Enrolment, OutreachEvent, Registration

    trained = dict(Enrolment.objects.filter(attended=True).annotate(y=ExtractYear("course__session_date"))
                   .values_list("y").annotate(n=Count("id")).values_list("y", "n"))
    certified = dict(Enrolment.objects.exclude(certificate="").annotate(y=ExtractYear("course__session_date"))
                     .values_list("y").annotate(n=Count("id")).values_list("y", "n"))
    events = dict(OutreachEvent.objects.annotate(y=ExtractYear("starts_at")).values_list("y")
                  .annotate(n=Count("id")).values_list("y", "n"))
    checked = dict(Registration.objects.exclude(checked_in_at=None).annotate(y=ExtractYear("event__starts_at"))
                   .values_list("y").annotate(n=Count("id")).values_list("y", "n"))
    years = sorted(set(trained) | set(certified) | set(events) | set(checked))
    return [{"year": y, "trained": trained.get(y, 0), "certified": certified.get(y, 0), "events": events.get(y, 0),
             "checked_in": checked.get(y, 0)} for y in years]
