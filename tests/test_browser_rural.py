"""Rural services by clicking: a farmer's question no knowledge entry answers is assigned from the county's
queue, answered, and looked up again by phone and code; a course and an outreach event run end to end;
two counties pair up from the monitoring results and log what they did."""

import datetime

import pytest

from .conftest import SCREENSHOTS, login

pytestmark = pytest.mark.browser


def signed_in(browser, base, username):
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.js_errors = errors
    login(page, base, username)
    return context, page


def make_expert(world, username, name, field):
    from django.conf import settings

    from countyinno.accounts.models import Role, User
    from countyinno.talent.models import Talent

    user = User(username=username, role=Role.TALENT, organisation=world.enterprise_a)
    user.set_password(settings.DEMO_PASSWORD)
    user.save()
    return Talent.objects.create(name=name, user=user, home_unit=world.enterprise_a, fields=[field])


@pytest.mark.django_db(transaction=True)
def test_farmer_question_routed_answered_and_counted(shandong, live_server, browser):
    from countyinno.accounts.testing import ScopeWorld
    from countyinno.rural.models import KnowledgeEntry

    world = ScopeWorld.build()
    make_expert(world, "t-expert", "张农艺师", "小麦")
    KnowledgeEntry.objects.create(question="小麦条锈病怎么防治", answer="发病初期用三唑酮喷雾。", field="小麦")
    base = live_server.url

    farmer_ctx = browser.new_context(locale="zh-CN", viewport={"width": 390, "height": 844}, is_mobile=True)
    farmer = farmer_ctx.new_page()
    farmer.goto(f"{base}/rural/")
    farmer.fill("#ask-form input[name=asker]", "王大爷")
    farmer.fill("#ask-form input[name=phone]", "13812345678")
    farmer.select_option("#ask-form select[name=city]", "370100")
    farmer.select_option("#ask-form select[name=region]", "370102")
    farmer.select_option("#ask-form select[name=field]", "小麦")
    farmer.fill("#ask-form textarea[name=text]", "小麦播种后出苗不齐是什么原因")
    farmer.click("#ask-button")
    farmer.wait_for_selector("#routed:has-text('张农艺师')")
    assert farmer.is_visible("#due-at")
    question_url = farmer.url

    ctx, page = signed_in(browser, base, "t-expert")
    page.goto(question_url)
    assert page.inner_text("#phone") == "13812345678"  # the answering expert sees the number
    page.fill("#answer-form textarea[name=answer]", "播种过深或墒情不足所致，出苗后及时镇压保墒。")
    page.click("#answer-button")
    page.wait_for_selector("#question-status:has-text('专家已答')")
    ctx.close()

    farmer.goto(question_url)
    assert "镇压保墒" in farmer.inner_text("#answer")
    farmer_ctx.close()

    ctx, county = signed_in(browser, base, "t-county-370102")
    county.goto(f"{base}/rural/questions/")
    row = county.locator("#question-stats tr[data-code='370102']")
    assert row.locator(".by-expert").inner_text() == "1" and row.locator(".on-time").inner_text() == "1"
    assert "13812345678" not in county.content()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    county.screenshot(path=str(SCREENSHOTS / "rural-stats.png"))
    ctx.close()


@pytest.mark.django_db(transaction=True)
def test_unanswerable_question_assigned_from_the_queue_and_looked_up(shandong, live_server, browser):
    """Nobody covers 水产: the question waits for a person; the county assigns it from its queue, the expert
    (notified) answers, and the farmer finds it again the next day with the phone number and the code."""
    from countyinno.accounts.testing import ScopeWorld

    world = ScopeWorld.build()
    make_expert(world, "t-fish-expert", "刘水产", "淡水养殖")  # no field match: a person must choose
    base = live_server.url

    farmer_ctx = browser.new_context(locale="zh-CN", viewport={"width": 390, "height": 844}, is_mobile=True)
    farmer = farmer_ctx.new_page()
    farmer.goto(f"{base}/rural/")
    assert farmer.get_attribute("#ask-form input[name=phone]", "inputmode") == "numeric"
    assert farmer.get_attribute("#ask-form input[name=phone]", "type") == "tel"
    # City first: the county list narrows to that city's counties (static script, progressive enhancement).
    farmer.select_option("#ask-form select[name=city]", "370100")
    counties = farmer.eval_on_selector_all("#ask-form select[name=region] option", "os => os.map(o => o.value)")
    assert "370102" in counties and "370202" not in counties
    farmer.select_option("#ask-form select[name=region]", "370102")
    farmer.fill("#ask-form input[name=asker]", "李大娘")
    farmer.fill("#ask-form input[name=phone]", "1388765432")  # a digit short
    farmer.select_option("#ask-form select[name=field]", "水产")
    farmer.fill("#ask-form textarea[name=text]", "对虾养殖池水体发白，虾不吃食怎么处理")
    farmer.click("#ask-button")
    farmer.wait_for_selector("#error-phone")
    # Everything typed is still there; only the number needs fixing.
    assert farmer.input_value("#ask-form input[name=asker]") == "李大娘"
    assert farmer.input_value("#ask-form textarea[name=text]") == "对虾养殖池水体发白，虾不吃食怎么处理"
    assert farmer.input_value("#ask-form select[name=region]") == "370102"
    farmer.fill("#ask-form input[name=phone]", "13887654321")
    farmer.click("#ask-button")
    farmer.wait_for_selector("#lookup-code")
    code = farmer.inner_text("#lookup-code").strip()
    assert farmer.inner_text("#question-status") == "待人工分派 waiting for an expert"
    assert "工作小时" in farmer.inner_text("#answer-clock")
    farmer_ctx.close()

    ctx, county = signed_in(browser, base, "t-county-370102")
    county.click("#notices")
    county.click("text=新农技问题待分派专家")  # the notice leads to the question
    county.goto(f"{base}/rural/")
    county.click("#queue-link")
    county.wait_for_selector("#question-queue")
    assert county.inner_text("#count-unrouted") == "1"
    county.click("#question-queue tbody tr td a")
    county.select_option("#route-form select[name=expert]", label=county.locator(
        "#route-form select[name=expert] option", has_text="刘水产").inner_text())
    county.click("#route-button")
    county.wait_for_selector("#routed:has-text('刘水产')")
    county.click("text=返回待分派问题")
    county.wait_for_selector("#question-queue")
    assert county.inner_text("#count-unrouted") == "0"
    ctx.close()

    ctx, expert = signed_in(browser, base, "t-fish-expert")
    expert.click("#notices")
    expert.click("text=农技问题待您解答")
    expert.fill("#answer-form textarea[name=answer]", "水体发白多为浮游动物过多，换水三分之一并泼洒二氧化氯。")
    expert.click("#answer-button")
    expert.wait_for_selector("#question-status:has-text('专家已答')")
    ctx.close()

    later_ctx = browser.new_context(locale="zh-CN", viewport={"width": 390, "height": 844}, is_mobile=True)
    later = later_ctx.new_page()
    later.goto(f"{base}/rural/")
    later.click("#lookup-link")
    later.fill("#lookup-form input[name=phone]", "13887654321")
    later.fill("#lookup-form input[name=code]", code.lower())
    later.click("#lookup-button")
    later.wait_for_selector("#answer")
    assert "二氧化氯" in later.inner_text("#answer")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    later.screenshot(path=str(SCREENSHOTS / "rural-lookup.png"))
    later_ctx.close()


@pytest.mark.django_db(transaction=True)
def test_course_and_outreach_event_run_by_clicking(shandong, live_server, browser):
    """The county publishes a course, a farmer enrols (public form), the organiser checks the trainee in,
    records the rating and issues a certificate the trainee opens by number; an outreach event likewise."""
    from django.utils import timezone

    from countyinno.accounts.testing import ScopeWorld
    from countyinno.core import audit
    from countyinno.rural.models import Course, OutreachEvent

    ScopeWorld.build()
    base = live_server.url
    today = timezone.localdate()

    ctx, county = signed_in(browser, base, "t-county-370102")
    county.goto(f"{base}/rural/")
    county.click("text=驿站、培训、科普与结对帮扶")
    county.click("#new-course")
    county.fill("#course-form input[name=title]", "设施蔬菜病虫害绿色防控")
    county.select_option("#course-form select[name=crop]", "设施蔬菜")
    county.fill("#course-form input[name=session_date]", today.isoformat())
    county.fill("#course-form input[name=capacity]", "0")  # a mistake: shown beside the field, input kept
    county.select_option("#course-form select[name=region]", "370102")
    county.click("#save-course")
    county.wait_for_selector("#error-capacity")
    assert county.input_value("#course-form input[name=title]") == "设施蔬菜病虫害绿色防控"
    county.fill("#course-form input[name=capacity]", "30")
    county.click("#save-course")
    county.wait_for_selector("#enrolments")
    course_url = county.url

    farmer_ctx = browser.new_context(locale="zh-CN", viewport={"width": 390, "height": 844}, is_mobile=True)
    farmer = farmer_ctx.new_page()
    farmer.goto(f"{base}/rural/")
    farmer.click("text=培训课程与科普活动")
    farmer.click("#courses-link")
    farmer.click("text=设施蔬菜病虫害绿色防控")
    farmer.fill("#enrol-form input[name=name]", "赵学员")
    farmer.fill("#enrol-form input[name=phone]", "13900001111")
    farmer.click("#enrol-button")
    farmer.wait_for_selector("#enrolled")

    county.goto(course_url)
    row = county.locator("#enrolments tr[data-name='赵学员']")
    row.locator(".attend-button").click()
    county.wait_for_selector("#enrolments tr[data-name='赵学员'] .certificate-button")
    row = county.locator("#enrolments tr[data-name='赵学员']")
    row.locator("select[name=score]").select_option("5")
    row.locator("input[name=note]").fill("很实用")
    row.locator(".feedback-button").click()
    county.wait_for_selector("#enrolments tr[data-name='赵学员'] .feedback:has-text('5')")
    county.locator("#enrolments tr[data-name='赵学员'] .certificate-button").click()
    link = county.locator("#enrolments tr[data-name='赵学员'] .certificate-link")
    number = link.inner_text().strip()
    link.click()
    county.wait_for_selector("#certificate")
    assert county.inner_text("#certificate-name") == "赵学员" and county.is_visible("#print-button")

    farmer.goto(f"{base}/rural/activities/")
    farmer.click("text=结业证书查询")
    farmer.fill("#certificate-lookup input[name=number]", number)
    farmer.fill("#certificate-lookup input[name=phone]", "13900001111")
    farmer.click("#certificate-lookup-button")
    farmer.wait_for_selector("#certificate")
    assert farmer.inner_text("#certificate-number") == number

    # An outreach event (科普日) that is on now: registration, check-in, close.
    county.goto(f"{base}/rural/activities/")
    county.click("#new-event")
    county.fill("#event-form input[name=title]", "历下区科普日 · 农业新技术展")
    county.select_option("#event-form select[name=kind]", "day")
    start = timezone.localtime() - datetime.timedelta(hours=1)
    county.fill("#event-form input[name=starts_at]", start.strftime("%Y-%m-%dT%H:%M"))
    county.fill("#event-form input[name=ends_at]", (start + datetime.timedelta(hours=8)).strftime("%Y-%m-%dT%H:%M"))
    county.select_option("#event-form select[name=region]", "370102")
    county.click("#save-event")
    county.wait_for_selector("#registrations")
    event_url = county.url

    farmer.goto(f"{base}/rural/events/")
    farmer.click("text=历下区科普日 · 农业新技术展")
    farmer.fill("#register-form input[name=name]", "钱市民")
    farmer.fill("#register-form input[name=phone]", "13700002222")
    farmer.click("#register-button")
    farmer.wait_for_selector("#registered")
    farmer_ctx.close()

    county.goto(event_url)
    county.locator("#registrations tr[data-name='钱市民'] .check-in-button").click()
    county.wait_for_selector("#checked-count:has-text('1')")
    county.click("#close-button")
    county.wait_for_selector("text=报名与签到已结束")
    county.goto(f"{base}/rural/targets/")
    year = str(today.year)
    row = county.locator(f"#activity-table tr[data-year='{year}']")
    assert row.locator(".trained").inner_text() == "1" and row.locator(".certified").inner_text() == "1"
    assert row.locator(".checked-in").inner_text() == "1"
    assert not county.js_errors
    ctx.close()
    with audit.system("test check"):
        assert Course.objects.get().enrolments.get().certificate == number
        assert OutreachEvent.objects.get().closed


@pytest.mark.django_db(transaction=True)
def test_counties_pair_from_the_index_and_log_activities(shandong, live_server, browser):
    """The city proposes a strong/weak pairing from the latest index; each county confirms by clicking; both
    log what they did, and the pairing shows on both counties' pages."""
    from countyinno.accounts.testing import ScopeWorld
    from countyinno.core import audit
    from countyinno.monitoring import services as monitoring
    from countyinno.monitoring.models import IndexResult, IndexRun
    from countyinno.regions.models import Region

    world = ScopeWorld.build()
    with audit.system("test: an index run"), audit.bulk("test: an index run"):
        framework = monitoring.publish_framework(actor=None, framework=monitoring.create_framework(
            actor=None, code="T", name="测试", rows=monitoring.default_framework_rows()))
        campaign = monitoring.open_campaign(actor=None, year=2025, framework=framework,
                                            deadline=datetime.date(2026, 3, 1))
        run = IndexRun.objects.create(campaign=campaign, status="succeeded")
        counties = list(Region.objects.filter(level="county", city=world.city_ab).order_by("code")[:6])
        assert world.county_a in counties and world.county_b in counties
        order = [world.county_b] + [c for c in counties if c not in (world.county_a, world.county_b)] + [world.county_a]
        IndexResult.objects.bulk_create([IndexResult(run=run, region=c, year=2025, index=90 - 10 * i, rank=i + 1,
                                                     scores={}) for i, c in enumerate(order)])
    base = live_server.url

    ctx, city = signed_in(browser, base, "t-city-370100")
    city.goto(f"{base}/rural/")
    city.click("text=强县帮弱县结对")
    city.wait_for_selector("#suggestion-table")
    suggestion = city.locator(f"#suggestion-table tr[data-weak='{world.county_a.code}']").first
    assert suggestion.get_attribute("data-strong") == world.county_b.code
    suggestion.locator(".propose-button").click()
    city.wait_for_selector("#pairing-status:has-text('待双方确认')")
    assert not city.is_visible("#confirm-button")  # the city does not agree for the counties
    pairing_url = city.url
    ctx.close()

    for username in ("t-county-370102", "t-county-370103"):
        ctx, county = signed_in(browser, base, username)
        county.click("#notices")
        county.click("text=结对帮扶提议")
        county.click("#confirm-button")
        county.wait_for_selector("text=已确认")
        ctx.close()

    ctx, strong = signed_in(browser, base, "t-county-370103")
    strong.goto(pairing_url)
    assert "结对中" in strong.inner_text("#pairing-status")
    strong.fill("#activity-form input[name=title]", "市中区科技局赴历下区交流农业园区建设经验")
    strong.click("#log-button")
    strong.wait_for_selector("#pairing-activities:has-text('交流农业园区建设经验')")
    strong.click(f"h1 >> text={world.county_b.name}")  # the strong county's own page
    strong.wait_for_selector("#county-pairing-section:has-text('交流农业园区建设经验')")
    ctx.close()

    ctx, weak = signed_in(browser, base, "t-county-370102")
    weak.goto(pairing_url)
    weak.fill("#activity-form input[name=title]", "历下区派骨干赴市中区跟班学习")
    weak.click("#log-button")
    weak.wait_for_selector("#pairing-activities:has-text('跟班学习')")
    weak.click(f"h1 >> text={world.county_a.name}")
    section = weak.inner_text("#county-pairing-section")
    assert world.county_b.name in section and "跟班学习" in section and "交流农业园区建设经验" in section
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    weak.screenshot(path=str(SCREENSHOTS / "rural-pairing.png"))
    ctx.close()
