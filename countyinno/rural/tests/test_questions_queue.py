"""12396 questions never get stuck: the working-time clock, the assignment queue, notices, escalation,
the asker's look-up, throttled anonymous forms that keep what was typed, and no 500 from any parameter."""

import datetime
import re
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.utils import timezone

from countyinno.core import audit
from countyinno.core.models import AuditLogEntry, Notification
from countyinno.core.schedule import run as run_periodic
from countyinno.rural import clock, services
from countyinno.rural.models import FarmerQuestion

from .action_cases import make_expert, make_question

SH = ZoneInfo("Asia/Shanghai")
PHONE = "13812345678"


def post_question(client, **extra):
    data = {"asker": "王大爷", "phone": PHONE, "city": "", "region": "370102", "field": "水产",
            "text": "对虾养殖水体发白怎么处理"}
    data.update(extra)
    return client.post("/rural/ask/", data)


# ------------------------------------------------------------------ the clock
def test_the_answer_clock_counts_working_days_only():
    # A Friday morning: the weekend does not count.
    friday = datetime.datetime(2026, 3, 6, 10, 0, tzinfo=SH)
    assert clock.add_working_hours(friday, 48) == datetime.datetime(2026, 3, 10, 10, 0, tzinfo=SH)
    # National Day 2025 (1–8 October off): 12 hours on 30 September, then 9 and 10 October.
    before_holiday = datetime.datetime(2025, 9, 30, 12, 0, tzinfo=SH)
    due = clock.add_working_hours(before_holiday, 48)
    assert due == datetime.datetime(2025, 10, 10, 12, 0, tzinfo=SH)
    assert clock.working_hours_between(before_holiday, due) == 48
    assert clock.working_hours_between(due, before_holiday) == -48
    # A make-up working Sunday (28 September 2025) counts.
    saturday = datetime.datetime(2025, 9, 27, 9, 0, tzinfo=SH)
    assert clock.add_working_hours(saturday, 24) == datetime.datetime(2025, 9, 29, 0, 0, tzinfo=SH)
    # A year whose schedule is not published yet: Monday to Friday, and the page is told.
    assert not clock.schedule_known(datetime.date(2099, 1, 1))
    assert clock.add_working_hours(datetime.datetime(2099, 1, 2, 0, 0, tzinfo=SH), 25) == \
        datetime.datetime(2099, 1, 5, 1, 0, tzinfo=SH)  # 2099-01-02 is a Friday


# ------------------------------------------------------------------ the queue
def test_unassigned_question_reaches_the_queue_and_the_county_assigns(world, client):
    expert = make_expert(world, field="小麦")  # nobody covers 水产
    response = post_question(client)
    question = FarmerQuestion.objects.get()
    assert response.status_code == 302 and question.status == "unrouted"
    assert question.due_at is not None and len(question.lookup_code) == 6
    assert Notification.objects.filter(user=world.users["county_a"], kind="rural.question_unassigned").exists()
    assert not Notification.objects.filter(user=world.users["county_c"]).exists()

    client.force_login(world.users["county_a"])
    queue = client.get("/rural/questions/queue/").content.decode()
    assert f'data-pk="{question.pk}"' in queue and "待人工分派" in queue
    client.force_login(world.users["county_c"])
    assert f'data-pk="{question.pk}"' not in client.get("/rural/questions/queue/").content.decode()
    client.force_login(world.users["member_a"])
    assert client.get("/rural/questions/queue/").status_code == 403

    # The field has no expert: the page still offers every commissioner, nearest first.
    client.force_login(world.users["county_a"])
    page = client.get(f"/rural/questions/{question.pk}/").content.decode()
    assert 'id="route-form"' in page and expert.name in page
    assert client.post(f"/rural/questions/{question.pk}/route/", {"expert": expert.pk}).status_code == 302
    question.refresh_from_db()
    assert question.status == "routed" and question.expert == expert
    notice = Notification.objects.get(user=expert.user, kind="rural.question_assigned")
    assert notice.url == f"/rural/questions/{question.pk}/"
    assert AuditLogEntry.objects.filter(operation="rural.route_question", actor=world.users["county_a"]).exists()

    # Reassigning to the same expert is refused beside the field; another expert is told, the first one too.
    again = client.post(f"/rural/questions/{question.pk}/route/", {"expert": expert.pk})
    assert again.status_code == 400 and "已由该专家负责" in again.content.decode()
    other = make_expert(world, field="水产")
    client.post(f"/rural/questions/{question.pk}/route/", {"expert": other.pk})
    question.refresh_from_db()
    assert question.expert == other
    assert Notification.objects.filter(user=expert.user, kind="rural.question_reassigned").exists()
    # A hostile expert value is a form error, not a 500.
    for bad in ("abc", "-1", "99999999999999999999999", "\x00"):
        assert client.post(f"/rural/questions/{question.pk}/route/", {"expert": bad}).status_code == 400


def test_overdue_questions_escalate_county_city_province(world):
    question = make_question(world, due_at=timezone.now() - datetime.timedelta(minutes=5))
    fresh = make_question(world, due_at=timezone.now() + datetime.timedelta(hours=5))
    assert run_periodic("rural.escalate_overdue_questions") == 1
    question.refresh_from_db()
    fresh.refresh_from_db()
    assert question.level == "city" and fresh.level == "county"
    assert Notification.objects.filter(user=world.users["city_ab"], kind="rural.question_escalated").exists()
    assert not Notification.objects.filter(user=world.users["city_c"]).exists()
    entry = AuditLogEntry.objects.get(operation="rural.escalate_question", action="update")
    assert entry.actor is None and "rural.escalate_overdue_questions" in entry.actor_name
    # Not again until another answer period has passed at the city.
    assert run_periodic("rural.escalate_overdue_questions") == 0
    later = timezone.now() + datetime.timedelta(days=20)
    with audit.system("test: much later"):
        assert services.escalate_overdue(now=later) == 2  # the fresh one is overdue by then too
    question.refresh_from_db()
    assert question.level == "province"
    assert Notification.objects.filter(user=world.users["province"], kind="rural.question_escalated").exists()
    with audit.system("test: later still"):
        assert services.escalate_overdue(now=later + datetime.timedelta(days=20)) == 1  # the fresh one; not past the top
    question.refresh_from_db()
    assert question.level == "province"


def test_the_asker_looks_the_question_up_by_phone_and_code(world):
    expert = make_expert(world, field="水产")
    farmer = Client()
    post_question(farmer)
    question = FarmerQuestion.objects.get()
    page = farmer.get(f"/rural/questions/{question.pk}/").content.decode()
    assert question.lookup_code in page and 'id="due-at"' in page and "工作小时" in page
    services.answer_question(actor=expert.user, question=question, text="换水并泼洒二氧化氯，控制投喂量。")

    later = Client()  # another day, another phone: nothing in the session
    assert later.get(f"/rural/questions/{question.pk}/").status_code == 404
    wrong = later.post("/rural/lookup/", {"phone": PHONE, "code": "ZZZZZZ"})
    assert wrong.status_code == 400 and "不匹配" in wrong.content.decode()
    found = later.post("/rural/lookup/", {"phone": PHONE, "code": question.lookup_code.lower()})
    assert found.status_code == 302 and found["Location"] == f"/rural/questions/{question.pk}/"
    assert "二氧化氯" in later.get(found["Location"]).content.decode()
    # Guessing codes is limited per address.
    guesser = Client(REMOTE_ADDR="10.9.9.9")
    statuses = [guesser.post("/rural/lookup/", {"phone": PHONE, "code": f"AAAA{n:02d}"}).status_code
                for n in range(services.LOOKUPS_PER_IP + 3)]
    assert statuses[-1] == 429 and statuses.count(429) == 3
    assert "稍后再试" in guesser.post("/rural/lookup/", {"phone": PHONE, "code": question.lookup_code}).content.decode()
    assert "lookup_code" not in str(AuditLogEntry.objects.filter(content_type__model="farmerquestion")
                                    .values_list("after", flat=True))


# ------------------------------------------------------------------ throttling and the form
def test_a_flood_from_one_address_routes_at_most_the_limit(world):
    make_expert(world, field="水产")
    flood = Client(REMOTE_ADDR="203.0.113.7")
    statuses = [post_question(flood, phone=f"1390000{n:04d}", text=f"对虾养殖水体发白怎么处理 第{n}次").status_code
                for n in range(30)]
    assert FarmerQuestion.objects.filter(source_ip="203.0.113.7").count() == services.QUESTIONS_PER_IP == 5
    assert statuses.count(302) == 5 and statuses.count(429) == 25
    blocked = post_question(flood, phone="13900009999", text="大棚番茄裂果怎么办呢").content.decode()
    assert "提交过于频繁" in blocked and "too many questions" in blocked
    assert "大棚番茄裂果怎么办呢" in blocked and "13900009999" in blocked  # the form keeps what was typed
    # Another address is not blocked by this one.
    assert post_question(Client(REMOTE_ADDR="203.0.113.8"), phone="13700000001").status_code == 302


def test_one_phone_asks_at_most_three_an_hour_from_any_address(world):
    for n in range(30):
        post_question(Client(REMOTE_ADDR=f"198.51.100.{n + 1}"), text=f"对虾养殖水体发白怎么处理 {n}")
    assert FarmerQuestion.objects.filter(phone=PHONE).count() == services.QUESTIONS_PER_PHONE == 3
    # Hotline staff entering calls are not throttled.
    client = Client()
    client.force_login(world.users["county_a"])
    assert post_question(client, text="对虾养殖水体发白 热线").status_code == 302
    assert FarmerQuestion.objects.filter(phone=PHONE, channel="hotline").count() == 1


def test_the_form_is_made_for_phones_and_keeps_input_on_a_typo(world, client):
    home = client.get("/rural/").content.decode()
    phone_input = re.search(r'<input[^>]*name="phone"[^>]*>', home).group(0)
    assert 'type="tel"' in phone_input and 'inputmode="numeric"' in phone_input
    assert re.search(r'<textarea[^>]*name="text"', home)
    assert re.search(r'<select[^>]*name="city"', home) and re.search(r'<select[^>]*name="region"', home)
    assert '<optgroup label="济南市">' in home and "rural/js/county-picker.js" in home
    assert "<script>" not in home  # no inline script: the CSP forbids it

    typo = post_question(client, phone="1381234567", asker="李大娘", text="玉米叶子卷曲发黄是怎么回事")
    page = typo.content.decode()
    assert typo.status_code == 400 and not FarmerQuestion.objects.exists()
    assert 'value="李大娘"' in page and 'value="1381234567"' in page and "玉米叶子卷曲发黄是怎么回事" in page
    assert 'id="error-phone"' in page and "11 位手机号" in page and "11-digit" in page
    # A county outside the chosen city is refused beside the county field.
    wrong_city = post_question(client, city="370200").content.decode()
    assert 'id="error-region"' in wrong_city and "the county is not in the chosen city" in wrong_city


HOSTILE = ["abc", "-1", "0", "99999999999999999999999", "2026-13-45", "NaN", "<script>", "' OR 1=1 --", "\x00", "%",
           "９", "", "9" * 400]


@pytest.mark.parametrize("who", [None, "county_a", "city_ab", "province", "member_a", "talent_a"])
def test_no_rural_page_answers_500_to_any_parameter(world, who):
    question = make_question(world)
    client = Client(raise_request_exception=False)
    if who:
        client.force_login(world.users[who])
    pages = ["/rural/", "/rural/lookup/", "/rural/questions/", "/rural/questions/queue/",
             f"/rural/questions/{question.pk}/", "/rural/activities/", "/rural/courses/", "/rural/events/",
             "/rural/courses/new/", "/rural/events/new/", "/rural/certificates/verify/", "/rural/pairings/",
             "/rural/counties/370102/", "/rural/counties/abc/", "/rural/targets/"]
    params = ["state", "region", "level", "field", "page", "sort", "when", "status", "city", "year", "expert"]
    failures = []
    for n, path in enumerate(pages):
        for value in HOSTILE:
            query = {p: value for p in params}
            if client.get(path, query).status_code >= 500:
                failures.append(f"GET {path} {value!r}")
    posts = ["/rural/ask/", "/rural/lookup/", f"/rural/questions/{question.pk}/route/",
             f"/rural/questions/{question.pk}/answer/", f"/rural/questions/{question.pk}/escalate/",
             "/rural/courses/new/", "/rural/events/new/", "/rural/certificates/verify/", "/rural/pairings/propose/"]
    fields = ["asker", "phone", "region", "city", "field", "text", "code", "expert", "answer", "title", "crop", "season",
              "session_date", "capacity", "kind", "starts_at", "ends_at", "number", "weak", "strong", "basis"]
    for path in posts:
        for value in HOSTILE:
            if client.post(path, {f: value for f in fields}).status_code >= 500:
                failures.append(f"POST {path} {value!r}")
    assert not failures, failures
