"""Who may do what in rural services: every predicate of the app, in one place.

Public forms (a farmer's 12396 question, signing up for a course or an outreach event) admit callers
without an account; a signed-in caller enters them for someone else (the hotline, a registration desk)
and must be a science bureau admin over the county concerned.
"""

from functools import reduce
from operator import or_

from django.db.models import Q

from countyinno.accounts.models import Organisation
from countyinno.accounts.roles import ADMINS, COUNTY, MEMBER
from countyinno.core.permissions import ANYWHERE, NOTHING, anyone, define, region_q
from countyinno.regions.models import Region

from .models import (CountyPairing, Course, Enrolment, FarmerQuestion, OutreachEvent, Pairing, Registration,
                     ServiceStation)

OPEN_QUESTION = Q(status__in=[FarmerQuestion.Status.UNROUTED, FarmerQuestion.Status.ROUTED])
TRAINING_PROVIDERS = [Organisation.Kind.UNIVERSITY, Organisation.Kind.INSTITUTE, Organisation.Kind.AGENCY,
                      Organisation.Kind.PARK, Organisation.Kind.ENTERPRISE]


def _area_or_organiser(prefix: str):
    """Admins over the county of the course or event, or members of the organisation that runs it."""
    def where(user):
        parts = []
        area = region_q(f"{prefix}region", user)
        if area is not None:
            parts.append(area)
        if getattr(user, "organisation_id", None) and getattr(user, "acts_for_organisation", True):
            parts.append(Q(**{f"{prefix}organiser_id": user.organisation_id}))
        return reduce(or_, parts) if parts else NOTHING
    return where


def _either_county(user):
    parts = [q for q in (region_q("strong", user), region_q("weak", user)) if q is not None]
    return reduce(or_, parts) if parts else NOTHING


def _own_side_unconfirmed(user):
    region_id = getattr(user, "region_id", None)
    if region_id is None:
        return NOTHING
    return Q(status=CountyPairing.Status.PROPOSED) & (
        Q(strong_id=region_id, strong_confirmed_at=None) | Q(weak_id=region_id, weak_confirmed_at=None))

# ------------------------------------------------------------------ questions (12396)
can_ask_question = anyone("rural.ask_question", model=Region, roles=ADMINS, via=("region",),
                          description="anyone without an account; hotline staff for counties in their area")
can_route_question = define("rural.route_question", FarmerQuestion, action="route", roles=ADMINS, via=("region",),
                            where=OPEN_QUESTION,
                            description="assign or reassign an expert: admins over the county (county, city, province)")
can_escalate_question = define("rural.escalate_question", FarmerQuestion, action="escalate", roles=ADMINS,
                               via=("region",), where=OPEN_QUESTION & ~Q(level=FarmerQuestion.Level.PROVINCE),
                               description="an overdue question goes up to the city, then the province")
can_see_question_queue = define("rural.see_question_queue", roles=ADMINS,
                                description="the queue of unassigned and overdue questions")
can_answer_question = define("rural.answer_question", FarmerQuestion, action="answer", via=("owner",),
                             where=Q(status=FarmerQuestion.Status.ROUTED),
                             description="only the expert the question is routed to")
can_promote_answer = define("rural.promote_answer", FarmerQuestion, action="promote", via=("region", "owner"),
                            where=Q(status=FarmerQuestion.Status.ANSWERED),
                            description="the answering expert, or an admin over the county, curates the knowledge base")
can_see_asker_phone = define("rural.see_asker_phone", FarmerQuestion, via=("owner",),
                             description="farmers' numbers are for the expert who answers them")

# ------------------------------------------------------------------ service stations
can_add_station = define("rural.add_station", Region, roles=ADMINS, via=("region",))
can_change_station = define("rural.change_station", ServiceStation, action="change", roles=ADMINS, via=("region",))

# ------------------------------------------------------------------ training courses
can_add_course = define("rural.add_course", Region, roles=ADMINS, via=("region",))
can_offer_course = define("rural.offer_course", Organisation, roles={MEMBER}, via=("organisation",),
                          where=Q(kind__in=TRAINING_PROVIDERS),
                          description="training providers (universities, institutes, agencies, parks, firms) run "
                                      "courses and outreach events in their own county")
can_manage_course = define("rural.manage_course", Course, action="manage", roles=ADMINS | {MEMBER}, via=ANYWHERE,
                           where=_area_or_organiser(""),
                           description="admins over the course's county, or the training provider running it")
can_enrol_course = anyone("rural.enrol_course", model=Course, roles=ADMINS, via=("region",),
                          description="farmers sign up themselves; a desk enters them for courses in its area")
can_record_attendance = define("rural.record_attendance", Enrolment, action="attendance", roles=ADMINS | {MEMBER},
                               via=ANYWHERE, where=_area_or_organiser("course__"))
can_record_feedback = define("rural.record_feedback", Enrolment, action="feedback", roles=ADMINS | {MEMBER},
                             via=ANYWHERE, where=_area_or_organiser("course__"))
can_issue_certificate = define("rural.issue_certificate", Enrolment, action="certify", roles=ADMINS | {MEMBER},
                               via=ANYWHERE,
                               where=lambda user: _area_or_organiser("course__")(user) & Q(attended=True, certificate=""),
                               description="a certificate for a trainee who attended, once")

# ------------------------------------------------------------------ outreach events
can_add_event = define("rural.add_event", Region, roles=ADMINS, via=("region",))
can_manage_event = define("rural.manage_event", OutreachEvent, action="manage", roles=ADMINS | {MEMBER}, via=ANYWHERE,
                          where=_area_or_organiser(""))
can_register_event = anyone("rural.register_event", model=OutreachEvent, roles=ADMINS, via=("region",),
                            description="citizens sign up themselves; a desk enters them for events in its area")
can_check_in = define("rural.check_in", Registration, action="check_in", roles=ADMINS | {MEMBER}, via=ANYWHERE,
                      where=_area_or_organiser("event__"))
can_close_event = define("rural.close_event", OutreachEvent, action="close", roles=ADMINS | {MEMBER}, via=ANYWHERE,
                         where=lambda user: _area_or_organiser("")(user) & Q(closed=False))

# ------------------------------------------------------------------ pairings (结对帮扶)
can_add_pairing = define("rural.add_pairing", Region, roles=ADMINS, via=("region",))
can_change_pairing = define("rural.change_pairing", Pairing, action="change", via=("region", "organisation"),
                            description="admins over the village's county, or the partner organisation's members")

# ------------------------------------------------------------------ county pairings (强县帮弱县)
can_propose_county_pairing = define("rural.propose_county_pairing", Region, roles=ADMINS, via=("region",),
                                    description="admins over the weaker county propose a stronger partner")
can_confirm_county_pairing = define("rural.confirm_county_pairing", CountyPairing, action="confirm", roles={COUNTY},
                                    via=ANYWHERE, where=_own_side_unconfirmed,
                                    description="each county's administrator agrees for their own county")
can_log_pairing_activity = define("rural.log_pairing_activity", CountyPairing, action="log", roles=ADMINS,
                                  via=ANYWHERE,
                                  where=lambda user: _either_county(user) & Q(status=CountyPairing.Status.ACTIVE),
                                  description="admins over either county log what was done")
can_end_county_pairing = define("rural.end_county_pairing", CountyPairing, action="end", roles=ADMINS, via=ANYWHERE,
                                where=lambda user: _either_county(user) & ~Q(status=CountyPairing.Status.ENDED))
