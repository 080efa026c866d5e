"""A seller registers a contract at its county's point; the county's 技术合同成交额 changes."""

import pytest

from .conftest import SCREENSHOTS, login

pytestmark = pytest.mark.browser


@pytest.mark.django_db(transaction=True)
def test_register_a_contract_at_a_county_point(shandong, live_server, browser):
    from countyinno.contracts import services
    from countyinno.contracts.models import RegistrationPoint
    from countyinno.accounts.testing import ScopeWorld
    from countyinno.core.validators import make_credit_code

    world = ScopeWorld.build()
    point = RegistrationPoint.objects.create(region=world.county_a, code="02", name="历下区技术合同登记服务点")
    services.set_point_staff(actor=world.users["city_ab"], point=point, staff=[world.users["county_a"]])
    base = live_server.url

    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    admin = context.new_page()
    login(admin, base, "t-county-370102")
    admin.goto(f"{base}/contracts/statistics/")
    assert admin.locator("#county-stats tr[data-code='370102']").count() == 0  # nothing registered yet

    seller_context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    seller = seller_context.new_page()
    login(seller, base, "t-member-a")
    seller.goto(f"{base}/contracts/apply/")
    seller.select_option("#apply-form select[name=point]", str(point.pk))
    seller.fill("#apply-form input[name=project_name]", "智能电网故障诊断技术开发")
    seller.select_option("#apply-form select[name=category]", "development")
    seller.select_option("#apply-form select[name=subtype]", "entrusted")
    seller.fill("#apply-form input[name=signed_on]", "2026-03-15")
    seller.fill("#apply-form input[name=buyer_name]", "寿光市某新材料有限公司")
    seller.fill("#apply-form input[name=buyer_credit_code]", make_credit_code("9", "1", "370783", "MA3C12345"))
    seller.fill("#apply-form input[name=buyer_area_code]", "370783")
    seller.fill("#apply-form input[name=total_amount]", "120")
    seller.fill("#apply-form input[name=equipment]", "20")
    seller.click("#submit-application")
    seller.wait_for_selector("#contract-status:has-text('待认定')")
    assert seller.inner_text("#tech-amount") == "100.0"
    contract_url = seller.url

    admin.goto(contract_url)
    admin.click("#register-contract")
    admin.wait_for_selector("#contract-status:has-text('已登记')")
    number = admin.inner_text("#registration-number")
    assert len(number) == 14 and number[2:8] == "370102"
    admin.goto(f"{base}/contracts/statistics/?year=2026")
    row = admin.locator("#county-stats tr[data-code='370102'] .amount")
    assert row.inner_text() == "100.00"
    assert admin.inner_text("#stat-total") == "100.00"
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    admin.screenshot(path=str(SCREENSHOTS / "contract-statistics.png"))
    context.close()
    seller_context.close()
