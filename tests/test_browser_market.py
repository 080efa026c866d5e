"""An enterprise publishes a demand, the county admin approves it and sees explained matches."""

import pytest

from .conftest import SCREENSHOTS, login

pytestmark = pytest.mark.browser


@pytest.mark.django_db(transaction=True)
def test_publish_demand_approve_and_see_matches(shandong, live_server, browser):
    from countyinno.accounts.testing import ScopeWorld
    from countyinno.techmarket import services
    from countyinno.techmarket.tests.test_market import ACHIEVEMENT

    world = ScopeWorld.build()
    offer = services.create_listing(actor=world.users["member_a2"], organisation=world.enterprise_a2,
                                    kind="achievement", **ACHIEVEMENT)
    services.submit_listing(actor=world.users["member_a2"], listing=offer)
    services.approve_listing(actor=world.users["county_a"], listing=offer)
    base = live_server.url

    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    firm = context.new_page()
    login(firm, base, "t-member-a")
    firm.goto(f"{base}/market/new/demand/")
    firm.fill("#listing-form input[name=title]", "寻求锂电池正极材料改性技术")
    firm.fill("#listing-form input[name=summary]", "提升高镍正极循环寿命")
    firm.fill("#listing-form textarea[name=public_description]", "现有产品循环寿命不足，希望合作攻关，欢迎揭榜。")
    firm.fill("#listing-form input[name=keywords]", "锂电池,正极材料")
    firm.select_option("#listing-form select[name=field]", "新材料")
    firm.select_option("#listing-form select[name=industry]", "C")
    firm.fill("#listing-form input[name=budget_min]", "50")
    firm.fill("#listing-form input[name=budget_max]", "200")
    firm.click("#save-listing")
    firm.wait_for_selector("#listing-status:has-text('待审核')")
    listing_url = firm.url
    context.close()

    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    admin = context.new_page()
    login(admin, base, "t-county-370102")
    admin.goto(f"{base}/market/review/")
    admin.click("#review-list tbody a")
    admin.click("#approve-listing")
    admin.wait_for_selector("#listing-status:has-text('已发布')")
    assert admin.url == listing_url
    admin.wait_for_selector("#matches li")
    first = admin.inner_text("#matches li")
    assert "锂电池正极材料改性关键技术" in first and "技术领域一致" in first and "预算" in first
    # The click went through the declared action: one state entry naming it and the county admin.
    from countyinno.core.models import AuditLogEntry

    listing_id = listing_url.rstrip("/").split("/")[-1]
    assert AuditLogEntry.objects.filter(action="state", operation="techmarket.approve_listing", object_id=listing_id,
                                        actor=world.users["county_a"]).count() == 1
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    admin.screenshot(path=str(SCREENSHOTS / "market-matches.png"))
    context.close()
