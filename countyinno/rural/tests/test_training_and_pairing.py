"""Training providers and county organisers run courses and events; certificates; the county pairing rules."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone

from countyinno.core import audit
from countyinno.core.actions import ActionRefused
from countyinno.core.models import Notification
from countyinno.rural import services, targets
from countyinno.rural.models import CountyPairing, Enrolment

from .action_cases import make_course, make_event


def test_a_training_provider_runs_its_own_course_and_nobody_elses(world, client):
    member_a, member_c = world.users["member_a"], world.users["member_c"]
    client.force_login(member_a)
    page = client.get("/rural/courses/new/").content.decode()
    assert 'name="region"' not in page and "测试企业甲" in page  # the provider's own county, no choice
    day = (timezone.localdate() + datetime.timedelta(days=3)).isoformat()
    response = client.post("/rural/courses/new/", {"title": "果树修剪", "crop": "果树", "season": "冬",
                                                   "session_date": day, "capacity": "20", "venue": "龙洞街道"})
    assert response.status_code == 302
    course = world.enterprise_a.rural_courses.get()
    assert course.region == world.county_a and course.organiser == world.enterprise_a
    enrolment = services.enrol(course=course, name="学员甲", phone="138 1234 5678")
    assert enrolment.phone == "13812345678"
    # The provider manages its course; another firm's member does not even see the attendee list.
    assert "学员甲" in client.get(f"/rural/courses/{course.pk}/").content.decode()
    client.force_login(member_c)
    assert "学员甲" not in client.get(f"/rural/courses/{course.pk}/").content.decode()
    assert client.post(f"/rural/enrolments/{enrolment.pk}/attend/").status_code == 404
    with pytest.raises(ActionRefused):
        services.record_attendance(actor=member_c, enrolment=enrolment)
    # A talent is no training provider; a county admin offers through the county form.
    client.force_login(world.users["talent_a"])
    assert client.get("/rural/courses/new/").status_code == 403


def test_certificates_only_for_attendees_once_and_by_number(world):
    county_a = world.users["county_a"]
    enrolment = services.enrol(actor=county_a, course=make_course(world), name="学员乙", phone="13900000002")
    with pytest.raises(ActionRefused):  # not attended
        services.issue_certificate(actor=county_a, enrolment=enrolment)
    services.record_attendance(actor=county_a, enrolment=enrolment)
    services.issue_certificate(actor=county_a, enrolment=enrolment)
    number = Enrolment.objects.get(pk=enrolment.pk).certificate
    assert number.startswith(f"NK{enrolment.course.session_date.year}370102-")
    with pytest.raises(ActionRefused):  # once
        services.issue_certificate(actor=county_a, enrolment=enrolment)
    with pytest.raises(ValidationError):  # attendance stays once certified
        services.record_attendance(actor=county_a, enrolment=enrolment, attended=False)
    assert services.find_certificate(number, "13900000002").pk == enrolment.pk
    assert services.find_certificate(number, "13900000003") is None
    page = Client().post("/rural/certificates/verify/", {"number": number, "phone": "13900000002"})
    assert page.status_code == 200 and "学员乙" in page.content.decode()
    year = enrolment.course.session_date.year
    row = {r["year"]: r for r in targets.training_and_outreach()}[year]
    assert row["trained"] == 1 and row["certified"] == 1


def test_public_sign_ups_validate_and_are_throttled(world):
    event = make_event(world, capacity=100)
    with pytest.raises(ValidationError) as info:
        services.register(event=event, name=" ", phone="123")
    assert {"name", "phone"} <= set(info.value.message_dict)
    flood = Client(REMOTE_ADDR="192.0.2.44")
    statuses = [flood.post(f"/rural/events/{event.pk}/register/", {"name": f"市民{n}", "phone": f"1370000{n:04d}"})
                .status_code for n in range(15)]
    assert event.registrations.count() == services.SIGNUPS_PER_IP and statuses.count(400) == 5
    page = flood.post(f"/rural/events/{event.pk}/register/", {"name": "孙市民", "phone": "13700009999"})
    assert "提交过于频繁" in page.content.decode() and 'value="孙市民"' in page.content.decode()


def _index(world, order):
    from countyinno.monitoring import services as monitoring
    from countyinno.monitoring.models import IndexResult, IndexRun

    with audit.system("test: an index run"), audit.bulk("test: an index run"):
        framework = monitoring.publish_framework(actor=None, framework=monitoring.create_framework(
            actor=None, code="T", name="测试", rows=monitoring.default_framework_rows()))
        campaign = monitoring.open_campaign(actor=None, year=2025, framework=framework,
                                            deadline=datetime.date(2026, 3, 1))
        run = IndexRun.objects.create(campaign=campaign, status="succeeded")
        dims = list(framework.nodes.filter(kind="dimension").order_by("order").values_list("code", flat=True))
        IndexResult.objects.bulk_create([
            IndexResult(run=run, region=c, year=2025, index=90 - 10 * i, rank=i + 1,
                        scores={d: (90 - 10 * i) + (30 if (c == world.county_c and d == dims[0]) else 0) for d in dims}
                        | ({dims[0]: 1} if c == world.county_a else {}))
            for i, c in enumerate(order)])
    return run, dims


def test_suggestions_from_the_index_by_composite_and_by_dimension(world):
    from countyinno.regions.models import Region

    others = list(Region.objects.filter(level="county", city=world.city_ab).exclude(
        pk__in=[world.county_a.pk, world.county_b.pk]).order_by("code")[:4])
    run, dims = _index(world, [world.county_b, world.county_c, *others, world.county_a])
    rows = services.pairing_suggestions(world.users["city_ab"])["rows"]
    for_a = [r for r in rows if r["weak"].region == world.county_a]
    assert for_a[0]["strong"].region == world.county_b  # same city, top of the index
    assert for_a[1]["strong"].region == world.county_c and for_a[1]["dimension"] == dims[0]  # best in A's weakest
    assert not services.pairing_suggestions(world.users["city_c"])["rows"] or all(
        r["weak"].region.city_id == world.city_c.pk for r in services.pairing_suggestions(world.users["city_c"])["rows"])
    assert services.pairing_suggestions(world.users["member_a"])["rows"] == []


def test_pairing_needs_both_counties_and_activities_show_on_both_pages(world, client):
    pairing = services.propose_county_pairing(actor=world.users["city_ab"], weak=world.county_a, strong=world.county_b,
                                              basis="综合指数")
    assert {n.user for n in Notification.objects.filter(kind="rural.pairing_proposed")} == {
        world.users["county_a"], world.users["county_b"]}
    with pytest.raises(ValidationError):
        services.propose_county_pairing(actor=world.users["county_a"], weak=world.county_a, strong=world.county_b,
                                        basis="再提一次")
    with pytest.raises(ValidationError):
        services.propose_county_pairing(actor=world.users["county_a"], weak=world.county_a, strong=world.county_a,
                                        basis="自己")
    with pytest.raises(ActionRefused):  # not active yet
        services.log_pairing_activity(actor=world.users["county_a"], pairing=pairing, happened_on=timezone.localdate(),
                                      title="交流")
    services.confirm_county_pairing(actor=world.users["county_a"], pairing=pairing)
    assert CountyPairing.objects.get(pk=pairing.pk).status == "proposed"
    with pytest.raises(ActionRefused):  # the same county twice
        services.confirm_county_pairing(actor=world.users["county_a"], pairing=pairing)
    services.confirm_county_pairing(actor=world.users["county_b"], pairing=pairing)
    pairing.refresh_from_db()
    assert pairing.status == "active" and pairing.strong_confirmed_by == world.users["county_b"]
    activity = services.log_pairing_activity(actor=world.users["county_b"], pairing=pairing,
                                             happened_on=timezone.localdate(), title="专家团赴历下区指导")
    assert activity.side == world.county_b
    with pytest.raises(ValidationError):
        services.log_pairing_activity(actor=world.users["county_a"], pairing=pairing,
                                      happened_on=timezone.localdate() + datetime.timedelta(days=3), title="未来")
    for who, code in (("county_a", "370102"), ("county_b", "370103"), ("county_c", "370102")):
        client.force_login(world.users[who])
        assert "专家团赴历下区指导" in client.get(f"/rural/counties/{code}/").content.decode()
    client.force_login(world.users["county_c"])  # visible to all signed in, but no buttons for county C
    page = client.get(f"/rural/pairings/{pairing.pk}/").content.decode()
    assert 'id="activity-form"' not in page and 'id="end-button"' not in page
    assert client.post(f"/rural/pairings/{pairing.pk}/end/", follow=True).status_code == 200
    assert CountyPairing.objects.get(pk=pairing.pk).status == "active"
