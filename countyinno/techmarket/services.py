"""Every write in the technology market: listings and their workflow, access to confidential detail."""

from __future__ import annotations

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from countyinno.accounts.models import Organisation
from countyinno.core.audit import acting_as, record_state_change
from countyinno.core.errors import bilingual
from countyinno.core.scoping import CHANGE, can
from countyinno.engines.matching.tokenize import tokens
from countyinno.engines.rules import ruleset_for
from countyinno.regions.models import Region

from .models import ConfidentialAccess, Listing

EDITABLE = ["title", "summary", "public_description", "confidential_detail", "keywords", "field", "industry", "trl",
            "ip_items", "transfer_modes", "price", "budget_min", "budget_max", "indicators", "hide_company", "tender",
            "deadline", "valid_until"]


def rules(day=None):
    return ruleset_for("market", day or timezone.localdate()).params


def check_listing(kind: str, data: dict) -> dict:
    """Field-by-field checks; returns {field: [bilingual messages]}."""
    p = rules()
    errors: dict[str, list[str]] = {}

    def err(field, zh, en):
        errors.setdefault(field, []).append(bilingual(zh, en))

    for field, limit in (("title", 200), ("summary", 300)):
        value = (data.get(field) or "").strip()
        if not value:
            err(field, "必填", "required")
        elif len(value) > limit:
            err(field, f"不超过 {limit} 字", f"at most {limit} characters")
    if len((data.get("public_description") or "").strip()) < 10:
        err("public_description", "请至少用 10 个字描述", "describe it in at least 10 characters")
    if data.get("field") not in p["fields"]:
        err("field", f"未知技术领域 {data.get('field')!r}", f"unknown technology field {data.get('field')!r}")
    if data.get("industry") not in p["industry_sections"]:
        err("industry", f"未知行业门类 {data.get('industry')!r}", f"unknown industry section {data.get('industry')!r}")
    for mode in data.get("transfer_modes") or []:
        if mode not in p["transfer_modes"]:
            err("transfer_modes", f"未知转化方式 {mode!r}", f"unknown transfer mode {mode!r}")
    if kind == Listing.Kind.ACHIEVEMENT:
        trl = data.get("trl")
        if trl is None or not 1 <= int(trl) <= 9:
            err("trl", "技术成熟度应为 1–9（GB/T 22900）", "TRL must be 1–9 (GB/T 22900)")
        if data.get("price") is not None and data["price"] < 0:
            err("price", "价格不能为负", "the price must not be negative")
    else:
        low, high = data.get("budget_min"), data.get("budget_max")
        if low is not None and high is not None and low > high:
            err("budget_max", f"预算上限 {high:g} 低于下限 {low:g}", f"the budget range is upside down ({low:g} > {high:g})")
        if (low is not None and low < 0) or (high is not None and high < 0):
            err("budget_min", "预算不能为负", "the budget must not be negative")
        for i, row in enumerate(data.get("indicators") or []):
            if not isinstance(row, dict) or not row.get("name") or row.get("target") in (None, ""):
                err("indicators", f"第 {i + 1} 项技术指标须有名称和目标值", f"indicator {i + 1} needs a name and a target")
    valid_until = data.get("valid_until")
    if valid_until is not None and valid_until < timezone.localdate():
        err("valid_until", "有效期已过", "the validity date has passed")
    return errors


@transaction.atomic
def create_listing(*, actor, organisation: Organisation, kind: str, market_node: Region | None = None, **data) -> Listing:
    if actor is not None and not can(actor, CHANGE, organisation):
        raise PermissionDenied(bilingual("只能以本单位名义发布", "you may publish only for your own organisation"))
    data.setdefault("valid_until", timezone.localdate() + datetime.timedelta(days=rules()["default_valid_days"]))
    errors = check_listing(kind, data)
    unknown = set(data) - set(EDITABLE)
    if unknown:
        errors["__all__"] = [bilingual(f"未知字段 {sorted(unknown)}", f"unknown fields {sorted(unknown)}")]
    if errors:
        raise ValidationError(errors)
    node = market_node or organisation.region
    with acting_as(actor):
        return Listing.objects.create(kind=kind, organisation=organisation, market_node=node, **data)


@transaction.atomic
def update_listing(*, actor, listing: Listing, **data) -> Listing:
    if actor is not None and not can(actor, CHANGE, listing):
        raise PermissionDenied(bilingual("无权修改该条目", "you may not edit this listing"))
    if listing.status not in (Listing.Status.DRAFT, Listing.Status.REJECTED):
        raise ValidationError(bilingual("只有草稿或未通过的条目可以修改", "only drafts and rejected listings can be edited"))
    merged = {f: getattr(listing, f) for f in EDITABLE} | data
    errors = check_listing(listing.kind, merged)
    if errors:
        raise ValidationError(errors)
    for key, value in data.items():
        setattr(listing, key, value)
    with acting_as(actor):
        listing.save()
    return listing


def _similarity(a: str, b: str) -> float:
    ta, tb = set(tokens(a)), set(tokens(b))
    return len(ta & tb) / max(len(ta | tb), 1)


def _transition(actor, listing, target, reason=""):
    before = listing.status
    listing.status, listing.status_reason = target, reason
    with acting_as(actor):
        listing.save()
        record_state_change(listing, before, target, comment=reason, actor=actor)
    return listing


@transaction.atomic
def submit(*, actor, listing: Listing) -> Listing:
    """Submit for the node admin's approval; a near-identical listing of the same organisation is flagged."""
    if actor is not None and not can(actor, CHANGE, listing):
        raise PermissionDenied(bilingual("无权提交该条目", "you may not submit this listing"))
    if listing.status not in (Listing.Status.DRAFT, Listing.Status.REJECTED):
        raise ValidationError(bilingual("当前状态不能提交", "cannot submit in this status"))
    threshold = rules()["duplicate_similarity"]
    siblings = Listing.objects.filter(organisation=listing.organisation, kind=listing.kind).exclude(pk=listing.pk) \
        .exclude(status__in=[Listing.Status.WITHDRAWN, Listing.Status.EXPIRED])
    duplicate = next((s for s in siblings if _similarity(s.title, listing.title) >= threshold), None)
    listing.duplicate_of = duplicate
    reason = bilingual(f"疑似与「{duplicate.title}」重复", f"possible duplicate of '{duplicate.title}'") if duplicate else ""
    return _transition(actor, listing, Listing.Status.SUBMITTED, reason)


def _check_node_admin(actor, listing):
    if actor is None or actor.is_superuser:
        return
    if not actor.is_region_admin or not Listing.objects.restrict(actor, CHANGE).filter(
            pk=listing.pk, market_node__in=Region.objects.restrict(actor, CHANGE)).exists():
        raise PermissionDenied(bilingual("只有所属市场的管理员可以审核", "only the market node's admins review listings"))


@transaction.atomic
def review(*, actor, listing: Listing, approve: bool, reason: str = "") -> Listing:
    """The node's admin approves (the listing is published) or rejects with a reason."""
    _check_node_admin(actor, listing)
    if listing.status != Listing.Status.SUBMITTED:
        raise ValidationError(bilingual("只能审核待审核条目", "only submitted listings can be reviewed"))
    if not approve:
        if not reason.strip():
            raise ValidationError({"reason": bilingual("不通过须说明理由", "a rejection needs a reason")})
        return _transition(actor, listing, Listing.Status.REJECTED, reason.strip())
    listing.published_at = listing.reconfirmed_at = timezone.now()
    return _transition(actor, listing, Listing.Status.PUBLISHED, reason.strip())


@transaction.atomic
def withdraw(*, actor, listing: Listing, reason: str) -> Listing:
    if actor is not None and not can(actor, CHANGE, listing):
        raise PermissionDenied(bilingual("无权撤回该条目", "you may not withdraw this listing"))
    if not reason.strip():
        raise ValidationError({"reason": bilingual("撤回须说明理由", "a withdrawal needs a reason")})
    return _transition(actor, listing, Listing.Status.WITHDRAWN, reason.strip())


def reconfirm(*, actor, listing: Listing) -> Listing:
    if actor is not None and not can(actor, CHANGE, listing):
        raise PermissionDenied(bilingual("无权确认该条目", "you may not reconfirm this listing"))
    with acting_as(actor):
        listing.reconfirmed_at = timezone.now()
        listing.save(update_fields=["reconfirmed_at", "updated_at"])
    return listing


def expire_stale(today: datetime.date | None = None) -> int:
    """Listings past their validity, or not reconfirmed within the rule set's period, expire."""
    today = today or timezone.localdate()
    cutoff = timezone.now() - datetime.timedelta(days=rules(today)["reconfirm_days"])
    stale = Listing.objects.filter(status=Listing.Status.PUBLISHED).filter(
        Q(valid_until__lt=today) | Q(reconfirmed_at__lt=cutoff))
    count = 0
    for listing in stale:
        _transition(None, listing, Listing.Status.EXPIRED, bilingual("过期或未按期确认", "expired or not reconfirmed"))
        count += 1
    return count


def can_see_confidential(user, listing: Listing) -> bool:
    if user is None or not user.is_authenticated:
        return False
    if user.organisation_id == listing.organisation_id or user.is_superuser:
        return True
    if user.is_region_admin and Listing.objects.restrict(user, CHANGE).filter(pk=listing.pk).exists():
        return True
    return ConfidentialAccess.objects.filter(listing=listing, organisation_id=user.organisation_id, approved=True).exists()


def request_access(*, actor, listing: Listing) -> ConfidentialAccess:
    if not actor.organisation_id:
        raise PermissionDenied(bilingual("须以机构身份申请", "apply on behalf of an organisation"))
    return ConfidentialAccess.objects.get_or_create(listing=listing, organisation_id=actor.organisation_id)[0]


def grant_access(*, actor, access: ConfidentialAccess) -> ConfidentialAccess:
    if actor.organisation_id != access.listing.organisation_id:
        raise PermissionDenied(bilingual("只有发布单位可以授权", "only the owner may grant access"))
    access.approved = True
    access.save(update_fields=["approved"])
    return access
