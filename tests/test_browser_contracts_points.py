"""A province official opens a registration point and appoints its staff by clicking; the appointed county
official then finds the point's applications to decide. A registered certificate is checked on the public page."""

import pytest

from .conftest import login

pytestmark = pytest.mark.browser


@pytest.mark.django_db(transaction=True)
def test_province_opens_a_point_and_appoints_staff(shandong, live_server, page):
    from countyinno.accounts.testing import ScopeWorld
    from countyinno.contracts.models import RegistrationPoint

    world = ScopeWorld.build()
    base = live_server.url
    login(page, base, "t-province")
    page.click("nav.mainnav >> text=技术合同")
    page.click("#points-link")
    page.select_option("#point-form select[name=region]", str(world.county_b.pk))
    page.fill("#point-form input[name=code]", "5")  # one digit: refused beside the field, input kept
    page.fill("#point-form input[name=name]", "市中区技术合同登记服务点")
    page.click("#create-point")
    page.wait_for_selector("#point-errors")
    assert "两位数字" in page.inner_text("#point-errors")
    assert page.input_value("#point-form input[name=name]") == "市中区技术合同登记服务点"
    page.fill("#point-form input[name=code]", "05")
    page.click("#create-point")
    page.wait_for_selector("#staff-form")
    point = RegistrationPoint.objects.get(code="05")
    assert point.region == world.county_b and point.numbering_prefix == "3701"
    page.check(f"#staff-form input[value='{world.users['county_b'].pk}']")
    page.click("#save-staff")
    page.wait_for_selector(f"#point-staff:has-text('{world.users['county_b']}')")
    assert list(point.staff.all()) == [world.users["county_b"]]
    page.click("text=返回登记服务点")
    assert "市中区技术合同登记服务点" in page.inner_text("#point-table")
    assert not page.js_errors


@pytest.mark.django_db(transaction=True)
def test_anyone_checks_a_certificate_by_number_and_code(shandong, live_server, page):
    from countyinno.accounts.testing import ScopeWorld
    from countyinno.contracts import services
    from countyinno.contracts.models import RegistrationPoint
    from countyinno.contracts.tests.factories import contract_data

    world = ScopeWorld.build()
    point = RegistrationPoint.objects.create(region=world.county_a, code="02", name="历下区技术合同登记服务点")
    contract = services.apply(actor=world.users["member_a"], seller=world.enterprise_a, point=point,
                              data=contract_data(category="transfer", subtype="know_how"))
    contract = services.register(actor=world.users["county_a"], contract=contract)
    page.goto(f"{live_server.url}/contracts/verify/")
    page.fill("#verify-form input[name=number]", contract.registration_number)
    page.fill("#verify-form input[name=code]", "ABCDEFGHJK")
    page.click("#verify-form button")
    page.wait_for_selector("#verify-failed")
    page.fill("#verify-form input[name=code]", contract.verification_code.lower())
    page.click("#verify-form button")
    page.wait_for_selector("#verify-ok")
    text = page.inner_text("#verify-ok")
    assert contract.project_name in text and "让与方" in text and "受让方" in text and "技术转让" in text
