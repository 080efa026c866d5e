"""Every write for talents: demands, plans (through the dispatch engine), logs, assessments, workstations."""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db.models import Sum
from django.utils import timezone

from countyinno.accounts.models import Organisation
from countyinno.core import audit
from countyinno.core.actions import action, require
from countyinno.core.errors import bilingual
from countyinno.engines.dispatch import DispatchError, solve
from countyinno.engines.rules import ruleset_for
from countyinno.engines.rules.workdays import add_working_days
from countyinno.regions.models import Region

from .models import (Assessment, Assignment, DispatchPlan, ServiceDemand, ServiceLog, Talent,
                     WorkstationApplication)
from .permissions import (can_assess_year, can_confirm_log, can_edit_profile, can_file_demand, can_log_visit,
                          can_publish_plan, can_review_workstation, can_solve_plan)


def _rules(day=None):
    return ruleset_for("talent", day or timezone.localdate()).params


# ------------------------------------------------------------------ profiles and demands
@action(permission=can_edit_profile, target="talent")
def update_profile(*, actor, talent: Talent, **changes) -> Talent:
    """A talent edits only their own profile (officials of their area may too)."""
    allowed = {"title", "degree", "fields", "keywords", "availability_days", "capacity"}
    unknown = set(changes) - allowed
    if unknown:
        raise ValidationError(bilingual(f"不可修改的字段 {sorted(unknown)}", f"fields not editable: {sorted(unknown)}"))
    for key, value in changes.items():
        setattr(talent, key, value)
    errors = {}
    if not 0 <= talent.capacity <= 20:
        errors["capacity"] = [bilingual("可服务企业数应在 0–20 之间", "capacity must be between 0 and 20")]
    if not 0 <= talent.availability_days <= 366:
        errors["availability_days"] = [bilingual("可服务天数应在 0–366 之间", "available days must be between 0 and 366")]
    if not talent.fields:
        errors["fields"] = [bilingual("至少选择一个领域", "choose at least one field")]
    if errors:
        raise ValidationError(errors)
    talent.save()
    return talent


@action(permission=can_file_demand, target="requester")
def file_demand(*, actor, requester: Organisation, problem: str, fields: list[str], keywords: list[str],
                days_needed: int, year: int, need: int = 1) -> ServiceDemand:
    """An enterprise files a demand for its own organisation."""
    errors = {}
    if len(problem.strip()) < 10:
        errors["problem"] = [bilingual("请具体描述技术难题（至少 10 个字）", "describe the problem (10 characters or more)")]
    if not fields:
        errors["fields"] = [bilingual("至少选择一个领域", "choose at least one field")]
    if not 1 <= days_needed <= 366:
        errors["days_needed"] = [bilingual("服务天数应在 1–366 之间", "days must be between 1 and 366")]
    if not 1 <= need <= 10:
        errors["need"] = [bilingual("人数应在 1–10 之间", "need must be between 1 and 10")]
    if errors:
        raise ValidationError(errors)
    region = requester.region if requester.region.level == Region.Level.COUNTY else None
    if region is None:
        raise ValidationError({"requester": bilingual("需求单位须位于县级地区", "the requester must be in a county")})
    return ServiceDemand.objects.create(requester=requester, region=region, problem=problem.strip(), fields=fields,
                                        keywords=keywords, days_needed=days_needed, year=year, need=need)


# ------------------------------------------------------------------ dispatch
def centroid(region: Region) -> list[float] | None:
    boundary = getattr(region, "boundary", None)
    if boundary is None:
        return None
    geometry = boundary.geometry
    polygons = geometry["coordinates"] if geometry["type"] == "MultiPolygon" else [geometry["coordinates"]]
    points = [p for polygon in polygons for p in polygon[0]]
    return [sum(p[0] for p in points) / len(points), sum(p[1] for p in points) / len(points)]


def plan_province(actor, province: Region | None = None) -> Region:
    """The province a plan is for: the actor's own; for system runs (or a user without a region) the one given."""
    region = getattr(actor, "region", None) if actor is not None else None
    own = region.province if region is not None else None
    if own is not None:
        if province is not None and province.pk != own.pk:
            raise ValidationError(bilingual("只能为本省计算选派方案", "you may plan only for your own province"))
        return own
    if province is None:
        raise ValidationError(bilingual("请指定选派方案所属的省份", "say which province the plan is for"))
    if province.level != Region.Level.PROVINCE:
        raise ValidationError(bilingual(f"{province.name} 不是省级地区", f"{province.code} is not a province"))
    return province


def build_instance(year: int, constraints: dict, mode: str = "optimal", province: Region | None = None) -> dict:
    """The dispatch instance: commissioner talents and the province's open demands of the year."""
    # JSON "contains" differs between SQLite and PostgreSQL; the pool is small enough to filter here.
    talents = [t for t in Talent.objects.select_related("home_unit__region") if "commissioner" in t.programmes]
    demands = ServiceDemand.objects.filter(year=year, status=ServiceDemand.Status.OPEN).select_related("region")
    previous = Assignment.objects.filter(plan__status=DispatchPlan.Status.PUBLISHED, plan__year__lt=year)
    if province is not None:
        demands = demands.filter(region__province=province)
        previous = previous.filter(plan__province=province)
    demands = list(demands)
    regions = {r.pk: r for r in Region.objects.filter(
        pk__in={t.home_unit.region_id for t in talents} | {d.region_id for d in demands}).select_related("boundary")}
    centres = {pk: centroid(r) for pk, r in regions.items()}
    return {
        "talents": [{"id": str(t.pk), "capacity": t.capacity, "home_unit": str(t.home_unit_id), "fields": t.fields,
                     "keywords": t.keywords, "location": centres.get(t.home_unit.region_id)} for t in talents],
        "demands": [{"id": str(d.pk), "need": d.need, "county": d.region.code, "fields": d.fields,
                     "keywords": d.keywords, "location": centres.get(d.region_id)} for d in demands],
        "previous_pairs": [[str(a.talent_id), str(a.demand.requester_id)] for a in previous.select_related("demand")],
        "constraints": constraints, "mode": mode}


def _quiet(fraction: float, message: str) -> None:
    pass


def compute_plan(*, year: int, constraints: dict, mode: str, province: Region, progress=_quiet) -> dict:
    """Build the instance and solve it. Reads only; slow for a whole province, so it runs outside any
    transaction (`solve_plan` calls it before the short declared action that saves the result)."""
    progress(0.05, "构建实例 building the instance")
    instance = build_instance(year, constraints, mode, province)
    progress(0.3, f"求解 solving: {len(instance['talents'])} talents, {len(instance['demands'])} demands")
    try:
        return solve(instance)
    except DispatchError as exc:
        raise ValidationError([f"{p.where}: {p.message_zh} / {p.message_en}" for p in exc.problems])


def solve_plan(*, actor, year: int, constraints: dict | None = None, mode: str = "optimal",
               province: Region | None = None, progress=_quiet) -> DispatchPlan:
    """The province computes the year's plan; pins and forbidden pairs re-solve exactly.

    Pages run this as the background job `talent.solve_plan` (talent/jobs.py). The permission is asked
    first, the solve runs outside any transaction, and only the result is saved by the declared action
    `save_plan`. `province` is for system runs; an official plans for their own province."""
    require(can_solve_plan, actor)  # refuse before the expensive part; save_plan asks again
    constraints = constraints or {}
    province = plan_province(actor, province)
    solution = compute_plan(year=year, constraints=constraints, mode=mode, province=province, progress=progress)
    progress(0.9, "保存方案 saving the plan")
    return save_plan(actor=actor, province=province, year=year, mode=mode, constraints=constraints, solution=solution)


@action(permission=can_solve_plan)
def save_plan(*, actor, province: Region, year: int, mode: str, constraints: dict, solution: dict) -> DispatchPlan:
    """Store a solved plan as a draft, with its assignments (one audit entry each)."""
    province = plan_province(actor, province)
    demand_ids = {int(a["demand"]) for a in solution["assignments"]}
    still_open = set(ServiceDemand.objects.filter(pk__in=demand_ids, year=year, status=ServiceDemand.Status.OPEN)
                     .values_list("pk", flat=True))
    if demand_ids - still_open:
        raise ValidationError(bilingual("求解期间部分需求已被派驻或关闭，请重新计算",
                                        "some demands were assigned or closed while solving; solve again"))
    summary = {k: solution[k] for k in ("status", "solver", "objective", "county_counts", "seconds")}
    summary |= {"unserved": len(solution["unserved_demands"]), "idle": len(solution["idle_talents"])}
    plan = DispatchPlan.objects.create(year=year, province=province, mode=mode, constraints=constraints,
                                       summary=summary, created_by=actor if getattr(actor, "pk", None) else None)
    with audit.bulk("assignments of a solved dispatch plan"):
        Assignment.objects.bulk_create([Assignment(plan=plan, talent_id=int(a["talent"]), demand_id=int(a["demand"]),
                                                   cost=a["cost"], reasons=a["reasons"], pinned=a["pinned"])
                                        for a in solution["assignments"]])
    return plan


@action(permission=can_publish_plan, target="plan")
def publish_plan(*, actor, plan: DispatchPlan) -> DispatchPlan:
    """Publish a draft plan: its open demands become assigned (each audited)."""
    if plan.status == DispatchPlan.Status.PUBLISHED:
        return plan
    plan.status = DispatchPlan.Status.PUBLISHED
    plan.save()
    with audit.bulk("demands assigned by a published dispatch plan"):
        ServiceDemand.objects.filter(pk__in=plan.assignments.values("demand"),
                                     status=ServiceDemand.Status.OPEN).update(status=ServiceDemand.Status.ASSIGNED)
    audit.record_state_change(plan, DispatchPlan.Status.DRAFT, DispatchPlan.Status.PUBLISHED)
    return plan


# ------------------------------------------------------------------ service logs
@action(permission=can_log_visit, target="assignment")
def log_visit(*, actor, assignment: Assignment, visited_on: datetime.date, days: float, content: str) -> ServiceLog:
    """The assigned talent logs a visit; the served unit confirms it."""
    if assignment.plan.status != DispatchPlan.Status.PUBLISHED:
        raise ValidationError(bilingual("方案尚未发布", "the plan is not published yet"))
    errors = {}
    if visited_on > timezone.localdate():
        errors["visited_on"] = [bilingual("服务日期不能晚于今天", "the visit cannot be in the future")]
    if not 0 < days <= 31:
        errors["days"] = [bilingual("服务天数应在 0–31 之间", "days must be between 0 and 31")]
    if len(content.strip()) < 5:
        errors["content"] = [bilingual("请填写服务内容", "describe the service")]
    if errors:
        raise ValidationError(errors)
    return ServiceLog.objects.create(assignment=assignment, visited_on=visited_on, days=days, content=content.strip())


@action(permission=can_confirm_log, target="log")
def confirm_log(*, actor, log: ServiceLog, accept: bool = True, satisfaction: int | None = None) -> ServiceLog:
    """The served unit confirms (or disputes) a visit and rates it."""
    if log.status != ServiceLog.Status.PENDING:
        raise ValidationError(bilingual("该日志已处理", "this log was already handled"))
    if satisfaction is not None and not 1 <= satisfaction <= 5:
        raise ValidationError({"satisfaction": bilingual("满意度应为 1–5", "satisfaction must be 1–5")})
    log.status = ServiceLog.Status.CONFIRMED if accept else ServiceLog.Status.REJECTED
    log.satisfaction = satisfaction
    log.confirmed_by = actor if getattr(actor, "pk", None) else None
    log.save()
    return log


def grade_for(total: float, grades) -> str:
    for floor, label in grades:
        if total >= floor:
            return label
    return grades[-1][1]


@action(permission=can_assess_year)
def assess_year(*, actor, year: int, effect_scores: dict[int, float] | None = None) -> list[Assessment]:
    """Annual assessment: 服务情况 from confirmed service days against the minimum, 服务成效 from the
    county's evaluation (0–100, default 80), 满意度 from the served units' ratings; weights and grades from
    the rule set."""
    p = _rules(datetime.date(year, 12, 31))
    weights, minimum = p["assessment_weights"], p["min_service_days"]
    effect_scores = effect_scores or {}
    out = []
    talents = Talent.objects.filter(assignments__plan__year=year, assignments__plan__status="published").distinct()
    for talent in talents:
        logs = ServiceLog.objects.filter(assignment__talent=talent, assignment__plan__year=year, status="confirmed")
        days = logs.aggregate(total=Sum("days"))["total"] or 0
        ratings = [r for r in logs.values_list("satisfaction", flat=True) if r]
        service = min(100.0, 100.0 * days / minimum)
        satisfaction = 20.0 * sum(ratings) / len(ratings) if ratings else 0.0
        effect = float(effect_scores.get(talent.pk, 80.0))
        total = (service * weights["service"] + effect * weights["effect"] + satisfaction * weights["satisfaction"]) / 100
        assessment, _ = Assessment.objects.update_or_create(
            talent=talent, year=year, defaults={"service": round(service, 2), "effect": effect,
                                                "satisfaction": round(satisfaction, 2), "total": round(total, 2),
                                                "grade": grade_for(total, p["grades"])})
        out.append(assessment)
    return out


# ------------------------------------------------------------------ workstations
def workstation_problems(app: WorkstationApplication) -> list[str]:
    w = _rules()["workstation"]
    problems = []
    if not app.materials_complete:
        problems.append(bilingual("申报材料不齐全", "the application materials are incomplete"))
    if app.kind == WorkstationApplication.Kind.ACADEMICIAN:
        limit = w["retired_academician_max_stations"] if app.expert_retired else w["serving_academician_max_stations"]
        if app.other_stations + 1 > limit:
            problems.append(bilingual(f"{'退休' if app.expert_retired else '在职'}院士至多在 {limit} 个工作站，已有 {app.other_stations} 个",
                                      f"a {'retired' if app.expert_retired else 'serving'} academician may hold {limit} station(s); already {app.other_stations}"))
    if app.months_per_year < w["min_months_per_station"]:
        problems.append(bilingual(f"每年在站时间须不少于 {w['min_months_per_station']} 个月",
                                  f"at least {w['min_months_per_station']} months a year per station"))
    return problems


@action(permission=can_review_workstation, target="app")
def review_workstation(*, actor, app: WorkstationApplication, approve: bool, comment: str = "",
                       today: datetime.date | None = None) -> WorkstationApplication:
    """City first review, then provincial second review within 7 working days; approvals are published
    on the next 5th of a month with a 5-working-day 公示. Which stage an official may review is the
    predicate's (city admins the first, the province the second)."""
    today = today or timezone.localdate()
    w = _rules(today)["workstation"]
    before = app.status
    if app.status == WorkstationApplication.Status.SUBMITTED:
        if approve:
            problems = workstation_problems(app)
            if problems:
                raise ValidationError(problems)
            app.status, app.city_approved_on = WorkstationApplication.Status.CITY_APPROVED, today
            app.province_due_on = add_working_days(today, w["province_review_working_days"])
    elif app.status == WorkstationApplication.Status.CITY_APPROVED:
        if approve:
            app.status, app.approved_on = WorkstationApplication.Status.APPROVED, today
            day = w["publication_day_of_month"]
            publish = today.replace(day=day) if today.day < day else (
                (today.replace(day=1) + datetime.timedelta(days=32)).replace(day=day))
            app.published_on = publish
            app.publicity_ends_on = add_working_days(publish, w["publicity_working_days"])
    else:
        raise ValidationError(bilingual("当前状态不能审核", "not reviewable in this status"))
    if not approve:
        if not comment.strip():
            raise ValidationError({"comment": bilingual("退回须说明理由", "a return needs a reason")})
        app.status = WorkstationApplication.Status.RETURNED
    app.comment = comment
    app.save()
    audit.record_state_change(app, before, app.status, comment=comment)
    return app


def commissioners_in(region: Region, year: int) -> int:
    return (Assignment.objects.filter(plan__status="published", plan__year=year, demand__region=region)
            .values("talent").distinct().count())
