"""供需对接会: match events, their pre-computed pairings and on-site outcomes, each a declared action."""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError

from countyinno.core import audit
from countyinno.core.actions import action
from countyinno.core.errors import bilingual
from countyinno.regions.models import Region

from .models import EventPairing, Listing, MatchEvent
from .permissions import can_change_event, can_organise_event, can_record_outcome
from .search import matches
from .services import in_node


@action(permission=can_organise_event, target="organiser_node",
        message=bilingual("只能在本辖区举办对接会", "hold match events only in your own area"))
def create_event(*, actor, organiser_node: Region, title: str, held_on: datetime.date) -> MatchEvent:
    if not (title or "").strip():
        raise ValidationError({"title": bilingual("须填写名称", "an event needs a title")})
    return MatchEvent.objects.create(title=title.strip(), organiser_node=organiser_node, held_on=held_on)


@action(permission=can_change_event, target="event",
        message=bilingual("只有主办地区的管理员可以安排配对", "only the organising area's admins plan pairings"))
def plan_pairings(*, actor, event: MatchEvent, demands=None, per_demand: int = 2) -> list[EventPairing]:
    """Pre-compute pairings: each demand (default: the published demands of the organising node's market)
    with its best-matching achievements, every pairing keeping the reasons of its match."""
    if demands is None:
        demands = in_node(Listing.objects.filter(kind=Listing.Kind.DEMAND, status=Listing.Status.PUBLISHED),
                          event.organiser_node)[:50]
    demands = list(demands)
    wrong = [d.title for d in demands if d.kind != Listing.Kind.DEMAND or d.status != Listing.Status.PUBLISHED]
    if wrong:
        raise ValidationError(bilingual(f"只能为已发布的技术需求配对：{'、'.join(wrong)}",
                                        f"only published demands can be paired: {', '.join(wrong)}"))
    existing = set(event.pairings.values_list("demand_id", "achievement_id"))
    planned = []
    for demand in demands:
        for m in matches(demand, k=per_demand):
            if (demand.pk, m["listing"].pk) not in existing:
                existing.add((demand.pk, m["listing"].pk))
                planned.append(EventPairing(event=event, demand=demand, achievement=m["listing"], score=m["score"],
                                            reasons=m["reasons"]))
    with audit.bulk(f"对接会预配对 / pairings planned for event {event.pk}"):
        return EventPairing.objects.bulk_create(planned)


@action(permission=can_record_outcome, target="pairing",
        message=bilingual("只有主办地区的管理员可以记录对接结果", "only the organising area's admins record outcomes"))
def record_outcome(*, actor, pairing: EventPairing, outcome: str) -> EventPairing:
    if outcome not in EventPairing.Outcome.values:
        raise ValidationError({"outcome": bilingual(f"未知结果 {outcome!r}", f"unknown outcome {outcome!r}")})
    pairing.outcome = outcome
    pairing.save(update_fields=["outcome"])
    return pairing
