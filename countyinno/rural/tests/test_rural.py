import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from countyinno.accounts.models import Role, User
from countyinno.rural import clock, services, targets
from countyinno.rural.models import Course, FarmerQuestion, KnowledgeEntry, OutreachEvent
from countyinno.talent.models import Talent


@pytest.fixture
def expert(world):
    user = User.objects.create_user(username="t-expert", password="x" * 12, role=Role.TALENT,
                                    organisation=world.enterprise_a)
    Talent.objects.create(name="张农艺师", user=user, home_unit=world.enterprise_a, fields=["小麦"])
    KnowledgeEntry.objects.create(question="小麦条锈病怎么防治", answer="发病初期用三唑酮喷雾。", field="小麦")
    return user


def ask(world, text, field="小麦", **kw):
    params = dict(asker="王大爷", phone="13812345678", region=world.county_a, field=field, text=text)
    params.update(kw)
    return services.ask_question(**params)


def test_knowledge_base_answers_first_then_an_expert_on_the_clock(world, expert):
    hit = ask(world, "小麦条锈病怎么防治，叶子上有黄色条纹")
    assert hit.status == "answered_kb" and "三唑酮" in hit.answer
    routed = ask(world, "小麦播种后出苗不齐是什么原因")
    assert routed.status == "routed" and routed.expert.user == expert
    assert routed.due_at == clock.add_working_hours(routed.routed_at, 48)
    assert clock.working_hours_between(routed.routed_at, routed.due_at) == 48
    nobody = ask(world, "对虾养殖水体发白怎么处理", field="水产")
    assert nobody.status in ("routed", "unrouted")


def test_answer_by_the_assigned_expert_and_promotion(world, expert):
    question = ask(world, "小麦播种后出苗不齐是什么原因")
    with pytest.raises(PermissionDenied):
        services.answer_question(actor=world.users["county_a"], question=question, text="可能是播种过深")
    services.answer_question(actor=expert, question=question, text="播种过深或墒情不足，注意镇压保墒。", promote=True)
    assert question.status == "answered" and question.answered_at <= question.due_at
    again = ask(world, "小麦播种后出苗不齐是什么原因")
    assert again.status == "answered_kb" and "镇压保墒" in again.answer
    stats = {r["region__code"]: r for r in services.question_stats(world.users["county_a"])}
    assert stats["370102"]["total"] == 2 and stats["370102"]["on_time"] == 1
    assert services.question_stats(world.users["county_c"]) == []


def test_bad_questions_and_attachments(world, expert):
    with pytest.raises(ValidationError) as info:
        ask(world, "短", phone="123")
    assert {"phone", "text"} <= set(info.value.message_dict)
    big = SimpleUploadedFile("a.jpg", b"\xff\xd8\xff" + b"0" * (3 * 1024 * 1024), content_type="image/jpeg")
    with pytest.raises(ValidationError) as info:
        ask(world, "小麦叶片发黄是什么病", attachment=big)
    assert "2 MB" in str(info.value)
    fake = SimpleUploadedFile("a.jpg", b"<?php echo 1; ?>", content_type="image/jpeg")
    with pytest.raises(ValidationError):
        ask(world, "小麦叶片发黄是什么病", attachment=fake)
    assert not FarmerQuestion.objects.exists()


def test_phone_numbers_only_for_the_answering_expert(world, expert, client):
    question = ask(world, "小麦播种后出苗不齐是什么原因")
    client.force_login(world.users["county_a"])
    page = client.get(f"/rural/questions/{question.pk}/").content.decode()
    assert "13812345678" not in page and "138****5678" in page
    assert "13812345678" not in client.get("/rural/questions/").content.decode()
    client.force_login(expert)
    assert "13812345678" in client.get(f"/rural/questions/{question.pk}/").content.decode()


def test_enrolment_registration_and_check_in_rules(world):
    course = Course.objects.create(title="小麦春管", crop="小麦", season="春", region=world.county_a,
                                   session_date=datetime.date(2026, 3, 1), capacity=1)
    services.enrol(actor=world.users["county_a"], course=course, name="甲", phone="13900000001")
    with pytest.raises(ValidationError):
        services.enrol(actor=world.users["county_a"], course=course, name="甲", phone="13900000001")
    with pytest.raises(ValidationError):
        services.enrol(actor=world.users["county_a"], course=course, name="乙", phone="13900000002")  # full
    now = timezone.now()
    event = OutreachEvent.objects.create(title="科技活动周", kind="week", region=world.county_a, starts_at=now,
                                         ends_at=now + datetime.timedelta(hours=3))
    registration = services.register(event=event, name="丙", phone="13900000003")
    with pytest.raises(ValidationError):
        services.register(event=event, name="丙", phone="13900000003")
    services.check_in(actor=world.users["county_a"], registration=registration)
    with pytest.raises(ValidationError) as info:
        services.check_in(actor=world.users["county_a"], registration=registration,
                          now=now + datetime.timedelta(hours=4))
    assert "closed" in str(info.value)


def test_targets_are_computed_from_platform_data(world):
    from countyinno.enterprises.models import Enterprise, PoolMembership
    from countyinno.talent.models import WorkstationApplication

    before = {t["key"]: t for t in targets.dashboard()}
    assert before["graduates"]["current"] == 0
    firm = Enterprise.objects.create(organisation=world.enterprise_a, industry="C", size="small",
                                     founded=datetime.date(2015, 1, 1))
    PoolMembership.objects.create(enterprise=firm, region=world.county_a, year_joined=2021, status="graduated",
                                  graduated_year=2022)
    WorkstationApplication.objects.create(host=world.enterprise_a, kind="expert", expert_name="x", months_per_year=3,
                                          status="approved", approved_on=datetime.date(2026, 3, 2),
                                          province_due_on=datetime.date(2026, 3, 5))
    after = {t["key"]: t for t in targets.dashboard()}
    assert after["graduates"]["current"] == 1 and after["graduates"]["target"] == 1000
    assert after["graduates"]["by_area"] == [("济南市", 1)]
    assert after["workstations"]["current"] == 100.0
    assert after["clusters"]["current"] == 0.0 and after["survey"]["current"] == 0.0
