"""Five years of county survey data for all 136 counties, calibrated on real 2020 census facts
(urbanisation, schooling, population; GDP where known — regions/data/README.md), with the index computed."""

from __future__ import annotations

import datetime
import math
import zlib

import numpy as np
from django.db import transaction

from countyinno.core.demo import DemoContext, demo_generator
from countyinno.regions.models import Region

from . import indexing, services
from .models import CountySubmission, IndexRun, IndicatorFramework, SubmissionValue, SurveyCampaign

YEARS = range(2020, 2025)
TYPE_BONUS = {"市辖区": 0.35, "县级市": 0.15, "县": 0.0}
# code: (base, sensitivity to capability, yearly growth, per-10k-population count?)
PROFILE = {
    "RD_GDP": (1.8, 0.5, 0.04, False), "FISCAL_ST": (3.2, 0.3, 0.03, False), "RD_STAFF": (55, 0.6, 0.05, False),
    "ENT_RD_INT": (1.3, 0.35, 0.03, False), "ENT_RD_SHARE": (32, 0.25, 0.04, False),
    "HTE_COUNT": (0.9, 0.75, 0.09, True), "TSME_COUNT": (2.0, 0.65, 0.10, True), "HT_OUTPUT": (38, 0.3, 0.03, False),
    "NEW_PRODUCT": (17, 0.3, 0.03, False), "ENT_PATENT": (2.8, 0.5, 0.05, False), "PLATFORMS": (0.14, 0.6, 0.06, True),
    "INCUBATORS": (0.05, 0.5, 0.07, True), "COMMISSIONERS": (2.6, -0.25, 0.04, False),
    "GRADUATES": (1300, 0.0, 0.03, False), "SUPERDEDUCTION": (28, 0.3, 0.05, False),
    "INV_PATENT": (7.5, 0.85, 0.10, False), "TECH_CONTRACT": (1.4, 0.6, 0.12, False),
    "PATENT_APPS": (4.0, 0.7, 0.06, False), "ACHIEVEMENTS": (0.25, 0.5, 0.05, True),
    "STANDARDS": (0.04, 0.6, 0.05, True), "GDP_PC": (68000, 0.45, 0.05, False), "LABOUR_PROD": (12, 0.4, 0.05, False),
    "ENERGY_GDP": (0.48, -0.3, -0.03, False), "RURAL_INCOME": (19500, 0.2, 0.06, False),
    "INCOME_RATIO": (2.2, -0.12, -0.01, False),
}


def _standardise(values: dict[str, float]) -> dict[str, float]:
    arr = np.array(list(values.values()), dtype=float)
    spread = arr.std()
    if not spread:  # a province without census facts: every county alike, no z-scores to take
        return {k: 0.0 for k in values}
    return {k: (v - arr.mean()) / spread for k, v in values.items()}


def county_capability(counties, rng) -> tuple[dict, dict]:
    facts = {r.code: (r.profile or {}).get("facts", {}) for r in counties}
    population = {c: f.get("resident_population", {}).get("value", 60.0) for c, f in facts.items()}
    urban = {c: f.get("urban_population_census", {}).get("value", population[c] * 0.5) / population[c]
             for c, f in facts.items()}
    schooling = {c: f.get("avg_years_schooling_census", {}).get("value", 9.5) for c, f in facts.items()}
    z_urban, z_school = _standardise(urban), _standardise(schooling)
    capability = {r.code: 0.45 * z_urban[r.code] + 0.35 * z_school[r.code] + TYPE_BONUS.get(r.county_type, 0)
                  + (0.15 if r.is_coastal else 0) + rng.normal(scale=0.35) for r in counties}
    return capability, {"population": population, "schooling": z_school, "facts": facts}


def _county_noise(county_code: str, code: str) -> float:
    """The county's own deviation on an indicator: the same every year (a county's profile persists),
    so consecutive years differ by growth and small noise only, as the jump rule expects."""
    return float(np.random.default_rng([int(county_code), zlib.crc32(code.encode())]).normal(scale=0.18))


def demo_value(code, node, capability, extra, county, year, rng) -> float:
    base, sensitivity, growth, per_population = PROFILE[code]
    z = capability[county.code]
    value = base * math.exp(sensitivity * z + _county_noise(county.code, code)) * (1 + growth) ** (year - 2020)
    value *= math.exp(rng.normal(scale=0.03))  # year-to-year noise, well under the jump thresholds
    if per_population:
        value *= extra["population"][county.code]
    if code == "GRADUATES":
        value = 1300 * math.exp(0.45 * extra["schooling"][county.code]) * 1.03 ** (year - 2020)
    if code == "GDP_PC":
        gdp = extra["facts"][county.code].get("gdp")
        if gdp:  # real GDP (亿元) over census population (万人), moved to the demo year at 5 % a year
            value = gdp["value"] * 1e4 / extra["population"][county.code] * 1.05 ** (year - (gdp["year"] or 2022))
    lo = node.min_value if node.min_value is not None else -math.inf
    hi = node.max_value if node.max_value is not None else math.inf
    value = min(max(value, lo), hi * 0.95)
    return round(value, 0 if code.endswith("_COUNT") or per_population else 2)


def check_demo_jumps(campaign) -> list[tuple[str, str]]:
    """(county code, indicator code) of every value that breaks the year-on-year rule without a reason."""
    out = []
    for submission in campaign.submissions.select_related("region", "campaign"):
        previous = services.previous_values(submission)
        for value in submission.values.select_related("node"):
            if services.needs_explanation(value.node, value.value, previous.get(value.node.code)) \
                    and not value.explanation.strip():
                out.append((submission.region.code, value.node.code))
    return out


def satisfy_jump_rule(campaign) -> int:
    """Make a year's demo answers pass the platform's own rule: a generated value that moved too far from
    last year is brought back within the threshold; a value the platform pre-filled keeps its figure and
    gets the explanation a county would give. Runs inside `audit.bulk()`. Returns how many were fixed."""
    fixed = []
    for submission in campaign.submissions.select_related("region", "campaign"):
        previous = services.previous_values(submission)
        for value in submission.values.select_related("node"):
            last = previous.get(value.node.code)
            if not services.needs_explanation(value.node, value.value, last) or value.explanation.strip():
                continue
            if value.source == SubmissionValue.Source.DEMO:
                step = 1 + math.copysign(0.5 * value.node.jump_threshold, value.value - last)
                candidate = round(last * step, 2)
                if not services.needs_explanation(value.node, candidate, last):
                    value.value = candidate
                    fixed.append(value)
                    continue
            value.explanation = "演示数据：数据来自平台业务系统登记，口径较上年有调整"
            fixed.append(value)
    SubmissionValue.objects.bulk_update(fixed, ["value", "explanation"], batch_size=1000)
    return len(fixed)


@demo_generator(order=40, name="monitoring")
def demo_monitoring(ctx: DemoContext) -> dict:
    """Runs inside `audit.system()` + `audit.bulk()` (core.demo): actions take actor=None, bulk loads
    are recorded per object."""
    if IndexRun.objects.filter(status=IndexRun.Status.SUCCEEDED).exists():
        return {"kept": True, "runs": IndexRun.objects.count()}
    with transaction.atomic():
        framework = IndicatorFramework.objects.filter(code="SD-CII", status="published").order_by("-version").first()
        if framework is None:
            framework = services.create_framework(actor=None, code="SD-CII", name="山东省县域科技创新能力评价指标体系",
                                                  rows=services.default_framework_rows(),
                                                  description="5 个维度、25 项指标（政策 七(二)）")
            services.publish_framework(actor=None, framework=framework)
        nodes = {n.code: n for n in framework.indicators()}
        counties = list(Region.objects.filter(province__code=f"{ctx.province}0000", level=Region.Level.COUNTY).order_by("code"))
        rng = np.random.default_rng(ctx.seed)
        capability, extra = county_capability(counties, rng)
        for year in YEARS:
            campaign = SurveyCampaign.objects.filter(year=year, framework=framework).first()
            if campaign is None:
                campaign = services.open_campaign(actor=None, year=year, framework=framework,
                                                  deadline=datetime.date(year + 1, 3, 31),
                                                  province=Region.objects.get(code=f"{ctx.province}0000"))
            year_rng = np.random.default_rng([ctx.seed, year])
            values = []
            submissions = {s.region_id: s for s in campaign.submissions.all()}
            for county in counties:
                submission = submissions[county.pk]
                present = set(submission.values.values_list("node__code", flat=True))  # e.g. platform data
                for code, node in nodes.items():
                    if code in present:
                        continue
                    values.append(SubmissionValue(submission=submission, node=node, source=SubmissionValue.Source.DEMO,
                                                  value=demo_value(code, node, capability, extra, county, year, year_rng)))
            SubmissionValue.objects.bulk_create(values, batch_size=2000)
            satisfy_jump_rule(campaign)  # the platform's own rule holds for the demo too
            if year < max(YEARS):
                campaign.submissions.update(status=CountySubmission.Status.APPROVED)
                services.close_campaign(actor=None, campaign=campaign)
            else:
                # The latest year is mid-cycle: most approved, some waiting for review, a few drafts.
                codes = [c.code for c in counties]
                waiting = set(codes[5::17])
                drafts = set(codes[11::23]) - waiting
                for s in campaign.submissions.select_related("region"):
                    status = (CountySubmission.Status.DRAFT if s.region.code in drafts else
                              CountySubmission.Status.SUBMITTED if s.region.code in waiting else
                              CountySubmission.Status.APPROVED)
                    CountySubmission.objects.filter(pk=s.pk).update(status=status)
    runs = 0
    for campaign in SurveyCampaign.objects.filter(framework=framework).order_by("year"):
        if campaign.year >= max(YEARS) - 1:  # the last two years have computed runs
            run = indexing.start_index_run(actor=None, campaign=campaign, backend="sync")
            if run.status == IndexRun.Status.SUCCEEDED:
                indexing.publish_index_run(actor=None, run=run)  # officials see the province's results
            runs += 1
    return {"framework": str(framework), "campaigns": len(YEARS), "values": SubmissionValue.objects.count(),
            "runs": runs}
