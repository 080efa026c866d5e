"""Who may do what with technology contracts: every predicate of the app, in one place.

- points are set up by the province and city admins over their area (the 登记机构 is designated, a county
  does not appoint itself); a point's staff and the admins over the point's region decide its contracts;
- the seller's members apply, correct or withdraw an application still under examination; the seller's members
  and the admins over the seller's region record payments;
- the point's staff and the admins over the point's region register, refuse or return an application, and flag a
  registered contract that is no technology contract (or a duplicate) out of the statistics;
- an agency named on a contract is another organisation: its members confirm or decline the reference (until
  confirmed it counts for no reward); they see the contracts that name them, nothing else of the seller's;
- technology managers are registered by their organisation's members or the admins over its region;
- training courses are run by the admins over the course's region.
"""

from django.db.models import Q

from countyinno.accounts.models import Organisation
from countyinno.accounts.roles import ADMINS, CITY, MEMBER, PROVINCE
from countyinno.core.permissions import ANYWHERE, NOTHING, define, region_q
from countyinno.regions.models import Region

from .models import RegistrationPoint, TechContract, TrainingCourse


def _decided_by(user) -> Q:
    """Contracts filed at a point the user staffs, or at a point inside the user's administrative area."""
    if not getattr(user, "pk", None):
        return NOTHING
    staffed = Q(point__in=RegistrationPoint.objects.filter(staff=user).values("pk"))
    area = region_q("point__region", user)
    return staffed | area if area is not None else staffed


_OPEN = [TechContract.Status.SUBMITTED, TechContract.Status.RETURNED]


def _named_agency(user) -> Q:
    """Contracts naming the user's organisation as agency (an individual talent acts for no organisation)."""
    if not getattr(user, "organisation_id", None) or not getattr(user, "acts_for_organisation", True):
        return NOTHING
    return Q(agency_id=user.organisation_id)


# ------------------------------------------------------------------ registration points
can_create_point = define("contracts.create_point", Region, action="add_registration_point", roles={PROVINCE, CITY},
                          via=("region",), description="set up a registration point in a region of one's area")
can_manage_point = define("contracts.manage_point", RegistrationPoint, action="manage", roles={PROVINCE, CITY},
                          via=("region",), description="appoint a point's staff")

# ------------------------------------------------------------------ applications and decisions
can_apply_contract = define("contracts.apply_contract", Organisation, action="apply_contract", roles={MEMBER},
                            via=("organisation",), description="apply for registration as the seller")
can_decide_contract = define("contracts.decide_contract", TechContract, action="decide", via=ANYWHERE,
                             where=_decided_by, description="register or refuse a contract filed at one's point")
can_return_contract = define("contracts.return_contract", TechContract, action="return", via=ANYWHERE,
                             where=lambda user: _decided_by(user) & Q(status=TechContract.Status.SUBMITTED),
                             description="return an application to the seller for correction")
can_exclude_contract = define("contracts.exclude_contract", TechContract, action="exclude", via=ANYWHERE,
                              where=lambda user: _decided_by(user) & Q(status=TechContract.Status.REGISTERED,
                                                                       excluded=""),
                              description="flag a registered contract as non-technical or a duplicate (leaves the statistics)")
can_correct_contract = define("contracts.correct_contract", TechContract, action="correct", roles={MEMBER},
                              via=("organisation",), where=Q(status__in=_OPEN),
                              description="correct and resubmit one's application under examination or returned")
can_withdraw_contract = define("contracts.withdraw_contract", TechContract, action="withdraw", roles={MEMBER},
                               via=("organisation",), where=Q(status__in=_OPEN),
                               description="withdraw one's application under examination or returned")
can_view_reference = define("contracts.view_reference", TechContract, action="view_reference", roles={MEMBER},
                            via=ANYWHERE, where=lambda user: _named_agency(user),
                            description="see the contracts that name one's organisation as their agency")
can_answer_reference = define("contracts.answer_reference", TechContract, action="answer_reference", roles={MEMBER},
                              via=ANYWHERE,
                              where=lambda user: _named_agency(user) & Q(agency_status=TechContract.Reference.PENDING),
                              description="confirm or decline being named as a contract's agency")
can_record_payment = define("contracts.record_payment", TechContract, action="record_payment",
                            roles=ADMINS | {MEMBER}, via=("region", "organisation"),
                            description="record money received on a contract")

# ------------------------------------------------------------------ technology managers and training
can_add_manager = define("contracts.add_manager", Organisation, action="add_technology_manager",
                         roles=ADMINS | {MEMBER}, via=("region", "organisation"),
                         description="register a technology manager of an organisation")
can_create_course = define("contracts.create_course", Region, action="add_training_course", roles=ADMINS,
                           via=("region",), description="run a training course in a region of one's area")
can_manage_course = define("contracts.manage_course", TrainingCourse, action="manage", roles=ADMINS,
                           via=("region",), description="record who attended a course")
