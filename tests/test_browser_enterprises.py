"""An enterprise enters its figures and sees its 高企 gap report; the county admin sees the pool's progress."""

import datetime

import pytest

from .conftest import SCREENSHOTS, login

pytestmark = pytest.mark.browser


@pytest.mark.django_db(transaction=True)
def test_enterprise_gap_report_and_pool_progress(shandong, live_server, browser):
    from countyinno.accounts.testing import ScopeWorld
    from countyinno.enterprises import services
    from countyinno.enterprises.models import Enterprise

    world = ScopeWorld.build()
    firm = Enterprise.objects.create(organisation=world.enterprise_a, industry="C3911", size="small",
                                     founded=datetime.date(2016, 3, 1), domain="电子信息")
    base = live_server.url
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    login(page, base, "t-member-a")
    page.goto(f"{base}/enterprises/")
    page.wait_for_selector("#year-form")
    figures = {"sales": "3000", "total_income": "3100", "hightech_income": "2200", "total_assets": "4000",
               "net_assets": "1500", "staff_total": "80", "st_staff": "12", "rd_personnel": "60",
               "rd_direct_inputs": "25", "ip_class_1": "1", "ip_class_2": "4", "conversions": "3"}
    page.fill("#year-form input[name=staff_total]", "-5")  # a mistake first: refused, nothing saved
    page.click("#save-year")
    page.wait_for_selector("#year-errors")
    assert "不能为负数" in page.inner_text("#year-errors")
    for name, value in figures.items():
        page.fill(f"#year-form input[name={name}]", value)
    page.click("#save-year")
    page.wait_for_selector("text=年数据已保存")
    verdict = page.inner_text("#verdict")
    assert verdict in ("FAIL", "BORDERLINE")
    gaps = page.inner_text("#gap-lines")
    assert "研发费用" in gaps and "%" in gaps
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "enterprise-gap-report.png"))
    context.close()

    services.nominate(actor=world.users["county_a"], enterprise=firm, year=2024)
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    county = context.new_page()
    login(county, base, "t-county-370102")
    county.goto(f"{base}/enterprises/pool/")
    county.wait_for_selector("#pool-chart[data-rendered='1']")
    assert county.inner_text("#pool-members") == "1"
    assert "测试企业甲" in county.content()
    county.screenshot(path=str(SCREENSHOTS / "pool-progress.png"))
    context.close()
