"""A seller checks and files a contract at its county's point naming an agency; the point returns it, the seller
corrects and resubmits, the point registers it, the agency confirms the reference; the county's 技术合同成交额
changes and is drawn by month and category. Everyone clicks from the page they land on."""

import pytest

from .conftest import SCREENSHOTS, login

pytestmark = pytest.mark.browser


def _new_page(browser):
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.js_errors = []
    page.on("pageerror", lambda exc: page.js_errors.append(str(exc)))
    return context, page


@pytest.mark.django_db(transaction=True)
def test_register_a_contract_at_a_county_point(shandong, live_server, browser):
    from django.conf import settings

    from countyinno.accounts.models import Organisation, User
    from countyinno.accounts.testing import ScopeWorld
    from countyinno.contracts import services
    from countyinno.contracts.models import RegistrationPoint, TechContract
    from countyinno.core.validators import make_credit_code

    world = ScopeWorld.build()
    point = RegistrationPoint.objects.create(region=world.county_a, code="02", name="历下区技术合同登记服务点")
    services.set_point_staff(actor=world.users["city_ab"], point=point, staff=[world.users["county_a"]])
    agency = Organisation.objects.create(name="济南技术转移中心", kind="agency", region=world.city_ab,
                                         credit_code=make_credit_code("9", "1", "370100", "AGENCYB01"))
    agent = User(username="t-agency-jn", role="org_member", organisation=agency)
    agent.set_password(settings.DEMO_PASSWORD)
    agent.save()
    base = live_server.url

    admin_context, admin = _new_page(browser)
    login(admin, base, "t-county-370102")
    admin.click("nav.mainnav >> text=技术合同")
    admin.click("text=成交统计")
    assert admin.locator("#county-stats tr[data-code='370102']").count() == 0  # nothing registered yet

    seller_context, seller = _new_page(browser)
    login(seller, base, "t-member-a")
    seller.click("nav.mainnav >> text=技术合同")
    seller.click("#apply-link")
    seller.select_option("#apply-form select[name=point]", str(point.pk))
    seller.fill("#apply-form input[name=project_name]", "智能电网故障诊断技术开发")
    seller.select_option("#apply-form select[name=category]", "development")
    seller.select_option("#apply-form select[name=subtype]", "entrusted")
    seller.fill("#apply-form input[name=signed_on]", "2026-03-15")
    seller.fill("#apply-form input[name=buyer_name]", "寿光市某新材料有限公司")
    seller.fill("#apply-form input[name=buyer_credit_code]", "91370783MA3C12345X")  # a wrong check character
    seller.fill("#apply-form input[name=buyer_area_code]", "370783")
    seller.fill("#apply-form input[name=total_amount]", "120")
    seller.fill("#apply-form input[name=equipment]", "20")
    seller.select_option("#apply-form select[name=agency]", str(agency.pk))
    # The check step: the engine's findings in words, before anything is filed; the input stays.
    seller.click("#check-application")
    seller.wait_for_selector("#check-findings")
    assert "统一社会信用代码有效" in seller.inner_text("#check-findings")
    assert seller.input_value("#apply-form input[name=project_name]") == "智能电网故障诊断技术开发"
    assert not TechContract.objects.exists()
    # Filed anyway (the applicant may disagree); the point returns it for correction.
    seller.click("#submit-application")
    seller.wait_for_selector("#contract-status:has-text('待认定')")
    contract_url = seller.url

    admin.click("nav.mainnav >> text=技术合同")
    admin.click("#due-list >> text=智能电网故障诊断技术开发")
    admin.fill("#decide input[name=reason]", "买方统一社会信用代码校验位有误，请核对")
    admin.click("#return-contract")
    admin.wait_for_selector("#contract-status:has-text('退回补正')")

    seller.goto(contract_url)
    assert "校验位有误" in seller.inner_text("#return-reason")
    seller.click("#correct-contract")
    seller.fill("#apply-form input[name=buyer_credit_code]", make_credit_code("9", "1", "370783", "MA3C12345"))
    seller.click("#check-application")
    seller.wait_for_selector("#check-ok")
    seller.click("#submit-application")
    seller.wait_for_selector("#contract-status:has-text('待认定')")
    assert seller.inner_text("#tech-amount") == "100.00"
    assert "待确认" in seller.inner_text("#agency-status")

    admin.goto(contract_url)
    admin.click("#register-contract")
    admin.wait_for_selector("#contract-status:has-text('已登记')")
    number = admin.inner_text("#registration-number")
    assert len(number) == 14 and number[2:8] == "370102"
    history = admin.inner_text("#history")
    assert "退回补正" in history and "已登记" in history and "returned" not in history

    # The agency learns of the reference from its notices and confirms it by clicking.
    agent_context, agent_page = _new_page(browser)
    login(agent_page, base, "t-agency-jn")
    agent_page.click("nav.mainnav >> text=技术合同")
    agent_page.click("#references-link")
    row = agent_page.locator("#reference-table tr", has_text="智能电网故障诊断技术开发")
    row.locator(".confirm-reference").click()
    agent_page.wait_for_selector("#reference-table .reference-status:has-text('已确认')")
    assert TechContract.objects.get().agency_status == "confirmed"

    admin.click("nav.mainnav >> text=技术合同")
    admin.click("text=成交统计")
    admin.fill("form.filters input[name=year]", "2026")
    admin.click("form.filters button.primary")
    row = admin.locator("#county-stats tr[data-code='370102'] .amount")
    assert row.inner_text() == "100.00"
    assert admin.inner_text("#stat-total") == "100.00"
    admin.wait_for_selector("#month-chart[data-rendered='1']")
    admin.wait_for_selector("#category-chart[data-rendered='1']")
    assert "技术开发" in admin.inner_text("#category-stats")
    assert not admin.js_errors and not seller.js_errors and not agent_page.js_errors
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    admin.screenshot(path=str(SCREENSHOTS / "contract-statistics.png"), full_page=True)
    for context in (admin_context, seller_context, agent_context):
        context.close()
