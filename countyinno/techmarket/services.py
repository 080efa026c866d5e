"""Every write in the technology market, each a declared action: listings and their workflow, access to
confidential detail, subscriptions (match events are in events.py). Who may is in permissions.py."""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import timezone

from countyinno.accounts.models import Organisation, User
from countyinno.core import audit
from countyinno.core.actions import action
from countyinno.core.errors import bilingual
from countyinno.engines.matching.tokenize import tokens
from countyinno.engines.rules import ruleset_for
from countyinno.regions.models import Region

from .models import ConfidentialAccess, Listing, Subscription
from .permissions import (can_create_listing, can_edit_listing, can_expire_listings, can_grant_access,
                          can_reconfirm_listing, can_request_access, can_review_listing, can_submit_listing,
                          can_subscribe, can_unsubscribe, can_withdraw_listing)

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


def in_node(listings, node: Region):
    """Listings of a node's market: a city's or the province's market includes everything below it."""
    if node.level == Region.Level.COUNTY:
        return listings.filter(market_node=node)
    if node.level == Region.Level.CITY:
        return listings.filter(market_node__city=node)
    return listings.filter(market_node__province=node)


def _market_nodes_of(organisation: Organisation) -> set[int]:
    """The nodes an organisation may file into: its own region's market and the markets above it."""
    region = organisation.region
    return {pk for pk in (region.pk, region.city_id, region.province_id) if pk}


REVIEW_REFUSED = bilingual("只有所属市场的管理员可以审核待审核条目", "only the market node's admins review submitted listings")


# ------------------------------------------------------------------ listings
@action(permission=can_create_listing, target="organisation",
        message=bilingual("只能以本单位名义发布", "you may publish only for your own organisation"))
def create_listing(*, actor, organisation: Organisation, kind: str, market_node: Region | None = None,
                   **data) -> Listing:
    """A draft filed for `organisation` in its own market (or a market above it)."""
    data.setdefault("valid_until", timezone.localdate() + datetime.timedelta(days=rules()["default_valid_days"]))
    errors = check_listing(kind, data)
    unknown = set(data) - set(EDITABLE)
    if unknown:
        errors["__all__"] = [bilingual(f"未知字段 {sorted(unknown)}", f"unknown fields {sorted(unknown)}")]
    node = market_node or organisation.region
    if node.pk not in _market_nodes_of(organisation):
        errors.setdefault("market_node", []).append(bilingual(
            f"只能在本单位所在地的市场发布，不能发布到{node.name}",
            f"file only in your own region's market (or one above it), not in {node.name}"))
    if kind not in Listing.Kind.values:
        errors.setdefault("kind", []).append(bilingual(f"未知类型 {kind!r}", f"unknown kind {kind!r}"))
    if errors:
        raise ValidationError(errors)
    return Listing.objects.create(kind=kind, organisation=organisation, market_node=node, **data)


@action(permission=can_edit_listing, target="listing",
        message=bilingual("只有发布单位可以修改草稿或未通过的条目", "only the owner edits a draft or rejected listing"))
def update_listing(*, actor, listing: Listing, **data) -> Listing:
    unknown = set(data) - set(EDITABLE)
    if unknown:
        raise ValidationError(bilingual(f"未知字段 {sorted(unknown)}", f"unknown fields {sorted(unknown)}"))
    merged = {f: getattr(listing, f) for f in EDITABLE} | data
    errors = check_listing(listing.kind, merged)
    if errors:
        raise ValidationError(errors)
    for key, value in data.items():
        setattr(listing, key, value)
    listing.save()
    return listing


def _similarity(a: str, b: str) -> float:
    ta, tb = set(tokens(a)), set(tokens(b))
    return len(ta & tb) / max(len(ta | tb), 1)


def _transition(listing, target, reason=""):
    """Inside an action: the new status saved (an update entry) and the state change recorded."""
    before = listing.status
    listing.status, listing.status_reason = target, reason
    listing.save()
    audit.record_state_change(listing, before, target, comment=reason)
    return listing


@action(permission=can_submit_listing, target="listing",
        message=bilingual("只有发布单位可以提交草稿或未通过的条目", "only the owner submits a draft or rejected listing"))
def submit_listing(*, actor, listing: Listing) -> Listing:
    """Submit for the node admin's approval; a near-identical listing of the same organisation is flagged."""
    threshold = rules()["duplicate_similarity"]
    siblings = Listing.objects.filter(organisation=listing.organisation, kind=listing.kind).exclude(pk=listing.pk) \
        .exclude(status__in=[Listing.Status.WITHDRAWN, Listing.Status.EXPIRED])
    duplicate = next((s for s in siblings if _similarity(s.title, listing.title) >= threshold), None)
    listing.duplicate_of = duplicate
    reason = bilingual(f"疑似与「{duplicate.title}」重复", f"possible duplicate of '{duplicate.title}'") if duplicate else ""
    return _transition(listing, Listing.Status.SUBMITTED, reason)


@action(permission=can_review_listing, target="listing", message=REVIEW_REFUSED)
def approve_listing(*, actor, listing: Listing, reason: str = "") -> Listing:
    """The node's admin approves: the listing is published."""
    listing.published_at = listing.reconfirmed_at = timezone.now()
    return _transition(listing, Listing.Status.PUBLISHED, reason.strip())


@action(permission=can_review_listing, target="listing", message=REVIEW_REFUSED)
def reject_listing(*, actor, listing: Listing, reason: str) -> Listing:
    """The node's admin sends it back, saying why."""
    if not (reason or "").strip():
        raise ValidationError({"reason": bilingual("不通过须说明理由", "a rejection needs a reason")})
    return _transition(listing, Listing.Status.REJECTED, reason.strip())


@action(permission=can_withdraw_listing, target="listing",
        message=bilingual("只有发布单位或所属市场的管理员可以撤回",
                          "only the owner or the market node's admins withdraw a listing"))
def withdraw_listing(*, actor, listing: Listing, reason: str) -> Listing:
    if not (reason or "").strip():
        raise ValidationError({"reason": bilingual("撤回须说明理由", "a withdrawal needs a reason")})
    return _transition(listing, Listing.Status.WITHDRAWN, reason.strip())


@action(permission=can_reconfirm_listing, target="listing",
        message=bilingual("只有发布单位可以确认已发布的条目", "only the owner reconfirms a published listing"))
def reconfirm_listing(*, actor, listing: Listing) -> Listing:
    listing.reconfirmed_at = timezone.now()
    listing.save(update_fields=["reconfirmed_at", "updated_at"])
    return listing


def stale_listings(today: datetime.date | None = None):
    """Published listings past their validity, or not reconfirmed within the rule set's period."""
    today = today or timezone.localdate()
    cutoff = timezone.now() - datetime.timedelta(days=rules(today)["reconfirm_days"])
    return Listing.objects.filter(status=Listing.Status.PUBLISHED).filter(
        Q(valid_until__lt=today) | Q(reconfirmed_at__lt=cutoff))


@action(permission=can_expire_listings,
        message=bilingual("条目过期由平台定时处理", "listings are expired by the platform's scheduled job"))
def expire_listings(*, actor, today: datetime.date | None = None) -> int:
    """Platform work (a scheduled job, inside `audit.system()`): stale listings expire, each recorded."""
    count = 0
    for listing in stale_listings(today):
        _transition(listing, Listing.Status.EXPIRED, bilingual("过期或未按期确认", "expired or not reconfirmed"))
        count += 1
    return count


# ------------------------------------------------------------------ confidential detail
@action(permission=can_request_access, target="listing",
        message=bilingual("须以机构身份申请查看他人已发布条目的保密内容",
                          "an organisation may ask for the confidential detail of another's published listing"))
def request_access(*, actor, listing: Listing) -> ConfidentialAccess:
    """The actor's organisation asks the owner to read the confidential detail."""
    if actor is None:
        raise ValidationError(bilingual("须由机构用户申请", "an organisation's member asks for access"))
    return ConfidentialAccess.objects.get_or_create(listing=listing, organisation_id=actor.organisation_id)[0]


@action(permission=can_grant_access, target="listing",
        message=bilingual("只有发布单位可以授权", "only the owner may grant access"))
def grant_access(*, actor, listing: Listing, organisation: Organisation) -> ConfidentialAccess:
    """The owner lets `organisation` read the confidential detail (answering its request, or unasked)."""
    if organisation.pk == listing.organisation_id:
        raise ValidationError(bilingual("发布单位本就可以查看", "the owner already reads its own listing"))
    access, created = ConfidentialAccess.objects.get_or_create(listing=listing, organisation=organisation,
                                                               defaults={"approved": True})
    if not created and not access.approved:
        access.approved = True
        access.save(update_fields=["approved"])
    return access


# ------------------------------------------------------------------ subscriptions
@action(permission=can_subscribe, target="subscriber",
        message=bilingual("只能为本人订阅", "you may subscribe only yourself"))
def subscribe(*, actor, subscriber: User, market_node: Region, field: str = "", kind: str = "") -> Subscription:
    errors = {}
    if field and field not in rules()["fields"]:
        errors["field"] = [bilingual(f"未知技术领域 {field!r}", f"unknown technology field {field!r}")]
    if kind and kind not in Listing.Kind.values:
        errors["kind"] = [bilingual(f"未知类型 {kind!r}", f"unknown kind {kind!r}")]
    if errors:
        raise ValidationError(errors)
    return Subscription.objects.get_or_create(user=subscriber, market_node=market_node, field=field, kind=kind)[0]


@action(permission=can_unsubscribe, target="subscription",
        message=bilingual("只能取消本人的订阅", "you may cancel only your own subscription"))
def unsubscribe(*, actor, subscription: Subscription) -> None:
    subscription.delete()
