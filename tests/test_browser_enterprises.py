"""An enterprise enters its figures and runs its three self-assessments by clicking; the county admin sees the
pool's progress, records a certificate and registers an innovation carrier by clicking."""

import datetime
import re

import pytest

from .conftest import SCREENSHOTS, login

pytestmark = pytest.mark.browser

FIGURES = {"sales": "3000", "total_income": "3100", "hightech_income": "2200", "total_assets": "4000",
           "net_assets": "1500", "staff_total": "80", "st_staff": "12", "rd_personnel": "60",
           "rd_direct_inputs": "25", "ip_class_1": "1", "ip_class_2": "4", "conversions": "3"}
DEVELOPER_OUTPUT = re.compile(r"\{'|\bFalse\b|\bTrue\b|\bNone\b|\bPASS\b|\bFAIL\b|\bBORDERLINE\b")


@pytest.mark.django_db(transaction=True)
def test_enterprise_member_runs_the_three_self_assessments_by_clicking(shandong, live_server, browser):
    from countyinno.accounts.testing import ScopeWorld
    from countyinno.enterprises.models import Enterprise

    world = ScopeWorld.build()
    Enterprise.objects.create(organisation=world.enterprise_a, industry="C3911", size="small",
                              founded=datetime.date(2016, 3, 1), domain="电子信息")
    base = live_server.url
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    login(page, base, "t-member-a")
    page.goto(f"{base}/enterprises/")
    page.wait_for_selector("#year-form")
    page.fill("#year-form input[name=staff_total]", "-5")  # a mistake first: refused, nothing saved, input kept
    page.fill("#year-form input[name=sales]", "3000")
    page.click("#save-year")
    page.wait_for_selector("#year-errors")
    assert "不能为负数" in page.inner_text("#year-form")
    assert page.input_value("#year-form input[name=sales]") == "3000"
    for name, value in FIGURES.items():
        page.fill(f"#year-form input[name={name}]", value)
    page.click("#save-year")
    page.wait_for_selector("text=年数据已保存")
    assert page.inner_text("#verdict-hightech") in ("未通过", "临界")
    assert "研发费用" in page.inner_text("#gap-lines")

    # 1. 高企: the gap report in words, each failed condition explained
    page.click("#assess-hightech")
    page.wait_for_selector("#verdict")
    assert page.inner_text("#verdict") in ("未通过", "临界")
    assert "研发费用" in page.inner_text("#failures") and "%" in page.inner_text("#failures")
    assert "万元" in page.inner_text("#improvements")
    assert not DEVELOPER_OUTPUT.search(page.inner_text("#result"))
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "enterprise-hightech-assessment.png"), full_page=True)

    # 2. 科技型中小企业: adjust an input, a mistake is kept and explained, then the verdict
    page.click("#tab-tsme")
    page.wait_for_selector("#assessment-form input[name=st_staff]")
    assert page.input_value("#assessment-form input[name=st_staff]") == "12"  # pre-filled from the figures
    page.fill("#assessment-form input[name=st_staff]", "十二")
    page.click("#run-assessment")
    page.wait_for_selector(".field-error")
    assert "请输入整数" in page.inner_text("#assessment-form")
    assert page.input_value("#assessment-form input[name=st_staff]") == "十二"
    page.fill("#assessment-form input[name=st_staff]", "30")
    page.click("#run-assessment")
    page.wait_for_selector("#verdict")
    assert page.inner_text("#verdict") in ("通过", "未通过")
    assert "37.5%" in page.inner_text("#conditions")  # 30 of 80 staff, as a percentage
    assert not DEVELOPER_OUTPUT.search(page.inner_text("#result"))
    page.screenshot(path=str(SCREENSHOTS / "enterprise-tsme-assessment.png"), full_page=True)

    # 3. 研发费用加计扣除
    page.click("#tab-superdeduction")
    page.wait_for_selector("#verdict")
    assert page.inner_text("#verdict") == "通过"
    assert "可加计扣除额" in page.inner_text("#conditions") and "万元" in page.inner_text("#verdict-why")
    page.fill("#assessment-form input[name=industry]", "F5171")
    page.click("#run-assessment")
    page.wait_for_selector("#verdict")
    assert page.inner_text("#verdict") == "未通过" and "批发" in page.inner_text("#verdict-why")
    assert page.input_value("#assessment-form input[name=industry]") == "F5171"
    page.screenshot(path=str(SCREENSHOTS / "enterprise-superdeduction.png"), full_page=True)
    assert not page.locator("#add-certificate").count()
    context.close()


@pytest.mark.django_db(transaction=True)
def test_county_admin_follows_the_pool_records_a_certificate_and_registers_a_carrier(shandong, live_server, browser):
    from countyinno.accounts.testing import ScopeWorld
    from countyinno.enterprises import services
    from countyinno.enterprises.models import Carrier, Enterprise, PoolMembership

    world = ScopeWorld.build()
    firm = Enterprise.objects.create(organisation=world.enterprise_a, industry="C3911", size="small",
                                     founded=datetime.date(2016, 3, 1), domain="电子信息")
    services.save_year(actor=world.users["member_a"], enterprise=firm, year=2023, values=FIGURES)
    services.nominate(actor=world.users["county_a"], enterprise=firm, year=2022)
    base = live_server.url
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    county = context.new_page()
    login(county, base, "t-county-370102")
    county.goto(f"{base}/enterprises/")
    county.click("#to-pool")
    county.wait_for_selector("#pool-chart[data-rendered='1']")
    assert county.inner_text("#pool-members") == "1"
    assert "测试企业甲" in county.inner_text("#pool-member-table")
    assert county.inner_text("#pool-member-table .verdict-FAIL, #pool-member-table .verdict-BORDERLINE, "
                             "#pool-member-table .verdict-PASS") in ("未通过", "临界", "通过")
    county.screenshot(path=str(SCREENSHOTS / "pool-progress.png"))
    county.click("#pool-member-table >> text=差距分析")
    county.wait_for_selector("#verdict")
    assert county.inner_text("#verdict") in ("通过", "未通过", "临界")

    # the certificate, from the firm's page
    county.click("text=← 测试企业甲")
    county.click("#add-certificate")
    county.select_option("#certificate-form select[name=kind]", "hightech")
    county.fill("#certificate-form input[name=number]", "GR202337000123")
    county.fill("#certificate-form input[name=issued]", "2023-11-30")
    county.fill("#certificate-form input[name=valid_until]", "2023-01-01")
    county.click("#save-certificate")
    county.wait_for_selector(".field-error")
    assert "有效期应晚于发证日期" in county.inner_text("#certificate-form")
    assert county.input_value("#certificate-form input[name=number]") == "GR202337000123"
    county.fill("#certificate-form input[name=valid_until]", "2026-11-30")
    county.click("#save-certificate")
    county.wait_for_selector("text=证书已登记")
    assert "GR202337000123" in county.inner_text("#certificates")
    assert PoolMembership.objects.get(enterprise=firm).status == "graduated"

    # a carrier, from the registry
    county.goto(f"{base}/enterprises/")
    county.click("#to-carriers")
    county.click("#register-carrier")
    county.fill("#carrier-form input[name=name]", "历下区科技企业孵化器")
    county.select_option("#carrier-form select[name=kind]", "incubator")
    county.select_option("#carrier-form select[name=level]", "provincial")
    county.select_option("#carrier-form select[name=region]", str(world.county_a.pk))
    county.fill("#carrier-form input[name=recognised]", "2022-06-01")
    county.click("#save-carrier")
    county.wait_for_selector("#carrier-name")
    county.click("#edit-carrier")
    county.check("#residents-field >> text=测试企业甲")
    county.click("#save-carrier")
    county.wait_for_selector("text=创新载体已保存")
    assert "测试企业甲" in county.inner_text("#residents")
    assert list(Carrier.objects.get().residents.all()) == [firm]
    county.click("text=← 创新载体")
    assert "历下区科技企业孵化器" in county.inner_text("#carrier-table")
    assert "省级" in county.inner_text("#carrier-table")
    county.screenshot(path=str(SCREENSHOTS / "carriers.png"))
    context.close()


@pytest.mark.django_db(transaction=True)
def test_county_admin_registers_a_firm_by_clicking_and_finds_it_in_the_registry(shandong, live_server, browser):
    from countyinno.accounts.testing import ScopeWorld
    from countyinno.core.validators import make_credit_code
    from countyinno.enterprises.models import Enterprise

    world = ScopeWorld.build()
    code = make_credit_code("9", "1", "370102", "MA3C77777")
    wrong = code[:17] + ("0" if code[17] != "0" else "1")
    base = live_server.url
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    county = context.new_page()
    login(county, base, "t-county-370102")
    county.goto(f"{base}/")
    county.click("nav >> text=企业培育")
    county.click("#register-enterprise")
    form = "#enterprise-form"
    options = county.locator(f"{form} select[name=region] option").all_inner_texts()
    assert any("历下区" in o for o in options) and not any("市中区" in o or "市南区" in o for o in options)
    county.fill(f"{form} input[name=name]", "历下区点击登记科技有限公司")
    county.fill(f"{form} input[name=credit_code]", wrong)  # a mistyped check character first
    county.select_option(f"{form} select[name=region]", str(world.county_a.pk))
    county.fill(f"{form} input[name=industry]", "c3911")
    county.select_option(f"{form} select[name=size]", "small")
    county.fill(f"{form} input[name=founded]", "2021-04-01")
    county.select_option(f"{form} select[name=domain]", "电子信息")
    county.fill(f"{form} input[name=address]", "历下区经十路 100 号")
    county.click("#save-enterprise")
    county.wait_for_selector(".field-error")
    assert f"校验位错误（应为 {code[17]}）" in county.inner_text(form)
    assert county.input_value(f"{form} input[name=name]") == "历下区点击登记科技有限公司"
    assert county.input_value(f"{form} input[name=address]") == "历下区经十路 100 号"
    county.fill(f"{form} input[name=credit_code]", code)
    county.click("#save-enterprise")
    county.wait_for_selector("text=企业已登记")
    assert "历下区点击登记科技有限公司" in county.inner_text("h1")
    assert county.locator("#add-enterprise-account").count() == 1
    firm = Enterprise.objects.get(organisation__credit_code=code)
    assert (firm.industry, firm.organisation.region_id) == ("C3911", world.county_a.pk)
    county.screenshot(path=str(SCREENSHOTS / "enterprise-registered.png"))
    county.click("nav >> text=企业培育")
    assert "历下区点击登记科技有限公司" in county.inner_text("#enterprise-table")
    assert "小型" in county.inner_text("#enterprise-table")
    context.close()
