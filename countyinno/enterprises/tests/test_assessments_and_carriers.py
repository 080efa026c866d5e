"""Self-assessments in words, exact money, carriers and certificates pages, and no 500 from parameters."""

import datetime
import re
from decimal import Decimal

import pytest
from django.contrib.contenttypes.models import ContentType

from countyinno.core.actions import ActionRefused
from countyinno.core.models import AuditLogEntry
from countyinno.engines.rules import hightech
from countyinno.enterprises import assessments, services
from countyinno.enterprises.models import Carrier, Certificate, Enterprise, EnterpriseYear, PoolMembership

YEAR = {"sales": "3000", "total_income": "3100", "hightech_income": "2200", "total_assets": "4000",
        "net_assets": "1500", "total_cost": "2600", "staff_total": "80", "st_staff": "12", "rd_personnel": "60",
        "rd_direct_inputs": "25", "rd_depreciation": "5", "rd_design": "3", "ip_class_1": "1", "ip_class_2": "4",
        "conversions": "3"}
DEVELOPER_OUTPUT = re.compile(r"\{'|\['|\bFalse\b|\bTrue\b|\bNone\b|\bPASS\b|\bFAIL\b|\bBORDERLINE\b|Decimal\(")


def make_enterprise(organisation, size="small", industry="C3911"):
    return Enterprise.objects.create(organisation=organisation, industry=industry, size=size,
                                     founded=datetime.date(2015, 5, 1), domain="电子信息")


@pytest.fixture
def firms(world):
    return {"a": make_enterprise(world.enterprise_a), "a2": make_enterprise(world.enterprise_a2, size="medium"),
            "c": make_enterprise(world.enterprise_c)}


def three_years(world, firm, **overrides):
    for year, sales, net in ((2021, "2500", "1000"), (2022, "2800", "1200"), (2023, "3000", "1320")):
        values = dict(YEAR, sales=sales, net_assets=net, **overrides)
        services.save_year(actor=world.users["member_a"] if firm.organisation == world.enterprise_a
                           else world.users["county_c"], enterprise=firm, year=year, values=values)


def visible_text(html: str) -> str:
    html = re.sub(r"<(script|style)[^>]*>.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"<[^>]+>", " ", html)


# ------------------------------------------------------------------ exact money

def test_figures_are_exact_decimals_and_typed_values_are_parsed_exactly(world, firms):
    record = services.save_year(actor=world.users["member_a"], enterprise=firms["a"], year=2023,
                                values=dict(YEAR, sales="1,234.5678", rd_domestic_share="85%"))
    record.refresh_from_db()
    assert record.sales == Decimal("1234.5678") and isinstance(record.sales, Decimal)
    assert record.rd_domestic_share == Decimal("0.85")
    assert record.rd_total == Decimal("93")
    with pytest.raises(Exception) as info:
        services.save_year(actor=world.users["member_a"], enterprise=firms["a"], year=2023,
                           values=dict(YEAR, sales="0.00001", net_assets="NaN", total_assets="1e309"))
    errors = info.value.message_dict
    assert {"sales", "net_assets", "total_assets"} <= set(errors)
    assert "最多 4 位小数" in errors["sales"][0] and "销售收入" in errors["sales"][0]


def test_fifteen_percent_net_asset_growth_lands_in_the_upper_band(world, firms):
    """1000 → 1200 → 1320 is exactly 15 % growth: band C (5–6 points), not band D as with floats."""
    three_years(world, firms["a"])
    data = assessments.HIGHTECH.stored_input(firms["a"])
    assert [y["net_assets"] for y in data["years"]] == [Decimal("1000"), Decimal("1200"), Decimal("1320")]
    assert all(isinstance(y["net_assets"], Decimal) for y in data["years"])
    detail = hightech.assess(data)["innovation_score"]["growth_detail"]["net_assets"]
    assert detail["band"] == "C" and list(detail["points"]) == [5, 6]


def test_the_assessment_page_shows_the_exact_growth_band(world, firms, client):
    three_years(world, firms["a"])
    client.force_login(world.users["member_a"])
    page = client.get(f"/enterprises/{firms['a'].pk}/assess/hightech/").content.decode()
    assert "净资产增长率 15%（C 档）" in page


# ------------------------------------------------------------------ self-assessments in words

@pytest.mark.parametrize("kind", ["hightech", "tsme", "superdeduction"])
def test_each_assessment_page_speaks_in_words_with_units(world, firms, client, kind):
    three_years(world, firms["a"])
    client.force_login(world.users["member_a"])
    response = client.get(f"/enterprises/{firms['a'].pk}/assess/{kind}/")
    assert response.status_code == 200
    html = response.content.decode()
    text = visible_text(html)
    assert not DEVELOPER_OUTPUT.search(text), DEVELOPER_OUTPUT.search(text).group(0)
    verdict = re.search(r'id="verdict"[^>]*>([^<]+)<', html).group(1)
    assert verdict in ("通过", "未通过", "临界")
    assert re.search(r'id="verdict-why">[^<]{6,}', html)  # a sentence why
    assert 'id="conditions"' in html and "%" in text and "万元" in text
    assert 'name="staff_total" value="80"' in html or kind == "superdeduction"


def test_hightech_report_explains_each_failed_condition_and_the_gaps(world, firms):
    three_years(world, firms["a"])
    report = assessments.HIGHTECH.assess_stored(firms["a"])
    assert report.verdict == "FAIL" and report.verdict_label == "未通过"
    assert report.why.startswith("有 ") and "研发费用" in report.why
    assert all(f["why"] for f in report.failures)
    assert any("研发费用合计再增加" in tip for tip in report.improvements)
    assert "–" in report.score and "分" in report.score
    staff = next(r for r in report.rows if r.name == "科技人员占职工总数比例")
    assert (staff.value, staff.required, staff.result) == ("15%", "≥ 10%", "满足")


def test_tsme_form_keeps_typed_values_and_explains_bad_input_beside_the_field(world, firms, client):
    three_years(world, firms["a"])
    client.force_login(world.users["member_a"])
    url = f"/enterprises/{firms['a'].pk}/assess/tsme/"
    form = assessments.TSME.form(firms["a"], None)
    data = assessments.TSME._as_data(form)
    response = client.post(url, dict(data, sales="很多", st_staff="900"))
    assert response.status_code == 400
    html = response.content.decode()
    assert 'value="很多"' in html and 'value="900"' in html  # what was typed is kept
    assert "上年销售收入（万元）：请输入数字 / enter a number" in html
    assert "科技人员数（人）：科技人员（900 人）不能多于职工总数" in html
    response = client.post(url, dict(data, st_staff="40", resident_enterprise="on"))
    html = response.content.decode()
    assert response.status_code == 200 and 'id="verdict"' in html
    assert "占比 50%" in visible_text(html)


def test_a_hightech_certificate_no_longer_qualifies_directly_under_the_2022_rules(world, firms):
    """国科发政〔2022〕16号 dropped the 2017 route "valid 高企 certificate" from direct qualification."""
    three_years(world, firms["a"], st_staff="2")  # 2.5 % S&T staff: scores 0, fails on score alone
    assert assessments.TSME.assess_stored(firms["a"]).verdict == "FAIL"
    Certificate.objects.create(enterprise=firms["a"], kind="hightech", number="GR2023",
                               issued=datetime.date(2023, 11, 30), valid_until=datetime.date(2026, 11, 30))
    assert assessments.TSME.assess_stored(firms["a"]).verdict == "FAIL"


def test_superdeduction_amounts_and_excluded_industries(world, firms, client):
    three_years(world, firms["a"])
    report = assessments.SUPERDEDUCTION.assess_stored(firms["a"])
    assert report.verdict == "PASS" and "万元" in report.why
    extra = next(r for r in report.rows if r.name == "可加计扣除额")
    assert extra.value == "93 万元"  # 2023: 100 % of 93 万元
    firms["a"].industry = "F5171"
    firms["a"].save()
    report = assessments.SUPERDEDUCTION.assess_stored(firms["a"])
    assert report.verdict == "FAIL" and report.verdict_label == "未通过" and "批发" in report.why


def test_enterprise_page_offers_the_three_assessments(world, firms, client):
    three_years(world, firms["a"])
    client.force_login(world.users["member_a"])
    html = client.get(f"/enterprises/{firms['a'].pk}/").content.decode()
    for kind in ("hightech", "tsme", "superdeduction"):
        assert f'id="assess-{kind}" href="/enterprises/{firms["a"].pk}/assess/{kind}/"' in html
    text = visible_text(html)
    assert not DEVELOPER_OUTPUT.search(text), DEVELOPER_OUTPUT.search(text).group(0)
    assert "未通过" in text


def test_officials_assess_firms_of_their_area_only(world, firms, client):
    three_years(world, firms["a"])
    url = f"/enterprises/{firms['a'].pk}/assess/tsme/"
    for who, status in (("county_a", 200), ("city_ab", 200), ("province", 200), ("county_b", 404),
                        ("member_a2", 404), ("talent_a", 404)):
        client.force_login(world.users[who])
        assert client.get(url).status_code == status, who
    assert client.get(f"/enterprises/{firms['a'].pk}/assess/nonsense/").status_code == 404


def test_pool_page_shows_each_active_members_verdict_and_links_the_gap_report(world, firms, client):
    three_years(world, firms["a"])
    services.nominate(actor=world.users["county_a"], enterprise=firms["a"], year=2024)
    client.force_login(world.users["county_a"])
    html = client.get("/enterprises/pool/").content.decode()
    assert "未通过" in html and f"/enterprises/{firms['a'].pk}/assess/hightech/" in html


def test_assessment_api(world, firms, api_client):
    three_years(world, firms["a"])
    api_client.force_authenticate(world.users["member_a"])
    url = f"/api/enterprises/enterprises/{firms['a'].pk}/assessments/"
    body = api_client.get(url + "tsme/").json()
    assert body["verdict"] in ("PASS", "FAIL") and body["verdict_label"] in ("通过", "未通过")
    assert body["inputs"]["staff_total"] == "80" and body["conditions"]
    body = api_client.get(url + "tsme/", {"st_staff": "40"}).json()
    assert body["inputs"]["st_staff"] == "40"
    response = api_client.get(url + "hightech/", {"staff_total": "abc"})
    assert response.status_code == 400 and "请输入整数" in response.json()["errors"]["staff_total"][0]
    assert api_client.get(url + "superdeduction/", {"year": "abc"}).status_code == 400
    assert api_client.get(url + "superdeduction/").json()["verdict_label"] == "通过"
    assert api_client.get(url + "unknown/").status_code == 404
    api_client.force_authenticate(world.users["member_a2"])
    assert api_client.get(url + "tsme/").status_code == 404


# ------------------------------------------------------------------ no 500 from any parameter

@pytest.mark.parametrize("query", ["year=abc", "year=99999999999999999999", "year=-1", "year=%00", "year=1e309",
                                   "page=abc", "size=huge&pool=x&q=%27", "year=2021"])
def test_hostile_parameters_never_answer_500(world, firms, client, query):
    three_years(world, firms["a"])
    services.nominate(actor=world.users["county_a"], enterprise=firms["a"], year=2024)
    client.force_login(world.users["county_a"])
    for path in (f"/enterprises/{firms['a'].pk}/", "/enterprises/", "/enterprises/pool/", "/enterprises/carriers/",
                 "/enterprises/certificates/", f"/enterprises/{firms['a'].pk}/assess/hightech/",
                 f"/enterprises/{firms['a'].pk}/assess/tsme/", f"/enterprises/{firms['a'].pk}/assess/superdeduction/"):
        response = client.get(f"{path}?{query}")
        assert response.status_code < 500, (path, query, response.status_code)


def test_a_bad_year_parameter_is_explained_on_the_page(world, firms, client):
    client.force_login(world.users["member_a"])
    html = client.get(f"/enterprises/{firms['a'].pk}/?year=abc").content.decode()
    assert 'id="year-param-error"' in html and "请输入整数 / enter a whole number" in html
    response = client.post(f"/enterprises/{firms['a'].pk}/years/", dict(YEAR, year="abc", sales="3000"))
    assert response.status_code == 400 and 'value="3000"' in response.content.decode()
    assert not EnterpriseYear.objects.exists()


def test_year_form_errors_keep_typed_values_beside_the_fields(world, firms, client):
    client.force_login(world.users["member_a"])
    response = client.post(f"/enterprises/{firms['a'].pk}/years/", dict(YEAR, year="2023", staff_total="-5",
                                                                         sales="三千"))
    html = response.content.decode()
    assert response.status_code == 200 and 'value="三千"' in html and 'value="-5"' in html
    assert "职工总数不能为负数 / total staff must not be negative" in html
    assert not EnterpriseYear.objects.exists()


# ------------------------------------------------------------------ carriers and certificates

def test_county_admin_registers_and_edits_a_carrier_by_the_pages(world, firms, client):
    client.force_login(world.users["county_a"])
    html = client.get("/enterprises/carriers/").content.decode()
    assert 'id="register-carrier"' in html
    form = client.get("/enterprises/carriers/new/").content.decode()
    assert f'value="{world.county_a.pk}"' in form and f'value="{world.county_b.pk}"' not in form
    bad = client.post("/enterprises/carriers/new/", {"name": "", "kind": "incubator", "level": "county",
                                                     "region": world.county_b.pk, "recognised": "2024-13-01"})
    assert bad.status_code == 400 and not Carrier.objects.exists()
    assert "所在地区：请从列表中选择" in bad.content.decode() and "认定日期：日期格式应为" in bad.content.decode()
    response = client.post("/enterprises/carriers/new/", {"name": "历下科技企业孵化器", "kind": "incubator",
                                                          "level": "provincial", "region": world.county_a.pk,
                                                          "recognised": "2022-06-01"})
    carrier = Carrier.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/enterprises/carriers/{carrier.pk}/"
    edit = client.get(f"/enterprises/carriers/{carrier.pk}/edit/").content.decode()
    assert "测试企业甲" in edit and "测试企业丙" not in edit  # residents: firms of the carrier's county
    client.post(f"/enterprises/carriers/{carrier.pk}/edit/", {
        "name": "历下科技企业孵化器", "kind": "incubator", "level": "national", "region": world.county_a.pk,
        "recognised": "2022-06-01", "residents": [firms["a"].pk, firms["a2"].pk]})
    carrier.refresh_from_db()
    assert carrier.level == "national" and set(carrier.residents.all()) == {firms["a"], firms["a2"]}
    entries = AuditLogEntry.objects.filter(content_type=ContentType.objects.get_for_model(Carrier),
                                           object_id=str(carrier.pk))
    assert {e.operation for e in entries} == {"enterprises.register_carrier", "enterprises.edit_carrier"}
    assert "国家级" in client.get("/enterprises/carriers/?level=national").content.decode()
    client.force_login(world.users["county_b"])
    assert client.get(f"/enterprises/carriers/{carrier.pk}/edit/").status_code == 404
    client.force_login(world.users["member_a"])
    assert client.get("/enterprises/carriers/new/").status_code == 404


def test_a_carrier_cannot_take_residents_from_outside_its_region(world, firms):
    carrier = services.register_carrier(actor=world.users["city_ab"], region=world.county_a, name="孵化器",
                                        kind="incubator", level="city", recognised=datetime.date(2022, 1, 1))
    with pytest.raises(Exception) as info:
        services.edit_carrier(actor=world.users["province"], carrier=carrier, region=world.county_a, name="孵化器",
                              kind="incubator", level="city", recognised=datetime.date(2022, 1, 1),
                              residents=[firms["c"]])
    assert "residents" in info.value.message_dict
    with pytest.raises(ActionRefused):  # moving it out of the actor's area is refused
        services.edit_carrier(actor=world.users["county_a"], carrier=carrier, region=world.county_c, name="孵化器",
                              kind="incubator", level="city", recognised=datetime.date(2022, 1, 1))
    carrier.refresh_from_db()
    assert carrier.region == world.county_a and not carrier.residents.exists()


def test_county_admin_records_a_certificate_by_the_page_and_the_pool_member_graduates(world, firms, client):
    services.nominate(actor=world.users["county_a"], enterprise=firms["a"], year=2021)
    client.force_login(world.users["member_a"])
    assert 'id="add-certificate"' not in client.get(f"/enterprises/{firms['a'].pk}/").content.decode()
    assert client.get(f"/enterprises/{firms['a'].pk}/certificates/new/").status_code == 404
    client.force_login(world.users["county_a"])
    assert 'id="add-certificate"' in client.get(f"/enterprises/{firms['a'].pk}/").content.decode()
    url = f"/enterprises/{firms['a'].pk}/certificates/new/"
    bad = client.post(url, {"kind": "hightech", "number": "GR202337000001", "issued": "2023-11-30",
                            "valid_until": "2023-01-01"})
    assert bad.status_code == 400 and 'value="GR202337000001"' in bad.content.decode()
    assert "有效期至：有效期应晚于发证日期" in bad.content.decode()
    client.post(url, {"kind": "hightech", "number": "GR202337000001", "issued": "2025-11-30",
                      "valid_until": "2028-11-30"})
    assert PoolMembership.objects.get(enterprise=firms["a"]).status == "graduated"
    again = client.post(url, {"kind": "hightech", "number": "GR202337000001", "issued": "2025-11-30",
                              "valid_until": "2028-11-30"})
    assert again.status_code == 400 and "证书编号：该证书编号已登记" in again.content.decode()
    listing = client.get("/enterprises/certificates/?state=valid&kind=hightech").content.decode()
    assert "GR202337000001" in listing and "高新技术企业" in listing and "有效" in listing
    client.force_login(world.users["county_c"])
    assert "GR202337000001" not in client.get("/enterprises/certificates/").content.decode()


def test_values_are_formatted_for_people_whatever_number_type_the_engines_return():
    from fractions import Fraction

    assert [assessments.verdict_label(v) for v in ("PASS", "FAIL", "BORDERLINE")] == ["通过", "未通过", "临界"]
    assert assessments.percent(Fraction(3, 20)) == "15%" and assessments.percent(0.03036) == "3.04%"
    assert assessments.percent(Decimal("0.0304")) == "3.04%"
    assert assessments.money(Decimal("1234.5000")) == "1,234.5 万元" and assessments.money(3000.0) == "3,000 万元"
    assert assessments.humanize({"ratio": 0.03036, "ok": False}) == "0.0304；否"
    assert assessments.humanize([21, 68]) == "21–68" and assessments.humanize(">= 10%") == "≥ 10%"
