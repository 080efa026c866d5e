"""Real headless Chromium (Debian's), driven by Playwright."""

import pytest

from .conftest import SCREENSHOTS, login

pytestmark = pytest.mark.browser

@pytest.mark.django_db(transaction=True)
def test_login_and_see_the_county_map(shandong, live_server, page):
    from countyinno.accounts.testing import ScopeWorld

    ScopeWorld.build()
    login(page, live_server.url, "t-county-370102")
    page.wait_for_selector("#county-map[data-rendered='136']", timeout=20000)
    assert page.locator("#county-map canvas").count() >= 1
    assert "县域创新驱动发展服务与监测平台" in page.content()
    page.select_option("#map-metric", "urbanisation")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "home-map.png"))
    assert not page.js_errors, page.js_errors
    # Other pages in the same session: scoped organisation list, language switch.
    page.goto(f"{live_server.url}/accounts/organisations/")
    assert "测试企业甲" in page.content() and "测试企业丙" not in page.content()
    page.click("text=English")
    page.wait_for_selector("text=Organisations")


@pytest.mark.django_db(transaction=True)
def test_phone_screen_shows_the_menu_and_map(shandong, live_server, browser):
    from countyinno.accounts.testing import ScopeWorld

    ScopeWorld.build()
    context = browser.new_context(locale="zh-CN", viewport={"width": 390, "height": 844}, is_mobile=True)
    page = context.new_page()
    login(page, live_server.url, "t-city-370100")
    page.wait_for_selector("#county-map[data-rendered='136']", timeout=20000)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 400, f"page overflows a phone screen: {width}px"
    page.click("label.nav-toggle-label")
    assert page.locator(".mainnav >> text=机构").is_visible()
    page.screenshot(path=str(SCREENSHOTS / "home-phone.png"))
    context.close()
