"""Who may do what with technology contracts: every predicate of the app, in one place.

- points are set up by the province and city admins over their area (the 登记机构 is designated, a county
  does not appoint itself); a point's staff and the admins over the point's region decide its contracts;
- the seller's members apply; the seller's members and the admins over the seller's region record payments;
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
