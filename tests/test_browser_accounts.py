"""A province admin manages accounts by clicking: finds a member, resets the password (a one-time one,
shown once), enrols their own authenticator with the QR page, and lifts a lock-out; the member then
signs in with the one-time password and must choose a new one."""

import re

import pyotp
import pytest

from .conftest import SCREENSHOTS, login

pytestmark = pytest.mark.browser


@pytest.mark.django_db(transaction=True)
def test_province_admin_manages_accounts_and_enrols_a_second_factor(shandong, live_server, browser):
    from django.test import Client

    from countyinno.accounts.testing import ScopeWorld

    ScopeWorld.build()
    base = live_server.url
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    login(page, base, "t-province")

    # Menu → 机构 → 账号管理 → the member → 重置密码.
    page.click(".mainnav >> text=机构")
    page.click("#tab-users")
    page.fill("#user-filter input[name=q]", "t-member-c")
    page.click("#user-filter button")
    page.click("#user-table >> text=t-member-c")
    page.wait_for_selector("#user-facts")
    page.click("#reset-password")
    one_time = page.inner_text("#one-time-password").strip()
    assert len(one_time) >= 10
    page.click("#back-to-user")
    assert page.inner_text("#user-must-change").strip() == "是"

    # 我的账号安全 → 绑定动态口令: the QR code and the key; a code from the "phone" confirms it.
    page.click("#tab-security")
    page.click("#start-totp")
    page.wait_for_selector("#totp-qr")
    assert page.get_attribute("#totp-qr", "src").startswith("data:image/svg+xml;base64,")
    assert page.evaluate("document.querySelector('#totp-qr').naturalWidth") > 0  # the browser drew it (CSP)
    key = page.inner_text("#totp-key").strip()
    page.fill("#confirm-form input[name=code]", "12")
    page.click("#confirm-totp")
    page.wait_for_selector(".field-error")
    assert "6" in page.inner_text(".field-error")
    page.fill("#confirm-form input[name=code]", pyotp.TOTP(key + "=" * (-len(key) % 8)).now())
    page.click("#confirm-totp")
    page.wait_for_selector("#recovery-codes")
    codes = page.locator("#recovery-codes code").all_inner_texts()
    assert len(codes) == 10 and all(re.fullmatch(r"[a-z2-9]{5}-[a-z2-9]{5}", c) for c in codes)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "accounts-recovery-codes.png"))
    page.click("#codes-saved")

    # Someone guesses the county admin's password from another address: the province lifts the lock.
    attacker = Client()
    for _ in range(5):
        attacker.post("/login/", {"username": "t-county-370102", "password": "guess"}, REMOTE_ADDR="203.0.113.5")
    page.click(".mainnav >> text=机构")
    page.click("#tab-lockouts")
    row = page.locator("#lockout-table tr", has_text="t-county-370102")
    assert "203.0.113.5" in row.inner_text()
    row.locator("button.lift-lockout").click()
    page.wait_for_selector(".messages >> text=已解除")
    assert "t-county-370102" not in page.inner_text("#lockout-table")
    context.close()

    # The member signs in with the one-time password and is taken to choose their own.
    member_ctx = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    member = member_ctx.new_page()
    member.goto(f"{base}/login/")
    member.fill("#id_username", "t-member-c")
    member.fill("#id_password", one_time)
    member.click("button[type=submit]")
    member.wait_for_selector("#must-change")
    member.fill("input[name=old_password]", one_time)
    member.fill("input[name=new_password1]", "Harbour-Lamp-2026!")
    member.fill("input[name=new_password2]", "Harbour-Lamp-2026!")
    member.click("#password-form button[type=submit]")
    member.wait_for_url(f"{base}/")
    member_ctx.close()

    # The province admin's next log-in asks for the code; a recovery code works.
    again_ctx = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    again = again_ctx.new_page()
    again.goto(f"{base}/login/")
    again.fill("#id_username", "t-province")
    again.fill("#id_password", "CountyInno@2026")
    again.click("button[type=submit]")
    again.wait_for_url(f"{base}/login/totp/")
    again.fill("#id_code", codes[0])
    again.click("button[type=submit]")
    again.wait_for_url(f"{base}/")
    assert "恢复码" in again.inner_text(".messages")
    again_ctx.close()
