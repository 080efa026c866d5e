"""The host enterprise files an 院士/专家工作站 application with its materials, the city reviewer downloads
them and approves, the province approves within its working-day clock, and once the publication day has come
the station appears in the month's public 公示 list."""

import datetime

import pytest

from .conftest import SCREENSHOTS, login

pytestmark = pytest.mark.browser

PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


def page_for(browser, base, username=None):
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900}, accept_downloads=True)
    page = context.new_page()
    if username:
        login(page, base, username)
    return context, page


def open_applications(page):
    """From the home page: the menu's 科技特派员, then the workstation applications."""
    page.click("nav.mainnav a[href='/talent/']")
    page.click("#link-workstations")
    page.wait_for_selector("#workstation-table")


@pytest.mark.django_db(transaction=True)
def test_host_files_city_reviews_province_approves_public_list(shandong, live_server, browser, settings, tmp_path,
                                                                monkeypatch):
    from django.utils import timezone

    from countyinno.accounts.testing import ScopeWorld

    settings.MEDIA_ROOT = str(tmp_path)
    ScopeWorld.build()
    clock = {"today": datetime.date(2026, 11, 2)}  # the working-day calendar of 2026 is known
    monkeypatch.setattr(timezone, "localdate", lambda *a, **k: clock["today"])
    base = live_server.url

    # The host enterprise's member files the application by clicking, with the agreement and the CV as files.
    host_ctx, host = page_for(browser, base, "t-member-a")
    open_applications(host)
    host.click("#new-workstation")
    host.select_option("#workstation-form select[name=kind]", "expert")
    host.fill("#workstation-form input[name=expert_name]", "钱教授")
    host.fill("#workstation-form input[name=expert_unit]", "山东农业大学")
    host.fill("#workstation-form input[name=months_per_year]", "4")
    host.set_input_files("#workstation-form input[name=agreement]",
                         files=[{"name": "合作协议.pdf", "mimeType": "application/pdf", "buffer": PDF}])
    # A file that only claims to be a PDF is refused beside its field; what was typed is kept.
    host.set_input_files("#workstation-form input[name=expert]",
                         files=[{"name": "简历.pdf", "mimeType": "application/pdf", "buffer": b"MZ not a pdf"}])
    host.click("#file-workstation")
    host.wait_for_selector(".field-expert .field-error")
    assert "PDF" in host.inner_text(".field-expert .field-error")
    assert host.input_value("#workstation-form input[name=expert_name]") == "钱教授"
    host.set_input_files("#workstation-form input[name=agreement]",
                         files=[{"name": "合作协议.pdf", "mimeType": "application/pdf", "buffer": PDF}])
    host.set_input_files("#workstation-form input[name=expert]",
                         files=[{"name": "进站承诺及简历.pdf", "mimeType": "application/pdf", "buffer": PDF}])
    host.click("#file-workstation")
    host.wait_for_selector("#workstation-status:has-text('待市级初审')")
    assert host.locator("#materials .material-link").count() == 2
    detail_url = host.url

    # The city reviewer finds it in the list, downloads a material, and approves.
    city_ctx, city = page_for(browser, base, "t-city-370100")
    open_applications(city)
    assert "1" in city.inner_text("#to-review")
    city.click("#workstation-table a.workstation-link:has-text('钱教授')")
    with city.expect_download() as download:
        city.click("#materials .material-link:has-text('合作协议')")
    assert download.value.suggested_filename == "合作协议.pdf"
    assert open(download.value.path(), "rb").read() == PDF
    city.fill("#review-form textarea[name=comment]", "材料齐全，同意报省")
    city.click("#approve-workstation")
    city.wait_for_selector("#workstation-status:has-text('待省级复审')")
    assert "2026-11-11" in city.inner_text("#workstation-clock")  # 7 working days after 11-02

    # The host sees the clock.
    host.goto(detail_url)
    assert "还剩 7 个工作日" in host.inner_text("#workstation-clock")

    # The province does the second review.
    prov_ctx, prov = page_for(browser, base, "t-province")
    open_applications(prov)
    prov.click("#workstation-table a.workstation-link:has-text('钱教授')")
    prov.fill("#review-form textarea[name=comment]", "同意备案")
    prov.click("#approve-workstation")
    prov.wait_for_selector("#workstation-status:has-text('已备案')")
    assert "2026-11-05" in prov.inner_text("#workstation-clock")  # published on the next 5th

    # After the publication day, anyone sees it in November's 公示 list.
    clock["today"] = datetime.date(2026, 11, 6)
    public_ctx, public = page_for(browser, base)
    public.goto(f"{base}/talent/workstations/publicity/")
    public.wait_for_selector("#publicity-table")
    assert "2026 年 11 月" in public.inner_text("#publicity-month")
    row = public.inner_text("#publicity-table")
    assert "测试企业甲" in row and "钱教授" in row and "公示中" in row
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    public.screenshot(path=str(SCREENSHOTS / "talent-workstation-publicity.png"), full_page=True)
    for ctx in (host_ctx, city_ctx, prov_ctx, public_ctx):
        ctx.close()
