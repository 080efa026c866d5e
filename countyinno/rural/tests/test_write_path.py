"""Rural services through the one write path: public forms, predicates, audit (and no phone numbers in it)."""

import datetime
import json

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.utils import timezone

from countyinno.core import audit
from countyinno.core.actions import ActionRefused
from countyinno.core.audit import UnauditedWrite
from countyinno.core.models import AuditLogEntry
from countyinno.rural import clock, services
from countyinno.rural.models import (Enrolment, FarmerQuestion, KnowledgeEntry, Pairing, Registration,
                                     ServiceStation)

from .action_cases import make_course, make_event, make_expert, make_question

PHONE = "13812345678"


def _entry_text(e: AuditLogEntry) -> str:
    return json.dumps([e.before, e.after, e.changes, e.object_repr, e.comment, e.object_id], ensure_ascii=False)


def test_phone_numbers_never_reach_the_audit_log(world):
    expert = make_expert(world)
    county_a, county_c = world.users["county_a"], world.users["county_c"]
    # A farmer asks (public form), the hotline enters another question, an admin routes, the expert answers.
    web = services.ask_question(asker="王大爷", phone=PHONE, region=world.county_a, field="小麦",
                                text="小麦播种后出苗不齐是什么原因")
    hotline = services.ask_question(actor=county_a, asker="李大娘", phone="13887654321", region=world.county_a,
                                    field="水产", text="对虾养殖水体发白怎么处理")
    assert hotline.status == "unrouted"
    services.route_question(actor=county_a, question=hotline, expert=expert)
    services.answer_question(actor=expert.user, question=web, text="播种过深或墒情不足，注意镇压保墒。", promote=True)
    with pytest.raises(ActionRefused):  # a refused attempt is audited too, still without the number
        services.answer_question(actor=world.users["talent_a"], question=hotline, text="随便答一个答案")
    # Training and outreach with phone numbers.
    enrolment = services.enrol(actor=county_a, course=make_course(world), name="学员甲", phone="13900000001")
    services.record_attendance(actor=county_a, enrolment=enrolment)
    registration = services.register(event=make_event(world), name="市民甲", phone="13700000001")
    services.check_in(actor=county_a, registration=registration)
    with pytest.raises(ActionRefused):
        services.check_in(actor=county_c, registration=registration)
    with audit.system("test: bulk"), audit.bulk("test: bulk"):
        Registration.objects.filter(pk=registration.pk).update(phone="13700000009")

    entries = list(AuditLogEntry.objects.all())
    types = {ContentType.objects.get_for_model(m).pk: m for m in (FarmerQuestion, Enrolment, Registration)}
    seen = {m for e in entries for pk, m in types.items() if e.content_type_id == pk}
    assert seen == {FarmerQuestion, Enrolment, Registration}, "every one of these models is audited"
    assert AuditLogEntry.objects.filter(action="denied", operation="rural.check_in").count() == 1
    for number in (PHONE, "13887654321", "13900000001", "13700000001", "13700000009"):
        leaks = [e.pk for e in entries if number in _entry_text(e)]
        assert not leaks, f"{number} is in audit entries {leaks}"
    # The check-in itself is recorded, by whom and as which action.
    check_in = AuditLogEntry.objects.get(action="update", operation="rural.check_in")
    assert check_in.actor == county_a and "checked_in_at" in check_in.changes and "phone" not in check_in.after


def test_registration_bulk_writes_are_guarded(world):
    registration = services.register(event=make_event(world), name="市民乙", phone="13700000002")
    with pytest.raises(UnauditedWrite):
        Registration.objects.filter(pk=registration.pk).update(checked_in_at=timezone.now())
    with pytest.raises(UnauditedWrite):
        Registration.objects.filter(pk=registration.pk).delete()
    assert Registration.objects.get(pk=registration.pk).checked_in_at is None


def test_public_form_and_hotline_through_the_same_action(world, client):
    page = client.post("/rural/ask/", {"asker": "王大爷", "phone": PHONE, "region": "370102", "field": "小麦",
                                       "text": "小麦叶片发黄有斑点是什么病"})
    web = FarmerQuestion.objects.get()
    assert page.status_code == 302 and web.channel == "web"
    created = AuditLogEntry.objects.get(action="create", operation="rural.ask_question")
    assert created.actor is None and created.actor_name == "anonymous" and created.region_id == world.county_a.pk

    client.force_login(world.users["county_a"])
    assert 'value="370202"' not in client.get("/rural/").content.decode()  # only the counties they may enter for
    client.post("/rural/ask/", {"asker": "李大娘", "phone": "13887654321", "region": "370102", "field": "小麦",
                                "text": "小麦冬前旺长怎么控制"})
    hotline = FarmerQuestion.objects.exclude(pk=web.pk).get()
    assert hotline.channel == "hotline"
    assert AuditLogEntry.objects.get(action="create", object_id=str(hotline.pk),
                                     content_type__model="farmerquestion").actor == world.users["county_a"]

    # County C's hotline may not file a question for county A: the county is not offered, the form says so
    # beside the field and keeps what was typed; the action itself refuses and audits the attempt.
    client.force_login(world.users["county_c"])
    refused = client.post("/rural/ask/", {"asker": "张三", "phone": "13811112222", "region": "370102", "field": "小麦",
                                          "text": "小麦冬前旺长怎么控制"})
    assert refused.status_code == 400 and FarmerQuestion.objects.count() == 2
    page = refused.content.decode()
    assert 'id="error-region"' in page and "choose from the list" in page and "小麦冬前旺长怎么控制" in page
    with pytest.raises(ActionRefused):
        services.ask_question(actor=world.users["county_c"], asker="张三", phone="13811112222", region=world.county_a,
                              field="小麦", text="小麦冬前旺长怎么控制")
    assert AuditLogEntry.objects.filter(action="denied", operation="rural.ask_question",
                                        actor=world.users["county_c"]).exists()

    # A signed-in member is no hotline operator: the page says how farmers ask instead of offering the form.
    client.force_login(world.users["member_a"])
    home = client.get("/rural/").content.decode()
    assert 'id="ask-closed"' in home and 'id="ask-form"' not in home


def test_routing_by_the_county_and_the_buttons_each_user_sees(world, client):
    expert = make_expert(world, field="水产")
    question = make_question(world, field="水产", text="对虾养殖水体发白怎么处理")
    client.force_login(world.users["county_a"])
    page = client.get(f"/rural/questions/{question.pk}/").content.decode()
    assert 'id="route-form"' in page and 'id="answer-form"' not in page and expert.name in page
    response = client.post(f"/rural/questions/{question.pk}/route/", {"expert": expert.pk})
    assert response.status_code == 302
    question.refresh_from_db()
    assert question.status == "routed" and question.expert == expert
    assert clock.working_hours_between(question.routed_at, question.due_at) == 48

    # Out of scope: 404. Visible but not allowed (the expert may not re-route): a message, nothing changed.
    client.force_login(world.users["county_c"])
    assert client.post(f"/rural/questions/{question.pk}/route/").status_code == 404
    client.force_login(expert.user)
    page = client.get(f"/rural/questions/{question.pk}/").content.decode()
    assert 'id="answer-form"' in page and 'id="route-form"' not in page and PHONE in page
    refused = client.post(f"/rural/questions/{question.pk}/route/", follow=True)
    assert "you may not do this" in refused.content.decode()
    assert AuditLogEntry.objects.filter(action="denied", operation="rural.route_question", actor=expert.user).exists()


def test_promotion_is_a_separate_action_and_happens_once(world):
    expert = make_expert(world)
    question = make_question(world, "routed", expert)
    with pytest.raises(ActionRefused):  # not answered yet
        services.promote_answer(actor=world.users["county_a"], question=question)
    services.answer_question(actor=expert.user, question=question, text="播种过深或墒情不足，注意镇压保墒。")
    assert not KnowledgeEntry.objects.exists()
    entry = services.promote_answer(actor=world.users["county_a"], question=question)
    assert entry.source_question == question and "镇压保墒" in entry.answer
    with pytest.raises(ValidationError):
        services.promote_answer(actor=expert.user, question=question)
    assert KnowledgeEntry.objects.count() == 1
    assert AuditLogEntry.objects.get(operation="rural.promote_answer", action="create").actor == world.users["county_a"]


def test_attendance_feedback_and_station_rules(world):
    county_a = world.users["county_a"]
    future = make_course(world, session_date=timezone.localdate() + datetime.timedelta(days=7))
    enrolment = services.enrol(course=future, name="学员乙", phone="13900000002")
    with pytest.raises(ValidationError):
        services.record_attendance(actor=county_a, enrolment=enrolment)  # the session is still ahead
    past = services.enrol(actor=county_a, course=make_course(world), name="学员丙", phone="13900000003")
    with pytest.raises(ValidationError):
        services.record_feedback(actor=county_a, enrolment=past, score=5)  # did not attend
    services.record_attendance(actor=county_a, enrolment=past)
    with pytest.raises(ValidationError):
        services.record_feedback(actor=county_a, enrolment=past, score=9)
    services.record_feedback(actor=county_a, enrolment=past, score=4)
    past.refresh_from_db()
    assert past.attended and past.feedback == 4

    with pytest.raises(ValidationError):
        services.create_station(actor=world.users["city_ab"], region=world.city_ab, name="驿站", township="镇")
    station = services.create_station(actor=county_a, region=world.county_a, name="历下农科驿站", township="龙洞街道")
    expert = make_expert(world)
    services.set_station_experts(actor=county_a, station=station, experts=[expert])
    assert list(station.experts.all()) == [expert]
    change = AuditLogEntry.objects.get(operation="rural.set_station_experts", action="update",
                                       content_type=ContentType.objects.get_for_model(ServiceStation))
    assert change.before == {"experts": []} and change.after == {"experts": [expert.pk]}


def test_pairing_progress_by_the_partner_or_the_county(world):
    pairing = services.create_pairing(actor=world.users["county_a"], region=world.county_a, village="东王村",
                                      partner=world.enterprise_a, agreement_on=datetime.date(2026, 1, 1),
                                      actions=["技术培训"])
    services.record_pairing_progress(actor=world.users["member_a"], pairing=pairing, outcome="带动增收")
    with pytest.raises(ActionRefused):
        services.record_pairing_progress(actor=world.users["member_a2"], pairing=pairing, outcome="篡改")
    with pytest.raises(ValidationError):
        services.record_pairing_progress(actor=world.users["county_a"], pairing=pairing, actions=[" "])
    assert Pairing.objects.get(pk=pairing.pk).outcome == "带动增收"


def test_actions_refuse_a_missing_actor_outside_system(world):
    with pytest.raises(ActionRefused):
        services.check_in(actor=None, registration=Registration.objects.create(
            event=make_event(world), name="市民丙", phone="13700000003"))
    with audit.system("test: platform closes an event"):
        event = services.close_event(actor=None, event=make_event(world))
    assert event.closed
    with pytest.raises(ValidationError):
        services.register(event=event, name="市民丁", phone="13700000004")
