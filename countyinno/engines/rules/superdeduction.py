"""研发费用税前加计扣除: deductible base and extra deduction for a tax year, under the rule set in force."""

from __future__ import annotations

import datetime

from .common import Reader
from .rulesets import ruleset_for

OWN_CATEGORIES = ("personnel", "direct_inputs", "depreciation", "amortisation", "new_product_design")


def industry_exclusion(industry: str | None, p: dict) -> str | None:
    """GB/T 4754-2017: a section letter ("F") or a code whose first two digits are the division ("5211")."""
    if not industry:
        return None
    code = industry.strip().upper()
    if code[:1].isalpha():
        section_name = p["excluded_sections"].get(code[:1])
        if section_name:
            return section_name
        code = code[1:]
    return p["excluded_divisions"].get(code[:2])


def assess(data: dict) -> dict:
    r = Reader(data)
    year = r.number("tax_year", minimum=1990)
    industry = r.text("industry", required=True)
    own = {k: r.number(f"expenses.{k}", required=False, default=0.0) for k in OWN_CATEGORIES}
    other = r.number("expenses.other", required=False, default=0.0)
    commissioned = r.number("expenses.commissioned_domestic", required=False, default=0.0)
    overseas = r.number("expenses.commissioned_overseas", required=False, default=0.0)
    q4_share = r.number("q4_2022_share", required=False, default=0.0)
    if q4_share is not None and q4_share > 1:
        r.problem("q4_2022_share", "应在 0 与 1 之间", "must be between 0 and 1")
    flags = {k: r.boolean(k, d) for k, d in (("resident", True), ("audit_collection", True), ("tsme", False),
                                              ("ic_or_machine_tool", False))}
    manufacturing = r.raw("manufacturing")
    extra = set((data.get("expenses") or {}).keys()) - set(OWN_CATEGORIES) - {"other", "commissioned_domestic",
                                                                              "commissioned_overseas"}
    for key in sorted(extra):
        r.problem(f"expenses.{key}", "未知费用类别", "unknown expense category")
    r.done()
    tax_year = int(year)
    rs = ruleset_for("superdeduction", datetime.date(tax_year, 12, 31))
    p = rs.params
    result = {"tax_year": tax_year, "ruleset": rs.describe(), "eligible": True, "reasons": []}
    excluded = industry_exclusion(industry, p)
    if excluded:
        result["reasons"].append(f"{excluded}不适用加计扣除 / {industry}: industry excluded")
    if not flags["resident"]:
        result["reasons"].append("仅限居民企业 / resident enterprises only")
    if not flags["audit_collection"]:
        result["reasons"].append("仅限查账征收企业 / only firms taxed on audited accounts (查账征收)")
    if result["reasons"]:
        result.update(eligible=False, deductible_base=0.0, extra_rate=0.0, extra_deduction=0.0)
        return result
    own_total = sum(own.values())
    cap_share = p["other_expense_cap_share"]
    other_cap = own_total * cap_share / (1 - cap_share)
    other_allowed = min(other, other_cap)
    domestic_commissioned = commissioned * p["commissioned_factor"]
    domestic_qualifying = own_total + other_allowed + domestic_commissioned
    overseas_counted = overseas * p["overseas_factor"]
    overseas_allowed = min(overseas_counted, domestic_qualifying * p["overseas_cap_of_domestic"])
    base = domestic_qualifying + overseas_allowed
    is_manufacturing = manufacturing if isinstance(manufacturing, bool) else industry.strip().upper()[:1] == "C" or (
        industry.strip()[:2].isdigit() and 13 <= int(industry.strip()[:2]) <= 43)
    rate = p["general_rate"]
    reason = "一般企业 general rate"
    if p.get("manufacturing_rate") and is_manufacturing and p["manufacturing_rate"] > rate:
        rate, reason = p["manufacturing_rate"], "制造业 manufacturing"
    if p.get("tsme_rate") and flags["tsme"] and p["tsme_rate"] > rate:
        rate, reason = p["tsme_rate"], "科技型中小企业 tech-based SME"
    for special in p.get("special_rates") or []:
        if flags.get(special["flag"]) and str(special["from"]) <= f"{tax_year}-12-31" and f"{tax_year}-01-01" <= str(special["to"]):
            if special["rate"] > rate:
                rate, reason = special["rate"], special["title"]
    extra_deduction = base * rate
    if p.get("q4_rate") and q4_share and p["q4_rate"] > rate:
        extra_deduction = base * (1 - q4_share) * rate + base * q4_share * p["q4_rate"]
        reason += "；四季度费用按 100% / Q4 2022 expenses at 100 %"
    result.update(
        deductible_base=round(base, 4), extra_rate=rate, rate_reason=reason, extra_deduction=round(extra_deduction, 4),
        intangible_amortisation_rate=round(1 + rate, 4),
        detail={"own_categories": round(own_total, 4), "other_actual": other, "other_cap": round(other_cap, 4),
                "other_allowed": round(other_allowed, 4), "commissioned_domestic_counted": round(domestic_commissioned, 4),
                "commissioned_overseas_counted": round(overseas_counted, 4),
                "commissioned_overseas_allowed": round(overseas_allowed, 4)})
    return result
