"""A buyer finds a match, expresses interest; the seller replies; both agree; the seller opens the contract
application. And an anonymous visitor browses the public market. All by clicking."""

import pytest

from .conftest import SCREENSHOTS, login

pytestmark = pytest.mark.browser


def _published(world):
    from countyinno.techmarket import services
    from countyinno.techmarket.tests.test_market import ACHIEVEMENT, DEMAND

    def publish(org, who, admin, kind, data):
        listing = services.create_listing(actor=world.users[who], organisation=org, kind=kind, **data)
        services.submit_listing(actor=world.users[who], listing=listing)
        return services.approve_listing(actor=world.users[admin], listing=listing)

    demand = publish(world.enterprise_a, "member_a", "county_a", "demand", DEMAND)
    offer = publish(world.enterprise_c, "member_c", "county_c", "achievement", ACHIEVEMENT)
    return demand, offer


@pytest.mark.django_db(transaction=True)
def test_buyer_expresses_interest_seller_replies_both_agree(shandong, live_server, browser):
    from countyinno.accounts.testing import ScopeWorld
    from countyinno.core.models import AuditLogEntry
    from countyinno.techmarket.models import MatchView, Negotiation

    world = ScopeWorld.build()
    demand, offer = _published(world)
    base = live_server.url

    # The buyer: from the market, to its own demand (my listings), to the match, and expresses interest.
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    buyer = context.new_page()
    login(buyer, base, "t-member-a")
    buyer.goto(f"{base}/market/")
    buyer.click("#my-listings")
    buyer.click(f"#own-listings a:has-text('{demand.title}')")
    buyer.wait_for_selector("#matches li")
    assert "★" in buyer.inner_text("#matches li")
    buyer.click(f"#matches a:has-text('{offer.title}')")
    buyer.fill("#interest-form textarea[name=body]", "我公司希望以普通许可方式引进该技术，请联系。")
    buyer.click("#express-interest")
    buyer.wait_for_selector("#negotiation-status:has-text('已表达意向')")
    negotiation_url = buyer.url
    context.close()

    # The seller: the notice leads to the thread; it replies and agrees.
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    seller = context.new_page()
    login(seller, base, "t-member-c")
    seller.click("#notices")
    seller.click("text=表达了合作意向")
    seller.wait_for_selector("#thread li")
    assert "普通许可方式引进" in seller.inner_text("#thread")
    seller.fill("#message-form textarea[name=body]", "欢迎！普通许可 120 万元，可派工程师驻场指导。")
    seller.click("#send-message")
    seller.wait_for_selector("#negotiation-status:has-text('洽谈中')")
    seller.click("#agree-deal")
    seller.wait_for_selector("#agreement:has-text('已同意')")
    context.close()

    # The buyer agrees from its negotiation list.
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    buyer = context.new_page()
    login(buyer, base, "t-member-a")
    buyer.goto(f"{base}/market/")
    buyer.click("#my-negotiations")
    buyer.click(f"#negotiation-list a:has-text('{offer.title}')")
    assert buyer.url == negotiation_url
    assert "驻场指导" in buyer.inner_text("#thread")
    buyer.click("#agree-deal")
    buyer.wait_for_selector("#negotiation-status:has-text('双方同意')")
    context.close()

    # The seller files the contract registration from the agreed deal: the link carries both parties.
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    seller = context.new_page()
    login(seller, base, "t-member-c")
    seller.goto(negotiation_url)
    href = seller.get_attribute("#contract-application", "href")
    assert href.startswith("/contracts/apply/?") and "buyer_name=" in href and "project_name=" in href
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    seller.screenshot(path=str(SCREENSHOTS / "market-deal-agreed.png"))
    context.close()

    negotiation = Negotiation.objects.get()
    assert negotiation.status == "agreed" and negotiation.party == world.enterprise_a
    assert MatchView.objects.filter(listing=offer, source=demand).count() == 1
    for operation, actor in (("techmarket.express_interest", "member_a"), ("techmarket.post_message", "member_c"),
                             ("techmarket.agree_deal", "member_c"), ("techmarket.agree_deal", "member_a")):
        assert AuditLogEntry.objects.filter(operation=operation, actor=world.users[actor]).exists(), operation

    # The node's admin sees the chain on the market home.
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    admin = context.new_page()
    login(admin, base, "t-county-370202")
    admin.goto(f"{base}/market/")
    admin.click("text=查看本辖区市场的转化情况")
    assert admin.inner_text("#figure-agreed") == "1" and admin.inner_text("#figure-viewed") == "1"
    context.close()


@pytest.mark.django_db(transaction=True)
def test_anonymous_visitor_browses_and_searches_the_public_market(shandong, live_server, page):
    from countyinno.accounts.testing import ScopeWorld

    world = ScopeWorld.build()
    _, offer = _published(world)
    base = live_server.url
    page.goto(f"{base}/")
    page.click("nav.mainnav >> text=技术市场")
    page.wait_for_selector("#listing-table")
    assert "/login/" not in page.url
    page.fill("#search-form input[name=q]", "锂电池 正极")
    page.click("#search-form button")
    page.wait_for_selector(f"#listing-table a:has-text('{offer.title}')")
    assert "★" in page.inner_text("#listing-table")
    page.click(f"#listing-table a:has-text('{offer.title}')")
    page.wait_for_selector("#listing-status")
    body = page.inner_text("body")
    assert "已完成中试验证" in body and "A-17" not in body
    assert page.query_selector("#express-interest") is None
    page.goto(f"{base}/market/")
    page.click("#bulletins")
    page.wait_for_selector("#bulletin-list")
    assert offer.title in page.inner_text("#bulletin-list")
    assert not page.js_errors
