"""Who may do what in the technology market: every predicate of the app, in one place.

- a listing is written by the members of the organisation it is filed for (drafting, submitting,
  reconfirming, granting access to its confidential detail); the admins over its market node review it;
  the owner or those admins may withdraw it;
- the confidential detail is read by the owner, the admins over the node and organisations the owner
  granted access to; any other organisation may ask for access to a published listing;
- expiry of stale listings is platform work (a scheduled job inside `audit.system()`);
- match events are organised by the admins over the organising node, who plan and record the pairings;
- a user subscribes only themselves to a node's new listings.
"""

from functools import reduce
from operator import or_

from django.db.models import Q

from countyinno.accounts.models import Organisation, User
from countyinno.accounts.roles import ADMINS
from countyinno.core.permissions import ANYWHERE, NOTHING, define, scope_parts
from countyinno.regions.models import Region

from .models import ConfidentialAccess, EventPairing, Listing, MatchEvent, Subscription

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


def _published_by_others(user) -> Q:
    """Another organisation's published listing: what a user's organisation may ask to read in full."""
    if not getattr(user, "organisation_id", None):
        return NOTHING  # access is granted to organisations, not to individuals
    return Q(status=S.PUBLISHED) & ~Q(organisation_id=user.organisation_id)


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

# ------------------------------------------------------------------ subscriptions
can_subscribe = define(
    "techmarket.subscribe", User, action="subscribe_market", via=("owner",),
    description="订阅市场新发布（仅本人）/ subscribe oneself to a node's new listings")
can_unsubscribe = define(
    "techmarket.unsubscribe", Subscription, action="delete", via=("owner",),
    description="取消本人的订阅 / cancel one's own subscription")
