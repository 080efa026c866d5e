"""Who may do what in rural services: every predicate of the app, in one place.

Public forms (a farmer's 12396 question, signing up for a course or an outreach event) admit callers
without an account; a signed-in caller enters them for someone else (the hotline, a registration desk)
and must be a science bureau admin over the county concerned.
"""

from django.db.models import Q

from countyinno.accounts.roles import ADMINS
from countyinno.core.permissions import anyone, define
from countyinno.regions.models import Region

from .models import Course, Enrolment, FarmerQuestion, OutreachEvent, Pairing, Registration, ServiceStation

# ------------------------------------------------------------------ questions (12396)
can_ask_question = anyone("rural.ask_question", model=Region, roles=ADMINS, via=("region",),
                          description="anyone without an account; hotline staff for counties in their area")
can_route_question = define("rural.route_question", FarmerQuestion, action="route", roles=ADMINS, via=("region",),
                            where=Q(status__in=[FarmerQuestion.Status.UNROUTED, FarmerQuestion.Status.ROUTED]))
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
can_enrol_course = anyone("rural.enrol_course", model=Course, roles=ADMINS, via=("region",),
                          description="farmers sign up themselves; a desk enters them for courses in its area")
can_record_attendance = define("rural.record_attendance", Enrolment, action="attendance", roles=ADMINS,
                               via=("region",))
can_record_feedback = define("rural.record_feedback", Enrolment, action="feedback", roles=ADMINS, via=("region",))

# ------------------------------------------------------------------ outreach events
can_add_event = define("rural.add_event", Region, roles=ADMINS, via=("region",))
can_register_event = anyone("rural.register_event", model=OutreachEvent, roles=ADMINS, via=("region",),
                            description="citizens sign up themselves; a desk enters them for events in its area")
can_check_in = define("rural.check_in", Registration, action="check_in", roles=ADMINS, via=("region",))
can_close_event = define("rural.close_event", OutreachEvent, action="close", roles=ADMINS, via=("region",),
                         where=Q(closed=False))

# ------------------------------------------------------------------ pairings (结对帮扶)
can_add_pairing = define("rural.add_pairing", Region, roles=ADMINS, via=("region",))
can_change_pairing = define("rural.change_pairing", Pairing, action="change", via=("region", "organisation"),
                            description="admins over the village's county, or the partner organisation's members")
