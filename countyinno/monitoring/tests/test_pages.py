"""What officials do on the monitoring pages: the survey form, uploads, rankings, campaign work, reports."""

import datetime
import io
import re
from decimal import Decimal

import pytest
from django.core.management import call_command  # noqa: F401

from countyinno.core import audit, schedule
from countyinno.core.models import AuditLogEntry, Notification
from countyinno.core.tests.test_uploads import with_member, workbook_bytes
from countyinno.monitoring import excel, indexing, services
from countyinno.monitoring.models import CountySubmission, IndexRun, IndicatorFramework, ReviewComment, SubmissionValue

from .conftest import fill_approved, open_campaign


def good_values(campaign):
    return {n.code: round(n.min_value + (n.max_value - n.min_value) * 0.3, 2) for n in campaign.framework.indicators()}


def row_html(page: str, code: str) -> str:
    return page.split(f'id="row-{code}"')[1].split("</tr>")[0]


# ------------------------------------------------------------------ 1. the survey form
def test_invalid_values_keep_everything_typed_and_errors_sit_beside_their_fields(world, campaign, client):
    submission = campaign.submissions.get(region=world.county_a)
    client.force_login(world.users["county_a"])
    typed = {f"value_{code}": str(v) for code, v in good_values(campaign).items()}
    typed["value_RD_GDP"] = "两点五"
    typed["value_GDP_PC"] = "1"  # below the valid range
    typed["explain_HTE_COUNT"] = "新认定 40 家"
    response = client.post(f"/monitoring/submissions/{submission.pk}/save/", {**typed, "revision": "0"})
    assert response.status_code == 400
    page = response.content.decode()
    for name, value in typed.items():  # nothing the user typed is lost
        assert re.search(rf'name="{name}"[^>]*value="{re.escape(value)}"|value="{re.escape(value)}"[^>]*name="{name}"',
                         page), name
    rd = row_html(page, "RD_GDP")
    assert "field-error" in rd and "两点五" in rd and "应为数字" in rd and "expected a number" in rd
    gdp = row_html(page, "GDP_PC")
    assert "超出有效范围" in gdp and "人均地区生产总值" in gdp
    assert "field-error" not in row_html(page, "FISCAL_ST")
    assert "__all__" not in page
    assert not SubmissionValue.objects.filter(submission=submission).exists()


def test_last_year_change_and_the_rows_that_need_an_explanation(world, framework, client):
    last = fill_approved(open_campaign(world, framework, 2023))
    this = open_campaign(world, framework, 2024)
    submission = this.submissions.get(region=world.county_a)
    previous = last.submissions.get(region=world.county_a).values.get(node__code="HTE_COUNT").value
    values = {f"value_{code}": str(v) for code, v in
              {v.node.code: v.value for v in last.submissions.get(region=world.county_a).values.select_related("node")}.items()}
    values["value_HTE_COUNT"] = str(previous * 3)
    client.force_login(world.users["county_a"])
    page = client.post(f"/monitoring/submissions/{submission.pk}/save/", {**values, "revision": "0"}).content.decode()
    row = row_html(page, "HTE_COUNT")
    assert f"{previous:g}" in row and "+200.0%" in row and "须说明" in row
    explain_cell = row.split('name="explain_HTE_COUNT"')[1]
    assert "field-error" in explain_cell and "请填写说明" in explain_cell  # beside the 变动说明 field
    assert 'id="jumps-missing"' in page
    # With the explanation, 保存并提交审核 saves first, then hands in.
    values["explain_HTE_COUNT"] = "新认定高企 40 家"
    response = client.post(f"/monitoring/submissions/{submission.pk}/save/", {**values, "revision": "0",
                                                                             "do": "submit"})
    assert response.status_code == 302
    submission.refresh_from_db()
    assert submission.status == "submitted"
    assert submission.values.get(node__code="HTE_COUNT").explanation == "新认定高企 40 家"


def test_submit_after_editing_keeps_the_edit(world, campaign, client):
    submission = campaign.submissions.get(region=world.county_a)
    services.save_values(actor=world.users["county_a"], submission=submission, values=good_values(campaign))
    client.force_login(world.users["county_a"])
    values = {f"value_{code}": str(v) for code, v in good_values(campaign).items()}
    values["value_RD_GDP"] = "3.33"
    response = client.post(f"/monitoring/submissions/{submission.pk}/save/", {**values, "revision": "1",
                                                                             "do": "submit"})
    assert response.status_code == 302
    submission.refresh_from_db()
    assert submission.status == "submitted" and submission.values.get(node__code="RD_GDP").value == 3.33


def test_submitting_an_incomplete_form_saves_and_marks_the_missing_fields(world, campaign, client):
    submission = campaign.submissions.get(region=world.county_a)
    client.force_login(world.users["county_a"])
    response = client.post(f"/monitoring/submissions/{submission.pk}/save/", {"value_RD_GDP": "2.5", "revision": "0",
                                                                             "do": "submit"})
    assert response.status_code == 400
    page = response.content.decode()
    assert "field-error" in row_html(page, "FISCAL_ST") and "必填" in row_html(page, "FISCAL_ST")
    assert 'value="2.5"' in row_html(page, "RD_GDP")
    submission.refresh_from_db()
    assert submission.status == "draft" and submission.values.get(node__code="RD_GDP").value == 2.5
    assert f'name="revision" value="{submission.revision}"' in page  # the next save is not a false conflict


def test_demo_values_satisfy_the_jump_rule(world, framework, client):
    """The demo's years follow one another, so an untouched draft of the latest year saves as it is."""
    from countyinno.monitoring.demo import check_demo_jumps, satisfy_jump_rule

    fill_approved(open_campaign(world, framework, 2023))
    this = fill_approved(open_campaign(world, framework, 2024), exclude={"370102"})
    assert len(check_demo_jumps(this)) < 136 * 25 * 0.02  # the generator keeps each county's profile
    with audit.system("test: demo rule"), audit.bulk("test: demo rule"):
        satisfy_jump_rule(this)
    assert check_demo_jumps(this) == []
    # A draft pre-filled from last year's figures grown a little: saved untouched, no jump errors.
    submission = this.submissions.get(region=world.county_a)
    from countyinno.monitoring.demo import county_capability, demo_value
    from countyinno.regions.models import Region
    import numpy as np

    counties = list(Region.objects.filter(level="county", province__code="370000").order_by("code"))
    capability, extra = county_capability(counties, np.random.default_rng(1))
    rng = np.random.default_rng([1, 2024])
    values = {n.code: demo_value(n.code, n, capability, extra, world.county_a, 2024, rng)
              for n in this.framework.indicators()}
    services.save_values(actor=world.users["county_a"], submission=submission, values=values)
    client.force_login(world.users["county_a"])
    page = client.get(f"/monitoring/submissions/{submission.pk}/").content.decode()
    form = {f"value_{code}": str(v) for code, v in values.items()}
    response = client.post(f"/monitoring/submissions/{submission.pk}/save/", {**form, "revision": "1"})
    assert response.status_code == 302, re.findall(r'field-error[^>]*>([^<]+)', response.content.decode())
    assert 'id="jumps-missing"' not in page


# ------------------------------------------------------------------ 2. uploads go through the guarded reader
def zip_bomb() -> bytes:
    return with_member(workbook_bytes(), "xl/worksheets/sheet1.xml", b"<row>" + b" " * 200_000_000 + b"</row>")


def test_a_zip_bomb_upload_is_refused_on_the_page(world, campaign, client):
    submission = campaign.submissions.get(region=world.county_a)
    client.force_login(world.users["county_a"])
    response = client.post(f"/monitoring/submissions/{submission.pk}/upload/", {"file": io.BytesIO(zip_bomb())},
                           follow=True)
    page = response.content.decode()
    assert "解压后" in page and "expands to" in page
    assert not submission.values.exists()


def test_upload_rights_are_checked_before_the_file_is_read(world, campaign, client, monkeypatch):
    submission = campaign.submissions.get(region=world.county_a)
    opened = []
    monkeypatch.setattr(excel, "open_workbook", lambda *a, **k: opened.append(1))
    client.force_login(world.users["city_ab"])  # sees the submission, may not enter its values
    response = client.post(f"/monitoring/submissions/{submission.pk}/upload/",
                           {"file": io.BytesIO(excel.build_template(submission))}, follow=True)
    assert "无权" in response.content.decode() and opened == []
    client.force_login(world.users["county_a"])
    client.post("/monitoring/frameworks/import/", {"code": "X", "name": "x", "file": io.BytesIO(zip_bomb())})
    assert not IndicatorFramework.objects.filter(code="X").exists()


def test_a_zip_bomb_framework_import_is_refused(world, client):
    client.force_login(world.users["province"])
    response = client.post("/monitoring/frameworks/import/", {"code": "BOMB", "name": "炸弹",
                                                               "file": io.BytesIO(zip_bomb())}, follow=True)
    assert "解压后" in response.content.decode()
    assert not IndicatorFramework.objects.filter(code="BOMB").exists()


# ------------------------------------------------------------------ 3-5. results pages
HOSTILE = ["abc", "-1", "99999999999999999999", "1e309", "NaN", "<script>", "' OR 1=1 --", "\x00", "%", "３７", "[]"]


def test_published_results_are_province_wide_and_no_parameter_breaks_a_page(run, world, client):
    county = world.users["county_a"]
    client.force_login(county)
    assert client.get(f"/monitoring/runs/{run.pk}/").status_code == 404  # not published yet
    client.force_login(world.users["province"])
    assert client.post(f"/monitoring/runs/{run.pk}/publish/").status_code == 302
    run.refresh_from_db()
    assert run.published_at and AuditLogEntry.objects.filter(operation="monitoring.publish_index_run").exists()

    client.force_login(county)
    page = client.get("/monitoring/rankings/", follow=True).content.decode()
    assert f"测算</span>" not in page and 'id="my-county"' in page and "本县位次" in page
    assert re.search(r'id="my-rank">\d+ / 135<', page)
    data = client.get(f"/monitoring/runs/{run.pk}/map.json").json()
    assert len(data["counties"]) == 135  # the whole province, not only itself
    assert len({c["value"] for c in data["counties"].values()}) > 100
    assert data["counties"]["370402"]["name"] == "市中区（枣庄市）"
    profile = client.get(f"/monitoring/runs/{run.pk}/counties/370102/").content.decode()
    assert 'id="peers"' in profile and "市辖区内排名" in profile
    assert client.get(f"/monitoring/runs/{run.pk}/counties/370202/").status_code == 200  # published: all counties
    report = client.get(f"/monitoring/runs/{run.pk}/counties/370102/report/").content.decode()
    assert "历下区" in report and "同类型相近县" in report and "近年走势" in report
    # 各市概况: 济南 with all its counties; the decision tool over the whole province.
    cities = page.split('id="city-table"')[1].split("</table>")[0]
    jinan = re.search(r"济南市</a></td><td>(\d+)</td>", cities)
    assert jinan and int(jinan.group(1)) > 5
    decisions = client.get(f"/monitoring/runs/{run.pk}/decisions/", {"budget": "1000.55", "rule": "top_n",
                                                                      "top_n": "3"}).content.decode()
    assert 'id="share-total">100.00<' in decisions and 'id="allocation-total">1000.55<' in decisions

    # Hostile parameters: a 400 or the page with a message, never a 500.
    urls = ["/monitoring/rankings/", f"/monitoring/runs/{run.pk}/", f"/monitoring/runs/{run.pk}/map.json",
            f"/monitoring/runs/{run.pk}/export.xlsx", f"/monitoring/runs/{run.pk}/decisions/",
            f"/monitoring/runs/{run.pk}/counties/370102/", f"/monitoring/campaigns/{run.campaign_id}/"]
    params = ["year", "metric", "run", "city", "county_type", "group", "q", "sort", "page", "status", "overdue",
              "budget", "rule", "top_n", "floor", "weight_leading", "candidate_min_gain", "format", "per_page"]
    for who in ("county_a", "province"):
        client.force_login(world.users[who])
        for url in urls:
            for i, bad in enumerate(HOSTILE):
                query = {p: bad for p in params[i % 4::3]}
                status = client.get(url, query).status_code
                assert status < 500, (who, url, query, status)
    client.force_login(world.users["province"])
    assert client.get(f"/monitoring/runs/{run.pk}/map.json", {"metric": "nope"}).status_code == 400
    assert client.get(f"/monitoring/runs/{run.pk}/map.json", {"year": "abc"}).status_code == 400
    assert client.get(f"/monitoring/runs/{run.pk}/export.xlsx", {"year": "1999"}).status_code == 400
    bad = client.get(f"/monitoring/runs/{run.pk}/decisions/", {"budget": "-5", "rule": "top_n", "top_n": "x"})
    assert bad.status_code == 400
    page = bad.content.decode()
    assert re.search(r'data-field="budget">[^<]+', page) and re.search(r'data-field="top_n">[^<]+', page)
    assert 'value="-5"' in page


def test_ranking_table_sorts_searches_filters_and_pages(run, world, client):
    indexing.publish_index_run(actor=world.users["province"], run=run)
    client.force_login(world.users["city_c"])
    url = f"/monitoring/runs/{run.pk}/"

    def codes(query):
        page = client.get(url, query).content.decode()
        table = page.split('id="ranking-table"')[1].split("</table>")[0]
        return re.findall(r'data-code="(\d+)"', table), table

    first, _ = codes({})
    assert len(first) == 50  # paged
    second, _ = codes({"page": 2})
    assert len(second) == 50 and not set(first) & set(second)
    jinan, table = codes({"city": "370100", "county_type": "市辖区"})
    assert jinan and all(c.startswith("3701") for c in jinan)
    counties, _ = codes({"county_type": "县"})
    from countyinno.regions.models import Region

    assert set(Region.objects.filter(code__in=counties).values_list("county_type", flat=True)) == {"县"}
    shizhong, table = codes({"q": "市中区"})
    assert set(shizhong) == {"370402"} | ({"370103"} & set(first + second + codes({"page": 3})[0]))
    assert "枣庄市" in table
    by_index, _ = codes({"sort": "index"})
    worst = run.results.filter(year=2024).order_by("index").first()
    assert by_index[0] == worst.region.code
    typed, table = codes({"county_type": "县级市", "sort": "rank"})
    assert re.search(r">1 / \d+<", table)  # rank within type, out of the type's count


# ------------------------------------------------------------------ 5-6. campaign page: batch approval, close, 催报
def test_city_batch_approves_its_submitted_counties(world, campaign, client):
    subs = {code: campaign.submissions.get(region__code=code) for code in ("370102", "370103")}
    for code, s in subs.items():
        services.save_values(actor=None if False else world.users["province"], submission=s, values=good_values(campaign))
        services.submit_submission(actor=world.users[{"370102": "county_a", "370103": "county_b"}[code]], submission=s)
    draft = campaign.submissions.get(region__code="370104")
    client.force_login(world.users["city_ab"])
    page = client.get(f"/monitoring/campaigns/{campaign.pk}/", {"city": "370100", "status": "submitted"}).content.decode()
    assert 'id="batch-approve"' in page and page.count('name="pick"') == 2
    response = client.post(f"/monitoring/campaigns/{campaign.pk}/approve/",
                           {"pick": [s.pk for s in subs.values()] + [draft.pk], "comment": "数据已核实"}, follow=True)
    assert "已审核通过 2 份" in response.content.decode() and "1 份当前不可由您审核" in response.content.decode()
    for s in subs.values():
        s.refresh_from_db()
        assert s.status == "city_approved"
        assert ReviewComment.objects.filter(submission=s, to_status="city_approved", comment="数据已核实").count() == 1
        assert AuditLogEntry.objects.filter(action="state", object_id=str(s.pk), content_type__model="countysubmission",
                                            operation="monitoring.batch_approve_submissions").count() == 1
    draft.refresh_from_db()
    assert draft.status == "draft"
    # A county admin has no batch button and the action refuses it.
    client.force_login(world.users["county_a"])
    assert 'id="batch-approve"' not in client.get(f"/monitoring/campaigns/{campaign.pk}/").content.decode()


def test_overdue_counties_are_flagged_reminded_and_the_campaign_closed(world, campaign, client):
    with audit.system("test: the deadline has passed"):
        campaign.deadline = datetime.date.today() - datetime.timedelta(days=3)
        campaign.save()
    client.force_login(world.users["city_ab"])
    page = client.get(f"/monitoring/campaigns/{campaign.pk}/").content.decode()
    jinan = campaign.submissions.filter(region__city=world.city_ab).count()
    assert f'id="overdue-count">{jinan}<' in page and "逾期未报" in page and 'id="remind-overdue"' in page
    assert 'id="close-campaign"' not in page  # only the province closes
    response = client.post(f"/monitoring/campaigns/{campaign.pk}/remind/", follow=True)
    assert f"已向 {jinan} 个逾期未报的县发送催报通知" in response.content.decode()
    notice = Notification.objects.get(user=world.users["county_a"])
    assert "催报" in notice.title and notice.url.endswith(f"/submissions/{campaign.submissions.get(region=world.county_a).pk}/")
    assert not Notification.objects.filter(user=world.users["county_c"]).exists()  # another city's county
    reminded = campaign.submissions.get(region=world.county_a)
    assert reminded.reminder_count == 1 and AuditLogEntry.objects.filter(
        operation="monitoring.remind_overdue", object_id=str(reminded.pk)).exists()
    # The daily task reminds every overdue county once a day, not again an hour later.
    schedule.run("monitoring.remind_overdue")
    assert Notification.objects.filter(user=world.users["county_c"]).count() == 1
    assert Notification.objects.filter(user=world.users["county_a"]).count() == 1
    schedule.run("monitoring.remind_overdue")
    assert Notification.objects.filter(user=world.users["county_c"]).count() == 1
    # The province closes the campaign: no more overdue flags, no more edits.
    client.force_login(world.users["province"])
    client.post(f"/monitoring/campaigns/{campaign.pk}/close/")
    campaign.refresh_from_db()
    assert campaign.status == "closed"
    page = client.get(f"/monitoring/campaigns/{campaign.pk}/").content.decode()
    assert 'id="overdue-count">0<' in page and "已截止" in page


# ------------------------------------------------------------------ 7. words, and a report people would sign
def test_pages_show_words_not_codes(world, campaign, client):
    submission = campaign.submissions.get(region=world.county_a)
    services.save_values(actor=world.users["county_a"], submission=submission, values=good_values(campaign))
    services.submit_submission(actor=world.users["county_a"], submission=submission)
    client.force_login(world.users["county_a"])
    page = client.get(f"/monitoring/submissions/{submission.pk}/").content.decode()
    log = page.split('id="review-log"')[1].split("</ul>")[0]
    assert "填报中" in log and "待市级审核" in log and "· draft →" not in log
    framework = client.get(f"/monitoring/frameworks/{campaign.framework.pk}/").content.decode()
    assert "enterprises.hightech_count" not in framework and "高新技术企业认定名单" in framework


def test_report_has_a_cover_findings_and_print_rules(run, world):
    from countyinno.monitoring import reports

    indexing.publish_index_run(actor=world.users["province"], run=run)
    html = reports.render_html(run, world.users["county_a"])
    assert 'id="cover"' in html and "山东省科学技术厅" in html
    findings = html.split('id="findings"')[1].split("</ol>")[0]
    assert findings.count("<li>") >= 4 and "综合指数最高为" in findings
    assert html.split('id="advice"')[1].split("</ol>")[0].count("<li>") >= 2
    assert "page-break-inside: avoid" in html and "white-space: nowrap" in html
    assert "数据来源" in html and "技术合同认定登记" in html
    # A county official's report is the province's: every county, not one bar.
    assert reports.report_scope(world.users["county_a"], run) == "all"
    assert html.count('<td class="county">') >= 135


def test_allocation_is_exact_in_decimals():
    from countyinno.monitoring import decisions

    scores = [decisions.CountyScore(f"C{i}", f"县{i}", "县", 100 - i * 7.3, i + 1, "领先") for i in range(7)]
    out = decisions.allocate(scores, Decimal("1000.55"), "score", floor=Decimal("10"))
    assert sum(a["amount"] for a in out) == Decimal("1000.55")
    assert sum(a["share"] for a in out) == Decimal("100.00")
    assert all(isinstance(a["amount"], Decimal) for a in out)
