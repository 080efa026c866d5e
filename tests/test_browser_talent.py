"""An enterprise files a demand, the province solves the plan (a background job), the talent sees the
assignment and logs a visit, the enterprise confirms it."""

import datetime

import pytest

from .conftest import SCREENSHOTS, login

pytestmark = pytest.mark.browser


def page_for(browser, base, username):
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    login(page, base, username)
    return context, page


@pytest.mark.django_db(transaction=True)
def test_demand_plan_visit_confirmation(shandong, live_server, browser):
    from django.conf import settings

    from countyinno.accounts.models import Role, User
    from countyinno.accounts.testing import ScopeWorld
    from countyinno.talent.models import Talent

    world = ScopeWorld.build()
    user = User(username="t-talent", role=Role.TALENT, organisation=world.enterprise_c, display_name="王研究员")
    user.set_password(settings.DEMO_PASSWORD)
    user.save()
    Talent.objects.create(name="王研究员", user=user, home_unit=world.enterprise_c, fields=["现代农业"],
                          keywords=["小麦"], programmes=["commissioner"])
    base = live_server.url
    year = datetime.date.today().year

    firm_ctx, firm = page_for(browser, base, "t-member-a")
    firm.goto(f"{base}/talent/")
    firm.fill("#demand-form input[name=problem]", "小麦条锈病防治与高产栽培技术指导")
    firm.select_option("#demand-form select[name=fields]", ["现代农业"])
    firm.fill("#demand-form input[name=keywords]", "小麦")
    firm.fill("#demand-form input[name=year]", str(year))
    firm.click("#file-demand")
    firm.wait_for_selector("#my-demands:has-text('小麦条锈病')")

    prov_ctx, prov = page_for(browser, base, "t-province")
    prov.goto(f"{base}/talent/")
    prov.fill("#solve-form input[name=year]", str(year))
    prov.click("#solve-plan")
    # The solve runs as a background job: its page shows the progress, then links to the plan.
    prov.wait_for_selector("#job-progress")
    prov.click("#job-next")
    prov.wait_for_selector("#assignment-table")
    assert "王研究员" in prov.inner_text("#assignment-table") and "领域匹配" in prov.inner_text("#assignment-table")
    prov.click("#publish-plan")
    prov.wait_for_selector("#plan-status:has-text('已发布')")

    talent_ctx, talent = page_for(browser, base, "t-talent")
    talent.goto(f"{base}/talent/")
    assert "还差 30 天" in talent.inner_text("#my-assignments")  # the to-do: no confirmed days yet
    talent.click("#my-assignments li a")
    talent.fill("#log-form input[name=days]", "1")
    talent.fill("#log-form input[name=content]", "田间诊断条锈病，制定防治方案")
    talent.click("#log-visit")
    talent.wait_for_selector("#logs .log-status:has-text('待确认')")
    assignment_url = talent.url

    # The firm reaches the log from its own page: the commissioner serving it, with a log to confirm.
    firm.goto(f"{base}/talent/")
    firm.click("#served li a")
    assert firm.url == assignment_url
    firm.select_option("#logs .confirm-form select", "5")
    firm.click("#logs .confirm-log")
    firm.wait_for_selector("#logs .log-status:has-text('已确认')")
    assert "满意度 5/5" in firm.inner_text("#logs")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    firm.screenshot(path=str(SCREENSHOTS / "talent-log-confirmed.png"))
    for ctx in (firm_ctx, prov_ctx, talent_ctx):
        ctx.close()
