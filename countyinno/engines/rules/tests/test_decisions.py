"""The decisions of rules.md (§1–§4) and the exactness of the rule engines, as tests."""

import copy
import datetime
import json
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from countyinno.engines.identifiers import make_id_number, make_organisation_code
from countyinno.engines.rules import contracts, hightech, superdeduction, tsme
from countyinno.engines.rules.cli import contracts_main
from countyinno.engines.rules.common import RuleInputError, points_range
from countyinno.engines.rules.rulesets import ruleset_for

from .test_contracts import GOOD, TODAY, variant
from .test_worked_examples import HIGHTECH, TSME

GROWTH_BANDS = ruleset_for("hightech", "2024-01-01").params["growth_bands"]


def problems(call):
    with pytest.raises(RuleInputError) as info:
        call()
    return {p.field: p.message for p in info.value.problems}


# ---------------------------------------------------------------- §1 高企: exact growth
def test_exactly_15_percent_growth_is_band_c_and_the_verdict_follows():
    g = hightech.growth_rate([1000, 1200, 1320])
    assert g == Fraction(3, 20)
    assert points_range(g, GROWTH_BANDS) == ([5, 6], "C")
    firm = copy.deepcopy(HIGHTECH)
    for year, value in zip(firm["years"], [1000, 1200, 1320]):
        year["net_assets"] = value
    detail = hightech.assess(firm)["innovation_score"]["growth_detail"]["net_assets"]
    assert detail["band"] == "C" and detail["points"] == [5, 6] and detail["growth"] == 0.15


EDGES = [(Fraction(35, 100), "A"), (Fraction(25, 100), "B"), (Fraction(15, 100), "C"), (Fraction(5, 100), "D")]


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(EDGES), st.integers(1, 10**6), st.integers(1, 10**4), st.integers(1, 100))
def test_an_exact_band_edge_growth_scores_the_upper_band(edge, y1_cents, numerator, denominator):
    """Y1, Y2 chosen freely (decimals with 2 places); Y3 solves ½(Y2/Y1 + Y3/Y2) − 1 = edge exactly."""
    g, band = edge
    y1 = Fraction(y1_cents, 100)
    r1 = 1 + Fraction(numerator % (denominator * 2 + 1), denominator * 4)  # Y2/Y1 in [1, 1.5]
    y2 = y1 * r1
    r2 = 2 * (g + 1) - r1
    y3 = y2 * r2
    if y2 <= 0 or y3 < 0:
        return
    # as exact decimals where they are finite, else as fractions of the series
    series = [Decimal(y1.numerator) / Decimal(y1.denominator) if 10**12 % y1.denominator == 0 else y1, y2, y3]
    assert hightech.growth_rate([y1, y2, y3]) == g
    assert points_range(hightech.growth_rate(series), GROWTH_BANDS)[1] == band


@pytest.mark.parametrize("series", [[-100, -200, -400], [-1000, 500, 900], [500, -100, 300], [-50, -40]])
def test_a_negative_base_year_scores_no_growth_points(series):
    assert hightech.growth_rate(series) is None
    firm = copy.deepcopy(HIGHTECH)
    firm["years"] = firm["years"][-len(series):]
    for year, value in zip(firm["years"], series):
        year["net_assets"] = value
    detail = hightech.assess(firm)["innovation_score"]["growth_detail"]["net_assets"]
    assert detail["points"] == [0, 0] and detail["band"] is None


def test_365_days_registered_passes_and_364_fails():
    firm = dict(HIGHTECH, registration_date="2023-06-02")  # 2023-06-02 → 2024-06-01: 365 days
    cond = {c["id"]: c for c in hightech.assess(firm)["conditions"]}[1]
    assert cond["value"] == 365 and cond["passed"] and cond["required"] == ">= 365 days"
    cond = {c["id"]: c for c in hightech.assess(dict(HIGHTECH, registration_date="2023-06-03"))["conditions"]}[1]
    assert cond["value"] == 364 and not cond["passed"] and "365" in cond["reason"]


def test_registration_after_application_is_an_input_error():
    assert "registration_date" in problems(lambda: hightech.assess(dict(HIGHTECH, registration_date="2024-07-01")))


def test_missing_domestic_rd_is_an_input_error_not_a_skipped_check():
    firm = copy.deepcopy(HIGHTECH)
    del firm["years"][1]["rd_domestic"]
    found = problems(lambda: hightech.assess(firm))
    assert list(found) == ["years.1.rd_domestic"] and " / " in found["years.1.rd_domestic"]


def test_domestic_share_below_60_percent_fails_condition_5():
    firm = copy.deepcopy(HIGHTECH)
    for year in firm["years"]:
        year["rd_domestic"] = year["rd"] * 0.5
    cond = {c["id"]: c for c in hightech.assess(firm)["conditions"]}[5]
    assert not cond["passed"] and "60%" in cond["reason"]


def test_expert_blocks_accept_a_range_or_unknown_and_refuse_values_above_the_cap():
    ranged = hightech.assess(dict(HIGHTECH, scores={"management": [15, 18]}))
    assert ranged["innovation_score"]["parts"]["management"] == [15, 18]
    unknown = hightech.assess(dict(HIGHTECH, scores={"management": "unknown"}))
    assert unknown["innovation_score"]["parts"]["management"] == [0, 20]
    assert "scores.management" in problems(lambda: hightech.assess(dict(HIGHTECH, scores={"management": 25})))
    assert "scores.growth" in problems(lambda: hightech.assess(dict(HIGHTECH, scores={"growth": [10, 21]})))
    assert "scores.ip" in problems(lambda: hightech.assess(dict(HIGHTECH, scores={"ip": [20, 10]})))
    assert "management.incentive_system" in problems(
        lambda: hightech.assess(dict(HIGHTECH, scores={}, management={"incentive_system": 5})))


def test_ip_sub_items_accept_their_own_points():
    firm = dict(HIGHTECH, scores={"management": 18, "ip_items": {"advancement": 6, "core_support": [5, 7],
                                                                 "quantity": 8, "acquisition": 6, "standards": 0}})
    assert hightech.assess(firm)["innovation_score"]["parts"]["ip"] == [25, 27]
    bad = dict(HIGHTECH, scores={"ip_items": {"acquisition": 7}})
    assert "scores.ip_items.acquisition" in problems(lambda: hightech.assess(bad))


def test_unknown_keys_are_refused_at_every_level_with_the_path():
    firm = copy.deepcopy(HIGHTECH)
    firm["years"][0]["salse"] = 1
    firm["ip"]["clas_1"] = 1
    found = problems(lambda: hightech.assess(firm))
    assert {"years.0.salse", "ip.clas_1"} <= set(found)
    assert all(" / " in m for m in found.values())


def test_example_69_fails_with_exact_scores():
    firm = dict(HIGHTECH, scores={"ip": 24, "conversion": 20, "management": 15, "growth": 10})
    assert hightech.assess(firm)["verdict"] == "FAIL"
    firm["scores"]["management"] = [15, 17]  # 69–71: may reach 71
    assert hightech.assess(firm)["verdict"] == "BORDERLINE"


# ---------------------------------------------------------------- §2 科技型中小企业 2017 / 2022
def test_tsme_rule_sets_are_dated_and_both_keep_the_worked_examples():
    assert tsme.assess(dict(TSME, assessment_date="2020-03-01"))["ruleset"]["version"] == "2017"
    assert tsme.assess(dict(TSME, assessment_date="2024-03-01"))["ruleset"]["version"] == "2022"
    for day in ("2020-03-01", "2024-03-01"):
        assert tsme.assess(dict(TSME, assessment_date=day))["score"] == 54
        assert tsme.assess(dict(TSME, assessment_date=day, ip={"class_1": 1}))["score"] == 72
        low = dict(TSME, assessment_date=day, st_staff=8, rd_expense=200, ip={"class_1": 3})
        assert tsme.assess(low)["verdict"] == "FAIL"
        assert tsme.assess(dict(low, direct={"national_st_award_5y": True}))["verdict"] == "PASS"
    # 2017 let a valid 高企 certificate qualify directly; the 2022 办法 dropped that route.
    low = dict(TSME, st_staff=8, rd_expense=200, ip={"class_1": 3}, direct={"valid_hightech_certificate": True})
    assert tsme.assess(dict(low, assessment_date="2020-03-01"))["verdict"] == "PASS"
    dropped = tsme.assess(dict(low, assessment_date="2024-03-01"))
    assert dropped["verdict"] == "FAIL" and "valid_hightech_certificate" in dropped["direct_not_in_ruleset"]


def test_tsme_band_edges_are_exact():
    assert tsme.assess(dict(TSME, staff_total=3, st_staff=0.9))["parts"]["st_staff"]["points"] == 20  # 0.9/3 = 30 %
    assert tsme.assess(dict(TSME, rd_expense=0.3, sales=5, total_cost=1000))["parts"]["rd"]["points"] == 50  # 6 %


# ---------------------------------------------------------------- §3 加计扣除
def sd(year, industry="C3911", **extra):
    return {"tax_year": year, "industry": industry, "expenses": {"personnel": 100}, **extra}


def test_2017_tsme_gets_75_percent():
    assert superdeduction.assess(sd(2017, industry="I6511", tsme=True))["extra_rate"] == 0.75
    assert superdeduction.assess(sd(2017, industry="I6511"))["extra_rate"] == 0.5
    assert superdeduction.assess(sd(2016, industry="I6511", tsme=True))["extra_rate"] == 0.5


@pytest.mark.parametrize("name, eligible", [("批发和零售业", False), ("批发和零售", False), ("零售业", False),
                                            ("房地产业", False), ("住宿和餐饮业", False), ("娱乐业", False),
                                            ("制造业", True), ("信息传输、软件和信息技术服务业", True)])
def test_industry_names_map_to_codes(name, eligible):
    result = superdeduction.assess(sd(2023, industry=name))
    assert result["eligible"] is eligible and result["industry_code"]


@pytest.mark.parametrize("industry", ["批发零售", "互联网", "Z", "C99", "F3911", "12345", "C39a"])
def test_unknown_industry_names_and_codes_are_refused(industry):
    assert "industry" in problems(lambda: superdeduction.assess(sd(2023, industry=industry)))


def test_a_mixed_year_reports_its_effective_rate():
    result = superdeduction.assess(sd(2022, industry="I6511", q4_2022_share=0.25))
    assert result["extra_rate"] == 0.75 and result["effective_rate"] == 0.8125
    assert [p["rate"] for p in result["period_rates"]] == [0.75, 1]
    assert result["extra_deduction"] == 81.25


def test_superdeduction_is_exact():
    result = superdeduction.assess({"tax_year": 2023, "industry": "C", "expenses": {
        "personnel": 0.1, "direct_inputs": 0.2, "commissioned_overseas": 0.45}})
    assert result["deductible_base"] == 0.5 and result["detail"]["commissioned_overseas_allowed"] == 0.2


# ---------------------------------------------------------------- §4 技术合同
def rules_of(result):
    return [f["rule"] for f in result["failed"]]


def test_point_one_plus_point_two_equals_point_three():
    three = variant(total_amount=0.5, non_technical_costs={"equipment": 0.1, "raw_materials": 0.2}, carrier_costs=0.2)
    result = contracts.check(three, TODAY)
    assert result["registrable"] and result["technical_transaction_amount"] == 0.2
    zero = contracts.check(variant(total_amount=0.3, non_technical_costs={"equipment": 0.1, "parts": 0.2}), TODAY)
    assert rules_of(zero) == ["C14"] and zero["tax_benefits"] is None  # nothing technical to certify


amounts = st.decimals(min_value=0, max_value=10**6, places=6, allow_nan=False, allow_infinity=False)


@settings(max_examples=300, deadline=None)
@given(st.lists(amounts, min_size=1, max_size=4), amounts, st.booleans())
def test_items_summing_exactly_to_the_total_never_exceed_it(items, carrier, as_float):
    keys = ["equipment", "instruments", "parts", "raw_materials"][:len(items)]
    total = sum(items, Decimal(0)) + carrier
    convert = (lambda d: float(d)) if as_float else (lambda d: str(d))
    if as_float and any(Decimal(repr(float(d))) != d for d in [*items, carrier, total]):
        return  # not representable by a JSON float's shortest repr
    data = variant(total_amount=convert(total), carrier_costs=convert(carrier),
                   non_technical_costs={k: convert(v) for k, v in zip(keys, items)})
    result = contracts.check(data, TODAY)
    assert "C11" not in rules_of(result)
    assert Decimal(repr(result["technical_transaction_amount"])) == total - sum(items, Decimal(0)) or \
        result["technical_transaction_amount"] == int(total - sum(items, Decimal(0)))


@pytest.mark.parametrize("changes, relief", [
    ({"subtype": "patent"}, True),
    ({"subtype": "software"}, True),
    ({"subtype": "know_how"}, False),
    ({"subtype": "patent_application"}, False),
    ({"category": "licensing", "subtype": "patent_license", "exclusivity": "ordinary", "valid_to": "2031-02-28"}, True),
    ({"category": "licensing", "subtype": "patent_license", "exclusivity": "ordinary", "valid_to": "2031-02-27"}, False),
    ({"category": "licensing", "subtype": "know_how_license", "exclusivity": "exclusive", "valid_to": "2036-01-01"}, False),
    ({"category": "development", "subtype": "entrusted", "ip": {}}, False),
])
def test_income_tax_relief_only_within_111_and_116(changes, relief):
    result = contracts.check(variant(**changes), TODAY)
    assert result["registrable"], result["failed"]
    assert (result["tax_benefits"]["income_tax"] is not None) is relief
    if not relief:
        assert " / " in result["tax_benefits"]["income_tax_reason"]


def test_licences_before_october_2015_need_a_global_exclusive_licence():
    old = variant(category="licensing", subtype="patent_license", exclusivity="ordinary", signed_on="2015-03-01",
                  valid_from="2015-03-01", valid_to="2021-03-01", application_date="2015-04-01",
                  seller=dict(GOOD["seller"]), buyer=dict(GOOD["buyer"]))
    assert contracts.check(old)["tax_benefits"]["income_tax"] is None
    old.update(exclusivity="exclusive", licence_global=True)
    assert contracts.check(old)["tax_benefits"]["income_tax"] == {"exempt": 500, "halved": 100}


def test_natural_persons_and_old_organisation_codes_are_parties():
    person = {"name": "张三", "type": "person", "id_number": make_id_number("37010219800101123"), "area_code": "370102"}
    assert contracts.check(variant(buyer=person), TODAY)["registrable"]
    no_id = {k: v for k, v in person.items() if k != "id_number"}
    assert rules_of(contracts.check(variant(buyer=no_id), TODAY)) == ["C01"]
    bad_id = dict(person, id_number=person["id_number"][:-1] + ("0" if person["id_number"][-1] != "0" else "1"))
    assert rules_of(contracts.check(variant(buyer=bad_id), TODAY)) == ["C13"]
    org = {"name": "老厂", "organisation_code": make_organisation_code("12345678"), "area_code": "370783"}
    old = variant(buyer=org, signed_on="2014-05-01", valid_from="2014-05-01", valid_to="2034-05-01")
    assert contracts.check(old, TODAY)["registrable"]
    assert rules_of(contracts.check(variant(buyer=org), TODAY)) == ["C01"]  # signed 2026: a credit code is needed
    form_style = {"name": "老厂", "credit_code": make_organisation_code("12345678"), "legal_type": "organisation_code"}
    assert contracts.check(dict(old, buyer=form_style), TODAY)["registrable"]


def test_a_contract_not_yet_in_force_on_the_application_date_is_refused():
    later = contracts.check(variant(valid_from="2026-07-01"), TODAY)
    assert rules_of(later) == ["C07"] and "2026-07-01" in later["failed"][0]["reason"]
    unsigned = copy.deepcopy(GOOD)
    del unsigned["signed_on"]
    assert "C07" in rules_of(contracts.check(unsigned, TODAY))
    assert set(rules_of(contracts.check(variant(application_date="2026-02-01"), TODAY))) == {"C07"}  # signed 03-01


def test_the_rule_set_is_chosen_by_application_date_in_the_cli_and_the_api(tmp_path, capsys):
    path = tmp_path / "c.json"
    data = variant(signed_on="2025-12-01", valid_from="2025-12-01")
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    for day, version in (("2026-01-22", "2000"), ("2026-01-23", "2026")):
        assert contracts_main(["check", "--input", str(path), "--date", day]) == 0
        assert json.loads(capsys.readouterr().out)["ruleset"]["version"] == version
        assert contracts.check(data, datetime.date.fromisoformat(day))["ruleset"]["version"] == version


@pytest.mark.parametrize("field, value", [("registration_point_area_code", "37010"),
                                          ("registration_point_area_code", "990000"),
                                          ("registration_point_area_code", "37O102")])
def test_point_codes_are_validated(field, value):
    assert field in problems(lambda: contracts.check(variant(**{field: value}), TODAY))


def test_amounts_have_at_most_six_decimals_and_unknown_keys_are_refused():
    assert "total_amount" in problems(lambda: contracts.check(variant(total_amount="800.0000001"), TODAY))
    assert contracts.check(variant(total_amount="800.000001"), TODAY)["total_amount"] == 800.000001
    assert "seller.creditcode" in problems(lambda: contracts.check(variant(seller__creditcode="x"), TODAY))
    assert "methd" in problems(lambda: contracts.check(variant(methd=1), TODAY))
