"""Each role logs in, lands on its own home page, sees its to-dos and completes one from the list —
by clicking, in a real browser (Debian's Chromium).

- city admin: a submitted survey → 市级审核通过 → gone from the city's list, now the province's;
- province admin: that survey → 省级审定;
- county admin: a farmer's question no expert could be found for → 分派 to an expert;
- the expert (an individual talent): the question → 提交解答;
- enterprise member: the home page offers its own jobs, and none of the officials' pages.
"""

import datetime

import pytest

from .conftest import SCREENSHOTS, login

pytestmark = pytest.mark.browser


def home(page, base):
    page.goto(f"{base}/")
    page.wait_for_selector("text=我的工作台")


@pytest.mark.django_db(transaction=True)
def test_each_role_completes_a_todo_from_its_home_page(shandong, live_server, page):
    from countyinno.accounts.models import Role, User
    from countyinno.accounts.testing import ScopeWorld
    from countyinno.core import audit
    from countyinno.monitoring import services
    from countyinno.monitoring.models import CountySubmission
    from countyinno.rural.models import FarmerQuestion
    from countyinno.talent.models import Talent

    world = ScopeWorld.build()
    base = live_server.url
    province = world.users["province"]
    framework = services.publish_framework(actor=province, framework=services.create_framework(
        actor=province, code="HOME", name="工作台测试", rows=services.default_framework_rows()))
    campaign = services.open_campaign(actor=province, year=2025, framework=framework,
                                      deadline=datetime.date.today() + datetime.timedelta(days=30))
    submission = CountySubmission.objects.get(campaign=campaign, region=world.county_b)
    with audit.system("test: a submitted survey"), audit.bulk("test: a submitted survey"):
        CountySubmission.objects.filter(pk=submission.pk).update(status="submitted")
        expert_user = User.objects.create(username="t-expert", role=Role.TALENT, display_name="王专家")
        expert_user.set_password("CountyInno@2026")
        expert_user.save()
        expert = Talent.objects.create(name="王专家", home_unit=world.enterprise_a, user=expert_user,
                                       fields=["小麦"], programmes=["commissioner"])
        question = FarmerQuestion.objects.create(asker="张大爷", phone="13812345678", region=world.county_a,
                                                 field="小麦", text="小麦叶片发黄并有锈斑，该打什么药", status="unrouted")

    # City admin: the survey waiting for the city is on the home page; approve it from there.
    login(page, base, "t-city-370100")
    home(page, base)
    page.click("#todo-survey-city >> text=市中区")
    page.click("#action-city_approve")
    page.wait_for_load_state("networkidle")
    home(page, base)
    assert page.locator("#todo-survey-city").count() == 0
    page.click("#logout")

    # Province admin: now it waits for the province.
    login(page, base, "t-province")
    home(page, base)
    page.click("#todo-survey-province >> text=市中区")
    page.click("#action-province_approve")
    page.wait_for_load_state("networkidle")
    submission.refresh_from_db()
    assert submission.status == "approved"
    page.click("#logout")

    # County admin: the farmer's question no expert was found for; assign the wheat expert.
    login(page, base, "t-county-370102")
    home(page, base)
    page.click("#todo-questions-unrouted >> text=小麦叶片发黄")
    page.select_option("#route-form select[name=expert]", str(expert.pk))
    page.click("#route-button")
    page.wait_for_selector("#routed")
    home(page, base)
    assert page.locator("#todo-questions-unrouted").count() == 0
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "home-county-after-assigning.png"), full_page=True)
    page.click("#logout")

    # The expert: the question is on their home page; answer it.
    login(page, base, "t-expert")
    home(page, base)
    page.click("#todo-questions-to-answer >> text=小麦叶片发黄")
    page.fill("#answer-form textarea", "可选用三唑酮或戊唑醇喷雾防治锈病，间隔 7–10 天再喷一次，注意用药安全。")
    page.click("#answer-button")
    page.wait_for_load_state("networkidle")
    question.refresh_from_db()
    assert question.status == "answered" and question.answer.startswith("可选用三唑酮")
    home(page, base)
    assert page.locator("#todo-questions-to-answer").count() == 0
    page.click("#logout")

    # Enterprise member: their own jobs on the home page, nothing of the officials'.
    login(page, base, "t-member-a")
    home(page, base)
    assert page.locator(".shortcuts >> text=技术合同登记申请").count() == 1
    assert page.locator("nav.mainnav >> text=创新监测").count() == 0
    assert page.locator("nav.mainnav >> text=审计日志").count() == 0
    page.click(".shortcuts >> text=技术合同登记申请")
    page.wait_for_load_state("networkidle")
    assert "/contracts/apply/" in page.url
    assert not page.js_errors
