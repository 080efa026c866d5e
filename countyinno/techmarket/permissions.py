"""Who may do what in the technology market: every predicate of the app, in one place.

- a listing is written by the members of the organisation it is filed for (drafting, submitting,
  reconfirming, granting access to its confidential detail); the admins over its market node review it;
  the owner or those admins may withdraw it;
- the confidential detail is read by the owner, the admins over the node and organisations the owner
  granted access to; any other organisation may ask for access to a published listing;
- expiry of stale listings is platform work (a scheduled job inside `audit.system()`);
- match events are organised by the admins over the organising node, who plan and record the pairings;
- a user subscribes only themselves to a node's new listings and bookmarks only for themselves;
- another organisation's member may express interest in a published listing; the negotiation that follows
  is read and written by the two organisations, and read by the admins over the listing's market node;
- the market's figures (matches viewed → interests → negotiations → agreed deals) are for the admins
  over the node.
"""

from functools import reduce
from operator import or_

from django.db.models import Q

from countyinno.accounts.models import Organisation, User
from countyinno.accounts.roles import ADMINS
from countyinno.core.permissions import ANYWHERE, NOTHING, define, scope_parts, signed_in
from countyinno.core.scoping import ScopeRule
from countyinno.regions.models import Region

from .models import (Bookmark, ConfidentialAccess, EventPairing, Listing, MatchEvent, Negotiation,
                     NegotiationMessage, Subscription)

S = Listing.Status
EDITABLE_STATES = [S.DRAFT, S.REJECTED]
LIVE_STATES = [S.DRAFT, S.SUBMITTED, S.PUBLISHED, S.REJECTED]


def _readers_of_confidential(user) -> Q:
    """Owner's members, admins over the node, and organisations granted access."""
    parts = scope_parts(Listing.scope, user, ("region", "organisation"))
    if getattr(user, "organisation_id", None):
        parts.append(Q(pk__in=ConfidentialAccess.objects.filter(organisation_id=user.organisation_id, approved=True)
                       .values("listing_id")))
    return reduce(or_, parts) if parts else NOTHING


def acting_organisation_id(user):
    """The organisation a user acts for, if any (an individual talent acts as a person)."""
    if not signed_in(user) or not getattr(user, "acts_for_organisation", True):
        return None
    return getattr(user, "organisation_id", None)


def _published_by_others(user) -> Q:
    """Another organisation's published listing: what a user's organisation may ask to read in full, show
    interest in, or reach from its own listing's matches."""
    org = acting_organisation_id(user)
    if not org:
        return NOTHING  # access is granted to organisations, not to individuals
    return Q(status=S.PUBLISHED) & ~Q(organisation_id=org)


N = Negotiation.Status


def _negotiation_q(user, prefix: str = "", *, admins: bool = True) -> Q:
    """The negotiations (or their messages, with `prefix`) of the user's organisation, on either side, and,
    with `admins`, those on listings of the admin's area."""
    parts = []
    if admins:
        parts += scope_parts(ScopeRule(region=f"{prefix}listing__market_node"), user, ("region",))
    parts += scope_parts(ScopeRule(organisation=f"{prefix}listing__organisation"), user, ("organisation",))
    parts += scope_parts(ScopeRule(organisation=f"{prefix}party"), user, ("organisation",))
    return reduce(or_, parts) if parts else NOTHING


def _side_not_yet_agreed(user) -> Q:
    org = acting_organisation_id(user)
    if not org:
        return NOTHING
    return (Q(listing__organisation_id=org, owner_agreed_at__isnull=True)
            | Q(party_id=org, party_agreed_at__isnull=True))


# ------------------------------------------------------------------ listings
can_create_listing = define(
    "techmarket.create_listing", Organisation, action="publish_listing", via=("organisation",),
    description="以本单位名义发布成果或需求 / file a listing for one's own organisation")
can_edit_listing = define(
    "techmarket.edit_listing", Listing, action="edit", via=("organisation",), where=Q(status__in=EDITABLE_STATES),
    description="修改草稿或未通过的条目 / edit a draft or rejected listing")
can_submit_listing = define(
    "techmarket.submit_listing", Listing, action="submit", via=("organisation",), where=Q(status__in=EDITABLE_STATES),
    description="提交审核 / submit a listing for review")
can_review_listing = define(
    "techmarket.review_listing", Listing, action="review", roles=ADMINS, via=("region",), where=Q(status=S.SUBMITTED),
    description="所属市场管理员审核 / the market node's admins approve or reject")
can_reconfirm_listing = define(
    "techmarket.reconfirm_listing", Listing, action="reconfirm", via=("organisation",), where=Q(status=S.PUBLISHED),
    description="确认仍然有效 / confirm a published listing is still current")
can_withdraw_listing = define(
    "techmarket.withdraw_listing", Listing, action="withdraw", via=("region", "organisation"),
    where=Q(status__in=LIVE_STATES), description="撤回条目 / withdraw a listing (owner or the node's admins)")
can_expire_listings = define(
    "techmarket.expire_listings", roles=(),
    description="过期清理：平台定时任务 / expiry of stale listings is platform work (system() only)")

# ------------------------------------------------------------------ confidential detail
can_view_confidential = define(
    "techmarket.view_confidential", Listing, action="view_confidential", via=ANYWHERE, where=_readers_of_confidential,
    description="查看保密内容 / read a listing's confidential detail")
can_request_access = define(
    "techmarket.request_access", Listing, action="request_access", via=ANYWHERE, where=_published_by_others,
    description="申请查看保密内容 / ask the owner for the confidential detail")
can_grant_access = define(
    "techmarket.grant_access", Listing, action="grant_access", via=("organisation",),
    description="发布单位授权查看保密内容 / the owner grants an organisation access")

# ------------------------------------------------------------------ match events
can_organise_event = define(
    "techmarket.organise_event", Region, action="organise_match_event", roles=ADMINS, via=("region",),
    description="在辖区内举办供需对接会 / hold a match event in one's area")
can_change_event = define(
    "techmarket.change_event", MatchEvent, action="change", roles=ADMINS, via=("region",),
    description="安排对接会配对 / plan an event's pairings")
can_record_outcome = define(
    "techmarket.record_outcome", EventPairing, action="change", roles=ADMINS, via=("region",),
    description="记录现场对接结果 / record a pairing's outcome")

# ------------------------------------------------------------------ subscriptions and bookmarks
can_subscribe = define(
    "techmarket.subscribe", User, action="subscribe_market", via=("owner",),
    description="订阅市场新发布（仅本人）/ subscribe oneself to a node's new listings")
can_unsubscribe = define(
    "techmarket.unsubscribe", Subscription, action="delete", via=("owner",),
    description="取消本人的订阅 / cancel one's own subscription")

def _others_published(user) -> Q:
    """Published listings, except one's own organisation's (nobody needs to keep their own)."""
    org = acting_organisation_id(user)
    return Q(status=S.PUBLISHED) & ~Q(organisation_id=org) if org else Q(status=S.PUBLISHED)


can_bookmark_listing = define(
    "techmarket.bookmark_listing", Listing, action="bookmark", via=ANYWHERE, where=_others_published,
    description="收藏他人已发布的条目（仅本人）/ bookmark another's published listing for oneself")
can_remove_bookmark = define(
    "techmarket.remove_bookmark", Bookmark, action="delete", via=("owner",),
    description="取消本人的收藏 / remove one's own bookmark")

# ------------------------------------------------------------------ interest and negotiation
can_record_match_view = define(
    "techmarket.record_match_view", Listing, action="record_match_view", via=ANYWHERE, where=_published_by_others,
    description="记录本单位打开了匹配结果 / record that one's organisation opened a match")
can_express_interest = define(
    "techmarket.express_interest", Listing, action="express_interest", via=ANYWHERE, where=_published_by_others,
    description="以本单位名义对他人已发布的条目表达合作意向 / express an organisation's interest in another's listing")
can_view_negotiation = define(
    "techmarket.view_negotiation", Negotiation, action="view", via=ANYWHERE, where=_negotiation_q,
    description="查看洽谈：双方单位与所属市场管理员 / the two organisations and the node's admins read a negotiation")
can_view_negotiation_message = define(
    "techmarket.view_negotiation_message", NegotiationMessage, action="view", via=ANYWHERE,
    where=lambda user: _negotiation_q(user, "negotiation__"),
    description="查看洽谈消息：双方单位与所属市场管理员 / the two organisations and the node's admins read its messages")
can_post_message = define(
    "techmarket.post_message", Negotiation, action="message", via=ANYWHERE,
    where=lambda user: _negotiation_q(user, admins=False) & Q(status__in=[N.INTEREST, N.NEGOTIATING, N.AGREED]),
    description="在洽谈中发消息（仅双方单位）/ only the two organisations write in a negotiation")
can_agree_deal = define(
    "techmarket.agree_deal", Negotiation, action="agree", via=ANYWHERE,
    where=lambda user: _side_not_yet_agreed(user) & Q(status=N.NEGOTIATING),
    description="同意达成合作（双方各自确认）/ each side agrees to the deal")
can_close_negotiation = define(
    "techmarket.close_negotiation", Negotiation, action="close", via=ANYWHERE,
    where=lambda user: _negotiation_q(user, admins=False) & Q(status__in=[N.INTEREST, N.NEGOTIATING]),
    description="结束洽谈（任一方）/ either side ends a negotiation")
can_view_market_figures = define(
    "techmarket.view_market_figures", Region, action="view_market_figures", roles=ADMINS, via=("region",),
    description="查看辖区市场转化漏斗 / the node's admins read its chain of matches, interests and deals")
can_remind_expiring = define(
    "techmarket.remind_expiring", roles=(),
    description="到期提醒：平台定时任务 / expiry reminders are platform work (system() only)")
