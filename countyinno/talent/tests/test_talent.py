import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from countyinno.accounts.models import Role, User
from countyinno.engines.rules.workdays import add_working_days
from countyinno.talent import services
from countyinno.talent.models import Assessment, Assignment, ServiceDemand, ServiceLog, Talent, WorkstationApplication


@pytest.fixture
def people(world):
    user = User.objects.create_user(username="t-talent", password="x" * 12, role=Role.TALENT,
                                    organisation=world.enterprise_c)
    t1 = Talent.objects.create(name="王研究员", home_unit=world.enterprise_c, user=user, fields=["现代农业"],
                               keywords=["小麦"], capacity=1, programmes=["commissioner"])
    t2 = Talent.objects.create(name="李教授", home_unit=world.enterprise_c, fields=["电子信息"], capacity=2,
                               programmes=["commissioner"])
    return {"t1": t1, "t2": t2, "user": user}


def demand(world, who="member_a", org=None, **kw):
    params = dict(problem="小麦条锈病防治与高产栽培技术指导", fields=["现代农业"], keywords=["小麦"], days_needed=30, year=2026)
    params.update(kw)
    return services.file_demand(actor=world.users[who], requester=org or world.enterprise_a, **params)


def test_demand_validation_and_ownership(world):
    with pytest.raises(ValidationError) as info:
        demand(world, problem="短", fields=[], days_needed=0)
    assert {"problem", "fields", "days_needed"} <= set(info.value.message_dict)
    with pytest.raises(PermissionDenied):
        demand(world, who="member_c")
    assert demand(world).region == world.county_a


def test_plan_assigns_by_field_and_explains(world, people):
    d1 = demand(world)
    d2 = demand(world, who="member_a2", org=world.enterprise_a2, fields=["电子信息"], keywords=["软件"], problem="工业软件开发与数据平台建设指导")
    plan = services.solve_plan(actor=world.users["province"], year=2026)
    pairs = {(a.talent_id, a.demand_id) for a in plan.assignments.all()}
    assert pairs == {(people["t1"].pk, d1.pk), (people["t2"].pk, d2.pk)}
    reasons = plan.assignments.get(demand=d1).reasons
    assert any("现代农业" in r for r in reasons)
    with pytest.raises(PermissionDenied):
        services.solve_plan(actor=world.users["county_a"], year=2026)
    forbidden = services.solve_plan(actor=world.users["province"], year=2026,
                                    constraints={"forbidden": [[str(people["t1"].pk), str(d1.pk)]]})
    assert not forbidden.assignments.filter(talent=people["t1"], demand=d1).exists()
    with pytest.raises(ValidationError) as info:
        services.solve_plan(actor=world.users["province"], year=2026, constraints={"min_per_county": 5})
    assert "370102" in " ".join(info.value.messages)


def test_logs_by_the_talent_confirmed_by_the_served_unit_then_assessed(world, people):
    d1 = demand(world)
    plan = services.solve_plan(actor=world.users["province"], year=2026)
    assignment = plan.assignments.get(demand=d1)
    with pytest.raises(ValidationError):  # not published yet
        services.log_visit(actor=people["user"], assignment=assignment, visited_on=datetime.date(2026, 3, 2), days=3,
                           content="田间指导条锈病防治")
    services.publish_plan(actor=world.users["province"], plan=plan)
    d1.refresh_from_db()
    assert d1.status == ServiceDemand.Status.ASSIGNED
    with pytest.raises(PermissionDenied):
        services.log_visit(actor=world.users["member_a"], assignment=assignment, visited_on=datetime.date(2026, 3, 2),
                           days=3, content="冒名填写")
    with pytest.raises(ValidationError) as info:  # one dated visit cannot log a month
        services.log_visit(actor=people["user"], assignment=assignment, visited_on=datetime.date(2026, 3, 2), days=30,
                           content="田间指导条锈病防治")
    assert "days" in info.value.message_dict
    log = services.log_visit(actor=people["user"], assignment=assignment, visited_on=datetime.date(2026, 3, 2),
                             visited_until=datetime.date(2026, 3, 31), days=30, content="田间指导条锈病防治")
    with pytest.raises(PermissionDenied):
        services.confirm_log(actor=people["user"], log=log, satisfaction=5)
    services.confirm_log(actor=world.users["member_a"], log=log, satisfaction=5)
    assert ServiceLog.objects.get(pk=log.pk).status == "confirmed"
    [assessment] = services.assess_year(actor=world.users["province"], year=2026)
    # No county evaluation yet: 服务成效 counts 0 and the row says it waits for the county.
    assert (assessment.service, assessment.satisfaction, assessment.effect) == (100, 100, 0)
    assert assessment.total == Decimal("80") and assessment.grade.startswith("良好") and assessment.awaiting_evaluation
    assert Assessment.objects.restrict(people["user"]).count() == 1
    assert Assignment.objects.restrict(people["user"]).count() == 1
    assert Assignment.objects.restrict(world.users["member_c"]).count() == 0


def test_a_talent_edits_only_their_own_profile(world, people):
    services.update_profile(actor=people["user"], talent=people["t1"], keywords=["小麦", "玉米"])
    with pytest.raises(PermissionDenied):
        services.update_profile(actor=people["user"], talent=people["t2"], capacity=9)
    with pytest.raises(ValidationError):
        services.update_profile(actor=people["user"], talent=people["t1"], home_unit=world.enterprise_a)


def test_workstation_review_clock_and_limits(world):
    app = WorkstationApplication.objects.create(host=world.enterprise_a, kind="academician", expert_name="张院士",
                                                expert_retired=False, other_stations=1, months_per_year=2,
                                                materials_complete=True)
    with pytest.raises(ValidationError) as info:
        services.review_workstation(actor=world.users["city_ab"], app=app, approve=True)
    text = " ".join(info.value.messages)
    assert "1 station" in text and "3 months" in text
    app.other_stations, app.months_per_year = 0, 4
    monday = datetime.date(2026, 9, 28)  # 国庆 / 中秋 holidays follow
    services.review_workstation(actor=world.users["city_ab"], app=app, approve=True, today=monday)
    assert app.province_due_on == add_working_days(monday, 7)
    assert app.province_due_on == datetime.date(2026, 10, 13)  # 10-01…10-07 are holidays, 10-10 a make-up day
    with pytest.raises(PermissionDenied):
        services.review_workstation(actor=world.users["city_ab"], app=app, approve=True)
    services.review_workstation(actor=world.users["province"], app=app, approve=True, today=datetime.date(2026, 10, 9))
    assert app.published_on == datetime.date(2026, 11, 5)
    assert app.publicity_ends_on == add_working_days(datetime.date(2026, 11, 5), 5)


def test_talent_scoping(world, people, client, api_client):
    d_a = demand(world)
    d_c = demand(world, who="member_c", org=world.enterprise_c)
    objects = {"a": d_a, "c": d_c}
    members = {"member_a": {"a"}, "member_c": {"c"}}
    world.assert_scoping(ServiceDemand, objects, members=members)
    world.assert_urls_scoped(api_client, lambda d: f"/api/talent/demands/{d.pk}/", objects, members=members)
    talents = Talent.objects.restrict(world.users["county_c"])
    assert set(talents) == {people["t1"], people["t2"]}  # sent from 市南区
    assert not Talent.objects.restrict(world.users["county_a"]).exists()


def test_commissioner_provider(world, people):
    from countyinno.talent.providers import commissioners_per_10k

    world.county_a.profile = {"facts": {"resident_population": {"value": 80.0}, "urban_population_census": {"value": 70.0}}}
    world.county_a.save()
    demand(world)
    plan = services.solve_plan(actor=world.users["province"], year=2026)
    assert commissioners_per_10k(world.county_a, 2026) is None  # draft plans do not count
    services.publish_plan(actor=world.users["province"], plan=plan)
    assert commissioners_per_10k(world.county_a, 2026) == pytest.approx(0.1)


def test_profile_page_saves_own_record_and_refuses_bad_values(world, people, client):
    client.force_login(people["user"])
    response = client.post("/talent/profile/", {"title": "研究员", "fields": ["现代农业", "电子信息"],
                                                "keywords": "小麦,玉米", "availability_days": "60", "capacity": "3"})
    assert response.status_code == 302
    people["t1"].refresh_from_db()
    assert people["t1"].capacity == 3 and people["t1"].keywords == ["小麦", "玉米"]
    bad = client.post("/talent/profile/", {"fields": [], "availability_days": "400", "capacity": "2"})
    text = bad.content.decode()
    assert bad.status_code == 400 and "must be at most 366" in text and 'value="400"' in text  # kept, beside the field
    empty = client.post("/talent/profile/", {"fields": [], "availability_days": "60", "capacity": "2"})
    assert empty.status_code == 400 and "at least one field" in empty.content.decode()
    people["t1"].refresh_from_db()
    assert people["t1"].availability_days == 60 and people["t1"].fields == ["现代农业", "电子信息"]  # nothing half-saved
    client.force_login(world.users["member_a"])
    assert client.get("/talent/profile/").status_code == 404
