"""One case per declared action of talent: who may, and a realistic someone who may not."""

import datetime

from django.core.files.base import ContentFile

from countyinno.core.testing import Case, action_case
from countyinno.talent import services
from countyinno.talent.models import (Assignment, DispatchPlan, ServiceDemand, ServiceLog, Talent,
                                      WorkstationApplication)

YEAR = 2026


def _talent(world, user=None):
    return Talent.objects.create(name="赵研究员", home_unit=world.enterprise_a, user=user, fields=["现代农业"],
                                 keywords=["小麦"], capacity=1, programmes=["commissioner"])


def _demand(world):
    return ServiceDemand.objects.create(requester=world.enterprise_a, region=world.county_a, year=YEAR,
                                        problem="小麦条锈病防治技术指导", fields=["现代农业"], keywords=["小麦"])


def _assignment(world, status=DispatchPlan.Status.PUBLISHED, user=None):
    plan = DispatchPlan.objects.create(year=YEAR, province=world.province, status=status)
    return Assignment.objects.create(plan=plan, talent=_talent(world, user), demand=_demand(world))


@action_case("talent.update_profile")
def _(world):
    # A colleague at the talent's home unit may not edit the talent's own profile.
    talent = _talent(world, user=world.users["talent_a"])
    return Case(kwargs={"talent": talent, "capacity": 2}, allowed=world.users["talent_a"],
                denied=world.users["member_a"])


@action_case("talent.file_demand")
def _(world):
    # A member of another firm may not file a demand in this firm's name.
    return Case(kwargs={"requester": world.enterprise_a, "problem": "设施蔬菜病虫害绿色防控技术", "fields": ["现代农业"],
                        "keywords": ["设施蔬菜"], "days_needed": 20, "year": YEAR},
                allowed=world.users["member_a"], denied=world.users["member_c"])


@action_case("talent.save_plan")
def _(world):
    # A county may not store a provincial plan.
    _talent(world)
    _demand(world)
    solution = services.compute_plan(year=YEAR, constraints={}, mode="optimal", province=world.province)
    return Case(kwargs={"province": world.province, "year": YEAR, "mode": "optimal", "constraints": {},
                        "solution": solution},
                allowed=world.users["province"], denied=world.users["county_a"])


@action_case("talent.publish_plan")
def _(world):
    # The county whose demand is in the plan may not publish it.
    assignment = _assignment(world, status=DispatchPlan.Status.DRAFT)
    return Case(kwargs={"plan": assignment.plan}, allowed=world.users["province"], denied=world.users["county_a"])


@action_case("talent.log_visit")
def _(world):
    # The served firm may not log visits in the talent's name.
    assignment = _assignment(world, user=world.users["talent_a"])
    return Case(kwargs={"assignment": assignment, "visited_on": datetime.date(2026, 3, 2),
                        "visited_until": datetime.date(2026, 3, 3), "days": 2, "content": "田间诊断条锈病"},
                allowed=world.users["talent_a"], denied=world.users["member_a"])


@action_case("talent.confirm_log")
def _(world):
    # The talent may not confirm their own visit; the served firm does.
    assignment = _assignment(world, user=world.users["talent_a"])
    log = ServiceLog.objects.create(assignment=assignment, visited_on=datetime.date(2026, 3, 2), days=2,
                                    content="田间诊断条锈病")
    return Case(kwargs={"log": log, "satisfaction": 5}, allowed=world.users["member_a"],
                denied=world.users["talent_a"])


@action_case("talent.assess_year")
def _(world):
    # The city may not run the provincial assessment.
    _assignment(world)
    return Case(kwargs={"year": YEAR}, allowed=world.users["province"], denied=world.users["city_ab"])


@action_case("talent.review_workstation")
def _(world):
    # Another city may not do the first review of this city's application.
    app = WorkstationApplication.objects.create(host=world.enterprise_a, kind="expert", expert_name="钱教授",
                                                months_per_year=4, materials_complete=True)
    return Case(kwargs={"app": app, "approve": True}, allowed=world.users["city_ab"], denied=world.users["city_c"])


def _log(world, **fields):
    assignment = _assignment(world, user=world.users["talent_a"])
    return ServiceLog.objects.create(assignment=assignment, visited_on=datetime.date(2026, 3, 2), days=1,
                                     content="田间诊断条锈病", **fields)


@action_case("talent.dispute_log")
def _(world):
    # The talent may not dispute their own log; the served firm does, with a reason.
    return Case(kwargs={"log": _log(world), "reason": "当天未到企业现场服务"}, allowed=world.users["member_a"],
                denied=world.users["talent_a"])


@action_case("talent.answer_dispute")
def _(world):
    # The served firm may not answer its own dispute in the talent's name.
    log = _log(world, status=ServiceLog.Status.REJECTED, dispute_reason="当天未到企业现场服务")
    return Case(kwargs={"log": log, "reply": "当天在企业试验田指导，附现场照片", "days": "0.5"},
                allowed=world.users["talent_a"], denied=world.users["member_a"])


@action_case("talent.evaluate_service")
def _(world):
    # Another county may not evaluate service done in county A.
    assignment = _assignment(world)
    return Case(kwargs={"assignment": assignment, "score": "92.5", "comment": "解决了企业实际问题"},
                allowed=world.users["county_a"], denied=world.users["county_b"])


PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


def materials():
    return [("agreement", ContentFile(PDF, name="agreement.pdf")), ("expert", ContentFile(PDF, name="cv.pdf"))]


@action_case("talent.file_workstation")
def _(world):
    # A member of another firm may not file an application in this firm's name.
    return Case(kwargs={"host": world.enterprise_a, "kind": "expert", "expert_name": "钱教授", "months_per_year": 4,
                        "materials": materials()},
                allowed=world.users["member_a"], denied=world.users["member_c"])


@action_case("talent.resubmit_workstation")
def _(world):
    # The city that returned it may not resubmit it for the host.
    app = WorkstationApplication.objects.create(host=world.enterprise_a, kind="expert", expert_name="钱教授",
                                                months_per_year=2, materials_complete=True, status="returned")
    return Case(kwargs={"app": app, "months_per_year": 4, "other_stations": 0, "materials": materials()},
                allowed=world.users["member_a"], denied=world.users["city_ab"])


@action_case("talent.register_talent")
def _(world):
    # County B may not register a talent whose home unit is a firm of county A.
    return Case(kwargs={"home_unit": world.enterprise_a, "name": "孙研究员", "fields": ["现代农业"],
                        "programmes": ["commissioner"], "keywords": ["小麦"], "capacity": 2},
                allowed=world.users["county_a"], denied=world.users["county_b"])


@action_case("talent.update_talent")
def _(world):
    # The talent's own home-unit colleague may not edit the pool record; the county does.
    talent = _talent(world)
    return Case(kwargs={"talent": talent, "capacity": 3, "programmes": ["commissioner", "qianren"]},
                allowed=world.users["county_a"], denied=world.users["member_a"])
