"""A county admin opens 科技特派员 → 人才库, clicks 登记人才, first names a unit that already has a talent of
that name (the form keeps what was typed and says so beside the field), then picks the right unit and sees
the talent in the pool list."""

import pytest

from .conftest import SCREENSHOTS, login

pytestmark = pytest.mark.browser


@pytest.mark.django_db(transaction=True)
def test_county_admin_registers_a_talent_by_clicking(shandong, live_server, page):
    from countyinno.accounts.testing import ScopeWorld
    from countyinno.talent.models import Talent

    world = ScopeWorld.build()
    Talent.objects.create(name="孙研究员", home_unit=world.enterprise_a, fields=["现代农业"], programmes=["youth"])
    base = live_server.url
    login(page, base, "t-county-370102")
    page.click("nav.mainnav a[href='/talent/']")
    page.click("#link-pool")
    page.wait_for_selector("#talent-table")
    page.click("#register-talent")

    # The home-unit select offers only the county's organisations.
    options = page.inner_text("#talent-form select[name=home_unit]")
    assert "测试企业甲" in options and "测试企业丙" not in options

    page.fill("#talent-form input[name=name]", "孙研究员")
    page.select_option("#talent-form select[name=home_unit]", label="测试企业甲（历下区）")
    page.fill("#talent-form input[name=keywords]", "小麦，条锈病")
    page.select_option("#talent-form select[name=programmes]", ["commissioner", "qianren"])
    page.select_option("#talent-form select[name=fields]", ["现代农业", "小麦"])
    page.fill("#talent-form input[name=title]", "研究员")
    page.fill("#talent-form input[name=capacity]", "2")
    page.click("#save-talent")
    page.wait_for_selector("#talent-form .field-error")
    assert "该派出单位已登记同名人才" in page.inner_text("#talent-form label.field-name")
    assert page.input_value("#talent-form input[name=name]") == "孙研究员"
    assert page.input_value("#talent-form input[name=keywords]") == "小麦，条锈病"
    assert page.input_value("#talent-form input[name=capacity]") == "2"

    page.select_option("#talent-form select[name=home_unit]", label="测试企业乙（历下区）")
    page.click("#save-talent")
    page.wait_for_selector("#talent-table")
    row = page.inner_text("#talent-table")
    assert "孙研究员" in row and "测试企业乙" in row and "科技特派员、千人服务千企" in row and "现代农业、小麦" in row
    page.screenshot(path=str(SCREENSHOTS / "talent-pool-registered.png"), full_page=True)
    talent = Talent.objects.get(name="孙研究员", home_unit=world.enterprise_a2)
    assert talent.capacity == 2 and talent.programmes == ["commissioner", "qianren"]
    assert not page.js_errors
