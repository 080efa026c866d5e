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


@action_case("contracts.return_contract")
def _(world):
    # The seller may not send its own application back; the county admin over the point does.
    return Case(kwargs={"contract": _submitted(world), "reason": "请补充技术合同文本附件"},
                allowed=world.users["county_a"], denied=world.users["member_a"])


@action_case("contracts.exclude_contract")
def _(world):
    contract = services.register(actor=None, contract=_submitted(world))
    # Another city's admin may not flag county A's registration out of the statistics.
    return Case(kwargs={"contract": contract, "kind": "non_technical", "note": "实为设备买卖合同"},
                allowed=world.users["county_a"], denied=world.users["city_c"])


@action_case("contracts.correct_contract")
def _(world):
    # A neighbouring firm may not rewrite enterprise A's application.
    return Case(kwargs={"contract": _submitted(world), "data": contract_data(total_amount=280)},
                allowed=world.users["member_a"], denied=world.users["member_a2"])


@action_case("contracts.withdraw_contract")
def _(world):
    # The county admin decides applications; withdrawing one is the seller's own choice.
    return Case(kwargs={"contract": _submitted(world)}, allowed=world.users["member_a"],
                denied=world.users["county_a"])


@action_case("contracts.answer_reference")
def _(world):
    agency = _agency(world)
    contract = services.apply(actor=None, seller=world.enterprise_a, point=_point(world),
                              data=contract_data(agency={"name": agency.name, "credit_code": agency.credit_code}))
    # Only the named agency's members answer; the seller cannot confirm the reference on the agency's behalf.
    return Case(kwargs={"contract": contract, "confirm": True}, allowed=agency.members.get(),
                denied=world.users["member_a"])


def _agency(world):
    """A Jinan tech-transfer agency with one member account."""
    from countyinno.accounts.models import Organisation, User
    from countyinno.core.validators import make_credit_code

    agency = Organisation.objects.create(name="济南技术转移中心（用例）", kind="agency", region=world.city_ab,
                                         credit_code=make_credit_code("9", "1", "370100", "AGENCY009"))
    User.objects.create(username="t-agency-case", role="org_member", organisation=agency)
    return agency
