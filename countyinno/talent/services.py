"""Every write for talents: demands, plans (through the dispatch engine), logs, assessments, workstations."""

from __future__ import annotations

import datetime
import hashlib
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from countyinno.accounts.models import Organisation, User
from countyinno.accounts.roles import TALENT
from countyinno.core import audit
from countyinno.core.actions import action, require
from countyinno.core.errors import bilingual
from countyinno.core.notifications import notify
from countyinno.core.scoping import can
from countyinno.engines.dispatch import DispatchError, solve
from countyinno.engines.rules import ruleset_for
from countyinno.engines.rules.rulesets import RuleSetError
from countyinno.engines.rules.workdays import add_working_days
from countyinno.regions.models import Region

from .models import PROGRAMMES
from .models import (Assessment, Assignment, DispatchPlan, ServiceDemand, ServiceLog, Talent,
                     WorkstationApplication, WorkstationMaterial)
from .permissions import (can_answer_dispute, can_assess_year, can_confirm_log, can_dispute_log, can_edit_profile,
                          can_evaluate_service, can_file_demand, can_file_workstation, can_log_visit,
                          can_publish_plan, can_register_talent, can_resubmit_workstation, can_review_workstation,
                          can_solve_plan, can_update_talent)


def _rules(day=None):
    return ruleset_for("talent", day or timezone.localdate()).params


# ------------------------------------------------------------------ the talent pool (人才库)
def _area(predicate, actor, queryset):
    q = predicate.q(actor)
    return queryset if q is None else queryset.filter(q)


def register_units(actor):
    """The organisations an official may name as a talent's home unit: the active ones of their area."""
    return _area(can_register_talent, actor, Organisation.objects.filter(is_active=True)).select_related("region")


def linkable_users(actor, talent: Talent | None = None):
    """Accounts of role talent an official may link to a talent record: active, not yet linked to another
    talent, and either of an organisation of the official's area or of no organisation (an individual
    account made on the accounts page). Ordered for a select."""
    units = register_units(actor).values("pk")
    users = User.objects.filter(role=TALENT, is_active=True)
    users = users.filter(Q(organisation__isnull=True) | Q(organisation__in=units))
    free = Q(talent__isnull=True) | (Q(talent=talent) if talent is not None and talent.pk else Q(pk__in=[]))
    return users.filter(free).order_by("username")


POOL_FIELDS = ("name", "kind", "home_unit", "title", "degree", "fields", "keywords", "programmes", "capacity",
               "availability_days", "user")


def _pool_errors(talent: Talent, actor) -> dict:
    from .models import PROFILE_FIELDS

    errors: dict[str, list[str]] = {}
    talent.name = (talent.name or "").strip()
    if not talent.name:
        errors["name"] = [bilingual("请填写姓名或团队名称", "give the name of the person or team")]
    elif len(talent.name) > 100:
        errors["name"] = [bilingual("姓名过长（至多 100 个字）", "the name is too long (100 characters at most)")]
    if talent.kind not in Talent.Kind.values:
        errors["kind"] = [bilingual("请从列表中选择类型", "choose a kind from the list")]
    if not talent.fields:
        errors["fields"] = [bilingual("至少选择一个领域", "choose at least one field")]
    elif set(talent.fields) - set(PROFILE_FIELDS):
        errors["fields"] = [bilingual("请从列表中选择领域", "choose fields from the list")]
    if not talent.programmes:
        errors["programmes"] = [bilingual("至少选择一个所属计划", "choose at least one programme")]
    elif set(talent.programmes) - set(PROGRAMMES):
        errors["programmes"] = [bilingual("请从列表中选择所属计划", "choose programmes from the list")]
    if not isinstance(talent.capacity, int) or not 0 <= talent.capacity <= 20:
        errors["capacity"] = [bilingual("可服务企业数应在 0–20 之间", "capacity must be between 0 and 20")]
    if not isinstance(talent.availability_days, int) or not 0 <= talent.availability_days <= 366:
        errors["availability_days"] = [bilingual("可服务天数应在 0–366 之间", "available days must be between 0 and 366")]
    if talent.name and talent.home_unit_id and Talent.objects.filter(
            name=talent.name, home_unit_id=talent.home_unit_id).exclude(pk=talent.pk).exists():
        errors["name"] = [bilingual("该派出单位已登记同名人才", "this home unit already has a talent of that name")]
    if talent.user_id is not None:
        user = talent.user
        if user.role != TALENT or not user.is_active:
            errors["user"] = [bilingual("只能关联角色为“个人人才”的有效账号", "link an active account of role talent only")]
        elif not linkable_users(actor, talent).filter(pk=user.pk).exists():
            errors["user"] = [bilingual("该账号已关联其他人才，或不在您的管辖范围内",
                                        "that account is linked to another talent or is outside your area")]
    return errors


@action(permission=can_register_talent, target="home_unit")
def register_talent(*, actor, home_unit: Organisation, name: str, fields: list[str], programmes: list[str],
                    kind: str = Talent.Kind.INDIVIDUAL, title: str = "", degree: str = "", keywords=(),
                    capacity: int = 1, availability_days: int = 30, user: User | None = None) -> Talent:
    """An official of the home unit's area adds a talent (科技特派员, 千人服务千企 expert…) to the pool,
    optionally linked to an existing account of role talent."""
    if not home_unit.is_active:
        raise ValidationError({"home_unit": bilingual("该单位已注销，不能作为派出单位", "that unit is no longer active")})
    talent = Talent(name=name, kind=kind, home_unit=home_unit, title=(title or "").strip(),
                    degree=(degree or "").strip(), fields=list(fields or []), keywords=list(keywords or []),
                    programmes=list(dict.fromkeys(programmes or [])), capacity=capacity,
                    availability_days=availability_days, user=user)
    errors = _pool_errors(talent, actor)
    if errors:
        raise ValidationError(errors)
    talent.save()
    return talent


@action(permission=can_update_talent, target="talent")
def update_talent(*, actor, talent: Talent, **changes) -> Talent:
    """An official of the talent's area edits the pool record; a new home unit must be of their area too."""
    unknown = set(changes) - set(POOL_FIELDS)
    if unknown:
        raise ValidationError(bilingual(f"不可修改的字段 {sorted(unknown)}", f"fields not editable: {sorted(unknown)}"))
    home_unit = changes.get("home_unit")
    if home_unit is not None and home_unit.pk != talent.home_unit_id:
        require(can_register_talent, actor, home_unit,
                bilingual("派出单位须为您管辖范围内的单位", "the home unit must be an organisation of your area"))
        if not home_unit.is_active:
            raise ValidationError({"home_unit": bilingual("该单位已注销，不能作为派出单位", "that unit is no longer active")})
    for key, value in changes.items():
        if key in ("fields", "keywords", "programmes"):
            value = list(dict.fromkeys(value or []))
        elif key in ("title", "degree"):
            value = (value or "").strip()
        setattr(talent, key, value)
    errors = _pool_errors(talent, actor)
    if errors:
        raise ValidationError(errors)
    talent.save()
    return talent


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
HALF = Decimal("0.5")


def _decimal(value, field: str, zh: str, en: str) -> Decimal:
    try:
        number = value if isinstance(value, Decimal) else Decimal(str(value))
    except (InvalidOperation, ValueError, TypeError):
        raise ValidationError({field: [bilingual(zh, en)]})
    if not number.is_finite():
        raise ValidationError({field: [bilingual(zh, en)]})
    return number


def _users_who(candidates, check) -> list:
    return [u for u in candidates if u.is_active and check(u)]


def _talent_users(talent: Talent) -> list:
    return [talent.user] if talent.user_id else []


def _unit_members(organisation_id) -> list:
    return list(User.objects.filter(organisation_id=organisation_id, is_active=True))


@action(permission=can_log_visit, target="assignment")
def log_visit(*, actor, assignment: Assignment, visited_on: datetime.date, days, content: str,
              visited_until: datetime.date | None = None) -> ServiceLog:
    """The assigned talent logs a visit; the served unit confirms or disputes it.

    A visit covers one date, or the dates from `visited_on` to `visited_until`; the days logged are
    positive half-days and never more than the dates covered, nor, with the talent's other logs on
    overlapping dates, more than one day per calendar date."""
    plan = assignment.plan
    if plan.status != DispatchPlan.Status.PUBLISHED:
        raise ValidationError(bilingual("方案尚未发布", "the plan is not published yet"))
    errors = {}
    days = _decimal(days, "days", "服务天数应为数字，如 1 或 0.5", "days must be a number such as 1 or 0.5")
    today = timezone.localdate()
    last = visited_until or visited_on
    if visited_on > today:
        errors["visited_on"] = [bilingual("服务日期不能晚于今天", "the visit cannot be in the future")]
    elif visited_on.year != plan.year:
        errors["visited_on"] = [bilingual(f"服务日期须在 {plan.year} 年度内", f"the visit must be in {plan.year}")]
    if visited_until is not None:
        if visited_until < visited_on:
            errors["visited_until"] = [bilingual("截止日期早于服务日期", "the last day is before the first day")]
        elif visited_until > today:
            errors["visited_until"] = [bilingual("截止日期不能晚于今天", "the last day cannot be in the future")]
        elif visited_until.year != plan.year:
            errors["visited_until"] = [bilingual(f"截止日期须在 {plan.year} 年度内", f"the last day must be in {plan.year}")]
    span = (last - visited_on).days + 1 if last >= visited_on else 1
    if days <= 0 or days % HALF != 0:
        errors["days"] = [bilingual("服务天数应为 0.5 的整数倍且大于 0", "days must be a positive multiple of 0.5")]
    elif days > span:
        errors["days"] = [bilingual(
            f"所填 {days} 天超过服务日期覆盖的 {span} 天（单日服务至多 1 天；多日服务请填写截止日期）",
            f"{days} day(s) exceed the {span} calendar day(s) covered (one day per date at most; "
            f"for a longer visit give the last day)")]
    if len(content.strip()) < 5:
        errors["content"] = [bilingual("请填写服务内容（至少 5 个字）", "describe the service (5 characters or more)")]
    if not errors:
        overlapping = [log for log in ServiceLog.objects.filter(assignment__talent_id=assignment.talent_id,
                                                                 visited_on__lte=last)
                       if log.last_day >= visited_on]
        if overlapping:
            first = min([visited_on] + [log.visited_on for log in overlapping])
            final = max([last] + [log.last_day for log in overlapping])
            covered = (final - first).days + 1
            logged = sum((log.days for log in overlapping), Decimal("0")) + days
            if logged > covered:
                errors["days"] = [bilingual(
                    f"与已填日志合计 {logged} 天，超过 {first:%Y-%m-%d} 至 {final:%Y-%m-%d} 的 {covered} 天",
                    f"together with earlier logs {logged} day(s), more than the {covered} day(s) from "
                    f"{first:%Y-%m-%d} to {final:%Y-%m-%d}")]
    if errors:
        raise ValidationError(errors)
    log = ServiceLog.objects.create(assignment=assignment, visited_on=visited_on,
                                    visited_until=visited_until if visited_until and visited_until != visited_on else None,
                                    days=days, content=content.strip())
    notify(_users_who(_unit_members(assignment.demand.requester_id), lambda u: can_confirm_log(u, log)), kind="talent.log",
           title=f"{assignment.talent.name} 提交了服务日志，请确认 / a service log awaits your confirmation",
           body=f"{visited_on:%Y-%m-%d} · {days} 天 · {log.content[:60]}",
           url=reverse("talent:assignment", args=[assignment.pk]))
    return log


@action(permission=can_confirm_log, target="log")
def confirm_log(*, actor, log: ServiceLog, satisfaction: int) -> ServiceLog:
    """The served unit confirms a visit and rates it (1–5); the rating counts in the talent's 满意度."""
    if log.status != ServiceLog.Status.PENDING:
        raise ValidationError(bilingual("该日志已处理", "this log was already handled"))
    if satisfaction is None or not 1 <= int(satisfaction) <= 5:
        raise ValidationError({"satisfaction": [bilingual("请给出 1–5 分的满意度评分", "rate the visit from 1 to 5")]})
    before = log.status
    log.status = ServiceLog.Status.CONFIRMED
    log.satisfaction = int(satisfaction)
    log.confirmed_by = actor if getattr(actor, "pk", None) else None
    log.save()
    audit.record_state_change(log, before, log.status)
    reassess(log.assignment.talent, log.assignment.plan.year)
    return log


@action(permission=can_dispute_log, target="log")
def dispute_log(*, actor, log: ServiceLog, reason: str) -> ServiceLog:
    """The served unit disputes a visit with a reason; the talent and the county see it."""
    if len(reason.strip()) < 5:
        raise ValidationError({"reason": [bilingual("请说明异议理由（至少 5 个字）", "give the reason (5 characters or more)")]})
    before = log.status
    log.status, log.dispute_reason, log.disputed_at = ServiceLog.Status.REJECTED, reason.strip(), timezone.now()
    log.confirmed_by = actor if getattr(actor, "pk", None) else None
    log.save()
    audit.record_state_change(log, before, log.status, comment=log.dispute_reason)
    assignment = log.assignment
    url = reverse("talent:assignment", args=[assignment.pk])
    notify(_talent_users(assignment.talent), kind="talent.dispute",
           title=f"{assignment.demand.requester.name} 对 {log.visited_on:%Y-%m-%d} 的服务日志有异议 / a log was disputed",
           body=log.dispute_reason, url=url)
    counties = User.objects.filter(region_id=assignment.demand.region_id)
    notify(_users_who(counties, lambda u: can_evaluate_service(u, assignment)), kind="talent.dispute",
           title=f"{assignment.talent.name} 的服务日志被服务单位提出异议 / a service log was disputed",
           body=log.dispute_reason, url=url)
    return log


@action(permission=can_answer_dispute, target="log")
def answer_dispute(*, actor, log: ServiceLog, reply: str, days=None) -> ServiceLog:
    """The talent answers a dispute (and may correct the days); the log goes back to the unit to confirm."""
    errors = {}
    if len(reply.strip()) < 5:
        errors["reply"] = [bilingual("请填写答复（至少 5 个字）", "write a reply (5 characters or more)")]
    if days not in (None, ""):
        days = _decimal(days, "days", "服务天数应为数字，如 1 或 0.5", "days must be a number such as 1 or 0.5")
        if days <= 0 or days % HALF != 0 or days > log.days:
            errors["days"] = [bilingual(f"更正后的天数应为 0.5 的整数倍，大于 0 且不超过原填的 {log.days} 天",
                                        f"corrected days must be a positive multiple of 0.5, at most the {log.days} logged")]
    if errors:
        raise ValidationError(errors)
    before = log.status
    if days not in (None, ""):
        log.days = days
    log.reply, log.replied_at, log.status = reply.strip(), timezone.now(), ServiceLog.Status.PENDING
    log.save()
    audit.record_state_change(log, before, log.status, comment=log.reply)
    assignment = log.assignment
    notify(_users_who(_unit_members(assignment.demand.requester_id), lambda u: can_confirm_log(u, log)),
           kind="talent.dispute", title=f"{assignment.talent.name} 已答复异议，请重新确认 / the talent answered your dispute",
           body=log.reply, url=reverse("talent:assignment", args=[assignment.pk]))
    return log


# ------------------------------------------------------------------ assessment
SCORE_PLACES = Decimal("0.0001")
HUNDRED = Decimal("100")


@action(permission=can_evaluate_service, target="assignment")
def evaluate_service(*, actor, assignment: Assignment, score, comment: str = "") -> Assignment:
    """The county evaluates a commissioner's service there (服务成效, 0–100, one decimal)."""
    score = _decimal(score, "score", "评分应为 0–100 的数字", "the score must be a number from 0 to 100")
    if not 0 <= score <= 100 or score != score.quantize(Decimal("0.1")):
        raise ValidationError({"score": [bilingual("评分应在 0–100 之间，至多一位小数",
                                                   "the score must be 0–100 with at most one decimal")]})
    assignment.county_score = score.quantize(Decimal("0.1"))
    assignment.county_comment = comment.strip()
    assignment.county_evaluated_by = actor if getattr(actor, "pk", None) else None
    assignment.county_evaluated_on = timezone.localdate()
    assignment.save()
    reassess(assignment.talent, assignment.plan.year)
    return assignment


def grade_for(total, grades) -> str:
    for floor, label in grades:
        if total >= Decimal(str(floor)):
            return label
    return grades[-1][1]


def assessment_figures(talent: Talent, year: int, params: dict) -> dict | None:
    """The year's figures for one talent, exact: None when the talent served in no published plan that year.

    服务情况 = min(100, 100 × confirmed days ÷ minimum days)
    满意度   = 20 × mean rating (1–5) of confirmed logs; 0 without ratings
    服务成效 = mean of the counties' evaluations (0–100) of the year's assignments; 0 without any
    总分     = (服务情况 × w_service + 服务成效 × w_effect + 满意度 × w_satisfaction) ÷ 100"""
    weights = {k: Decimal(str(v)) for k, v in params["assessment_weights"].items()}
    minimum = Decimal(str(params["min_service_days"]))
    assignments = list(Assignment.objects.filter(talent=talent, plan__year=year,
                                                 plan__status=DispatchPlan.Status.PUBLISHED))
    if not assignments:
        return None
    logs = list(ServiceLog.objects.filter(assignment__in=assignments, status=ServiceLog.Status.CONFIRMED)
                .values_list("days", "satisfaction"))
    days = sum((d for d, _ in logs), Decimal("0"))
    ratings = [Decimal(r) for _, r in logs if r]
    scores = [a.county_score for a in assignments if a.county_score is not None]
    service = min(HUNDRED, HUNDRED * days / minimum) if minimum else HUNDRED
    satisfaction = Decimal(20) * sum(ratings) / len(ratings) if ratings else Decimal(0)
    effect = sum(scores) / len(scores) if scores else Decimal(0)
    total = (service * weights["service"] + effect * weights["effect"]
             + satisfaction * weights["satisfaction"]) / HUNDRED
    exact = {k: v.quantize(SCORE_PLACES, ROUND_HALF_UP) for k, v in
             {"service": service, "effect": effect, "satisfaction": satisfaction, "total": total}.items()}
    return {**exact, "grade": grade_for(exact["total"], params["grades"]), "confirmed_days": days,
            "rating_count": len(ratings), "evaluation_count": len(scores), "assignment_count": len(assignments)}


def reassess(talent: Talent, year: int) -> Assessment | None:
    """Recompute one talent's year (inside the declared action that changed its inputs)."""
    figures = assessment_figures(talent, year, _rules(datetime.date(year, 12, 31)))
    if figures is None:
        return None
    assessment, _ = Assessment.objects.update_or_create(talent=talent, year=year, defaults=figures)
    return assessment


@action(permission=can_assess_year)
def assess_year(*, actor, year: int) -> list[Assessment]:
    """The province recomputes the whole year: every talent in a published plan of that year (formula in
    `assessment_figures`, weights and grades from the rule set in force on 31 December)."""
    params = _rules(datetime.date(year, 12, 31))
    out = []
    talents = Talent.objects.filter(assignments__plan__year=year,
                                    assignments__plan__status=DispatchPlan.Status.PUBLISHED).distinct()
    for talent in talents:
        figures = assessment_figures(talent, year, params)
        assessment, _ = Assessment.objects.update_or_create(talent=talent, year=year, defaults=figures)
        out.append(assessment)
    return out


# ------------------------------------------------------------------ workstations
MATERIAL_MAX_BYTES = 5 * 1024 * 1024
MATERIAL_MAX_FILES = 10
MAGIC = ((b"%PDF-", "application/pdf"), (b"\xff\xd8\xff", "image/jpeg"), (b"\x89PNG\r\n\x1a\n", "image/png"))
REQUIRED_MATERIALS = (WorkstationMaterial.Kind.AGREEMENT, WorkstationMaterial.Kind.EXPERT)


def _read_upload(upload, limit: int) -> bytes:
    """The upload's bytes, refusing past the limit without reading further."""
    upload.seek(0)
    chunks, size = [], 0
    for chunk in upload.chunks() if hasattr(upload, "chunks") else [upload.read()]:
        size += len(chunk)
        if size > limit:
            return b""
        chunks.append(chunk)
    return b"".join(chunks)


def material_type(content: bytes) -> str | None:
    """PDF, JPEG or PNG by the file's own bytes (its name and the browser's claim are not trusted)."""
    for magic, content_type in MAGIC:
        if content.startswith(magic):
            break
    else:
        return None
    if content_type == "application/pdf":
        return content_type if b"%%EOF" in content[-2048:] else None
    import io

    from PIL import Image

    try:
        with Image.open(io.BytesIO(content)) as image:
            if Image.MIME.get(image.format) != content_type:
                return None
            image.verify()
    except Exception:  # Pillow raises many kinds on a damaged or hostile image
        return None
    return content_type


def check_material(upload, field: str) -> dict:
    """Size, then content type by the bytes; the checked facts to store, or a bilingual error on the field."""
    name = (getattr(upload, "name", "") or "file").replace("\\", "/").rsplit("/", 1)[-1][:120]
    size = getattr(upload, "size", None)
    if size is not None and size > MATERIAL_MAX_BYTES:
        raise ValidationError({field: [bilingual(
            f"「{name}」过大（{size // 1024} KB），每个文件不超过 {MATERIAL_MAX_BYTES // 1048576} MB",
            f"{name!r} is too large ({size // 1024} KB); {MATERIAL_MAX_BYTES // 1048576} MB per file at most")]})
    content = _read_upload(upload, MATERIAL_MAX_BYTES)
    if not content:
        raise ValidationError({field: [bilingual(f"「{name}」为空或过大", f"{name!r} is empty or too large")]})
    content_type = material_type(content)
    if content_type is None:
        raise ValidationError({field: [bilingual(
            f"「{name}」不是有效的 PDF、JPEG 或 PNG 文件（按文件内容判断）",
            f"{name!r} is not a valid PDF, JPEG or PNG file (judged by its content)")]})
    upload.seek(0)
    return {"original_name": name, "content_type": content_type, "size": len(content),
            "sha256": hashlib.sha256(content).hexdigest()}


def _check_materials(materials: list[tuple[str, object]], existing_kinds: set[str] = frozenset()) -> list[tuple]:
    errors, checked = {}, []
    if len(materials) > MATERIAL_MAX_FILES:
        raise ValidationError({"other": [bilingual(f"一次至多上传 {MATERIAL_MAX_FILES} 个文件",
                                                   f"at most {MATERIAL_MAX_FILES} files at once")]})
    for kind, upload in materials:
        if kind not in WorkstationMaterial.Kind.values:
            raise ValidationError(bilingual("未知的材料类型", "unknown kind of material"))
        try:
            checked.append((kind, upload, check_material(upload, kind)))
        except ValidationError as exc:
            for field, messages in exc.message_dict.items():
                errors.setdefault(field, []).extend(messages)
    present = set(existing_kinds) | {kind for kind, _ in materials}
    for kind in REQUIRED_MATERIALS:
        if kind not in present and kind not in errors:
            label = WorkstationMaterial.Kind(kind).label
            errors[kind] = [bilingual(f"请上传{label.split(' ')[0]}", f"upload the {label.split(' ', 1)[-1]}")]
    if errors:
        raise ValidationError(errors)
    return checked


def _store_materials(app: WorkstationApplication, checked: list[tuple], actor) -> list[WorkstationMaterial]:
    stored = []
    for kind, upload, facts in checked:
        material = WorkstationMaterial(application=app, kind=kind, uploaded_by=actor if getattr(actor, "pk", None)
                                       else None, **facts)
        material.file.save(f"material.{material.extension}", upload, save=False)
        material.save()
        stored.append(material)
    return stored


def _station_errors(expert_name: str, months_per_year, other_stations) -> tuple[dict, Decimal | None]:
    errors = {}
    if len(expert_name.strip()) < 2:
        errors["expert_name"] = [bilingual("请填写进站院士/专家姓名", "name the academician or expert")]
    months = None
    try:
        months = _decimal(months_per_year, "months_per_year", "每年在站月数应为数字", "months a year must be a number")
        if not 0 < months <= 12 or months != months.quantize(Decimal("0.1")):
            errors["months_per_year"] = [bilingual("每年在站月数应在 0–12 之间，至多一位小数",
                                                   "months a year must be within 0–12, one decimal at most")]
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if not isinstance(other_stations, int) or not 0 <= other_stations <= 20:
        errors["other_stations"] = [bilingual("已在其他工作站数应为 0–20 的整数",
                                              "other stations must be a whole number from 0 to 20")]
    return errors, months


def _reviewers(app: WorkstationApplication) -> list:
    region = app.host.region
    candidates = User.objects.filter(region_id__in={region.city_id, region.province_id} - {None})
    return _users_who(candidates, lambda u: can_review_workstation(u, app))


@action(permission=can_file_workstation, target="host")
def file_workstation(*, actor, host: Organisation, kind: str, expert_name: str, months_per_year,
                     materials: list[tuple[str, object]], expert_unit: str = "", expert_retired: bool = False,
                     other_stations: int = 0, today: datetime.date | None = None) -> WorkstationApplication:
    """The host unit files an 院士 / 专家工作站 application with its materials (PDF, JPEG or PNG files,
    checked by their bytes, stored under MEDIA_ROOT); the city reviews it first."""
    errors, months = _station_errors(expert_name, months_per_year, other_stations)
    if kind not in WorkstationApplication.Kind.values:
        errors["kind"] = [bilingual("请选择工作站类型", "choose the kind of station")]
    try:
        checked = _check_materials(materials)
    except ValidationError as exc:
        errors.update(exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages})
        checked = []
    if errors:
        raise ValidationError(errors)
    app = WorkstationApplication.objects.create(
        host=host, kind=kind, expert_name=expert_name.strip(), expert_unit=expert_unit.strip(),
        expert_retired=bool(expert_retired), other_stations=other_stations, months_per_year=months,
        materials_complete=True, filed_by=actor if getattr(actor, "pk", None) else None,
        submitted_on=today or timezone.localdate())
    _store_materials(app, checked, actor)
    notify(_reviewers(app), kind="talent.workstation", title=f"{host.name} 提交了工作站备案申请，请初审 / a workstation "
           f"application awaits your review", body=f"{app.get_kind_display()} · {app.expert_name}",
           url=reverse("talent:workstation", args=[app.pk]))
    return app


@action(permission=can_resubmit_workstation, target="app")
def resubmit_workstation(*, actor, app: WorkstationApplication, months_per_year, other_stations: int,
                         materials: list[tuple[str, object]], today: datetime.date | None = None) -> WorkstationApplication:
    """A returned application, corrected and with any further materials, goes back to the city."""
    errors, months = _station_errors(app.expert_name, months_per_year, other_stations)
    try:
        checked = _check_materials(materials, set(app.materials.values_list("kind", flat=True)))
    except ValidationError as exc:
        errors.update(exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages})
        checked = []
    if errors:
        raise ValidationError(errors)
    before = app.status
    app.months_per_year, app.other_stations = months, other_stations
    app.status, app.submitted_on = WorkstationApplication.Status.SUBMITTED, today or timezone.localdate()
    app.city_approved_on = app.province_due_on = None
    app.materials_complete = True
    app.save()
    _store_materials(app, checked, actor)
    audit.record_state_change(app, before, app.status)
    notify(_reviewers(app), kind="talent.workstation", title=f"{app.host.name} 重新提交了工作站备案申请 / a returned "
           f"workstation application was resubmitted", body=f"{app.get_kind_display()} · {app.expert_name}",
           url=reverse("talent:workstation", args=[app.pk]))
    return app


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


def publication_date(day: datetime.date, day_of_month: int) -> datetime.date:
    """Approvals are published on the next `day_of_month` of a month (this month's if still ahead)."""
    if day.day < day_of_month:
        return day.replace(day=day_of_month)
    return (day.replace(day=1) + datetime.timedelta(days=32)).replace(day=day_of_month)


@action(permission=can_review_workstation, target="app")
def review_workstation(*, actor, app: WorkstationApplication, approve: bool, comment: str = "",
                       today: datetime.date | None = None) -> WorkstationApplication:
    """City first review, then provincial second review within 7 working days; approvals are published
    on the next 5th of a month with a 5-working-day 公示. Which stage an official may review is the
    predicate's (city admins the first, the province the second)."""
    today = today or timezone.localdate()
    w = _rules(today)["workstation"]
    comment = comment.strip()
    if not approve and not comment:
        raise ValidationError({"comment": [bilingual("退回须说明理由", "a return needs a reason")]})
    before = app.status
    if app.status == WorkstationApplication.Status.SUBMITTED:
        if approve:
            problems = workstation_problems(app)
            if problems:
                raise ValidationError(problems)
            app.status, app.city_approved_on = WorkstationApplication.Status.CITY_APPROVED, today
            app.province_due_on = add_working_days(today, w["province_review_working_days"])
        app.city_comment = comment
    elif app.status == WorkstationApplication.Status.CITY_APPROVED:
        if approve:
            app.status, app.approved_on = WorkstationApplication.Status.APPROVED, today
            app.published_on = publication_date(today, w["publication_day_of_month"])
            app.publicity_ends_on = add_working_days(app.published_on, w["publicity_working_days"])
    else:
        raise ValidationError(bilingual("当前状态不能审核", "not reviewable in this status"))
    if not approve:
        app.status = WorkstationApplication.Status.RETURNED
    app.comment = comment
    app.save()
    audit.record_state_change(app, before, app.status, comment=comment)
    url = reverse("talent:workstation", args=[app.pk])
    members = _users_who(_unit_members(app.host_id), lambda u: can(u, "view", app))
    notify(members, kind="talent.workstation", title=f"工作站备案：{app.get_status_display()} / workstation application: "
           f"{app.get_status_display()}", body=comment or app.expert_name, url=url)
    if app.status == WorkstationApplication.Status.CITY_APPROVED:
        notify(_reviewers(app), kind="talent.workstation", title=f"{app.host.name} 的工作站备案待省级复审 / a workstation "
               f"application awaits the provincial review", body=f"期限 due {app.province_due_on:%Y-%m-%d}", url=url)
    return app


def working_days_left(due: datetime.date | None, today: datetime.date | None = None) -> int | None:
    """Working days from today to the due date (negative when overdue); None without a due date."""
    from countyinno.engines.rules.workdays import working_days_between

    if due is None:
        return None
    today = today or timezone.localdate()
    try:
        return working_days_between(today, due) if due >= today else -working_days_between(due, today)
    except RuleSetError:  # a year beyond the holiday calendar: show the date alone
        return None


def commissioners_in(region: Region, year: int) -> int:
    return (Assignment.objects.filter(plan__status="published", plan__year=year, demand__region=region)
            .values("talent").distinct().count())
