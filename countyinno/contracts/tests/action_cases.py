"""One case per declared action of the contracts app: an actor who may, and a realistic one who may not."""

import datetime

from countyinno.contracts import services
from countyinno.contracts.models import RegistrationPoint, TechnologyManager, TrainingCourse
from countyinno.core.testing import Case, action_case

from .factories import contract_data


def _point(world, code="02"):
    return RegistrationPoint.objects.create(region=world.county_a, code=code, name="历下区登记点（用例）")


def _submitted(world):
    """A contract of enterprise A (county A) filed at county A's point; the builder runs inside system()."""
    return services.apply(actor=None, seller=world.enterprise_a, point=_point(world), data=contract_data())


@action_case("contracts.create_point")
def _(world):
    # A city admin sets up points in its own counties, not in another city's.
    return Case(kwargs={"region": world.county_a, "code": "07", "name": "历下区第二登记点"},
                allowed=world.users["city_ab"], denied=world.users["city_c"])


@action_case("contracts.set_point_staff")
def _(world):
    # The county admin may not appoint the staff of its own point; its city does.
    return Case(kwargs={"point": _point(world), "staff": [world.users["county_a"]]},
                allowed=world.users["city_ab"], denied=world.users["county_a"])


@action_case("contracts.apply_contract")
def _(world):
    # A member of another firm may not apply in enterprise A's name.
    return Case(kwargs={"seller": world.enterprise_a, "point": _point(world), "data": contract_data()},
                allowed=world.users["member_a"], denied=world.users["member_c"])


@action_case("contracts.register_contract")
def _(world):
    # The seller may not register its own contract; the county admin over the point does.
    return Case(kwargs={"contract": _submitted(world)}, allowed=world.users["county_a"],
                denied=world.users["member_a"])


@action_case("contracts.refuse_contract")
def _(world):
    # Another county's admin may not refuse it.
    return Case(kwargs={"contract": _submitted(world), "reason": "合同文本不完整"}, allowed=world.users["county_a"],
                denied=world.users["county_c"])


@action_case("contracts.record_payment")
def _(world):
    contract = services.register(actor=None, contract=_submitted(world))
    # A neighbouring firm in the same county may not record payments on enterprise A's contract.
    return Case(kwargs={"contract": contract, "paid_on": datetime.date(2026, 3, 1), "amount": 100},
                allowed=world.users["member_a"], denied=world.users["member_a2"])


@action_case("contracts.add_manager")
def _(world):
    # An individual talent has no organisation rights.
    return Case(kwargs={"organisation": world.enterprise_a, "name": "王经理", "specialties": "新材料"},
                allowed=world.users["member_a"], denied=world.users["talent_a"])


@action_case("contracts.create_course")
def _(world):
    # Members do not run courses.
    return Case(kwargs={"region": world.county_a, "title": "技术经理人实务", "starts_on": datetime.date(2026, 6, 1),
                        "hours": 16}, allowed=world.users["county_a"], denied=world.users["member_a"])


@action_case("contracts.record_attendance")
def _(world):
    course = TrainingCourse.objects.create(title="技术经理人实务", region=world.county_a,
                                           starts_on=datetime.date(2026, 6, 1), hours=16)
    manager = TechnologyManager.objects.create(name="李经理", organisation=world.enterprise_a)
    # The neighbouring county's admin may not keep county A's attendance.
    return Case(kwargs={"course": course, "managers": [manager]}, allowed=world.users["county_a"],
                denied=world.users["county_b"])
