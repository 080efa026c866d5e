"""The talent app's one write path: dispatch plans solved as a background job outside any transaction,
published with one audit entry per object, the province taken from the actor, talents acting as persons."""

import datetime

import pytest
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.db.models.signals import post_save

from countyinno.core import audit, jobs
from countyinno.core.models import AuditLogEntry, Job
from countyinno.regions.models import Region
from countyinno.talent import services
from countyinno.talent.models import Assignment, DispatchPlan, ServiceDemand, Talent, WorkstationApplication
from countyinno.talent.permissions import can_edit_profile, can_log_visit

YEAR = 2026


def entries(model, **filters):
    return AuditLogEntry.objects.filter(content_type=ContentType.objects.get_for_model(model), **filters)


def pool(world):
    """Two commissioners and two demands of county A (of two firms)."""
    Talent.objects.create(name="王研究员", home_unit=world.enterprise_c, fields=["现代农业"], keywords=["小麦"],
                          programmes=["commissioner"])
    Talent.objects.create(name="李教授", home_unit=world.enterprise_c, fields=["电子信息"], keywords=["软件"],
                          programmes=["commissioner"])
    d1 = services.file_demand(actor=world.users["member_a"], requester=world.enterprise_a, problem="小麦条锈病防治技术指导",
                              fields=["现代农业"], keywords=["小麦"], days_needed=30, year=YEAR)
    d2 = services.file_demand(actor=world.users["member_a2"], requester=world.enterprise_a2,
                              problem="工业软件开发与数据平台建设指导", fields=["电子信息"], keywords=["软件"], days_needed=20,
                              year=YEAR)
    return d1, d2


def test_publishing_a_plan_audits_the_plan_and_every_demand(world):
    d1, d2 = pool(world)
    province = world.users["province"]
    plan = services.solve_plan(actor=province, year=YEAR)
    created = entries(Assignment, action="create", object_id__in=[str(a.pk) for a in plan.assignments.all()])
    assert created.count() == 2 == plan.assignments.count()
    assert set(created.values_list("operation", "actor")) == {("talent.save_plan", province.pk)}
    assert entries(DispatchPlan, action="create", object_id=str(plan.pk), operation="talent.save_plan",
                   actor=province).exists()

    services.publish_plan(actor=province, plan=plan)
    state = entries(DispatchPlan, action="state", object_id=str(plan.pk))
    assert state.count() == 1
    assert (state.get().operation, state.get().actor, state.get().after) == ("talent.publish_plan", province,
                                                                             {"state": "published"})
    demand_updates = entries(ServiceDemand, action="update", operation="talent.publish_plan")
    assert sorted(demand_updates.values_list("object_id", flat=True)) == sorted([str(d1.pk), str(d2.pk)])
    for entry in demand_updates:
        assert entry.actor == province and entry.changes["status"] == ["open", "assigned"]
        assert entry.region_id == world.county_a.pk  # scoped like the demand
    assert set(ServiceDemand.objects.values_list("status", flat=True)) == {"assigned"}


def test_the_page_solves_the_plan_as_a_background_job(world, client):
    assert settings.JOB_BACKEND == "sync"
    pool(world)
    province = world.users["province"]
    client.force_login(province)
    response = client.post("/talent/plans/solve/", {"year": str(YEAR), "min_per_county": "1"})
    job = Job.objects.get(kind="talent.solve_plan")
    assert response.status_code == 302 and response["Location"] == f"/jobs/{job.pk}/"
    assert job.status == Job.Status.SUCCEEDED, job.error
    assert job.created_by == province and job.region == world.province and job.params["province"] == world.province.code
    plan = DispatchPlan.objects.get(pk=job.result["plan_id"])
    assert (plan.created_by, plan.province, plan.constraints["min_per_county"]) == (province, world.province, 1)
    assert job.result["assigned"] == plan.assignments.count() == 2
    assert entries(DispatchPlan, action="create", object_id=str(plan.pk), operation="talent.save_plan",
                   actor=province).exists()
    assert entries(Assignment, action="create", operation="talent.save_plan", actor=province).count() == 2
    page = client.get(response["Location"]).content.decode()
    assert f'href="/talent/plans/{plan.pk}/"' in page and 'id="job-next"' in page


def test_a_failed_solve_fails_the_job_with_the_reason(world, client):
    pool(world)
    client.force_login(world.users["province"])
    client.post("/talent/plans/solve/", {"year": str(YEAR), "min_per_county": "5"})
    job = Job.objects.get(kind="talent.solve_plan")
    assert job.status == Job.Status.FAILED and "370102" in job.error
    assert not DispatchPlan.objects.exists()


def test_a_county_may_not_solve_and_its_attempt_is_audited(world, client):
    pool(world)
    county = world.users["county_a"]
    client.force_login(county)
    assert 'id="solve-form"' not in client.get("/talent/").content.decode()
    response = client.post("/talent/plans/solve/", {"year": str(YEAR)}, follow=True)
    assert response.redirect_chain[-1][0] == "/talent/"
    assert "you may not do this" in response.content.decode()
    assert not Job.objects.filter(kind="talent.solve_plan").exists() and not DispatchPlan.objects.exists()
    assert AuditLogEntry.objects.filter(action="denied", actor=county, operation="talent.solve_plan").count() == 1
    client.force_login(world.users["province"])
    assert 'id="solve-form"' in client.get("/talent/").content.decode()


@pytest.mark.django_db(transaction=True)
def test_the_solve_runs_outside_any_transaction_and_only_the_save_inside(world):
    pool(world)
    steps, saves = [], []

    def progress(fraction, message):
        steps.append((message.split(" ")[0], connection.in_atomic_block))

    def saved(sender, instance, created, **kwargs):
        saves.append(connection.in_atomic_block)

    post_save.connect(saved, sender=DispatchPlan, dispatch_uid="test-plan-saved")
    try:
        services.solve_plan(actor=world.users["province"], year=YEAR, progress=progress)
    finally:
        post_save.disconnect(dispatch_uid="test-plan-saved", sender=DispatchPlan)
    assert [name for name, _ in steps] == ["构建实例", "求解", "保存方案"]
    assert not any(atomic for _, atomic in steps)  # building and solving hold no transaction
    assert saves == [True]  # the plan is saved inside the declared action's transaction


def test_the_province_comes_from_the_actor_or_for_system_runs_a_parameter(world):
    pool(world)
    with pytest.raises(PermissionDenied):
        services.solve_plan(actor=None, year=YEAR, province=world.province)  # no actor outside system()
    with audit.system("test system run"), pytest.raises(ValidationError):
        services.solve_plan(actor=None, year=YEAR)  # a system run must say which province
    with audit.system("test system run"):
        plan = services.solve_plan(actor=None, year=YEAR, province=world.province)
    assert plan.province == world.province and plan.created_by is None
    assert entries(DispatchPlan, object_id=str(plan.pk), action="create").get().actor_name == "system:test system run"
    with pytest.raises(ValidationError):
        services.solve_plan(actor=world.users["province"], year=YEAR, province=world.county_a)  # not its own
    other = Region.objects.create(code="320000", name="江苏省", level=Region.Level.PROVINCE)
    with pytest.raises(ValidationError):
        services.solve_plan(actor=world.users["province"], year=YEAR, province=other)
    assert services.solve_plan(actor=world.users["province"], year=YEAR).province == world.province


def test_a_job_without_a_user_is_a_system_run_for_the_named_province(world):
    pool(world)
    job = jobs.submit("talent.solve_plan", {"year": YEAR, "province": world.province.code}, backend="sync")
    assert job.status == Job.Status.SUCCEEDED, job.error
    plan = DispatchPlan.objects.get(pk=job.result["plan_id"])
    assert plan.province == world.province
    assert set(entries(Assignment, action="create").values_list("actor_name", flat=True)) == {
        "system:job talent.solve_plan"}


def test_individual_talents_act_as_persons(world):
    talent_user = world.users["talent_a"]
    talent = Talent.objects.create(name="孙研究员", home_unit=world.enterprise_a, user=talent_user, fields=["现代农业"],
                                   programmes=["commissioner"])
    assert can_edit_profile(talent_user, talent) and can_edit_profile(world.users["county_a"], talent)
    assert not can_edit_profile(world.users["member_a"], talent)  # a colleague of the home unit
    assert set(Talent.objects.restrict(world.users["member_a"], "change")) == set()
    assert set(Talent.objects.restrict(talent_user, "change")) == {talent}
    demand = ServiceDemand.objects.create(requester=world.enterprise_a, region=world.county_a, year=YEAR,
                                          problem="小麦条锈病防治技术指导", fields=["现代农业"])
    plan = DispatchPlan.objects.create(year=YEAR, province=world.province, status="published")
    assignment = Assignment.objects.create(plan=plan, talent=talent, demand=demand)
    assert can_log_visit(talent_user, assignment) and not can_log_visit(world.users["member_a"], assignment)
    with pytest.raises(PermissionDenied):  # a talent files no demands for an organisation
        services.file_demand(actor=talent_user, requester=world.enterprise_a, problem="以单位名义申报的需求",
                             fields=["现代农业"], keywords=[], days_needed=10, year=YEAR)
    log = services.log_visit(actor=talent_user, assignment=assignment, visited_on=datetime.date(2026, 3, 2), days=1,
                             content="现场技术指导")
    with pytest.raises(PermissionDenied):
        services.confirm_log(actor=talent_user, log=log, satisfaction=5)


def test_refused_review_on_a_visible_application_is_a_message_and_audited(world, client):
    app = WorkstationApplication.objects.create(host=world.enterprise_a, kind="expert", expert_name="钱教授",
                                                months_per_year=4, materials_complete=True)
    county = world.users["county_a"]
    client.force_login(county)
    assert "钱教授" in client.get("/talent/workstations/").content.decode()
    page = client.get(f"/talent/workstations/{app.pk}/").content.decode()
    assert "钱教授" in page and 'name="approve"' not in page  # visible, but no buttons
    response = client.post(f"/talent/workstations/{app.pk}/review/", {"approve": "1"}, follow=True)
    assert response.redirect_chain[-1] == (f"/talent/workstations/{app.pk}/", 302)
    assert "you may not do this" in response.content.decode()
    app.refresh_from_db()
    assert app.status == "submitted"
    assert entries(WorkstationApplication, action="denied", actor=county, operation="talent.review_workstation",
                   object_id=str(app.pk)).count() == 1
    client.force_login(world.users["city_c"])  # another city: the application is out of scope
    assert client.post(f"/talent/workstations/{app.pk}/review/", {"approve": "1"}).status_code == 404
    client.force_login(world.users["city_ab"])
    assert 'name="approve"' in client.get(f"/talent/workstations/{app.pk}/").content.decode()
    client.post(f"/talent/workstations/{app.pk}/review/", {"approve": "1"})
    app.refresh_from_db()
    assert app.status == "city_approved"
