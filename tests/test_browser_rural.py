"""A farmer asks a question, it goes to an expert who answers within the clock, and the county sees it."""

import pytest

from .conftest import SCREENSHOTS, login

pytestmark = pytest.mark.browser


@pytest.mark.django_db(transaction=True)
def test_farmer_question_routed_answered_and_counted(shandong, live_server, browser):
    from django.conf import settings

    from countyinno.accounts.models import Role, User
    from countyinno.accounts.testing import ScopeWorld
    from countyinno.rural.models import KnowledgeEntry
    from countyinno.talent.models import Talent

    world = ScopeWorld.build()
    expert = User(username="t-expert", role=Role.TALENT, organisation=world.enterprise_a)
    expert.set_password(settings.DEMO_PASSWORD)
    expert.save()
    Talent.objects.create(name="张农艺师", user=expert, home_unit=world.enterprise_a, fields=["小麦"])
    KnowledgeEntry.objects.create(question="小麦条锈病怎么防治", answer="发病初期用三唑酮喷雾。", field="小麦")
    base = live_server.url

    farmer_ctx = browser.new_context(locale="zh-CN", viewport={"width": 390, "height": 844}, is_mobile=True)
    farmer = farmer_ctx.new_page()
    farmer.goto(f"{base}/rural/")
    farmer.fill("#ask-form input[name=asker]", "王大爷")
    farmer.fill("#ask-form input[name=phone]", "13812345678")
    farmer.select_option("#ask-form select[name=region]", "370102")
    farmer.select_option("#ask-form select[name=field]", "小麦")
    farmer.fill("#ask-form textarea[name=text]", "小麦播种后出苗不齐是什么原因")
    farmer.click("#ask-button")
    farmer.wait_for_selector("#routed:has-text('张农艺师')")
    question_url = farmer.url

    ctx = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    page = ctx.new_page()
    login(page, base, "t-expert")
    page.goto(question_url)
    assert page.inner_text("#phone") == "13812345678"  # the answering expert sees the number
    page.fill("#answer-form textarea[name=answer]", "播种过深或墒情不足所致，出苗后及时镇压保墒。")
    page.click("#answer-button")
    page.wait_for_selector("#question-status:has-text('专家已答')")
    ctx.close()

    farmer.goto(question_url)
    assert "镇压保墒" in farmer.inner_text("#answer")
    farmer_ctx.close()

    ctx = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    county = ctx.new_page()
    login(county, base, "t-county-370102")
    county.goto(f"{base}/rural/questions/")
    row = county.locator("#question-stats tr[data-code='370102']")
    assert row.locator(".by-expert").inner_text() == "1" and row.locator(".on-time").inner_text() == "1"
    assert "13812345678" not in county.content()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    county.screenshot(path=str(SCREENSHOTS / "rural-stats.png"))
    ctx.close()
