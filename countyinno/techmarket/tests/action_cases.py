"""One case per declared action of the technology market: who may, and a realistic someone who may not.

Builders run inside audit.system() + audit.bulk(), so they set the scene with the actions themselves."""

import datetime

from django.utils import timezone

from countyinno.core.testing import Case, action_case
from countyinno.techmarket import services
from countyinno.techmarket.models import Bookmark, EventPairing, Listing, MatchEvent, Subscription

DEMAND = dict(title="寻求锂电池正极材料改性技术支持", summary="提升高镍正极循环寿命",
              public_description="现有产品循环寿命不足，希望与高校院所合作攻关。", keywords=["锂电池", "正极"],
              field="新材料", industry="C", budget_min=50.0, budget_max=200.0, tender=True)
ACHIEVEMENT = dict(title="锂电池正极材料改性关键技术", summary="高镍正极包覆改性，循环寿命提升 30%",
                   public_description="已完成中试验证，可提供技术许可与合作开发。", confidential_detail="包覆配方 A-17",
                   keywords=["锂电池", "正极材料"], field="新材料", industry="C", trl=7, price=120.0,
                   transfer_modes=["license_ordinary", "joint_development"])


def draft(organisation, kind="demand", **changes):
    data = dict(DEMAND if kind == "demand" else ACHIEVEMENT, **changes)
    return services.create_listing(actor=None, organisation=organisation, kind=kind, **data)


def submitted(organisation, kind="demand", **changes):
    return services.submit_listing(actor=None, listing=draft(organisation, kind, **changes))


def published(organisation, kind="demand", **changes):
    return services.approve_listing(actor=None, listing=submitted(organisation, kind, **changes))


# ------------------------------------------------------------------ listings
@action_case("techmarket.create_listing")
def _(world):
    # Another county's firm may not file in enterprise A's name.
    return Case(kwargs={"organisation": world.enterprise_a, "kind": "demand", **DEMAND},
                allowed=world.users["member_a"], denied=world.users["member_c"])


@action_case("techmarket.update_listing")
def _(world):
    # The neighbouring firm in the same county may not edit A's draft.
    return Case(kwargs={"listing": draft(world.enterprise_a), "summary": "改为提升低温性能"},
                allowed=world.users["member_a"], denied=world.users["member_a2"])


@action_case("techmarket.submit_listing")
def _(world):
    return Case(kwargs={"listing": draft(world.enterprise_a)}, allowed=world.users["member_a"],
                denied=world.users["member_c"])


@action_case("techmarket.approve_listing")
def _(world):
    # Only the admins over the listing's market node review it; 青岛's county may not.
    return Case(kwargs={"listing": submitted(world.enterprise_a)}, allowed=world.users["county_a"],
                denied=world.users["county_c"])


@action_case("techmarket.reject_listing")
def _(world):
    # The neighbouring county of the same city may not reject it either; the city may.
    return Case(kwargs={"listing": submitted(world.enterprise_a), "reason": "描述不完整"},
                allowed=world.users["city_ab"], denied=world.users["county_b"])


@action_case("techmarket.withdraw_listing")
def _(world):
    # A competitor may not take a published listing down.
    return Case(kwargs={"listing": published(world.enterprise_a), "reason": "已找到合作方"},
                allowed=world.users["member_a"], denied=world.users["member_c"])


@action_case("techmarket.reconfirm_listing")
def _(world):
    return Case(kwargs={"listing": published(world.enterprise_a)}, allowed=world.users["member_a"],
                denied=world.users["member_a2"])


@action_case("techmarket.expire_listings")
def _(world):
    # Platform work only: even the province admin may not run the sweep by hand.
    listing = published(world.enterprise_a)
    Listing.objects.filter(pk=listing.pk).update(reconfirmed_at=timezone.now() - datetime.timedelta(days=400))
    return Case(kwargs={}, allowed=None, denied=world.users["province"])


# ------------------------------------------------------------------ confidential detail
@action_case("techmarket.request_access")
def _(world):
    # Access is granted to organisations: an individual talent cannot ask for it.
    return Case(kwargs={"listing": published(world.enterprise_c, "achievement")}, allowed=world.users["member_a"],
                denied=world.users["talent_a"])


@action_case("techmarket.grant_access")
def _(world):
    # The requester may not grant itself access to the owner's secrets.
    listing = published(world.enterprise_a, "achievement")
    return Case(kwargs={"listing": listing, "organisation": world.enterprise_c}, allowed=world.users["member_a"],
                denied=world.users["member_c"])


# ------------------------------------------------------------------ match events
@action_case("techmarket.create_event")
def _(world):
    return Case(kwargs={"organiser_node": world.county_a, "title": "历下区供需对接会", "held_on": datetime.date(2026, 6, 1)},
                allowed=world.users["county_a"], denied=world.users["county_c"])


@action_case("techmarket.plan_pairings")
def _(world):
    demand = published(world.enterprise_a)
    published(world.enterprise_a2, "achievement")
    event = MatchEvent.objects.create(title="济南供需对接会", organiser_node=world.city_ab, held_on=datetime.date(2026, 6, 1))
    return Case(kwargs={"event": event, "demands": [demand]}, allowed=world.users["city_ab"],
                denied=world.users["county_c"])


@action_case("techmarket.record_outcome")
def _(world):
    # A firm may not mark its own pairing as a signed contract; the organisers record outcomes.
    event = MatchEvent.objects.create(title="历下区供需对接会", organiser_node=world.county_a, held_on=datetime.date(2026, 6, 1))
    pairing = EventPairing.objects.create(event=event, demand=published(world.enterprise_a),
                                          achievement=published(world.enterprise_a2, "achievement"))
    return Case(kwargs={"pairing": pairing, "outcome": "contract"}, allowed=world.users["county_a"],
                denied=world.users["member_a"])


# ------------------------------------------------------------------ subscriptions
@action_case("techmarket.subscribe")
def _(world):
    # Nobody subscribes someone else.
    return Case(kwargs={"subscriber": world.users["member_a"], "market_node": world.county_a, "field": "新材料"},
                allowed=world.users["member_a"], denied=world.users["member_c"])


@action_case("techmarket.unsubscribe")
def _(world):
    subscription = Subscription.objects.create(user=world.users["member_a"], market_node=world.county_a)
    return Case(kwargs={"subscription": subscription}, allowed=world.users["member_a"],
                denied=world.users["member_a2"])



@action_case("techmarket.remind_expiring")
def _(world):
    # Platform work only: nobody sends the reminders by hand.
    listing = published(world.enterprise_a, valid_until=timezone.localdate() + datetime.timedelta(days=5))
    assert listing.status == "published"
    return Case(kwargs={}, allowed=None, denied=world.users["province"])


# ------------------------------------------------------------------ bookmarks
@action_case("techmarket.bookmark_listing")
def _(world):
    # Anyone signed in keeps another's published listing (an individual talent too); not one's own.
    return Case(kwargs={"listing": published(world.enterprise_c, "achievement")}, allowed=world.users["talent_a"],
                denied=world.users["member_c"])


@action_case("techmarket.remove_bookmark")
def _(world):
    bookmark = Bookmark.objects.create(user=world.users["member_a"], listing=published(world.enterprise_c))
    return Case(kwargs={"bookmark": bookmark}, allowed=world.users["member_a"], denied=world.users["member_a2"])


# ------------------------------------------------------------------ interest and negotiation
def negotiation(world, *, replied=False):
    offer = published(world.enterprise_c, "achievement")
    opened = services.express_interest(actor=world.users["member_a"], listing=offer, body="我单位有意向")
    if replied:
        services.post_message(actor=world.users["member_c"], negotiation=opened, body="欢迎，请来电")
        opened.refresh_from_db()
    return opened


@action_case("techmarket.record_match_view")
def _(world):
    # The owner opening its own listing is no match view; another organisation's member is.
    demand = published(world.enterprise_a)
    offer = published(world.enterprise_c, "achievement")
    return Case(kwargs={"listing": offer, "source": demand}, allowed=world.users["member_a"],
                denied=world.users["member_c"])


@action_case("techmarket.express_interest")
def _(world):
    # An individual talent acts as a person, not for an organisation: no expression of interest.
    return Case(kwargs={"listing": published(world.enterprise_c, "achievement"), "body": "我单位有合作意向"},
                allowed=world.users["member_a"], denied=world.users["talent_a"])


@action_case("techmarket.post_message")
def _(world):
    # The node's admin follows the negotiation but does not write in it; a third firm sees nothing.
    return Case(kwargs={"negotiation": negotiation(world), "body": "欢迎来访洽谈"}, allowed=world.users["member_c"],
                denied=world.users["county_c"])


@action_case("techmarket.agree_deal")
def _(world):
    return Case(kwargs={"negotiation": negotiation(world, replied=True)}, allowed=world.users["member_a"],
                denied=world.users["member_a2"])


@action_case("techmarket.close_negotiation")
def _(world):
    return Case(kwargs={"negotiation": negotiation(world), "reason": "已另选合作方"}, allowed=world.users["member_c"],
                denied=world.users["county_c"])
