"""One case per declared action of rural services (walked by tests/test_declared_actions.py)."""

import datetime
import itertools

from django.utils import timezone

from countyinno.accounts.models import Role, User
from countyinno.core.testing import Case, action_case
from countyinno.rural.models import (CountyPairing, Course, Enrolment, FarmerQuestion, OutreachEvent, Pairing,
                                     Registration, ServiceStation)
from countyinno.talent.models import Talent

_serial = itertools.count(1)


def make_expert(world, field="小麦") -> Talent:
    """A commissioner of enterprise A with an account, covering `field`."""
    n = next(_serial)
    user = User.objects.create_user(username=f"t-rural-expert-{n}", password="x" * 12, role=Role.TALENT,
                                    organisation=world.enterprise_a)
    return Talent.objects.create(name=f"农艺师{n}", user=user, home_unit=world.enterprise_a, fields=[field])


def make_question(world, status="unrouted", expert=None, **extra) -> FarmerQuestion:
    now = timezone.now()
    values = dict(asker="王大爷", phone="13812345678", region=world.county_a, field="小麦", text="小麦出苗不齐是什么原因",
                  status=status, expert=expert)
    if expert is not None:
        values.update(routed_at=now, due_at=now + datetime.timedelta(hours=48))
    values.update(extra)
    return FarmerQuestion.objects.create(**values)


def make_course(world, **extra) -> Course:
    values = dict(title="小麦春管", crop="小麦", season="春", region=world.county_a,
                  session_date=timezone.localdate() - datetime.timedelta(days=1), capacity=10)
    values.update(extra)
    return Course.objects.create(**values)


def make_event(world, **extra) -> OutreachEvent:
    now = timezone.now()
    values = dict(title="科技活动周", kind="week", region=world.county_a, starts_at=now - datetime.timedelta(hours=1),
                  ends_at=now + datetime.timedelta(days=1))
    values.update(extra)
    return OutreachEvent.objects.create(**values)


@action_case("rural.ask_question")
def _(world):
    # A hotline operator of county C may not enter questions for county A.
    return Case(kwargs=dict(asker="王大爷", phone="13812345678", region=world.county_a, field="小麦",
                            text="小麦叶片发黄有斑点是什么病"),
                allowed=world.users["county_a"], denied=world.users["county_c"])


@action_case("rural.route_question")
def _(world):
    make_expert(world)
    return Case(kwargs={"question": make_question(world)}, allowed=world.users["county_a"],
                denied=world.users["county_c"])


@action_case("rural.answer_question")
def _(world):
    expert = make_expert(world)
    # Another talent may not answer a question routed to someone else.
    return Case(kwargs={"question": make_question(world, "routed", expert), "text": "播种过深或墒情不足，注意镇压保墒。"},
                allowed=expert.user, denied=world.users["talent_a"])


@action_case("rural.promote_answer")
def _(world):
    question = make_question(world, "answered", make_expert(world), answer="播种过深或墒情不足，注意镇压保墒。",
                             answered_at=timezone.now())
    return Case(kwargs={"question": question}, allowed=world.users["county_a"], denied=world.users["county_c"])


@action_case("rural.create_station")
def _(world):
    return Case(kwargs=dict(region=world.county_a, name="历下农科驿站", township="龙洞街道"),
                allowed=world.users["county_a"], denied=world.users["county_c"])


@action_case("rural.set_station_experts")
def _(world):
    station = ServiceStation.objects.create(name="历下农科驿站", township="龙洞街道", region=world.county_a)
    return Case(kwargs={"station": station, "experts": [make_expert(world)]}, allowed=world.users["county_a"],
                denied=world.users["county_c"])


@action_case("rural.create_course")
def _(world):
    return Case(kwargs=dict(region=world.county_a, title="玉米夏管", crop="玉米", season="夏",
                            session_date=datetime.date(2026, 6, 1)),
                allowed=world.users["city_ab"], denied=world.users["city_c"])


@action_case("rural.enrol")
def _(world):
    return Case(kwargs=dict(course=make_course(world), name="学员甲", phone="13900000001"),
                allowed=world.users["county_a"], denied=world.users["county_c"])


@action_case("rural.record_attendance")
def _(world):
    enrolment = Enrolment.objects.create(course=make_course(world), name="学员甲", phone="13900000001")
    return Case(kwargs={"enrolment": enrolment}, allowed=world.users["county_a"], denied=world.users["member_a"])


@action_case("rural.record_feedback")
def _(world):
    enrolment = Enrolment.objects.create(course=make_course(world), name="学员甲", phone="13900000001", attended=True)
    return Case(kwargs={"enrolment": enrolment, "score": 5}, allowed=world.users["county_a"],
                denied=world.users["county_c"])


@action_case("rural.create_event")
def _(world):
    start = timezone.now() + datetime.timedelta(days=30)
    return Case(kwargs=dict(region=world.county_a, title="科普日", kind="day", starts_at=start,
                            ends_at=start + datetime.timedelta(hours=8)),
                allowed=world.users["province"], denied=world.users["county_b"])


@action_case("rural.register")
def _(world):
    return Case(kwargs=dict(event=make_event(world), name="市民甲", phone="13700000001"),
                allowed=world.users["county_a"], denied=world.users["county_c"])


@action_case("rural.check_in")
def _(world):
    registration = Registration.objects.create(event=make_event(world), name="市民甲", phone="13700000001")
    return Case(kwargs={"registration": registration}, allowed=world.users["county_a"],
                denied=world.users["county_c"])


@action_case("rural.close_event")
def _(world):
    return Case(kwargs={"event": make_event(world)}, allowed=world.users["county_a"], denied=world.users["county_b"])


@action_case("rural.create_pairing")
def _(world):
    return Case(kwargs=dict(region=world.county_a, village="东王村", partner=world.enterprise_c,
                            agreement_on=datetime.date(2026, 1, 1), actions=["技术培训"]),
                allowed=world.users["county_a"], denied=world.users["member_a"])


@action_case("rural.record_pairing_progress")
def _(world):
    pairing = Pairing.objects.create(village="东王村", region=world.county_a, partner=world.enterprise_a,
                                     agreement_on=datetime.date(2026, 1, 1), actions=["技术培训"])
    # The partner reports its own pairing; a member of another firm may not.
    return Case(kwargs={"pairing": pairing, "outcome": "村集体增收 5 万元"}, allowed=world.users["member_a"],
                denied=world.users["member_c"])


@action_case("rural.escalate_question")
def _(world):
    # An overdue question of county A: county A's bureau escalates it to the city; county C may not.
    overdue = timezone.now() - datetime.timedelta(hours=1)
    return Case(kwargs={"question": make_question(world, due_at=overdue)}, allowed=world.users["county_a"],
                denied=world.users["county_c"])


@action_case("rural.offer_course")
def _(world):
    # A training provider (a member of firm A, in county A) runs a course; a member of firm C may not for A.
    return Case(kwargs=dict(organisation=world.enterprise_a, title="设施蔬菜嫁接技术", crop="设施蔬菜", season="春",
                            session_date=timezone.localdate() + datetime.timedelta(days=10)),
                allowed=world.users["member_a"], denied=world.users["member_c"])


@action_case("rural.offer_event")
def _(world):
    start = timezone.now() + datetime.timedelta(days=5)
    return Case(kwargs=dict(organisation=world.enterprise_a, title="科普日 · 农业新技术展", kind="day", starts_at=start,
                            ends_at=start + datetime.timedelta(hours=6)),
                allowed=world.users["member_a"], denied=world.users["county_a"])


@action_case("rural.issue_certificate")
def _(world):
    enrolment = Enrolment.objects.create(course=make_course(world), name="学员甲", phone="13900000001", attended=True)
    return Case(kwargs={"enrolment": enrolment}, allowed=world.users["county_a"], denied=world.users["county_c"])


def make_county_pairing(world, status="proposed", **extra) -> CountyPairing:
    values = dict(strong=world.county_b, weak=world.county_a, basis="综合指数", status=status)
    values.update(extra)
    return CountyPairing.objects.create(**values)


@action_case("rural.propose_county_pairing")
def _(world):
    # The weak county's own bureau (or its city) proposes; another city's admin may not.
    return Case(kwargs=dict(weak=world.county_a, strong=world.county_b, basis="综合指数"),
                allowed=world.users["county_a"], denied=world.users["city_c"])


@action_case("rural.confirm_county_pairing")
def _(world):
    # Each county confirms for itself; the city over both counties may not confirm for them.
    return Case(kwargs={"pairing": make_county_pairing(world)}, allowed=world.users["county_b"],
                denied=world.users["city_ab"])


@action_case("rural.log_pairing_activity")
def _(world):
    return Case(kwargs={"pairing": make_county_pairing(world, "active"), "happened_on": timezone.localdate(),
                        "title": "技术骨干赴受援县交流"},
                allowed=world.users["county_b"], denied=world.users["county_c"])


@action_case("rural.end_county_pairing")
def _(world):
    return Case(kwargs={"pairing": make_county_pairing(world, "active")}, allowed=world.users["city_ab"],
                denied=world.users["county_c"])
