"""The whole annual monitoring cycle in a real browser:
open campaign → county uploads the template → city approves → province approves → index run →
ranking page and map show it."""

import io

import pytest
from openpyxl import load_workbook

from .conftest import SCREENSHOTS, login

pytestmark = pytest.mark.browser


def new_page(browser):
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900}, accept_downloads=True)
    return context, context.new_page()


@pytest.mark.django_db(transaction=True)
def test_annual_cycle(shandong, live_server, browser, tmp_path):
    from countyinno.accounts.testing import ScopeWorld
    from countyinno.core import audit
    from countyinno.monitoring import services
    from countyinno.monitoring.models import CountySubmission, SurveyCampaign
    from countyinno.monitoring.tests.conftest import fill_approved

    world = ScopeWorld.build()
    province = world.users["province"]
    framework = services.publish_framework(actor=province, framework=services.create_framework(
        actor=province, code="SD-CII", name="山东省县域科技创新能力评价指标体系", rows=services.default_framework_rows()))
    base = live_server.url

    # 1. The province opens the 2024 campaign.
    context, page = new_page(browser)
    login(page, base, "t-province")
    page.goto(f"{base}/monitoring/")
    page.fill("#campaign-form input[name=year]", "2024")
    page.select_option("#campaign-form select[name=framework]", str(framework.pk))
    page.fill("#campaign-form input[name=deadline]", "2025-03-31")
    page.click("#campaign-form button")
    page.wait_for_selector("#submission-table")
    campaign = SurveyCampaign.objects.get(year=2024)
    with audit.system("browser test fixture"), audit.bulk("browser test fixture: fewer replications"):
        SurveyCampaign.objects.filter(pk=campaign.pk).update(pipeline_config={"uncertainty": {"replications": 30}})
    fill_approved(campaign, exclude={"370102"})  # the other 135 counties answered and were approved
    submission = CountySubmission.objects.get(campaign=campaign, region__code="370102")

    # 2. 历下区 downloads the template, fills it in and uploads it, then submits.
    county_context, county = new_page(browser)
    login(county, base, "t-county-370102")
    county.goto(f"{base}/monitoring/submissions/{submission.pk}/")
    with county.expect_download() as download_info:
        county.click("#template-link")
    template = tmp_path / "template.xlsx"
    download_info.value.save_as(template)
    workbook = load_workbook(template)
    sheet = workbook["填报 data"]
    for row in sheet.iter_rows(min_row=3):
        node = framework.nodes.get(code=row[0].value)
        row[5].value = round(node.min_value + (node.max_value - node.min_value) * 0.35, 2)
    buffer = io.BytesIO()
    workbook.save(buffer)
    filled = tmp_path / "filled.xlsx"
    filled.write_bytes(buffer.getvalue())
    county.set_input_files("#upload-form input[type=file]", str(filled))
    county.click("#upload-form button")
    county.wait_for_selector("text=已导入 25 项指标")
    county.click("#action-submit")
    county.wait_for_selector("#submission-status:has-text('待市级审核')")

    # 3. 济南市 approves.
    city_context, city = new_page(browser)
    login(city, base, "t-city-370100")
    city.goto(f"{base}/monitoring/submissions/{submission.pk}/")
    city.fill("#review-actions form:has(#action-city_approve) input[name=comment]", "数据已核实")
    city.click("#action-city_approve")
    city.wait_for_selector("#submission-status:has-text('待省级审核')")

    # 4. The province approves and runs the index.
    page.goto(f"{base}/monitoring/submissions/{submission.pk}/")
    page.click("#action-province_approve")
    page.wait_for_selector("#submission-status:has-text('已审定')")
    page.goto(f"{base}/monitoring/campaigns/{campaign.pk}/")
    page.click("#run-index")
    page.wait_for_selector("#job-next", timeout=60000)
    page.click("#job-next")

    # 5. The ranking page (paged, 50 rows) and the map show it; the province checks it, then publishes it.
    page.wait_for_selector("#ranking-table")
    assert page.locator("#ranking-table tbody tr").count() == 50
    page.select_option("#ranking-filter select[name=city]", "370100")
    page.click("#ranking-filter button")
    page.wait_for_selector("#ranking-table tr[data-code='370102']")
    assert "136" in page.locator("h2:has-text('排名')").first.inner_text()
    page.wait_for_selector("#run-map[data-rendered='136']", timeout=20000)
    page.select_option("#metric", "D2")
    page.wait_for_selector("#run-map[data-metric='D2']", timeout=20000)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "monitoring-ranking.png"), full_page=False)
    page.click("#publish-run")
    page.wait_for_selector("#run-publication:has-text('已发布')")
    # The county official now sees the province (published results) and its own place in it.
    county.click("nav >> text=指数排名")
    county.wait_for_selector("#my-county")
    assert county.locator("#my-rank").inner_text().endswith("/ 136")
    county.wait_for_selector("#run-map[data-rendered='136']", timeout=20000)
    for ctx in (context, county_context, city_context):
        ctx.close()
