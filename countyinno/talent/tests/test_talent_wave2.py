"""Workstation filing with materials, service disputes, county evaluations and an assessment that reflects
service, talents' to-dos, plans in words, and no server error from any parameter on the talent pages."""

import datetime
import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from PIL import Image

from countyinno.accounts.models import Role, User
from countyinno.core.models import AuditLogEntry, Notification
from countyinno.talent import services
from countyinno.talent.models import (Assessment, Assignment, DispatchPlan, ServiceDemand, Talent,
                                      WorkstationApplication)

YEAR = 2026
PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


def png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (4, 4), "white").save(out, format="PNG")
    return out.getvalue()


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    return tmp_path


@pytest.fixture
def served(world):
    """A commissioner (with an account) assigned by a published plan to enterprise A in county A."""
    user = User.objects.create_user(username="t-talent-w2", password="x" * 12, role=Role.TALENT)
    talent = Talent.objects.create(name="王研究员", home_unit=world.enterprise_c, user=user, fields=["现代农业"],
                                   keywords=["小麦"], programmes=["commissioner", "qianren"])
    demand = ServiceDemand.objects.create(requester=world.enterprise_a, region=world.county_a, year=YEAR,
                                          problem="小麦条锈病防治技术指导", fields=["现代农业"], status="assigned")
    plan = DispatchPlan.objects.create(year=YEAR, province=world.province, status="published",
                                       constraints={"min_per_county": 1, "pinned": [[str(talent.pk), str(demand.pk)]],
                                                    "forbidden": []},
                                       summary={"solver": "min_cost_flow_ortools", "status": "optimal", "seconds": 0.02,
                                                "objective": {"assigned": 1, "total_cost": 0.35}, "unserved": 0,
                                                "idle": 0, "county_counts": {"370102": 1}})
    assignment = Assignment.objects.create(plan=plan, talent=talent, demand=demand, reasons=["领域匹配：现代农业"])
    return {"user": user, "talent": talent, "assignment": assignment, "plan": plan}


def log(served, start=datetime.date(YEAR, 3, 2), until=None, days=1):
    return services.log_visit(actor=served["user"], assignment=served["assignment"], visited_on=start,
                              visited_until=until, days=days, content="田间诊断条锈病并制定防治方案")


# ------------------------------------------------------------------ item 2: service counts
def test_a_rating_of_five_and_a_county_evaluation_change_the_assessment(world, served):
    first = log(served, until=datetime.date(YEAR, 3, 11), days=10)
    before = services.assess_year(actor=world.users["province"], year=YEAR)[0]
    assert (before.service, before.satisfaction, before.effect, before.total) == (0, 0, 0, 0)

    services.confirm_log(actor=world.users["member_a"], log=first, satisfaction=5)
    rated = Assessment.objects.get(talent=served["talent"], year=YEAR)  # recomputed by the confirmation itself
    # 服务情况 = 100 × 10 ÷ 30; 满意度 = 20 × 5; total = (33.3333 × 60 + 0 × 20 + 100 × 20) ÷ 100
    assert rated.service == Decimal("33.3333") and rated.satisfaction == Decimal("100.0000")
    assert rated.total == Decimal("40.0000") and rated.confirmed_days == 10 and rated.rating_count == 1
    assert rated.awaiting_evaluation

    services.evaluate_service(actor=world.users["county_a"], assignment=served["assignment"], score="90",
                              comment="解决了企业实际问题")
    evaluated = Assessment.objects.get(pk=rated.pk)
    assert evaluated.effect == Decimal("90.0000") and evaluated.total == Decimal("58.0000")
    assert not evaluated.awaiting_evaluation and evaluated.grade.startswith("不合格")
    with pytest.raises(Exception):  # another county may not evaluate service in county A
        services.evaluate_service(actor=world.users["county_b"], assignment=served["assignment"], score="10")
    with pytest.raises(Exception) as info:
        services.evaluate_service(actor=world.users["county_a"], assignment=served["assignment"], score="100.5")
    assert "0–100" in str(info.value)


def test_one_date_logs_one_day_at_most_and_ranges_bound_the_days(world, served):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as info:
        log(served, days=30)
    assert "days" in info.value.message_dict and "1 calendar day" in " ".join(info.value.message_dict["days"])
    with pytest.raises(ValidationError):
        log(served, days="0.3")  # half days only
    log(served, days="0.5")
    log(served, days="0.5")  # two half-day visits on one date are fine …
    with pytest.raises(ValidationError) as info:
        log(served, days="0.5")  # … a third is more than the date holds
    assert "more than the 1 day" in " ".join(info.value.message_dict["days"])
    with pytest.raises(ValidationError):
        log(served, start=datetime.date(YEAR, 4, 10), until=datetime.date(YEAR, 4, 9))
    assert log(served, start=datetime.date(YEAR, 4, 1), until=datetime.date(YEAR, 4, 5), days=5).span_days == 5


def test_the_unit_disputes_the_talent_answers_and_the_county_sees_it(world, served, client):
    entry = log(served, days=1)
    client.force_login(world.users["member_a"])
    url = f"/talent/assignments/{served['assignment'].pk}/"
    short = client.post(f"/talent/logs/{entry.pk}/dispute/", {f"d{entry.pk}-reason": "无"})
    assert short.status_code == 400 and "give the reason" in short.content.decode()
    client.post(f"/talent/logs/{entry.pk}/dispute/", {f"d{entry.pk}-reason": "当天未到企业现场，仅电话沟通"})
    entry.refresh_from_db()
    assert entry.status == "rejected" and entry.dispute_reason.startswith("当天未到")
    assert Notification.objects.filter(user=served["user"], kind="talent.dispute").exists()

    client.force_login(world.users["county_a"])  # the county sees the dispute on the assignment
    assert "当天未到企业现场" in client.get(url).content.decode()

    client.force_login(served["user"])
    home = client.get("/talent/").content.decode()
    assert 'id="my-disputes"' in home and "当天未到企业现场" in home
    bad = client.post(f"/talent/logs/{entry.pk}/answer/", {f"a{entry.pk}-reply": "已在现场", f"a{entry.pk}-days": "3"})
    assert bad.status_code == 400 and "at most the 1.0 logged" in bad.content.decode()
    client.post(f"/talent/logs/{entry.pk}/answer/", {f"a{entry.pk}-reply": "当天上午电话指导，更正为半天",
                                                     f"a{entry.pk}-days": "0.5"})
    entry.refresh_from_db()
    assert entry.status == "pending" and entry.days == Decimal("0.5") and entry.reply.startswith("当天上午")

    client.force_login(world.users["member_a"])
    client.post(f"/talent/logs/{entry.pk}/confirm/", {f"c{entry.pk}-satisfaction": "4"})
    entry.refresh_from_db()
    assert entry.status == "confirmed" and entry.satisfaction == 4
    assert AuditLogEntry.objects.filter(operation="talent.dispute_log", action="state").exists()


def test_the_county_evaluates_from_its_list_and_a_bad_score_stays_in_the_form(world, served, client):
    client.force_login(world.users["county_a"])
    assert 'id="link-evaluations"' in client.get("/talent/").content.decode()
    listing = client.get("/talent/evaluations/?evaluated=no").content.decode()
    assert "王研究员" in listing and f"/talent/assignments/{served['assignment'].pk}/#evaluation" in listing
    url = f"/talent/assignments/{served['assignment'].pk}/evaluate/"
    bad = client.post(url, {"score": "120", "comment": "很好"})
    text = bad.content.decode()
    assert bad.status_code == 400 and "must be at most 100" in text and 'value="120"' in text
    client.post(url, {"score": "88.5", "comment": "很好"})
    served["assignment"].refresh_from_db()
    assert served["assignment"].county_score == Decimal("88.5")
    client.force_login(world.users["county_b"])
    assert client.post(url, {"score": "10"}).status_code == 404  # out of scope


# ------------------------------------------------------------------ item 1: workstations
def _filing(**extra):
    data = {"kind": "expert", "expert_name": "钱教授", "expert_unit": "山东大学", "other_stations": "0",
            "months_per_year": "4", "agreement": SimpleUploadedFile("协议.pdf", PDF, "application/pdf"),
            "expert": SimpleUploadedFile("简历.png", png(), "image/png")}
    data.update(extra)
    return data


def test_the_host_files_with_materials_checked_by_their_bytes(world, client, media):
    client.force_login(world.users["member_a"])
    assert 'id="new-workstation"' in client.get("/talent/workstations/").content.decode()
    fake = client.post("/talent/workstations/new/", _filing(
        agreement=SimpleUploadedFile("协议.pdf", b"MZ\x90\x00 not a pdf", "application/pdf")))
    text = fake.content.decode()
    assert fake.status_code == 400 and "not a valid PDF, JPEG or PNG" in text and 'value="钱教授"' in text
    big = client.post("/talent/workstations/new/", _filing(
        other=SimpleUploadedFile("big.pdf", PDF + b"0" * (5 * 1024 * 1024), "application/pdf")))
    assert big.status_code == 400 and "too large" in big.content.decode()
    missing = client.post("/talent/workstations/new/", {k: v for k, v in _filing().items() if k != "expert"})
    assert missing.status_code == 400
    assert not WorkstationApplication.objects.exists()

    response = client.post("/talent/workstations/new/", _filing())
    app = WorkstationApplication.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/talent/workstations/{app.pk}/"
    assert (app.status, app.host, app.filed_by, app.months_per_year) == ("submitted", world.enterprise_a,
                                                                         world.users["member_a"], Decimal("4"))
    kinds = dict(app.materials.values_list("kind", "content_type"))
    assert kinds == {"agreement": "application/pdf", "expert": "image/png"}
    material = app.materials.get(kind="agreement")
    assert material.file.path.startswith(str(media)) and material.file.name.endswith(".pdf")
    assert Notification.objects.filter(user=world.users["city_ab"], kind="talent.workstation").exists()

    url = f"/talent/workstations/{app.pk}/materials/{material.pk}/"
    for who, status in (("member_a", 200), ("city_ab", 200), ("province", 200), ("city_c", 404),
                        ("member_c", 404), ("member_a2", 404)):
        c = Client()
        c.force_login(world.users[who])
        got = c.get(url)
        assert got.status_code == status, who
        if status == 200:
            assert b"".join(got.streaming_content) == PDF and got["Content-Disposition"].startswith("attachment")
    assert Client().get(url).status_code == 302  # anonymous: to the log-in page


def test_city_then_province_then_the_monthly_publicity_list(world, client):
    client.force_login(world.users["member_a"])
    client.post("/talent/workstations/new/", _filing())
    app = WorkstationApplication.objects.get()
    assert Client().get("/talent/workstations/publicity/").status_code == 200
    client.force_login(world.users["city_ab"])
    page = client.get(f"/talent/workstations/{app.pk}/").content.decode()
    assert 'id="approve-workstation"' in page and "协议.pdf" in page
    no_reason = client.post(f"/talent/workstations/{app.pk}/review/", {"approve": "0", "comment": ""})
    assert no_reason.status_code == 400 and "a return needs a reason" in no_reason.content.decode()
    client.post(f"/talent/workstations/{app.pk}/review/", {"approve": "1", "comment": "材料齐全"})
    app.refresh_from_db()
    assert app.status == "city_approved" and app.province_due_on and app.city_comment == "材料齐全"
    client.force_login(world.users["member_a"])
    assert "省级复审期限" in client.get(f"/talent/workstations/{app.pk}/").content.decode()

    client.force_login(world.users["province"])
    client.post(f"/talent/workstations/{app.pk}/review/", {"approve": "1", "comment": "同意备案"})
    app.refresh_from_db()
    assert app.status == "approved" and app.published_on and app.publicity_ends_on
    # Published on the next 5th: public from that day, listed under its month.
    app.published_on = datetime.date(2026, 11, 5)
    app.publicity_ends_on = datetime.date(2026, 11, 12)
    from countyinno.core import audit

    with audit.system("test: publication date in the past"):
        app.save()
    public = Client().get("/talent/workstations/publicity/?month=2026-11").content.decode()
    assert "测试企业甲" in public and "钱教授" in public and "公示期满" in public
    assert "钱教授" not in Client().get("/talent/workstations/publicity/?month=2026-10").content.decode()
    assert "materials" not in public  # no materials on the public list


def test_a_returned_application_is_resubmitted_with_more_material(world, client):
    client.force_login(world.users["member_a"])
    client.post("/talent/workstations/new/", _filing(months_per_year="2"))
    app = WorkstationApplication.objects.get()
    client.force_login(world.users["city_ab"])
    refused = client.post(f"/talent/workstations/{app.pk}/review/", {"approve": "1"})
    assert refused.status_code == 400 and "3 months" in refused.content.decode()
    client.post(f"/talent/workstations/{app.pk}/review/", {"approve": "0", "comment": "每年在站时间不足 3 个月"})
    client.force_login(world.users["member_a"])
    page = client.get(f"/talent/workstations/{app.pk}/").content.decode()
    assert "每年在站时间不足" in page and 'id="resubmit-form"' in page
    client.post(f"/talent/workstations/{app.pk}/resubmit/", {
        "months_per_year": "4", "other_stations": "0",
        "other": [SimpleUploadedFile("补充.jpg", _jpeg(), "image/jpeg")]})
    app.refresh_from_db()
    assert app.status == "submitted" and app.months_per_year == 4 and app.materials.count() == 3


def _jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (4, 4), "white").save(out, format="JPEG")
    return out.getvalue()


# ------------------------------------------------------------------ item 4: words, not codes
def test_the_plan_and_profile_speak_in_words(world, served, client):
    client.force_login(world.users["province"])
    page = client.get(f"/talent/plans/{served['plan'].pk}/").content.decode()
    assert "min_cost_flow_ortools" not in page and "{&#x27;" not in page and "{'" not in page
    assert "最小费用流" in page and "每个有需求的县至少派驻 1 名特派员" in page and "王研究员 → 测试企业甲" in page
    client.force_login(served["user"])
    profile = client.get("/talent/profile/").content.decode()
    assert "科技特派员、千人服务千企" in profile and "commissioner" not in profile and "qianren" not in profile
    assessments = client.get("/talent/assessments/").content.decode()
    assert "总分 = (服务情况 × 60 + 服务成效 × 20 + 满意度 × 20) ÷ 100" in assessments


HOSTILE = ["abc", "-1", "0", "99999999999999999999999", "2026-13-45", "1e309", "NaN", "<script>", "\x00", "%",
           "9" * 400, "[]"]


def test_no_talent_page_answers_5xx_to_any_parameter(world, served, client):
    client.raise_request_exception = False
    pages = ["/talent/", "/talent/assessments/", "/talent/workstations/", "/talent/workstations/publicity/",
             "/talent/evaluations/", f"/talent/plans/{served['plan'].pk}/",
             f"/talent/assignments/{served['assignment'].pk}/", "/talent/profile/"]
    params = ["year", "month", "page", "sort", "status", "kind", "grade", "name", "unit", "evaluated", "q"]
    failures = []
    for who in ("province", "county_a", "member_a"):
        client.force_login(world.users[who])
        for url in pages:
            for k, value in enumerate(HOSTILE):  # every value, each with a few parameters at once
                query = {name: value for name in params[k % 4::4]}
                query[params[(k + 1) % len(params)]] = HOSTILE[-1 - k]
                status = client.get(url, query).status_code
                if status >= 500:
                    failures.append(f"{who} {url}?{query!r} → {status}")
    posts = {"/talent/demands/new/": {"days_needed": "1e309", "year": "NaN", "fields": "x"},
             "/talent/plans/solve/": {"year": "abc", "pinned": "a,b\n1", "min_per_county": "-1"},
             f"/talent/assignments/{served['assignment'].pk}/logs/": {"visited_on": "2026-13-45", "days": "NaN"},
             f"/talent/assignments/{served['assignment'].pk}/evaluate/": {"score": "1e309"},
             "/talent/assessments/recompute/": {"year": "\x00"}}
    for who in ("province", "county_a", "member_a"):
        client.force_login(world.users[who])
        for url, data in posts.items():
            status = client.post(url, data).status_code
            if status >= 500:
                failures.append(f"{who} POST {url} → {status}")
    assert not failures, "\n".join(failures[:40])
