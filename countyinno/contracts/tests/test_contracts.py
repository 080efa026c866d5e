import datetime
import io
import threading

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection

from countyinno.contracts import services
from countyinno.contracts.models import RegistrationPoint, TechContract
from countyinno.core.validators import make_credit_code


@pytest.fixture
def points(world):
    return {"a": RegistrationPoint.objects.create(region=world.county_a, code="02", name="历下区登记点"),
            "city": RegistrationPoint.objects.create(region=world.city_ab, code="01", name="济南市登记处"),
            "c": RegistrationPoint.objects.create(region=world.county_c, code="02", name="市南区登记点")}


def contract_data(**overrides):
    data = {"project_name": "节能电机控制技术开发", "category": "development", "subtype": "entrusted",
            "signed_on": "2026-02-01", "valid_to": "2027-02-01",
            "buyer": {"name": "买方公司", "credit_code": make_credit_code("9", "1", "370783", "BUYER0001"),
                      "area_code": "370783"},
            "total_amount": 300, "non_technical_costs": {"equipment": 40}}
    data.update(overrides)
    return data


def apply(world, points, key="a", **overrides):
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
    assert stats["total_amount"] == 260 and stats["by_county"][0]["seller__region__code"] == "370102"
    assert services.statistics(world.users["county_c"], 2026)["count"] == 0
    assert turnover_share_of_gdp(world.county_a, 2026) == pytest.approx(100 * 260 / 2000e4)


def test_agency_rewards_exclude_related_party_and_cap(world, points):
    from countyinno.accounts.models import Organisation

    agency = Organisation.objects.create(name="济南技术转移中心（测试）", kind="agency", region=world.city_ab,
                                         credit_code=make_credit_code("9", "1", "370100", "AGENCY001"))
    brokered = contract_data(agency={"name": agency.name, "credit_code": agency.credit_code}, total_amount=20000,
                             non_technical_costs={})
    services.register(actor=world.users["county_a"], contract=apply(world, points, **brokered))
    services.register(actor=world.users["county_a"], contract=apply(world, points, **dict(brokered, related_party=True)))
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
    contracts = [services.apply(actor=None, seller=world.enterprise_a, point=point, data=contract_data())
                 for _ in range(50)]
    errors, barrier = [], threading.Barrier(50)

    def register(contract):
        try:
            barrier.wait(timeout=30)
            services.register(actor=None, contract=contract)
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
