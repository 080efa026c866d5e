"""Every write in the monitoring app: frameworks, campaigns, submissions and their workflow.

Each state change is a declared action naming its predicate (permissions.py); the decorator checks
it, opens the transaction and audits every object changed. Index runs are in indexing.py.
"""

from __future__ import annotations

import csv
import datetime
from pathlib import Path

from django.core.exceptions import ValidationError
from django.utils import timezone

from countyinno.core import audit
from countyinno.core.actions import action, require
from countyinno.core.notifications import notify
from countyinno.core.errors import ImportFailed, RowError, bilingual
from countyinno.regions.models import Region
from countyinno.regions.services import home_province

from .models import (CountySubmission, FrameworkNode, IndicatorFramework, ReviewComment, SubmissionValue,
                     SurveyCampaign)
from .permissions import (can_batch_review, can_change_campaign, can_change_framework, can_city_review_submission,
                          can_create_framework, can_edit_node, can_edit_submission, can_open_campaign,
                          can_province_review_submission, can_remind_campaign, can_submit_submission)

DATA_DIR = Path(__file__).resolve().parent / "data"
NODE_FIELDS = ["code", "kind", "parent_code", "name", "name_en", "direction", "weight", "unit", "min_value",
               "max_value", "jump_threshold", "platform_source"]


# ------------------------------------------------------------------ frameworks
def validate_nodes(rows: list[dict], sheet: str | None = None) -> list[RowError]:
    """Check a framework's rows: kinds, codes, parents, numbers, exactly one index."""
    errors: list[RowError] = []
    codes = {}
    for line, row in enumerate(rows, start=2):
        code = str(row.get("code") or "").strip()
        if not code:
            errors.append(RowError(line, "code", bilingual("代码为空", "empty code"), sheet))
        elif code in codes:
            errors.append(RowError(line, "code", bilingual(f"代码 {code} 重复", f"duplicate code {code}"), sheet))
        codes[code] = row
        if row.get("kind") not in FrameworkNode.Kind.values:
            errors.append(RowError(line, "kind", bilingual(f"类型应为 {FrameworkNode.Kind.values}",
                                                           f"kind must be one of {FrameworkNode.Kind.values}"), sheet))
        for field in ("weight", "min_value", "max_value", "jump_threshold", "direction"):
            value = row.get(field)
            if value in (None, ""):
                continue
            try:
                float(value)
            except (TypeError, ValueError):
                errors.append(RowError(line, field, bilingual(f"应为数字：{value!r}", f"not a number: {value!r}"), sheet))
        if str(row.get("direction") or "1").strip() not in ("1", "-1", "1.0", "-1.0"):
            errors.append(RowError(line, "direction", bilingual("方向应为 1 或 -1", "direction must be 1 or -1"), sheet))
    for line, row in enumerate(rows, start=2):
        parent = str(row.get("parent_code") or "").strip()
        if parent and parent not in codes:
            errors.append(RowError(line, "parent_code", bilingual(f"上级 {parent} 不存在", f"unknown parent {parent}"), sheet))
        if row.get("kind") == "index" and parent:
            errors.append(RowError(line, "parent_code", bilingual("总指数不应有上级", "the index has no parent"), sheet))
    if sum(1 for r in rows if r.get("kind") == "index") != 1:
        errors.append(RowError(None, "kind", bilingual("须恰有一个总指数", "exactly one index row is needed"), sheet))
    return errors


def _clean_node(row: dict) -> dict:
    def number(key, default=None):
        value = row.get(key)
        return default if value in (None, "") else float(value)

    return {"code": str(row["code"]).strip(), "kind": row["kind"], "parent_code": str(row.get("parent_code") or "").strip(),
            "name": str(row.get("name") or row["code"]).strip(), "name_en": str(row.get("name_en") or "").strip(),
            "direction": int(float(row.get("direction") or 1)), "weight": number("weight", 1.0),
            "unit": str(row.get("unit") or "").strip(), "min_value": number("min_value"),
            "max_value": number("max_value"), "jump_threshold": number("jump_threshold", 0.5),
            "platform_source": str(row.get("platform_source") or "").strip()}


def _new_framework(*, code: str, name: str, rows: list[dict], description: str = "",
                   based_on: IndicatorFramework | None = None) -> IndicatorFramework:
    errors = validate_nodes(rows)
    if errors:
        raise ImportFailed(errors)
    version = (IndicatorFramework.objects.filter(code=code).order_by("-version").values_list("version", flat=True)
               .first() or 0) + 1
    framework = IndicatorFramework.objects.create(code=code, version=version, name=name, description=description,
                                                  based_on=based_on)
    for order, row in enumerate(rows):
        FrameworkNode.objects.create(framework=framework, order=order, **_clean_node(row))
    return framework


@action(permission=can_create_framework)
def create_framework(*, actor, code: str, name: str, rows: list[dict], description: str = "",
                     based_on: IndicatorFramework | None = None) -> IndicatorFramework:
    return _new_framework(code=code, name=name, rows=rows, description=description, based_on=based_on)


def default_framework_rows() -> list[dict]:
    with open(DATA_DIR / "county_innovation_framework.csv", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


NODE_EDITABLE = {"name", "name_en", "direction", "weight", "unit", "min_value", "max_value", "jump_threshold",
                 "required", "platform_source"}


@action(permission=can_edit_node, target="node")
def update_node(*, actor, node: FrameworkNode, **changes) -> FrameworkNode:
    if node.framework.is_frozen:
        raise ValidationError(bilingual("已发布的指标体系不能修改，请另建新版本",
                                        "a published framework is frozen; create a new version"))
    unknown = set(changes) - NODE_EDITABLE
    if unknown:
        raise ValidationError(bilingual(f"不可修改的字段 {sorted(unknown)}", f"fields not editable: {sorted(unknown)}"))
    for key, value in changes.items():
        setattr(node, key, value)
    if node.direction not in (1, -1):
        raise ValidationError({"direction": bilingual("方向应为 1 或 -1", "direction must be 1 or -1")})
    if node.weight is None or node.weight < 0:
        raise ValidationError({"weight": bilingual("权重不能为负", "weight must not be negative")})
    node.full_clean()
    node.save()
    return node


@action(permission=can_change_framework, target="framework")
def publish_framework(*, actor, framework: IndicatorFramework) -> IndicatorFramework:
    if framework.is_frozen:
        return framework
    rows = [{f: getattr(n, f) for f in NODE_FIELDS} for n in framework.nodes.all()]
    errors = validate_nodes(rows)
    if errors:
        raise ImportFailed(errors)
    framework.status = IndicatorFramework.Status.PUBLISHED
    framework.published_at = timezone.now()
    framework.save()
    audit.record_state_change(framework, "draft", "published")
    return framework


@action(permission=can_change_framework, target="framework")
def copy_framework(*, actor, framework: IndicatorFramework) -> IndicatorFramework:
    """A new draft version to edit, starting from an existing one."""
    rows = [{f: getattr(n, f) for f in NODE_FIELDS} for n in framework.nodes.order_by("order")]
    return _new_framework(code=framework.code, name=framework.name, rows=rows, description=framework.description,
                          based_on=framework)


# ------------------------------------------------------------------ campaigns
@action(permission=can_open_campaign)
def open_campaign(*, actor, year: int, framework: IndicatorFramework, deadline: datetime.date,
                  title: str = "", province: Region | None = None, pipeline_config: dict | None = None) -> SurveyCampaign:
    """Open the year's survey: one submission per county of the province, platform data filled in."""
    if not framework.is_frozen:
        raise ValidationError({"framework": bilingual("只能使用已发布的指标体系", "use a published framework")})
    own = actor.region.province if actor is not None and getattr(actor, "region", None) else None
    province = province or own or home_province()
    if own is not None and province != own:
        raise ValidationError({"province": bilingual("只能为本省开启调查", "open campaigns for your own province only")})
    if SurveyCampaign.objects.filter(province=province, year=year, framework=framework).exists():
        raise ValidationError({"year": bilingual(f"{year} 年调查已存在", f"a {year} campaign already exists")})
    campaign = SurveyCampaign.objects.create(
        year=year, framework=framework, deadline=deadline, province=province,
        title=title or f"{year}年度县域创新调查", pipeline_config=pipeline_config or {})
    counties = Region.objects.filter(province=province, level=Region.Level.COUNTY)
    with audit.bulk(f"{year} 年调查：每县一份填报 / one submission per county"):
        CountySubmission.objects.bulk_create([CountySubmission(campaign=campaign, region=c) for c in counties])
    _prefill_platform_values(campaign)
    return campaign


@action(permission=can_change_campaign, target="campaign")
def close_campaign(*, actor, campaign: SurveyCampaign) -> SurveyCampaign:
    before = campaign.status
    campaign.status = SurveyCampaign.Status.CLOSED
    campaign.save(update_fields=["status", "updated_at"])
    if before != campaign.status:
        audit.record_state_change(campaign, before, campaign.status)
    return campaign


# Platform data providers: "module.key" -> function(region, year) -> value or None.
PLATFORM_PROVIDERS: dict[str, callable] = {}


def platform_provider(key: str):
    def decorator(func):
        PLATFORM_PROVIDERS[key] = func
        return func

    return decorator


def _prefill_platform_values(campaign: SurveyCampaign) -> int:
    """Inside open_campaign: fill indicators the platform already knows (contracts, 高企, 科技特派员 …), marked as platform data."""
    nodes = [n for n in campaign.framework.indicators() if n.platform_source in PLATFORM_PROVIDERS]
    created = 0
    for submission in campaign.submissions.select_related("region"):
        for node in nodes:
            value = PLATFORM_PROVIDERS[node.platform_source](submission.region, campaign.year)
            if value is None:
                continue
            SubmissionValue.objects.update_or_create(submission=submission, node=node, defaults={
                "value": value, "source": SubmissionValue.Source.PLATFORM})
            created += 1
    return created


# ------------------------------------------------------------------ submissions
def previous_values(submission: CountySubmission) -> dict[str, float]:
    """The county's approved values of the latest earlier campaign, by indicator code."""
    earlier = (CountySubmission.objects.filter(region=submission.region, campaign__year__lt=submission.campaign.year,
                                               status=CountySubmission.Status.APPROVED)
               .order_by("-campaign__year").first())
    if earlier is None:
        return {}
    return {code: value for code, value in earlier.values.values_list("node__code", "value") if value is not None}


class JumpError(RowError):
    """A value that moved more than the indicator's threshold from last year without an explanation:
    the field to fix is the explanation."""


def needs_explanation(node: FrameworkNode, value, last) -> bool:
    """Does `value` move more than the indicator's threshold from last year's `last`?"""
    if value is None or last in (None, 0):
        return False
    return abs(float(value) - last) / abs(last) > node.jump_threshold


def check_values(submission: CountySubmission, values: dict[str, object], explanations: dict[str, str],
                 *, final: bool = False, sheet: str | None = None, rows: dict[str, int] | None = None) -> tuple[dict, list[RowError]]:
    """Validate raw inputs per indicator; returns cleaned floats and every problem (nothing saved)."""
    rows = rows or {}
    nodes = {n.code: n for n in submission.campaign.framework.indicators()}
    previous = previous_values(submission)
    cleaned, errors = {}, []
    for code in values:
        if code not in nodes:
            errors.append(RowError(rows.get(code), code, bilingual(f"未知指标代码 {code}", f"unknown indicator code {code}"), sheet))
    for code, node in nodes.items():
        raw = values.get(code)
        where = rows.get(code)
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            cleaned[code] = None
            continue
        try:
            number = float(str(raw).replace(",", "").strip()) if not isinstance(raw, (int, float)) else float(raw)
        except ValueError:
            errors.append(RowError(where, code, bilingual(f"{node.name}：应为数字，收到 {raw!r}",
                                                          f"{node.code}: expected a number, got {raw!r}"), sheet))
            continue
        if number != number or number in (float("inf"), float("-inf")):
            errors.append(RowError(where, code, bilingual(f"{node.name}：数值无效", f"{node.code}: invalid number"), sheet))
            continue
        if node.min_value is not None and number < node.min_value or node.max_value is not None and number > node.max_value:
            errors.append(RowError(where, code, bilingual(
                f"{node.name}：{number:g} 超出有效范围 [{node.min_value:g}, {node.max_value:g}] {node.unit}",
                f"{node.code}: {number:g} is outside the valid range [{node.min_value:g}, {node.max_value:g}]"), sheet))
            continue
        last = previous.get(code)
        if last not in (None, 0) and abs(number - last) / abs(last) > node.jump_threshold \
                and not (explanations.get(code) or "").strip():
            errors.append(JumpError(where, code, bilingual(
                f"{node.name}：较上年（{last:g}）变动 {abs(number - last) / abs(last):.0%}，超过 {node.jump_threshold:.0%}，请填写说明",
                f"{node.code}: changed {abs(number - last) / abs(last):.0%} from last year ({last:g}), more than "
                f"{node.jump_threshold:.0%}; an explanation is required"), sheet))
            continue
        cleaned[code] = number
    if final:
        for code, node in nodes.items():
            if node.required and cleaned.get(code) is None and not any(e.field == code for e in errors):
                errors.append(RowError(rows.get(code), code, bilingual(f"{node.name}：必填", f"{node.code}: required"), sheet))
    return cleaned, errors


class EditConflict(ValidationError):
    pass


@action(permission=can_edit_submission, target="submission")
def save_values(*, actor, submission: CountySubmission, values: dict[str, object], explanations: dict[str, str] | None = None,
                expected_revision: int | None = None, source: str = SubmissionValue.Source.FORM,
                sheet: str | None = None, rows: dict[str, int] | None = None) -> CountySubmission:
    """Save a county's values all-or-nothing; a stale revision is refused so two officials never
    overwrite each other."""
    locked = CountySubmission.objects.select_for_update().get(pk=submission.pk)
    if not locked.is_editable:
        raise ValidationError(bilingual(f"当前状态（{locked.get_status_display()}）不可修改",
                                        f"not editable in status {locked.status}"))
    if expected_revision is not None and locked.revision != expected_revision:
        raise EditConflict(bilingual("该填报已被他人修改，请刷新后重新填写",
                                     "someone else changed this submission since you opened it; reload and retry"))
    explanations = explanations or {}
    cleaned, errors = check_values(locked, values, explanations, sheet=sheet, rows=rows)
    if errors:
        raise ImportFailed(errors)
    nodes = {n.code: n for n in locked.campaign.framework.indicators()}
    existing = {v.node.code: v for v in locked.values.select_related("node")}
    for code, value in cleaned.items():
        if code not in values:
            continue
        current = existing.get(code)
        explanation = (explanations.get(code) or "").strip()
        if current is None:
            SubmissionValue.objects.create(submission=locked, node=nodes[code], value=value, source=source,
                                           explanation=explanation)
        elif current.value != value or current.explanation != explanation:
            current.value, current.source, current.explanation = value, source, explanation
            current.save()
    locked.revision += 1
    locked.save(update_fields=["revision", "updated_at"])
    return locked


def _move(actor, submission: CountySubmission, step: str, comment: str) -> CountySubmission:
    """One workflow step, inside the declared action that checked who may take it."""
    allowed_from, target, _ = TRANSITIONS[step]
    locked = CountySubmission.objects.select_for_update().select_related("campaign").get(pk=submission.pk)
    if locked.status not in allowed_from:
        raise ValidationError(bilingual(f"当前状态（{locked.get_status_display()}）不能执行该操作",
                                        f"cannot {step} a submission in status {locked.status}"))
    comment = (comment or "").strip()
    if step.endswith("return") and not comment:
        raise ValidationError({"comment": bilingual("退回须填写意见", "a return needs a comment")})
    if step == "submit":
        values = dict(locked.values.values_list("node__code", "value"))
        explanations = dict(locked.values.values_list("node__code", "explanation"))
        _, errors = check_values(locked, values, explanations, final=True)
        if errors:
            raise ImportFailed(errors)
        locked.submitted_at = timezone.now()
    if target == CountySubmission.Status.APPROVED:
        locked.approved_at = timezone.now()
    before = locked.status
    locked.status = target
    locked.save()
    ReviewComment.objects.create(submission=locked, actor=actor if getattr(actor, "pk", None) else None,
                                 from_status=before, to_status=target, comment=comment)
    audit.record_state_change(locked, before, target, comment=comment)
    return locked


@action(permission=can_submit_submission, target="submission")
def submit_submission(*, actor, submission: CountySubmission, comment: str = "") -> CountySubmission:
    """The county hands in its complete answers (draft or returned → submitted)."""
    return _move(actor, submission, "submit", comment)


@action(permission=can_city_review_submission, target="submission")
def city_approve_submission(*, actor, submission: CountySubmission, comment: str = "") -> CountySubmission:
    return _move(actor, submission, "city_approve", comment)


@action(permission=can_city_review_submission, target="submission")
def city_return_submission(*, actor, submission: CountySubmission, comment: str = "") -> CountySubmission:
    return _move(actor, submission, "city_return", comment)


@action(permission=can_province_review_submission, target="submission")
def province_approve_submission(*, actor, submission: CountySubmission, comment: str = "") -> CountySubmission:
    return _move(actor, submission, "province_approve", comment)


@action(permission=can_province_review_submission, target="submission")
def province_return_submission(*, actor, submission: CountySubmission, comment: str = "") -> CountySubmission:
    return _move(actor, submission, "province_return", comment)


Status = CountySubmission.Status
TRANSITIONS = {
    # step: (allowed from, to, who may take it)
    "submit": ({Status.DRAFT, Status.RETURNED}, Status.SUBMITTED, can_submit_submission),
    "city_approve": ({Status.SUBMITTED}, Status.CITY_APPROVED, can_city_review_submission),
    "city_return": ({Status.SUBMITTED}, Status.RETURNED, can_city_review_submission),
    "province_approve": ({Status.CITY_APPROVED}, Status.APPROVED, can_province_review_submission),
    "province_return": ({Status.CITY_APPROVED, Status.APPROVED}, Status.RETURNED, can_province_review_submission),
}
STEP_ACTIONS = {"submit": submit_submission, "city_approve": city_approve_submission,
                "city_return": city_return_submission, "province_approve": province_approve_submission,
                "province_return": province_return_submission}


def available_steps(user, submission: CountySubmission) -> list[str]:
    """The workflow steps this user may take on the submission now (the review buttons)."""
    return [step for step, (sources, _, may) in TRANSITIONS.items()
            if submission.status in sources and may(user, submission)]


def transition(*, actor, submission: CountySubmission, action: str, comment: str = "") -> CountySubmission:
    """Move a submission through submit → city review → province approval (or back for correction):
    dispatches to the declared action of the step, which checks who may take it."""
    if action not in STEP_ACTIONS:
        raise ValidationError(bilingual(f"未知操作 {action}", f"unknown action {action}"))
    return STEP_ACTIONS[action](actor=actor, submission=submission, comment=comment)


# ------------------------------------------------------------------ many submissions at once
def batch_step(user, submission: CountySubmission) -> str | None:
    """The approval step this user may take on the submission now, if any (city, then province)."""
    for step in ("city_approve", "province_approve"):
        sources, _, may = TRANSITIONS[step]
        if submission.status in sources and may(user, submission):
            return step
    return None


@action(permission=can_batch_review, target=None)
def batch_approve_submissions(*, actor, submissions, comment: str = "") -> dict:
    """Approve every chosen submission the actor may approve now (city: 待市级审核 → 待省级审核; province:
    待省级审核 → 已审定). Each one asks its own review predicate and gets its own review comment and audit
    entries; the ones the actor may not approve now are counted and left as they are."""
    done, skipped = [], []
    for submission in submissions:
        step = batch_step(actor, submission)
        if step is None:
            skipped.append(submission)
            continue
        require(TRANSITIONS[step][2], actor, submission)
        done.append(_move(actor, submission, step, comment or "批量审核通过 / approved in a batch"))
    return {"approved": done, "skipped": skipped}


# ------------------------------------------------------------------ 催报: reminders to overdue counties
def overdue_submissions(campaign: SurveyCampaign, today: datetime.date | None = None):
    """Submissions of an open campaign past its deadline that the county has not handed in."""
    today = today or timezone.localdate()
    if campaign.status != SurveyCampaign.Status.OPEN or today <= campaign.deadline:
        return CountySubmission.objects.none()
    return campaign.submissions.filter(status__in=[CountySubmission.Status.DRAFT, CountySubmission.Status.RETURNED])


def county_admins(submission: CountySubmission) -> list:
    """The users who may hand this county's answers in: the ones a reminder is for."""
    from countyinno.accounts.models import User
    from countyinno.accounts.roles import COUNTY

    candidates = User.objects.filter(region=submission.region, role=COUNTY, is_active=True)
    return [u for u in candidates if can_submit_submission(u, submission)]


@action(permission=can_remind_campaign, target="campaign")
def remind_overdue(*, actor, campaign: SurveyCampaign, min_interval: datetime.timedelta | None = None) -> int:
    """催报: an in-app notice to the admins of every overdue county in the actor's area (all of them when
    the platform sends the daily reminder). `min_interval`: skip counties reminded more recently than that.
    Each reminded submission records when and how often it was reminded (audited)."""
    overdue = overdue_submissions(campaign).select_related("region", "region__city", "campaign")
    if actor is not None:
        overdue = overdue.filter(pk__in=CountySubmission.objects.restrict(actor).values("pk"))
    now = timezone.now()
    if min_interval is not None:
        from django.db.models import Q

        overdue = overdue.filter(Q(reminded_at__isnull=True) | Q(reminded_at__lte=now - min_interval))
    from django.urls import reverse

    reminded = 0
    for submission in overdue:
        notify(county_admins(submission), kind="monitoring.reminder",
               title=f"催报：{campaign.title}已于 {campaign.deadline:%Y-%m-%d} 截止 / overdue survey",
               body=bilingual(f"{submission.region.name}尚未提交{campaign.year}年度县域创新调查，请尽快填报并提交审核",
                              f"{submission.region.name} has not handed in the {campaign.year} county innovation "
                              f"survey; please complete and submit it"),
               url=reverse("monitoring:submission", args=[submission.pk]))
        submission.reminded_at = now
        submission.reminder_count += 1
        submission.save(update_fields=["reminded_at", "reminder_count", "updated_at"])
        reminded += 1
    return reminded
