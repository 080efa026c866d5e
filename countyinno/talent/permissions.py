"""Who may do what with talents, demands, dispatch plans, service logs and workstations.

Individual talents (科技特派员) act as persons: what they do on their own profile and assignments is
granted through the `owner` path only, never through the organisation they happen to belong to.
"""

from django.db.models import Q

from countyinno.accounts.models import Organisation
from countyinno.accounts.roles import ADMINS, CITY, COUNTY, MEMBER, PROVINCE
from countyinno.core.permissions import NOTHING, define

from .models import Assignment, DispatchPlan, ServiceLog, Talent, WorkstationApplication

# The talent edits their own profile; officials of the area where they work or are sent from may too.
can_edit_profile = define("talent.edit_profile", Talent, action="change", via=("region", "owner"))

# Officials build the talent pool (人才库) of their area: they register a talent whose home unit is an
# organisation of their area, and edit the talents sent from their area.
can_register_talent = define("talent.register_talent", Organisation, roles=ADMINS, via=("region",))
can_update_talent = define("talent.update_talent", Talent, action="update", roles=ADMINS, via=("region",))

# An enterprise files a service demand for its own organisation.
can_file_demand = define("talent.file_demand", Organisation, roles={MEMBER}, via=("organisation",))

# Officials follow the programme: the talent pool, the plans, the open demands.
can_oversee_programme = define("talent.oversee_programme", roles=ADMINS)

# The province computes the year's dispatch plan (for its own province) and publishes it.
can_solve_plan = define("talent.solve_plan", roles={PROVINCE})
can_publish_plan = define("talent.publish_plan", DispatchPlan, action="publish", roles={PROVINCE}, via=("region",))

# Only the assigned talent logs visits; only the served unit confirms them (with a rating) or disputes them
# (with a reason); the talent answers a dispute, which puts the log back before the unit.
can_log_visit = define("talent.log_visit", Assignment, action="log", via=("owner",))
can_confirm_log = define("talent.confirm_log", ServiceLog, action="confirm", roles={MEMBER}, via=("organisation",))
can_dispute_log = define("talent.dispute_log", ServiceLog, action="dispute", roles={MEMBER}, via=("organisation",),
                         where=Q(status=ServiceLog.Status.PENDING))
can_answer_dispute = define("talent.answer_dispute", ServiceLog, action="answer", via=("owner",),
                            where=Q(status=ServiceLog.Status.REJECTED))

# The county where a commissioner serves evaluates that service (服务成效), once the plan is published.
can_evaluate_service = define("talent.evaluate_service", Assignment, action="evaluate", roles={COUNTY},
                              via=("region",), where=Q(plan__status=DispatchPlan.Status.PUBLISHED))

# The annual assessment is the province's.
can_assess_year = define("talent.assess_year", roles={PROVINCE})


# A unit files an 院士 / 专家工作站 application as its own host, and resubmits it when returned.
can_file_workstation = define("talent.file_workstation", Organisation, roles={MEMBER}, via=("organisation",))
can_resubmit_workstation = define("talent.resubmit_workstation", WorkstationApplication, action="resubmit",
                                  roles={MEMBER}, via=("organisation",),
                                  where=Q(status=WorkstationApplication.Status.RETURNED))


def _review_stage(user):
    """City admins do the first review of submitted applications, the province the second."""
    if user.role == CITY:
        return Q(status=WorkstationApplication.Status.SUBMITTED)
    if user.role == PROVINCE:
        return Q(status=WorkstationApplication.Status.CITY_APPROVED)
    return NOTHING


can_review_workstation = define("talent.review_workstation", WorkstationApplication, action="review",
                                roles={CITY, PROVINCE}, via=("region",), where=_review_stage)
