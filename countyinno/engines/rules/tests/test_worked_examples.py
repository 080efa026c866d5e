"""Every worked example of rules.md §1–3, through the engines and through the CLI."""

import copy
import json
from decimal import Decimal

import pytest

from countyinno.engines.rules import hightech, superdeduction, tsme
from countyinno.engines.rules.cli import main
from countyinno.engines.rules.common import RuleInputError
from countyinno.engines.rules.rulesets import RuleSetError, ruleset_for

HIGHTECH = {
    "application_date": "2024-06-01", "registration_date": "2018-03-01", "domain": "电子信息",
    "years": [{"year": 2021, "sales": 3000, "rd": 200, "rd_domestic": 200, "net_assets": 1000},
              {"year": 2022, "sales": 3500, "rd": 230, "rd_domestic": 230, "net_assets": 1300},
              {"year": 2023, "sales": 4000, "rd": 260, "rd_domestic": 260, "net_assets": 1500}],
    "staff_total": 100, "st_staff": 25, "hightech_income": 3000, "total_income": 4100,
    "ip": {"class_1": 2, "class_2": 6, "own_rd": True, "advancement": "A", "core_support": "A"},
    "conversions": [5, 5, 5],
    "scores": {"management": 18},
    "management": {"rd_management_system": True, "rd_institutions": True, "incentive_system": True,
                   "talent_development": True},
}


def cli(engine, payload, tmp_path, capsys, *extra):
    """Run the CLI: (0, verdict JSON from stdout) or (2, the bilingual message on stderr)."""
    path = tmp_path / "in.json"
    path.write_text(json.dumps(payload, ensure_ascii=False), encoding="utf-8")
    code = main([engine, "--input", str(path), *extra])
    captured = capsys.readouterr()
    if code == 0:
        return code, json.loads(captured.out)
    assert captured.out == "" and "Traceback" not in captured.err
    return code, captured.err


# ---------------------------------------------------------------- §1 高新技术企业
@pytest.mark.parametrize("series, growth, band, points", [
    ([1000, 1300, 1500], 0.227, "C", [5, 6]),
    ([3000, 3500, 4000], 0.155, "C", [5, 6]),
    ([1000, 1500, 2000], 0.417, "A", [9, 10]),
    ([2000, 2000, 1800], -0.05, None, [0, 0]),
    ([1000, 1050, 1100], 0.049, "E", [1, 2]),
])
def test_growth_examples(series, growth, band, points):
    from countyinno.engines.rules.common import points_range

    g = hightech.growth_rate(series)
    assert g == pytest.approx(growth, abs=5e-4)
    assert points_range(g, ruleset_for("hightech", "2024-01-01").params["growth_bands"]) == (points, band)


def test_growth_with_zero_years():
    assert hightech.growth_rate([0, 100, 150]) == pytest.approx(0.5)  # Y1 = 0: last two years
    assert hightech.growth_rate([100, 0, 150]) is None  # Y2 = 0: no points


def test_example_firm_growth_scores(tmp_path, capsys):
    result = hightech.assess(HIGHTECH)
    assert result["innovation_score"]["min"] >= 71
    assert result["innovation_score"]["growth_detail"]["net_assets"]["band"] == "C"
    assert result["innovation_score"]["growth_detail"]["sales"]["band"] == "C"
    assert result["verdict"] == "PASS", result


@pytest.mark.parametrize("last_sales, needed", [(5000, 0.05), (5000.01, 0.04), (20000, 0.04), (20000.01, 0.03)])
def test_rd_intensity_band_edges_are_inclusive(last_sales, needed):
    firm = copy.deepcopy(HIGHTECH)
    exact_rd = Decimal(str(last_sales)) * Decimal(str(needed))  # exactly on the edge (floats would fall short)
    firm["years"] = [{"sales": last_sales, "rd": exact_rd, "rd_domestic": exact_rd}]
    firm["registration_date"] = "2023-01-01"
    ok = {c["id"]: c for c in hightech.assess(firm)["conditions"]}[5]
    assert ok["passed"] and ok["required"] == f">= {needed:.0%}"
    firm["years"][0]["rd"] = exact_rd - Decimal("0.01")
    firm["years"][0]["rd_domestic"] = firm["years"][0]["rd"]
    failed = {c["id"]: c for c in hightech.assess(firm)["conditions"]}[5]
    assert not failed["passed"] and f"{needed:.0%}" in failed["reason"]


def test_score_69_fails_even_with_every_hard_gate_met(tmp_path, capsys):
    firm = dict(HIGHTECH, scores={"ip": 24, "conversion": 20, "management": 15, "growth": 10})
    result = hightech.assess(firm)
    assert [c["id"] for c in result["conditions"] if not c["passed"]] == [7]
    assert result["innovation_score"]["min"] == result["innovation_score"]["max"] == 69
    assert result["verdict"] == "FAIL"
    code, out = cli("hightech", firm, tmp_path, capsys)
    assert code == 0 and out["verdict"] == "FAIL" and out["failed"] == [7]


def test_each_failed_condition_is_explained_with_its_number():
    firm = dict(HIGHTECH, registration_date="2024-01-01", domain="房地产", st_staff=5, hightech_income=1000,
                ip={"class_1": 0, "class_2": 1, "class_2_used_before": 1}, major_incident=True)
    result = hightech.assess(firm)
    failed = {c["id"]: c["reason"] for c in result["conditions"] if not c["passed"]}
    assert set(failed) >= {1, 2, 3, 4, 6, 8}
    assert "152" in failed[1] and "5.0%" in failed[4] and "房地产" in failed[3] and "24.4%" in failed[6]
    assert result["verdict"] == "FAIL" and result["gaps"]["st_staff"] == 5


def test_unknown_expert_items_give_a_borderline_range():
    firm = copy.deepcopy(HIGHTECH)
    firm.pop("management")
    firm.pop("scores")
    firm["ip"] = {"class_2": 2}
    firm["conversions"] = [4, 4, 4]
    result = hightech.assess(firm)
    score = result["innovation_score"]
    assert score["min"] < 71 <= score["max"] and result["verdict"] == "BORDERLINE"


def test_hightech_rd_basis_counts_commissioned_at_80_and_caps_other():
    params = ruleset_for("hightech", "2024-01-01").params
    assert hightech.rd_base({"personnel": 70, "commissioned": 10, "other": 100}, params) == pytest.approx(78 + 19.5)


# ---------------------------------------------------------------- §2 科技型中小企业
TSME = {"staff_total": 100, "st_staff": 22, "sales": 2000, "total_assets": 3000, "rd_expense": 90,
        "total_cost": 1800, "ip": {"class_2": 2}, "assessment_date": "2024-03-01"}


def test_tsme_54_fails_and_72_passes(tmp_path, capsys):
    result = tsme.assess(TSME)
    assert result["parts"]["st_staff"]["points"] == 12 and result["parts"]["rd"]["points"] == 30
    assert result["parts"]["ip"]["points"] == 12 and result["score"] == 54 and result["verdict"] == "FAIL"
    better = dict(TSME, ip={"class_1": 1})
    assert tsme.assess(better)["score"] == 72 and tsme.assess(better)["verdict"] == "PASS"
    code, out = cli("tsme", better, tmp_path, capsys)
    assert code == 0 and out["verdict"] == "PASS" and out["score"] == 72


def test_tsme_low_staff_share_fails_unless_hightech_certificate(tmp_path, capsys):
    firm = dict(TSME, st_staff=8, rd_expense=200, ip={"class_1": 3})
    result = tsme.assess(firm)
    assert result["score"] >= 60 and result["verdict"] == "FAIL"
    # The certificate route is the 2017 办法's (dropped in 2022): assessed on a 2020 date.
    certified = dict(firm, direct={"valid_hightech_certificate": True}, assessment_date="2020-03-01")
    assert tsme.assess(certified)["verdict"] == "PASS"
    code, out = cli("tsme", certified, tmp_path, capsys)
    assert out["verdict"] == "PASS" and out["direct_qualification"]


def test_tsme_501_staff_fail(tmp_path, capsys):
    firm = dict(TSME, staff_total=501, st_staff=200, ip={"class_1": 1}, rd_expense=500)
    assert tsme.assess(firm)["verdict"] == "FAIL"
    code, out = cli("tsme", firm, tmp_path, capsys)
    assert out["verdict"] == "FAIL" and any("501" in r for r in out["reasons"])


@pytest.mark.parametrize("share, points", [(0.30, 20), (0.2999, 16), (0.25, 16), (0.20, 12), (0.15, 8),
                                           (0.10, 4), (0.0999, 0)])
def test_tsme_staff_band_edges(share, points):
    assert tsme.assess(dict(TSME, staff_total=10000 if False else 100, st_staff=share * 100))["parts"][
        "st_staff"]["points"] == points


def test_tsme_rd_takes_the_higher_of_sales_and_cost():
    result = tsme.assess(dict(TSME, rd_expense=100, sales=10000, total_cost=400))  # 1 % of sales, 25 % of cost
    assert result["parts"]["rd"]["points"] == 40


# ---------------------------------------------------------------- §3 加计扣除
def sd(year, **expenses):
    return {"tax_year": year, "industry": "C3911", "expenses": expenses}


def test_superdeduction_other_cap_and_rates(tmp_path, capsys):
    items = dict(personnel=50, direct_inputs=20, depreciation=10, amortisation=5, new_product_design=5)
    result = superdeduction.assess(sd(2023, other=12, **items))
    assert result["detail"]["other_cap"] == pytest.approx(10) and result["deductible_base"] == pytest.approx(100)
    assert result["extra_deduction"] == pytest.approx(100) and result["intangible_amortisation_rate"] == 2.0
    assert superdeduction.assess(dict(sd(2019, other=12, **items)))["extra_deduction"] == pytest.approx(75)
    code, out = cli("superdeduction", sd(2023, other=12, **items), tmp_path, capsys)
    assert code == 0 and out["extra_deduction"] == 100
    double = {k: v * 2 for k, v in items.items()}
    assert superdeduction.assess(sd(2023, other=50, **double))["detail"]["other_cap"] == pytest.approx(20)


def test_superdeduction_overseas_commissioned():
    alone = superdeduction.assess(sd(2023, commissioned_overseas=100, personnel=1000))
    assert alone["detail"]["commissioned_overseas_counted"] == pytest.approx(80)
    capped = superdeduction.assess(sd(2023, commissioned_overseas=100, personnel=30))
    assert capped["detail"]["commissioned_overseas_allowed"] == pytest.approx(20)


def test_superdeduction_excluded_industry(tmp_path, capsys):
    firm = {"tax_year": 2023, "industry": "F5211", "expenses": {"personnel": 100}}
    result = superdeduction.assess(firm)
    assert result["eligible"] is False and result["extra_deduction"] == 0 and "批发" in result["reasons"][0]
    code, out = cli("superdeduction", firm, tmp_path, capsys)
    assert out["extra_deduction"] == 0


def test_superdeduction_regimes_by_year():
    base = {"personnel": 100}
    assert superdeduction.assess(dict(sd(2017, **base)))["extra_rate"] == 0.5
    assert superdeduction.assess(dict(sd(2021, **base)))["extra_rate"] == 1.0  # manufacturing
    services = {"tax_year": 2021, "industry": "I6511", "expenses": base}
    assert superdeduction.assess(services)["extra_rate"] == 0.75
    assert superdeduction.assess(dict(services, tax_year=2022, tsme=True))["extra_rate"] == 1.0
    q4 = superdeduction.assess(dict(services, tax_year=2022, q4_2022_share=0.25))
    assert q4["extra_deduction"] == pytest.approx(100 * 0.75 * 0.75 + 100 * 0.25)
    assert superdeduction.assess(dict(sd(2024, **base), ic_or_machine_tool=True))["extra_rate"] == 1.2
    assert superdeduction.assess(dict(sd(2028, **base), ic_or_machine_tool=True))["extra_rate"] == 1.0


def test_same_firm_under_two_regimes(tmp_path, capsys):
    firm = {"tax_year": 2019, "industry": "I6511", "expenses": {"personnel": 200}}
    code, out_2019 = cli("superdeduction", firm, tmp_path, capsys)
    code, out_2023 = cli("superdeduction", dict(firm, tax_year=2023), tmp_path, capsys)
    assert out_2019["ruleset"]["version"] == "2018" and out_2019["extra_deduction"] == 150
    assert out_2023["ruleset"]["version"] == "2023" and out_2023["extra_deduction"] == 200


# ---------------------------------------------------------------- bad input
def test_bad_inputs_name_the_field(tmp_path, capsys):
    with pytest.raises(RuleInputError) as info:
        hightech.assess(dict(HIGHTECH, staff_total=10, st_staff=20))
    assert [p.field for p in info.value.problems] == ["st_staff"]
    with pytest.raises(RuleInputError) as info:
        tsme.assess(dict(TSME, staff_total=-5))
    assert info.value.problems[0].field == "staff_total"
    code, out = cli("hightech", dict(HIGHTECH, staff_total="many"), tmp_path, capsys)
    assert code == 2 and "staff_total" in json.dumps(out, ensure_ascii=False)
    code, out = cli("superdeduction", {"tax_year": 1980, "industry": "C", "expenses": {}}, tmp_path, capsys)
    assert code == 2
    with pytest.raises(RuleSetError):
        ruleset_for("superdeduction", "2010-06-30")
    with pytest.raises(RuleInputError) as info:
        superdeduction.assess({"tax_year": 2023, "industry": "C", "expenses": {"bribes": 5}})
    assert info.value.problems[0].field == "expenses.bribes"


def test_rule_sets_do_not_overlap_and_cover_their_periods():
    from countyinno.engines.rules.rulesets import load_all

    versions = {(r.name, r.version) for r in load_all()}
    assert {("hightech", "2016"), ("tsme", "2017"), ("superdeduction", "2023")} <= versions
    assert ruleset_for("superdeduction", "2022-12-31").version == "2022"
    assert ruleset_for("superdeduction", "2023-01-01").version == "2023"
