import datetime
import io
import itertools
import threading
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection

from countyinno.contracts import services
from countyinno.contracts.models import RegistrationPoint, TechContract
from countyinno.core.validators import make_credit_code

from .factories import contract_data


@pytest.fixture
def points(world):
    return {"a": RegistrationPoint.objects.create(region=world.county_a, code="02", name="历下区登记点"),
            "city": RegistrationPoint.objects.create(region=world.city_ab, code="01", name="济南市登记处"),
            "c": RegistrationPoint.objects.create(region=world.county_c, code="02", name="市南区登记点")}


_serial = itertools.count(1)


def apply(world, points, key="a", **overrides):
    """Each call files a different deal (one contract is registered once: the same deal twice is refused)."""
    overrides.setdefault("project_name", f"节能电机控制技术开发（{next(_serial)}）")
    return services.apply(actor=world.users["member_a"], seller=world.enterprise_a, point=points[key],
                          data=contract_data(**overrides))


def test_application_outside_the_sellers_region_is_refused(world, points):
    with pytest.raises(ValidationError) as info:
        apply(world, points, key="c")
    assert "point" in info.value.message_dict and "370102" in info.value.message_dict["point"][0]
    with pytest.raises(PermissionDenied):
        services.apply(actor=world.users["member_c"], seller=world.enterprise_a, point=points["a"],
                       data=contract_data())
    assert not TechContract.objects.exists()
    assert apply(world, points, key="city").technical_amount == 260  # the city point also serves its counties


def test_register_issues_a_number_and_due_date(world, points):
    contract = apply(world, points)
    assert contract.due_on == datetime.date.today() + datetime.timedelta(days=30)
    registered = services.register(actor=world.users["county_a"], contract=contract)
    year = datetime.date.today().year % 100
    assert registered.registration_number == f"{year:02d}370102000001"
    with pytest.raises(ValidationError):
        services.register(actor=world.users["county_a"], contract=contract)
    with pytest.raises(PermissionDenied):
        services.register(actor=world.users["member_a"], contract=apply(world, points))


def test_failing_contract_can_only_be_refused_with_reasons(world, points):
    bad = contract_data(buyer={"name": "买方", "credit_code": "91370783BUYER00010", "area_code": "370783"},
                        non_technical_costs={"equipment": 400})
    contract = services.apply(actor=world.users["member_a"], seller=world.enterprise_a, point=points["a"], data=bad)
    assert {f["rule"] for f in contract.verdict["failed"]} >= {"C11", "C13"}
    with pytest.raises(ValidationError):
        services.register(actor=world.users["county_a"], contract=contract)
    refused = services.refuse(actor=world.users["county_a"], contract=contract)
    assert refused.status == "refused" and len(refused.refusal_reasons) >= 2 and refused.registration_number is None


def test_payments_stay_within_the_total(world, points):
    contract = services.register(actor=world.users["county_a"], contract=apply(world, points))
    services.record_payment(actor=world.users["member_a"], contract=contract, paid_on=datetime.date(2026, 3, 1), amount=200)
    with pytest.raises(ValidationError):
        services.record_payment(actor=world.users["member_a"], contract=contract, paid_on=datetime.date(2026, 4, 1),
                                amount=150)


def test_statistics_and_provider_follow_registrations(world, points):
    from countyinno.contracts.providers import turnover_share_of_gdp

    world.county_a.profile = {"facts": {"gdp": {"value": 2000.0, "year": 2022}}}
    world.county_a.save()
    assert turnover_share_of_gdp(world.county_a, 2026) is None
    services.register(actor=world.users["county_a"], contract=apply(world, points))
    stats = services.statistics(world.users["city_ab"], 2026)
    assert stats["total_amount"] == Decimal(260) and stats["by_county"][0]["seller__region__code"] == "370102"
    assert services.statistics(world.users["county_c"], 2026)["count"] == 0
    assert turnover_share_of_gdp(world.county_a, 2026) == pytest.approx(100 * 260 / 2000e4)


def test_agency_rewards_exclude_related_party_and_cap(world, points):
    from countyinno.accounts.models import Organisation, User

    agency = Organisation.objects.create(name="济南技术转移中心（测试）", kind="agency", region=world.city_ab,
                                         credit_code=make_credit_code("9", "1", "370100", "AGENCY001"))
    brokered = contract_data(agency={"name": agency.name, "credit_code": agency.credit_code}, total_amount=20000,
                             non_technical_costs={})
    first = services.register(actor=world.users["county_a"], contract=apply(world, points, **brokered))
    second = services.register(actor=world.users["county_a"],
                               contract=apply(world, points, **dict(brokered, related_party=True, project_name="关联方技术开发")))
    assert services.agency_rewards(2026) == []  # until the agency confirms, the references count for nothing
    member = User.objects.create(username="t-agency-jn", role="org_member", organisation=agency)
    for contract in (first, second):
        services.answer_reference(actor=member, contract=contract, confirm=True)
    rows = services.agency_rewards(2026)
    assert len(rows) == 1 and rows[0]["brokered_amount"] == 20000 and rows[0]["contracts"] == 1
    assert rows[0]["reward"] == 100 and rows[0]["meets_filing_threshold"]  # 1 % capped at 100 万元


def test_contract_scoping(world, points, client, api_client):
    a = apply(world, points)
    c = services.apply(actor=world.users["member_c"], seller=world.enterprise_c, point=points["c"], data=contract_data())
    objects = {"a": a, "c": c}
    members = {"member_a": {"a"}, "member_c": {"c"}}
    world.assert_scoping(TechContract, objects, members=members)
    world.assert_urls_scoped(client, lambda x: f"/contracts/{x.pk}/", objects, members=members)
    world.assert_urls_scoped(api_client, lambda x: f"/api/contracts/contracts/{x.pk}/", objects, members=members)


def test_certificate_pdf_has_the_number_in_chinese(world, points, client):
    from pypdf import PdfReader

    contract = services.register(actor=world.users["county_a"], contract=apply(world, points))
    client.force_login(world.users["member_a"])
    pdf = client.get(f"/contracts/{contract.pk}/certificate.pdf")
    text = PdfReader(io.BytesIO(pdf.content)).pages[0].extract_text()
    assert "技术合同登记证明" in text and contract.registration_number in text
    # The download is an export: who, which certificate, as PDF.
    from countyinno.core.models import AuditLogEntry

    entry = AuditLogEntry.objects.get(action="export")
    assert entry.actor == world.users["member_a"] and entry.after["format"] == "pdf" and entry.after["rows"] == 1
    assert entry.after["filters"]["registration_number"] == contract.registration_number


def test_api_check_endpoint(world, api_client):
    api_client.force_authenticate(world.users["member_a"])
    data = contract_data(seller={"name": "卖方", "credit_code": make_credit_code("9", "1", "370102", "MA3C00009"),
                                 "area_code": "370102"})
    response = api_client.post("/api/contracts/contracts/check/", data, format="json")
    assert response.status_code == 200 and response.json()["registrable"]
    bad = api_client.post("/api/contracts/contracts/check/", {"category": "x"}, format="json")
    assert bad.status_code == 400


@pytest.mark.django_db(transaction=True)
def test_numbers_stay_unique_under_50_concurrent_registrations(shandong):
    from countyinno.accounts.testing import ScopeWorld

    world = ScopeWorld.build()
    point = RegistrationPoint.objects.create(region=world.county_a, code="02", name="历下区登记点")
    contracts = [services.apply(actor=world.users["member_a"], seller=world.enterprise_a, point=point,
                                data=contract_data(project_name=f"并发登记项目{n}")) for n in range(50)]
    errors, barrier = [], threading.Barrier(50)
    admin = world.users["county_a"]

    def register(contract):
        try:
            barrier.wait(timeout=30)
            services.register(actor=admin, contract=contract)  # the counter's row lock is taken inside the action
        except Exception as exc:  # collected and asserted below
            errors.append(repr(exc))
        finally:
            connection.close()

    threads = [threading.Thread(target=register, args=(c,)) for c in contracts]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors, errors[:3]
    numbers = list(TechContract.objects.values_list("registration_number", flat=True))
    assert len(numbers) == 50 and len(set(numbers)) == 50
    serials = sorted(int(n[-6:]) for n in numbers)
    assert serials == list(range(1, 51))
    # Every number issued is audited on the counter, by the declared action, naming the admin.
    from countyinno.core.models import AuditLogEntry

    issued = AuditLogEntry.objects.filter(operation="contracts.register_contract",
                                          content_type__model="registrationcounter", action="update")
    assert issued.count() == 50 and set(issued.values_list("actor_id", flat=True)) == {admin.pk}


# ------------------------------------------------------------------ one write path: predicates, refusals, audit
def _denied(operation, user):
    from countyinno.core.models import AuditLogEntry

    return AuditLogEntry.objects.filter(action="denied", operation=operation, actor=user)


def test_only_the_sellers_members_apply(world, points):
    from countyinno.contracts.permissions import can_apply_contract

    for who in ("county_a", "city_ab", "member_c"):  # admins over the seller's county no longer apply in its name
        with pytest.raises(PermissionDenied):
            services.apply(actor=world.users[who], seller=world.enterprise_a, point=points["a"], data=contract_data())
        assert _denied("contracts.apply_contract", world.users[who]).count() == 1
    assert not TechContract.objects.exists()
    assert can_apply_contract(world.users["member_a"], world.enterprise_a)
    assert not can_apply_contract(world.users["member_a"], world.enterprise_a2)


def test_a_closed_point_takes_no_applications(world, points):
    points["a"].is_active = False
    points["a"].save()
    with pytest.raises(ValidationError) as info:
        apply(world, points)
    assert "point" in info.value.message_dict and not TechContract.objects.exists()


def test_the_points_admins_and_staff_decide(world, points):
    from countyinno.contracts.permissions import can_decide_contract

    at_county, at_city = apply(world, points), apply(world, points, key="city")
    # County A's admin decides at its own point, not at the city's; the city admin decides at both.
    assert can_decide_contract(world.users["county_a"], at_county)
    assert not can_decide_contract(world.users["county_a"], at_city)
    assert can_decide_contract(world.users["city_ab"], at_city)
    assert can_decide_contract(world.users["city_ab"], at_county)
    for who in ("member_a", "county_b", "city_c", "talent_a"):
        assert not can_decide_contract(world.users[who], at_county), who
    # The queryset asks the same rule.
    assert set(TechContract.objects.restrict(world.users["county_a"], "decide")) == {at_county}
    assert set(TechContract.objects.restrict(world.users["city_ab"], "decide")) == {at_county, at_city}
    assert not TechContract.objects.restrict(world.users["member_a"], "decide").exists()

    with pytest.raises(PermissionDenied):
        services.register(actor=world.users["county_a"], contract=at_city)
    at_city.refresh_from_db()
    assert at_city.status == "submitted" and at_city.registration_number is None
    assert _denied("contracts.register_contract", world.users["county_a"]).filter(object_id=str(at_city.pk)).exists()

    # Appointed as the city point's staff (by the city), county A's admin may decide there too.
    services.set_point_staff(actor=world.users["city_ab"], point=points["city"], staff=[world.users["county_a"]])
    registered = services.register(actor=world.users["county_a"], contract=at_city)
    assert registered.decided_by == world.users["county_a"] and registered.registration_number[6:8] == "01"


def test_point_staff_are_appointed_by_the_city_and_audited(world, points):
    from django.contrib.contenttypes.models import ContentType

    from countyinno.core.models import AuditLogEntry

    with pytest.raises(PermissionDenied):  # a county does not appoint its own point's staff
        services.set_point_staff(actor=world.users["county_a"], point=points["a"], staff=[world.users["county_a"]])
    with pytest.raises(ValidationError):  # nor may a city appoint people of another city
        services.set_point_staff(actor=world.users["city_ab"], point=points["a"], staff=[world.users["county_c"]])
    assert not points["a"].staff.exists()
    services.set_point_staff(actor=world.users["city_ab"], point=points["a"], staff=[world.users["county_a"]])
    assert list(points["a"].staff.all()) == [world.users["county_a"]]
    entry = AuditLogEntry.objects.get(content_type=ContentType.objects.get_for_model(RegistrationPoint),
                                      object_id=str(points["a"].pk), operation="contracts.set_point_staff",
                                      action="update")
    assert entry.actor == world.users["city_ab"] and entry.region_id == world.county_a.pk
    assert entry.changes == {"staff": [[], [world.users["county_a"].pk]]}


def test_points_are_set_up_by_province_and_city(world):
    point = services.create_point(actor=world.users["city_ab"], region=world.county_b, code="05", name="市中区登记点")
    assert point.numbering_prefix == "3701"
    with pytest.raises(ValidationError):  # the code is part of every number: unique within the city
        services.create_point(actor=world.users["province"], region=world.county_a, code="05", name="重复")
    for who in ("county_b", "city_c", "member_a"):
        with pytest.raises(PermissionDenied):
            services.create_point(actor=world.users[who], region=world.county_b, code="06", name="x")
    with pytest.raises(PermissionDenied):  # no actor outside audit.system()
        services.create_point(actor=None, region=world.county_b, code="06", name="x")
    assert RegistrationPoint.objects.count() == 1


def test_payments_by_the_seller_and_its_admins_only(world, points):
    contract = services.register(actor=world.users["county_a"], contract=apply(world, points))
    for who in ("member_a2", "county_c", "talent_a"):
        with pytest.raises(PermissionDenied):
            services.record_payment(actor=world.users[who], contract=contract, paid_on=datetime.date(2026, 3, 1),
                                    amount=10)
    assert not contract.payments.exists()
    services.record_payment(actor=world.users["county_a"], contract=contract, paid_on=datetime.date(2026, 3, 1),
                            amount=10)
    assert contract.payments.get().amount == 10


def test_managers_and_training(world):
    from countyinno.contracts.models import TechnologyManager

    manager = services.add_manager(actor=world.users["member_a"], organisation=world.enterprise_a, name="王经理")
    other = services.add_manager(actor=world.users["county_c"], organisation=world.enterprise_c, name="赵经理")
    with pytest.raises(PermissionDenied):
        services.add_manager(actor=world.users["member_a"], organisation=world.enterprise_c, name="越权")
    course = services.create_course(actor=world.users["city_ab"], region=world.county_a, title="技术经理人实务",
                                    starts_on=datetime.date(2026, 6, 1), hours=16)
    with pytest.raises(PermissionDenied):
        services.create_course(actor=world.users["city_ab"], region=world.county_c, title="越权",
                               starts_on=datetime.date(2026, 6, 1), hours=16)
    with pytest.raises(ValidationError):  # Qingdao's manager is outside the Jinan admin's area
        services.record_attendance(actor=world.users["city_ab"], course=course, managers=[manager, other])
    services.record_attendance(actor=world.users["county_a"], course=course, managers=[manager])
    assert list(course.attendees.all()) == [manager]
    assert TechnologyManager.objects.count() == 2


def test_decide_buttons_follow_the_predicate_and_refusals_are_flashed(world, points, client):
    from countyinno.core.models import AuditLogEntry

    at_city = apply(world, points, key="city")
    url = f"/contracts/{at_city.pk}/"
    for who, shown in (("city_ab", True), ("county_a", False), ("member_a", False)):
        client.force_login(world.users[who])
        page = client.get(url)
        assert page.status_code == 200 and ('id="register-contract"' in page.content.decode()) is shown, who
    # County A's admin sees the contract (its seller) but the city's point decides: refused, nothing changed.
    client.force_login(world.users["county_a"])
    response = client.post(f"{url}register/", follow=True)
    assert response.redirect_chain[-1][0] == url
    assert "you may not do this" in response.content.decode()
    at_city.refresh_from_db()
    assert at_city.status == "submitted"
    assert AuditLogEntry.objects.filter(action="denied", operation="contracts.register_contract",
                                        actor=world.users["county_a"]).count() == 1
    # Outside the user's scope the contract does not exist.
    client.force_login(world.users["county_c"])
    assert client.post(f"{url}register/").status_code == 404
    client.force_login(world.users["city_ab"])
    client.post(f"{url}register/")
    at_city.refresh_from_db()
    assert at_city.status == "registered" and at_city.decided_by == world.users["city_ab"]


def test_apply_link_and_page_only_for_members(world, points, client):
    for who, allowed in (("member_a", True), ("county_a", False), ("talent_a", False)):
        client.force_login(world.users[who])
        assert ('id="apply-link"' in client.get("/contracts/").content.decode()) is allowed, who
        assert client.get("/contracts/apply/").status_code == (200 if allowed else 404), who


def test_statistics_export_is_recorded(world, points, client):
    from openpyxl import load_workbook

    from countyinno.core.models import AuditLogEntry

    services.register(actor=world.users["county_a"], contract=apply(world, points))
    client.force_login(world.users["city_ab"])
    response = client.get("/contracts/statistics/?year=2026&format=xlsx")
    assert response.status_code == 200
    rows = list(load_workbook(io.BytesIO(response.content)).active.values)
    assert rows[1][0] == "370102" and rows[1][4] == 260
    entry = AuditLogEntry.objects.get(action="export")
    assert entry.actor == world.users["city_ab"] and entry.content_type.model == "techcontract"
    assert entry.after["filters"] == {"year": 2026} and entry.after["rows"] == 1 and entry.after["format"] == "xlsx"
    assert entry.region_id == world.city_ab.pk

