"""Every write for talents: demands, plans (through the dispatch engine), logs, assessments, workstations."""

from __future__ import annotations

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from countyinno.accounts.models import Organisation, Role
from countyinno.core.audit import acting_as, record_state_change
from countyinno.core.errors import bilingual
from countyinno.core.scoping import CHANGE, can
from countyinno.engines.dispatch import DispatchError, solve
from countyinno.engines.rules import ruleset_for
from countyinno.engines.rules.workdays import add_working_days
from countyinno.regions.models import Region

from .models import (Assessment, Assignment, DispatchPlan, ServiceDemand, ServiceLog, Talent,
                     WorkstationApplication)


def _rules(day=None):
    return ruleset_for("talent", day or timezone.localdate()).params


def _require(actor, *roles):
    if actor is not None and not actor.is_superuser and actor.role not in roles:
        raise PermissionDenied(bilingual("当前角色无权执行该操作", "your role may not do this"))


# ------------------------------------------------------------------ profiles and demands
@transaction.atomic
def update_profile(*, actor, talent: Talent, **changes) -> Talent:
    """A talent edits only their own profile (officials of their area may too)."""
    own = actor is not None and talent.user_id == actor.pk
    official = actor is not None and (actor.is_superuser or actor.is_region_admin) and can(actor, CHANGE, talent)
    if actor is not None and not (own or official):
        raise PermissionDenied(bilingual("只能修改本人的资料", "you may edit only your own profile"))
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
    with acting_as(actor):
        talent.save()
    return talent


@transaction.atomic
def file_demand(*, actor, requester: Organisation, problem: str, fields: list[str], keywords: list[str],
                days_needed: int, year: int, need: int = 1) -> ServiceDemand:
    if actor is not None and not can(actor, CHANGE, requester):
        raise PermissionDenied(bilingual("只能以本单位名义申报", "you may file only for your own organisation"))
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
    with acting_as(actor):
        return ServiceDemand.objects.create(requester=requester, region=region, problem=problem.strip(),
                                            fields=fields, keywords=keywords, days_needed=days_needed, year=year,
                                            need=need)


# ------------------------------------------------------------------ dispatch
def centroid(region: Region) -> list[float] | None:
    boundary = getattr(region, "boundary", None)
    if boundary is None:
        return None
    geometry = boundary.geometry
    polygons = geometry["coordinates"] if geometry["type"] == "MultiPolygon" else [geometry["coordinates"]]
    points = [p for polygon in polygons for p in polygon[0]]
    return [sum(p[0] for p in points) / len(points), sum(p[1] for p in points) / len(points)]


def build_instance(year: int, constraints: dict, mode: str = "optimal") -> dict:
    # JSON "contains" differs between SQLite and PostgreSQL; the pool is small enough to filter here.
    talents = [t for t in Talent.objects.select_related("home_unit__region") if "commissioner" in t.programmes]
    demands = list(ServiceDemand.objects.filter(year=year, status=ServiceDemand.Status.OPEN).select_related("region"))
    regions = {r.pk: r for r in Region.objects.filter(
        pk__in={t.home_unit.region_id for t in talents} | {d.region_id for d in demands}).select_related("boundary")}
    centres = {pk: centroid(r) for pk, r in regions.items()}
    previous = Assignment.objects.filter(plan__status=DispatchPlan.Status.PUBLISHED, plan__year__lt=year)
    return {
        "talents": [{"id": str(t.pk), "capacity": t.capacity, "home_unit": str(t.home_unit_id), "fields": t.fields,
                     "keywords": t.keywords, "location": centres.get(t.home_unit.region_id)} for t in talents],
        "demands": [{"id": str(d.pk), "need": d.need, "county": d.region.code, "fields": d.fields,
                     "keywords": d.keywords, "location": centres.get(d.region_id)} for d in demands],
        "previous_pairs": [[str(a.talent_id), str(a.demand.requester_id)] for a in previous.select_related("demand")],
        "constraints": constraints, "mode": mode}


@transaction.atomic
def solve_plan(*, actor, year: int, constraints: dict | None = None, mode: str = "optimal") -> DispatchPlan:
    """The province computes the year's plan; pins and forbidden pairs re-solve exactly."""
    _require(actor, Role.PROVINCE_ADMIN)
    constraints = constraints or {}
    instance = build_instance(year, constraints, mode)
    try:
        plan_data = solve(instance)
    except DispatchError as exc:
        raise ValidationError([f"{p.where}: {p.message_zh} / {p.message_en}" for p in exc.problems])
    province = actor.region if actor is not None and actor.region else Region.objects.get(code="370000")
    with acting_as(actor):
        plan = DispatchPlan.objects.create(year=year, province=province, mode=mode, constraints=constraints,
                                           summary={k: plan_data[k] for k in ("status", "solver", "objective",
                                                                              "county_counts", "seconds")}
                                           | {"unserved": len(plan_data["unserved_demands"]),
                                              "idle": len(plan_data["idle_talents"])},
                                           created_by=actor if getattr(actor, "pk", None) else None)
        Assignment.objects.bulk_create([Assignment(plan=plan, talent_id=int(a["talent"]), demand_id=int(a["demand"]),
                                                   cost=a["cost"], reasons=a["reasons"], pinned=a["pinned"])
                                        for a in plan_data["assignments"]])
    return plan


@transaction.atomic
def publish_plan(*, actor, plan: DispatchPlan) -> DispatchPlan:
    _require(actor, Role.PROVINCE_ADMIN)
    if plan.status == DispatchPlan.Status.PUBLISHED:
        return plan
    with acting_as(actor):
        plan.status = DispatchPlan.Status.PUBLISHED
        plan.save()
        ServiceDemand.objects.filter(pk__in=plan.assignments.values("demand")).update(status=ServiceDemand.Status.ASSIGNED)
        record_state_change(plan, "draft", "published", actor=actor)
    return plan


# ------------------------------------------------------------------ service logs
@transaction.atomic
def log_visit(*, actor, assignment: Assignment, visited_on: datetime.date, days: float, content: str) -> ServiceLog:
    if actor is not None and not actor.is_superuser and assignment.talent.user_id != actor.pk:
        raise PermissionDenied(bilingual("只有被派驻的人才本人可以填写服务日志", "only the assigned talent logs visits"))
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
    with acting_as(actor):
        return ServiceLog.objects.create(assignment=assignment, visited_on=visited_on, days=days, content=content.strip())


@transaction.atomic
def confirm_log(*, actor, log: ServiceLog, accept: bool = True, satisfaction: int | None = None) -> ServiceLog:
    """The served unit confirms (or disputes) a visit and rates it."""
    requester = log.assignment.demand.requester
    if actor is not None and not actor.is_superuser and actor.organisation_id != requester.pk:
        raise PermissionDenied(bilingual("只有被服务单位可以确认", "only the served unit may confirm"))
    if log.status != ServiceLog.Status.PENDING:
        raise ValidationError(bilingual("该日志已处理", "this log was already handled"))
    if satisfaction is not None and not 1 <= satisfaction <= 5:
        raise ValidationError({"satisfaction": bilingual("满意度应为 1–5", "satisfaction must be 1–5")})
    with acting_as(actor):
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


@transaction.atomic
def assess_year(*, actor, year: int, effect_scores: dict[int, float] | None = None) -> list[Assessment]:
    """Annual assessment: 服务情况 from confirmed service days against the minimum, 服务成效 from the
    county's evaluation (0–100, default 80), 满意度 from the served units' ratings; weights and grades from
    the rule set."""
    _require(actor, Role.PROVINCE_ADMIN)
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
        with acting_as(actor):
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


@transaction.atomic
def review_workstation(*, actor, app: WorkstationApplication, approve: bool, comment: str = "",
                       today: datetime.date | None = None) -> WorkstationApplication:
    """City first review, then provincial second review within 7 working days; approvals are published
    on the next 5th of a month with a 5-working-day 公示."""
    today = today or timezone.localdate()
    w = _rules(today)["workstation"]
    if actor is not None and not can(actor, CHANGE, app):
        raise PermissionDenied(bilingual("无权审核该申请", "you may not review this application"))
    before = app.status
    if app.status == WorkstationApplication.Status.SUBMITTED:
        _require(actor, Role.CITY_ADMIN)
        if approve:
            problems = workstation_problems(app)
            if problems:
                raise ValidationError(problems)
            app.status, app.city_approved_on = WorkstationApplication.Status.CITY_APPROVED, today
            app.province_due_on = add_working_days(today, w["province_review_working_days"])
    elif app.status == WorkstationApplication.Status.CITY_APPROVED:
        _require(actor, Role.PROVINCE_ADMIN)
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
    with acting_as(actor):
        app.save()
        record_state_change(app, before, app.status, comment=comment, actor=actor)
    return app


def commissioners_in(region: Region, year: int) -> int:
    return (Assignment.objects.filter(plan__status="published", plan__year=year, demand__region=region)
            .values("talent").distinct().count())
