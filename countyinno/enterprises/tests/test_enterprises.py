import datetime

import io

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from openpyxl import load_workbook

from countyinno.core import audit
from countyinno.core.actions import ActionRefused
from countyinno.core.models import AuditLogEntry
from countyinno.enterprises import assessments, services
from countyinno.enterprises.models import Certificate, Enterprise, EnterpriseYear, PoolMembership

YEAR = {"sales": 3000, "total_income": 3100, "hightech_income": 2200, "total_assets": 4000, "net_assets": 1500,
        "total_cost": 2600, "staff_total": 80, "st_staff": 12, "rd_personnel": 60, "rd_direct_inputs": 25,
        "rd_depreciation": 5, "rd_design": 3, "ip_class_1": 1, "ip_class_2": 4, "conversions": 3}


def make_enterprise(organisation, size="small"):
    return Enterprise.objects.create(organisation=organisation, industry="C3911", size=size,
                                     founded=datetime.date(2015, 5, 1), domain="电子信息")


@pytest.fixture
def firms(world):
    return {"a": make_enterprise(world.enterprise_a), "a2": make_enterprise(world.enterprise_a2, size="medium"),
            "c": make_enterprise(world.enterprise_c)}


def test_yearly_figures_are_validated_per_field_and_saved_all_or_nothing(world, firms):
    bad = dict(YEAR, staff_total=-3, st_staff=200, sales="很多")
    with pytest.raises(ValidationError) as info:
        services.save_year(actor=world.users["member_a"], enterprise=firms["a"], year=2023, values=bad)
    errors = info.value.message_dict
    assert {"staff_total", "sales"} <= set(errors) and all(" / " in m for ms in errors.values() for m in ms)
    with pytest.raises(ValidationError) as info:
        services.save_year(actor=world.users["member_a"], enterprise=firms["a"], year=2023,
                           values=dict(YEAR, st_staff=81))
    assert "st_staff" in info.value.message_dict
    assert not EnterpriseYear.objects.exists()
    services.save_year(actor=world.users["member_a"], enterprise=firms["a"], year=2023, values=YEAR)
    assert EnterpriseYear.objects.get().rd_total == 93


def test_members_edit_only_their_own_enterprise(world, firms):
    with pytest.raises(PermissionDenied):
        services.save_year(actor=world.users["member_a"], enterprise=firms["a2"], year=2023, values=YEAR)
    with pytest.raises(PermissionDenied):
        services.save_year(actor=world.users["county_b"], enterprise=firms["a"], year=2023, values=YEAR)
    services.save_year(actor=world.users["county_a"], enterprise=firms["a"], year=2023, values=YEAR)


def test_gap_report_names_the_missing_amounts(world, firms):
    for year, sales in ((2021, 2500), (2022, 2800), (2023, 3000)):
        services.save_year(actor=world.users["member_a"], enterprise=firms["a"], year=year, values=dict(YEAR, sales=sales))
    report = assessments.HIGHTECH.assess_stored(firms["a"])
    reasons = " ".join(f["why"] for f in report.failures)
    assert report.verdict == "FAIL" and report.verdict_label == "未通过"
    assert "3.3" in reasons and "5%" in reasons  # R&D intensity ≈ 3.3 % vs 5 % needed at this size
    assert any("研发费用" in tip and "万元" in tip for tip in report.improvements)
    row = next(r for r in report.rows if r.name == "近三年研发费用占销售收入比例")
    assert row.value.startswith("3.3") and "%" in row.value and "万元" in row.value and row.result == "不满足"


def test_pool_nomination_rules(world, firms):
    with pytest.raises(PermissionDenied):
        services.nominate(actor=world.users["county_b"], enterprise=firms["a"], year=2024)
    with pytest.raises(ValidationError):
        services.nominate(actor=world.users["county_a"], enterprise=firms["a2"], year=2024)  # medium size
    membership = services.nominate(actor=world.users["county_a"], enterprise=firms["a"], year=2024)
    assert membership.region == world.county_a and membership.status == "active"
    with pytest.raises(ValidationError):
        services.nominate(actor=world.users["county_a"], enterprise=firms["a"], year=2024)


def test_certificate_graduates_and_progress_counts_it(world, firms):
    services.nominate(actor=world.users["county_a"], enterprise=firms["a"], year=2021)
    services.nominate(actor=world.users["county_c"], enterprise=firms["c"], year=2021)
    services.add_certificate(actor=world.users["county_a"], enterprise=firms["a"], kind="hightech",
                             number="GR202237000001", issued=datetime.date(2022, 11, 30),
                             valid_until=datetime.date(2025, 11, 30))
    assert PoolMembership.objects.get(enterprise=firms["a"]).graduated_year == 2022
    progress = services.pool_progress(world.users["province"], today=datetime.date(2023, 6, 1))
    assert progress["graduates"] == 1 and progress["members"] == 2 and progress["target"] == 1000
    assert [c["graduates"] for c in progress["cumulative"]] == [0, 0, 1, 1]
    assert progress["projection"] == [{"year": 2024, "graduates": 1}]
    assert services.pool_progress(world.users["county_c"], today=datetime.date(2023, 6, 1))["graduates"] == 0
    with pytest.raises(PermissionDenied):
        services.add_certificate(actor=world.users["member_c"], enterprise=firms["c"], kind="hightech",
                                 number="X", issued=datetime.date(2022, 1, 1), valid_until=datetime.date(2025, 1, 1))


def test_enterprise_scoping(world, firms, client, api_client):
    objects = {"a": firms["a"], "c": firms["c"]}
    members = {"member_a": {"a"}, "member_c": {"c"}}
    world.assert_scoping(Enterprise, objects, members=members)
    # restrict() and the predicates are one rule: members edit their own firm's figures; only admins nominate.
    world.assert_scoping(Enterprise, objects, members=members, action="change")
    world.assert_scoping(Enterprise, objects, action="nominate")
    world.assert_scoping(Enterprise, objects, action="certify")
    world.assert_urls_scoped(client, lambda e: f"/enterprises/{e.pk}/", objects, members=members)
    world.assert_urls_scoped(api_client, lambda e: f"/api/enterprises/enterprises/{e.pk}/", objects, members=members)
    with audit.system("test fixture"):
        years = {k: services.save_year(actor=None, enterprise=e, year=2023, values=YEAR) for k, e in objects.items()}
    world.assert_scoping(EnterpriseYear, years, members=members)
    assert not Enterprise.objects.restrict(world.users["member_a"]).filter(pk=firms["a2"].pk).exists()


def test_platform_providers_prefill_the_monitoring_survey(world, firms):
    from countyinno.monitoring import services as monitoring
    from countyinno.monitoring.tests.conftest import open_campaign

    Certificate.objects.create(enterprise=firms["a"], kind="hightech", number="GR1", issued=datetime.date(2022, 11, 1),
                               valid_until=datetime.date(2025, 11, 1))
    with audit.system("test fixture"), audit.bulk("test fixture"):
        framework = monitoring.publish_framework(actor=None, framework=monitoring.create_framework(
            actor=None, code="P", name="p", rows=monitoring.default_framework_rows()))
        campaign = open_campaign(world, framework, 2023)
    value = campaign.submissions.get(region=world.county_a).values.get(node__code="HTE_COUNT")
    assert value.value == 1 and value.source == "platform"
    assert not campaign.submissions.get(region=world.county_b).values.filter(node__code="HTE_COUNT").exists()


def test_pool_page_for_county_and_gap_report_page_for_member(world, firms, client):
    services.save_year(actor=world.users["member_a"], enterprise=firms["a"], year=2023, values=YEAR)
    services.nominate(actor=world.users["county_a"], enterprise=firms["a"], year=2023)
    client.force_login(world.users["county_a"])
    page = client.get("/enterprises/pool/").content.decode()
    assert "测试企业甲" in page and "测试企业丙" not in page
    client.force_login(world.users["member_a"])
    response = client.get("/enterprises/", follow=True)
    assert response.redirect_chain[-1][0] == f"/enterprises/{firms['a'].pk}/"
    assert 'id="verdict-hightech"' in response.content.decode()
    client.force_login(world.users["member_c"])
    assert client.get("/enterprises/pool/").status_code == 404


def test_saved_figures_are_audited_with_actor_and_action(world, firms):
    record = services.save_year(actor=world.users["member_a"], enterprise=firms["a"], year=2023, values=YEAR)
    services.save_year(actor=world.users["county_a"], enterprise=firms["a"], year=2023, values=dict(YEAR, sales=3300))
    entries = AuditLogEntry.objects.filter(content_type=ContentType.objects.get_for_model(EnterpriseYear),
                                           object_id=str(record.pk)).order_by("id")
    assert [(e.action, e.actor, e.operation) for e in entries] == [
        ("create", world.users["member_a"], "enterprises.save_year"),
        ("update", world.users["county_a"], "enterprises.save_year")]
    assert entries.last().changes["sales"] == ["3000.0000", "3300.0000"]  # exact decimals, to the yuan
    assert entries.last().region_id == world.county_a.pk
    with pytest.raises(ActionRefused):
        services.save_year(actor=None, enterprise=firms["a"], year=2022, values=YEAR)  # no actor outside system()
    with pytest.raises(ActionRefused):
        services.save_year(actor=world.users["talent_a"], enterprise=firms["a"], year=2022, values=YEAR)
    assert not EnterpriseYear.objects.filter(year=2022).exists()


def test_city_and_province_admins_nominate_within_their_area(world, firms):
    with pytest.raises(ActionRefused):
        services.nominate(actor=world.users["city_c"], enterprise=firms["a"], year=2024)
    with pytest.raises(ActionRefused):
        services.nominate(actor=world.users["member_a"], enterprise=firms["a"], year=2024)  # not its own firm
    assert services.nominate(actor=world.users["city_ab"], enterprise=firms["a"], year=2024).nominated_by == \
        world.users["city_ab"]
    assert services.nominate(actor=world.users["province"], enterprise=firms["c"], year=2024).region == world.county_c
    denied = AuditLogEntry.objects.filter(action="denied", operation="enterprises.nominate")
    assert {e.actor for e in denied} == {world.users["city_c"], world.users["member_a"]}
    assert all(e.region_id == world.county_a.pk for e in denied)


def test_graduation_needs_a_hightech_certificate_of_that_year(world, firms):
    membership = services.nominate(actor=world.users["county_a"], enterprise=firms["a"], year=2021)
    with pytest.raises(ValidationError):
        services.graduate(actor=world.users["county_a"], membership=membership, year=2023)
    Certificate.objects.create(enterprise=firms["a"], kind="hightech", number="GR202337000009",
                               issued=datetime.date(2023, 11, 30), valid_until=datetime.date(2026, 11, 30))
    with pytest.raises(ActionRefused):
        services.graduate(actor=world.users["county_c"], membership=membership, year=2023)
    membership.refresh_from_db()
    assert membership.status == "active"
    services.graduate(actor=world.users["county_a"], membership=membership, year=2023)
    membership.refresh_from_db()
    assert (membership.status, membership.graduated_year) == ("graduated", 2023)
    state = AuditLogEntry.objects.get(action="state", operation="enterprises.graduate")
    assert state.after == {"state": "graduated"} and state.comment == "GR202337000009"
    with pytest.raises(ActionRefused):  # graduated members are no longer active: nothing left to graduate
        services.graduate(actor=world.users["county_a"], membership=membership, year=2023)


def test_certificates_are_recorded_by_bureaus_and_graduate_through_the_declared_action(world, firms):
    services.nominate(actor=world.users["county_a"], enterprise=firms["a"], year=2021)
    with pytest.raises(ActionRefused):
        services.add_certificate(actor=world.users["member_a"], enterprise=firms["a"], kind="hightech",
                                 number="GR1", issued=datetime.date(2022, 11, 30), valid_until=datetime.date(2025, 11, 30))
    assert not Certificate.objects.exists()
    services.add_certificate(actor=world.users["city_ab"], enterprise=firms["a"], kind="hightech",
                             number="GR1", issued=datetime.date(2022, 11, 30), valid_until=datetime.date(2025, 11, 30))
    with pytest.raises(ValidationError):  # the same number twice is a clear error, not a database crash
        services.add_certificate(actor=world.users["city_ab"], enterprise=firms["a"], kind="hightech",
                                 number="GR1", issued=datetime.date(2022, 11, 30), valid_until=datetime.date(2025, 11, 30))
    assert AuditLogEntry.objects.filter(action="create", operation="enterprises.add_certificate",
                                        actor=world.users["city_ab"]).exists()
    assert AuditLogEntry.objects.filter(action="state", operation="enterprises.graduate",
                                        actor=world.users["city_ab"]).exists()


def test_excel_export_is_scoped_and_recorded(world, firms, client):
    client.force_login(world.users["county_a"])
    response = client.get("/enterprises/export.xlsx?size=small")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    names = [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert names == ["测试企业甲"]  # 乙 is medium, 丙 is in another county
    entry = AuditLogEntry.objects.get(action="export")
    assert entry.actor == world.users["county_a"] and entry.region_id == world.county_a.pk
    assert entry.content_type == ContentType.objects.get_for_model(Enterprise)
    assert entry.after["rows"] == 1 and entry.after["filters"] == {"size": "small"}
    client.force_login(world.users["province"])
    client.get("/enterprises/export.xlsx")
    assert AuditLogEntry.objects.filter(action="export", actor=world.users["province"]).get().after["rows"] == 3


def test_refused_page_actions_change_nothing_and_are_audited(world, firms, client):
    client.force_login(world.users["member_a"])
    page = client.get(f"/enterprises/{firms['a'].pk}/").content.decode()
    assert 'id="year-form"' in page and 'id="nominate"' not in page
    assert "/enterprises/pool/" not in client.get("/enterprises/", follow=True).content.decode()
    response = client.post(f"/enterprises/{firms['a'].pk}/nominate/", follow=True)  # visible, not allowed
    assert response.redirect_chain[-1] == (f"/enterprises/{firms['a'].pk}/", 302)
    assert "无权执行该操作 / you may not do this" in response.content.decode()
    assert not PoolMembership.objects.exists()
    assert AuditLogEntry.objects.filter(action="denied", operation="enterprises.nominate",
                                        actor=world.users["member_a"]).count() == 1
    client.force_login(world.users["member_a2"])  # someone else's firm: outside scope, 404
    assert client.post(f"/enterprises/{firms['a'].pk}/years/", dict(YEAR, year=2023)).status_code == 404
    client.force_login(world.users["county_b"])
    assert client.post(f"/enterprises/{firms['a'].pk}/nominate/").status_code == 404
    assert not EnterpriseYear.objects.exists() and not PoolMembership.objects.exists()

    client.force_login(world.users["county_a"])
    page = client.get(f"/enterprises/{firms['a'].pk}/").content.decode()
    assert 'id="nominate"' in page and 'id="year-form"' in page
    assert 'id="nominate"' not in client.get(f"/enterprises/{firms['a2'].pk}/").content.decode()  # medium size
    client.post(f"/enterprises/{firms['a'].pk}/nominate/")
    assert PoolMembership.objects.get().nominated_by == world.users["county_a"]
    assert 'id="nominate"' not in client.get(f"/enterprises/{firms['a'].pk}/").content.decode()
