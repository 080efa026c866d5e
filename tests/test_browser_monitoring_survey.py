"""A county official fills in the annual survey in a real browser: a wrong number and an unexplained jump
are marked beside their fields with everything typed kept; fixed, "保存并提交审核" saves and hands in.
Then the province publishes the ranking and the county finds its own place in the province."""

import datetime

import pytest

from .conftest import SCREENSHOTS, login

pytestmark = pytest.mark.browser


@pytest.mark.django_db(transaction=True)
def test_county_official_fills_in_the_survey_and_sees_its_place(shandong, live_server, page):
    from countyinno.accounts.testing import ScopeWorld
    from countyinno.monitoring import indexing, services
    from countyinno.monitoring.models import CountySubmission
    from countyinno.monitoring.tests.conftest import fill_approved

    world = ScopeWorld.build()
    province = world.users["province"]
    framework = services.publish_framework(actor=province, framework=services.create_framework(
        actor=province, code="SD-CII", name="山东省县域科技创新能力评价指标体系", rows=services.default_framework_rows()))

    def campaign(year):
        return services.open_campaign(actor=province, year=year, framework=framework,
                                      deadline=datetime.date(year + 1, 3, 31),
                                      pipeline_config={"uncertainty": {"replications": 10}})

    last = fill_approved(campaign(2023))
    this = campaign(2024)
    nodes = list(framework.indicators())
    previous = {v.node.code: v.value for v in last.submissions.get(region=world.county_a).values.select_related("node")}
    base = live_server.url

    login(page, base, "t-county-370102")
    page.click("nav >> text=创新监测")
    page.click(f"#campaign-table >> text={this.title}")
    page.click("#submission-table >> text=历下区")
    page.wait_for_selector("#values-form")
    # Last year's value is shown on every row.
    assert page.locator("#row-HTE_COUNT td.previous").inner_text().strip() == f"{previous['HTE_COUNT']:g}"
    for node in nodes:
        value = round(previous[node.code] * 1.05, 2)
        page.fill(f"input[name=value_{node.code}]", str(value))
    page.fill("input[name=value_RD_GDP]", "2,5x")                      # a typo
    page.fill("input[name=value_HTE_COUNT]", str(previous["HTE_COUNT"] * 3))  # a jump with no reason
    page.click("#save-values")
    page.wait_for_selector(".field-error")
    # Each error sits in its own row, beside its field; what was typed is still there.
    assert "应为数字" in page.locator("#row-RD_GDP .field-error").inner_text()
    assert "请填写说明" in page.locator("#row-HTE_COUNT .field-error").inner_text()
    assert page.locator("#row-HTE_COUNT .jump-mark").count() == 1
    assert page.locator("#row-FISCAL_ST .field-error").count() == 0
    assert page.input_value("input[name=value_RD_GDP]") == "2,5x"
    assert page.input_value("input[name=value_GDP_PC]") == str(round(previous["GDP_PC"] * 1.05, 2))
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "monitoring-survey-errors.png"), full_page=True)

    # Fix both and hand in straight away: "保存并提交审核" saves first.
    rd_gdp = round(previous["RD_GDP"] * 1.05, 2)
    page.fill("input[name=value_RD_GDP]", str(rd_gdp))
    page.fill("input[name=explain_HTE_COUNT]", "本年新认定高新技术企业 40 家")
    page.click("#action-submit")
    page.wait_for_selector("#submission-status:has-text('待市级审核')")
    submission = CountySubmission.objects.get(campaign=this, region=world.county_a)
    assert submission.values.get(node__code="RD_GDP").value == rd_gdp
    assert submission.values.get(node__code="HTE_COUNT").explanation == "本年新认定高新技术企业 40 家"

    # The province publishes a ranking; the county sees the whole province and its own place in it.
    fill_approved(this, exclude={"370102"})
    services.city_approve_submission(actor=world.users["city_ab"], submission=submission)
    services.province_approve_submission(actor=province, submission=submission)
    with __import__("countyinno.core.audit", fromlist=["audit"]).system("browser test fixture"):
        run = indexing.start_index_run(actor=None, campaign=this, backend="sync")
        indexing.publish_index_run(actor=None, run=run)
    page.click("nav >> text=指数排名")
    page.wait_for_selector("#my-county")
    assert page.locator("#my-rank").inner_text().endswith("/ 136")
    assert page.locator("#ranking-table tbody tr").count() == 50
    page.select_option("#ranking-filter select[name=county_type]", "市辖区")
    page.click("#ranking-filter button")
    page.wait_for_selector("#ranking-table")
    types = set(page.locator("#ranking-table tbody td.county_type").all_inner_texts())
    assert {t.split()[0] for t in types} == {"市辖区"}
    page.click("#my-profile")
    page.wait_for_selector("#peers")
    assert page.locator("#peers tbody tr").count() >= 5
    page.click("#county-report-link")
    page.wait_for_selector("#county-report")
    assert "历下区" in page.locator("#county-report h1").inner_text()
    assert not page.js_errors, page.js_errors
