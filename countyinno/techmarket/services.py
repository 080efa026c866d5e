"""Every write in the technology market, each a declared action: listings and their workflow, access to
confidential detail, subscriptions and bookmarks, interest and negotiation (match events are in events.py).
Who may is in permissions.py. In-app notices go out with `core.notifications.notify`."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from countyinno.accounts.models import Organisation, User
from countyinno.core import audit
from countyinno.core.actions import action
from countyinno.core.errors import bilingual
from countyinno.core.notifications import notify
from countyinno.engines.matching.tokenize import tokens
from countyinno.engines.rules import ruleset_for
from countyinno.regions.models import Region

from .models import Bookmark, ConfidentialAccess, Listing, MatchView, Negotiation, NegotiationMessage, Subscription
from .permissions import (acting_organisation_id, can_agree_deal, can_bookmark_listing, can_close_negotiation,
                          can_create_listing, can_edit_listing, can_expire_listings, can_express_interest,
                          can_grant_access, can_post_message, can_reconfirm_listing, can_record_match_view,
                          can_remind_expiring, can_remove_bookmark, can_request_access, can_review_listing,
                          can_submit_listing, can_subscribe, can_unsubscribe, can_withdraw_listing)

DEFAULT_REMINDER_DAYS = 14
MESSAGE_LIMIT = 2000

EDITABLE = ["title", "summary", "public_description", "confidential_detail", "keywords", "field", "industry", "trl",
            "ip_items", "transfer_modes", "price", "budget_min", "budget_max", "indicators", "hide_company", "tender",
            "deadline", "valid_until"]


wan = Listing.wan  # an amount in 万元 as people write it: 120, 120.5 (exact, no float noise)


MONEY_FIELDS = ("price", "budget_min", "budget_max")
CENT = Decimal("0.01")


def _exact_money(data: dict) -> dict:
    """Amounts in 万元 as exact decimals to the cent (a float typed by a caller becomes its decimal text)."""
    for name in MONEY_FIELDS:
        value = data.get(name)
        if value is not None and not isinstance(value, bool):
            try:
                data[name] = Decimal(str(value)).quantize(CENT)
            except ArithmeticError:
                raise ValidationError({name: bilingual("请输入数字", "enter a number")})
    return data


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
            err("budget_max", f"预算上限 {wan(high)} 低于下限 {wan(low)}",
                f"the budget range is upside down ({wan(low)} > {wan(high)})")
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
    data = _exact_money(data)
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
    data = _exact_money(data)
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
    listing.expiry_reminded_at = None
    _transition(listing, Listing.Status.PUBLISHED, reason.strip())
    notify(members_of(listing.organisation), kind="techmarket.listing_published",
           title=f"「{listing.title}」已通过审核并发布", url=listing_url(listing))
    notify_subscribers(listing)
    return listing


@action(permission=can_review_listing, target="listing", message=REVIEW_REFUSED)
def reject_listing(*, actor, listing: Listing, reason: str) -> Listing:
    """The node's admin sends it back, saying why."""
    if not (reason or "").strip():
        raise ValidationError({"reason": bilingual("不通过须说明理由", "a rejection needs a reason")})
    _transition(listing, Listing.Status.REJECTED, reason.strip())
    notify(members_of(listing.organisation), kind="techmarket.listing_rejected",
           title=f"「{listing.title}」未通过审核，可修改后重新提交", body=reason.strip(), url=listing_url(listing))
    return listing


@action(permission=can_withdraw_listing, target="listing",
        message=bilingual("只有发布单位或所属市场的管理员可以撤回",
                          "only the owner or the market node's admins withdraw a listing"))
def withdraw_listing(*, actor, listing: Listing, reason: str) -> Listing:
    if not (reason or "").strip():
        raise ValidationError({"reason": bilingual("撤回须说明理由", "a withdrawal needs a reason")})
    return _transition(listing, Listing.Status.WITHDRAWN, reason.strip())


@action(permission=can_reconfirm_listing, target="listing",
        message=bilingual("只有发布单位可以确认已发布的条目", "only the owner reconfirms a published listing"))
def reconfirm_listing(*, actor, listing: Listing, valid_until: datetime.date | None = None) -> Listing:
    """The owner confirms the listing is still current (and may extend its validity); a later expiry
    reminder goes out again."""
    fields = ["reconfirmed_at", "expiry_reminded_at", "updated_at"]
    if valid_until is not None:
        if valid_until <= timezone.localdate():
            raise ValidationError({"valid_until": bilingual("新的有效期须晚于今天", "the new validity date must be after today")})
        listing.valid_until = valid_until
        fields.append("valid_until")
    listing.reconfirmed_at = timezone.now()
    listing.expiry_reminded_at = None
    listing.save(update_fields=fields)
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


def reminder_days(day=None) -> int:
    """How many days before expiry the owner is reminded: the market rule set's `expiry_reminder_days`, or 14."""
    return int(rules(day).get("expiry_reminder_days", DEFAULT_REMINDER_DAYS))


def expiring_listings(today: datetime.date | None = None):
    """Published listings that expire within the reminder period and whose owner has not been told yet."""
    today = today or timezone.localdate()
    p, days = rules(today), reminder_days(today)
    horizon = today + datetime.timedelta(days=days)
    reconfirm_cutoff = timezone.now() - datetime.timedelta(days=p["reconfirm_days"] - days)
    return Listing.objects.filter(status=Listing.Status.PUBLISHED, expiry_reminded_at__isnull=True).filter(
        Q(valid_until__lte=horizon) | Q(reconfirmed_at__lte=reconfirm_cutoff)).select_related("organisation")


@action(permission=can_remind_expiring,
        message=bilingual("到期提醒由平台定时发送", "expiry reminders are sent by the platform's scheduled job"))
def remind_expiring(*, actor, today: datetime.date | None = None) -> int:
    """Platform work: tell the owner's members, once, that a listing expires within the reminder period."""
    today = today or timezone.localdate()
    reconfirm_days, count = rules(today)["reconfirm_days"], 0
    for listing in expiring_listings(today):
        ends = listing.expires_on(reconfirm_days)
        left = max((ends - today).days, 0)
        notify(members_of(listing.organisation), kind="techmarket.listing_expiring",
               title=f"「{listing.title}」将于 {ends:%Y-%m-%d} 到期（还有 {left} 天）",
               body="请确认仍然有效或延长有效期，否则到期后将自动下架。 / Reconfirm it or extend its validity, "
                    "or it is taken down when it expires.", url=listing_url(listing))
        listing.expiry_reminded_at = timezone.now()
        listing.save(update_fields=["expiry_reminded_at", "updated_at"])
        count += 1
    return count


# ------------------------------------------------------------------ notices
def listing_url(listing: Listing) -> str:
    return reverse("techmarket:listing", args=[listing.pk])


def members_of(organisation):
    """The active users who act for an organisation (an employed individual talent does not)."""
    if organisation is None:
        return []
    return [u for u in User.objects.filter(organisation=organisation, is_active=True) if u.acts_for_organisation]


def matching_subscriptions(listing: Listing):
    """Subscriptions a newly published listing answers: to its node or a market above it, with no field or
    its field, no kind or its kind."""
    node = listing.market_node
    nodes = [pk for pk in (node.pk, node.city_id, node.province_id) if pk]
    return Subscription.objects.filter(market_node_id__in=nodes).filter(
        Q(field="") | Q(field=listing.field)).filter(Q(kind="") | Q(kind=listing.kind)).select_related("user")


def notify_subscribers(listing: Listing) -> int:
    """One notice per subscriber whose subscription the listing answers (not the owner's own members)."""
    own = {u.pk for u in members_of(listing.organisation)}
    users = [s.user for s in matching_subscriptions(listing) if s.user_id not in own]
    kind = listing.get_kind_display().split()[0]
    return notify(users, kind="techmarket.subscription", title=f"订阅的市场有新{kind}：{listing.title}",
                  body=f"{listing.market_node.name} · {listing.field} · {listing.summary}", url=listing_url(listing))


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


# ------------------------------------------------------------------ bookmarks
@action(permission=can_bookmark_listing, target="listing",
        message=bilingual("只能收藏已发布的条目", "only published listings can be bookmarked"))
def bookmark_listing(*, actor, listing: Listing) -> Bookmark:
    return Bookmark.objects.get_or_create(user_id=actor.pk, listing=listing)[0]


@action(permission=can_remove_bookmark, target="bookmark",
        message=bilingual("只能取消本人的收藏", "you may remove only your own bookmark"))
def remove_bookmark(*, actor, bookmark: Bookmark) -> None:
    bookmark.delete()


# ------------------------------------------------------------------ interest and negotiation
def _other_side(negotiation: Negotiation, side: str):
    return negotiation.party if side == "owner" else negotiation.listing.organisation


def negotiation_url(negotiation: Negotiation) -> str:
    return reverse("techmarket:negotiation", args=[negotiation.pk])


@action(permission=can_record_match_view, target="listing",
        message=bilingual("须以机构身份打开他人已发布的匹配条目", "an organisation's member opens another's published match"))
def record_match_view(*, actor, listing: Listing, source: Listing) -> MatchView:
    """A member opened `listing` from the matches of `source`, their organisation's own listing (once per pair)."""
    if source.organisation_id != acting_organisation_id(actor) or source.kind == listing.kind:
        raise ValidationError(bilingual("匹配来源须是本单位的另一类条目", "the match must come from your own listing of the other kind"))
    return MatchView.objects.get_or_create(listing=listing, source=source, defaults={"user_id": actor.pk})[0]


def _clean_body(body: str, field: str = "body") -> str:
    body = (body or "").strip()
    if not body:
        raise ValidationError({field: bilingual("请填写内容", "write a message")})
    if len(body) > MESSAGE_LIMIT:
        raise ValidationError({field: bilingual(f"不超过 {MESSAGE_LIMIT} 字", f"at most {MESSAGE_LIMIT} characters")})
    return body


@action(permission=can_express_interest, target="listing",
        message=bilingual("须以机构身份对他人已发布的条目表达意向",
                          "an organisation's member expresses interest in another's published listing"))
def express_interest(*, actor, listing: Listing, body: str, source: Listing | None = None) -> Negotiation:
    """The actor's organisation tells the owner it is interested: a negotiation opens with this first message
    and the owner's members get a notice."""
    body = _clean_body(body)
    party_id = acting_organisation_id(actor)
    if Negotiation.objects.filter(listing=listing, party_id=party_id).exists():
        raise ValidationError(bilingual("本单位已对该条目表达过意向，请在洽谈中继续",
                                        "your organisation has already expressed interest; continue in the negotiation"))
    if source is not None and (source.organisation_id != party_id or source.kind == listing.kind):
        source = None  # only the party's own listing of the other kind counts as where the match came from
    negotiation = Negotiation.objects.create(listing=listing, party_id=party_id, opened_by_id=actor.pk, source=source)
    NegotiationMessage.objects.create(negotiation=negotiation, author_id=actor.pk, organisation_id=party_id, body=body)
    notify(members_of(listing.organisation), kind="techmarket.interest",
           title=f"「{negotiation.party.name}」对「{listing.title}」表达了合作意向", body=body[:300],
           url=negotiation_url(negotiation))
    return negotiation


@action(permission=can_post_message, target="negotiation",
        message=bilingual("只有洽谈双方可以发消息", "only the two organisations write in a negotiation"))
def post_message(*, actor, negotiation: Negotiation, body: str) -> NegotiationMessage:
    """One side writes to the other; the owner's first reply turns the interest into a negotiation."""
    body = _clean_body(body)
    org_id = acting_organisation_id(actor)
    side = negotiation.side_of(org_id)
    message = NegotiationMessage.objects.create(negotiation=negotiation, author_id=actor.pk, organisation_id=org_id,
                                                body=body)
    if side == "owner" and negotiation.status == Negotiation.Status.INTEREST:
        before = negotiation.status
        negotiation.status, negotiation.replied_at = Negotiation.Status.NEGOTIATING, timezone.now()
        negotiation.save()
        audit.record_state_change(negotiation, before, negotiation.status)
    else:
        negotiation.save(update_fields=["updated_at"])
    notify(members_of(_other_side(negotiation, side)), kind="techmarket.negotiation_message",
           title=f"「{message.organisation.name}」在「{negotiation.listing.title}」的洽谈中回复了您", body=body[:300],
           url=negotiation_url(negotiation))
    return message


@action(permission=can_agree_deal, target="negotiation",
        message=bilingual("只有洽谈双方可以在洽谈中确认同意（各确认一次）",
                          "only the two organisations agree, each once, while negotiating"))
def agree_deal(*, actor, negotiation: Negotiation) -> Negotiation:
    """This side agrees; when both have, the deal is agreed and both sides may file the contract registration."""
    side = negotiation.side_of(acting_organisation_id(actor))
    now = timezone.now()
    if side == "owner":
        negotiation.owner_agreed_at = now
    else:
        negotiation.party_agreed_at = now
    before = negotiation.status
    both = negotiation.owner_agreed_at and negotiation.party_agreed_at
    if both:
        negotiation.status, negotiation.agreed_at = Negotiation.Status.AGREED, now
    negotiation.save()
    if both:
        audit.record_state_change(negotiation, before, negotiation.status)
        notify(members_of(negotiation.listing.organisation) + members_of(negotiation.party), kind="techmarket.deal_agreed",
               title=f"「{negotiation.listing.title}」洽谈双方已达成一致，可生成技术合同登记申请",
               url=negotiation_url(negotiation))
    else:
        me = negotiation.listing.organisation if side == "owner" else negotiation.party
        notify(members_of(_other_side(negotiation, side)), kind="techmarket.deal_proposed",
               title=f"「{me.name}」已同意「{negotiation.listing.title}」的合作，等待您确认",
               url=negotiation_url(negotiation))
    return negotiation


@action(permission=can_close_negotiation, target="negotiation",
        message=bilingual("只有洽谈双方可以结束进行中的洽谈", "only the two organisations end an open negotiation"))
def close_negotiation(*, actor, negotiation: Negotiation, reason: str) -> Negotiation:
    reason = _clean_body(reason, "reason")[:300]
    side = negotiation.side_of(acting_organisation_id(actor))
    before = negotiation.status
    negotiation.status, negotiation.closed_reason = Negotiation.Status.CLOSED, reason
    negotiation.save()
    audit.record_state_change(negotiation, before, negotiation.status, comment=reason)
    notify(members_of(_other_side(negotiation, side)), kind="techmarket.negotiation_closed",
           title=f"「{negotiation.listing.title}」的洽谈已结束", body=reason, url=negotiation_url(negotiation))
    return negotiation


def market_figures(listings) -> dict:
    """The market's chain over the given listings: matches viewed → interests → negotiations → agreed deals."""
    negotiations = Negotiation.objects.filter(listing__in=listings)
    figures = {"viewed": MatchView.objects.filter(listing__in=listings).count(),
               "interests": negotiations.count(),
               "negotiations": negotiations.filter(replied_at__isnull=False).count(),
               "agreed": negotiations.filter(agreed_at__isnull=False).count()}
    steps, previous = [], None
    for key, label in (("viewed", "匹配浏览"), ("interests", "表达意向"), ("negotiations", "进入洽谈"), ("agreed", "达成一致")):
        value = figures[key]
        rate = None if previous in (None, 0) else round(100 * value / previous)
        steps.append({"key": key, "label": label, "value": value, "rate": rate})
        previous = value
    return {**figures, "steps": steps}
