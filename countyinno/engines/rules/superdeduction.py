"""研发费用税前加计扣除: deductible base and extra deduction for a tax year, under the rule set in force."""

from __future__ import annotations

import datetime
from fractions import Fraction

from .common import Reader, exact, shown
from .rulesets import ruleset_for

OWN_CATEGORIES = ("personnel", "direct_inputs", "depreciation", "amortisation", "new_product_design")

# GB/T 4754-2017 门类 (sections) with their divisions (两位大类代码), and the names a user may type.
SECTIONS = {
    "A": ("农、林、牧、渔业", 1, 5), "B": ("采矿业", 6, 12), "C": ("制造业", 13, 43),
    "D": ("电力、热力、燃气及水生产和供应业", 44, 46), "E": ("建筑业", 47, 50), "F": ("批发和零售业", 51, 52),
    "G": ("交通运输、仓储和邮政业", 53, 60), "H": ("住宿和餐饮业", 61, 62), "I": ("信息传输、软件和信息技术服务业", 63, 65),
    "J": ("金融业", 66, 69), "K": ("房地产业", 70, 70), "L": ("租赁和商务服务业", 71, 72),
    "M": ("科学研究和技术服务业", 73, 75), "N": ("水利、环境和公共设施管理业", 76, 79),
    "O": ("居民服务、修理和其他服务业", 80, 82), "P": ("教育", 83, 83), "Q": ("卫生和社会工作", 84, 85),
    "R": ("文化、体育和娱乐业", 86, 90), "S": ("公共管理、社会保障和社会组织", 91, 96), "T": ("国际组织", 97, 97),
}
NAMED_DIVISIONS = {"烟草制品业": "16", "烟草制造业": "16", "批发业": "51", "零售业": "52", "住宿业": "61", "餐饮业": "62",
                   "租赁业": "71", "商务服务业": "72", "娱乐业": "90", "软件和信息技术服务业": "65",
                   "研究和试验发展": "73", "专业技术服务业": "74", "科技推广和应用服务业": "75"}


def _normal_name(name: str) -> str:
    return name.replace("，", "、").replace(",", "、").replace(" ", "").replace("（", "(").replace("）", ")")


NAME_TO_CODE = {_normal_name(name): letter for letter, (name, _, _) in SECTIONS.items()}
NAME_TO_CODE.update({_normal_name(k): v for k, v in NAMED_DIVISIONS.items()})
NAME_TO_CODE.update({_normal_name(name.rstrip("业")): letter for letter, (name, _, _) in SECTIONS.items()
                     if name.endswith("业")})  # "批发和零售" → F


def industry_code(industry: str) -> tuple[str | None, str | None, str | None]:
    """(section letter, code, problem): a GB/T 4754-2017 code ("F", "5211", "F5211") or a section /
    division name mapped to its code; anything else is a problem, never a guess."""
    text = (industry or "").strip().upper().replace(" ", "")
    if not text:
        return None, None, "必填 / required"
    letter, digits = (text[0], text[1:]) if text[0].isalpha() and text[0].isascii() else (None, text)
    if letter is None and not digits.isdigit():
        mapped = NAME_TO_CODE.get(_normal_name(industry.strip()))
        if mapped is None:
            return None, None, (f"未知的行业名称 {industry!r}：请填写 GB/T 4754-2017 代码（门类字母或 2–4 位代码，如 C、3911、F5211）"
                                f" / unknown industry name {industry!r}: give its GB/T 4754-2017 code (a section letter "
                                f"or 2–4 digits, e.g. C, 3911, F5211)")
        return industry_code(mapped)
    if letter is not None and letter not in SECTIONS:
        return None, None, f"未知的门类字母 {letter} / unknown section letter {letter}"
    if digits and (not digits.isdigit() or not 2 <= len(digits) <= 4):
        return None, None, (f"行业代码 {industry!r} 应为门类字母和/或 2–4 位数字 / the industry code {industry!r} must be a "
                            f"section letter and/or 2–4 digits")
    if digits:
        division = int(digits[:2])
        section = next((k for k, (_, lo, hi) in SECTIONS.items() if lo <= division <= hi), None)
        if section is None:
            return None, None, f"不存在的行业大类 {digits[:2]} / no such division {digits[:2]}"
        if letter is not None and letter != section:
            return None, None, (f"大类 {digits[:2]} 属于门类 {section}，不属于 {letter} / division {digits[:2]} belongs to "
                                f"section {section}, not {letter}")
        letter = section
    return letter, (letter or "") + digits, None


def industry_exclusion(industry: str | None, p: dict) -> str | None:
    """The excluded industry's name (GB/T 4754-2017 section or division), or None when not excluded."""
    if not industry:
        return None
    letter, code, problem = industry_code(industry)
    if problem:
        return None
    section_name = p["excluded_sections"].get(letter)
    if section_name:
        return section_name
    return p["excluded_divisions"].get(code[1:3]) if len(code) >= 3 else None


def assess(data: dict) -> dict:
    r = Reader(data, schema="superdeduction")
    year = r.number("tax_year", minimum=1990)
    industry = r.text("industry", required=True)
    own = {k: r.number(f"expenses.{k}", required=False, default=0) for k in OWN_CATEGORIES}
    other = r.number("expenses.other", required=False, default=0)
    commissioned = r.number("expenses.commissioned_domestic", required=False, default=0)
    overseas = r.number("expenses.commissioned_overseas", required=False, default=0)
    q4_share = r.number("q4_2022_share", required=False, default=0, maximum=1)
    flags = {k: r.boolean(k, d) for k, d in (("resident", True), ("audit_collection", True), ("tsme", False),
                                              ("ic_or_machine_tool", False))}
    manufacturing = r.raw("manufacturing")
    extra = set((data.get("expenses") or {}).keys()) - set(OWN_CATEGORIES) - {"other", "commissioned_domestic",
                                                                              "commissioned_overseas"}
    for key in sorted(extra):
        r.problem(f"expenses.{key}", "未知费用类别", "unknown expense category")
    section = code = None
    if industry:
        section, code, problem = industry_code(industry)
        if problem:
            zh, _, en = problem.partition(" / ")
            r.problem("industry", zh, en or zh)
    if year is not None and year != int(year):
        r.problem("tax_year", "纳税年度应为整数", "the tax year is a whole number")
    r.done()
    tax_year = int(year)
    rs = ruleset_for("superdeduction", datetime.date(tax_year, 12, 31))
    p = rs.params
    result = {"tax_year": tax_year, "ruleset": rs.describe(), "eligible": True, "reasons": [], "industry_code": code}
    excluded = industry_exclusion(code, p)
    if excluded:
        result["reasons"].append(f"{excluded}不适用加计扣除 / {code} ({industry}): industry excluded")
    if not flags["resident"]:
        result["reasons"].append("仅限居民企业 / resident enterprises only")
    if not flags["audit_collection"]:
        result["reasons"].append("仅限查账征收企业 / only firms taxed on audited accounts (查账征收)")
    if result["reasons"]:
        result.update(eligible=False, deductible_base=0, extra_rate=0, effective_rate=0, extra_deduction=0,
                      period_rates=[])
        return result
    own_total = sum((exact(v) for v in own.values()), Fraction(0))
    cap_share = exact(p["other_expense_cap_share"])
    other_cap = own_total * cap_share / (1 - cap_share)
    other_allowed = min(exact(other), other_cap)
    domestic_commissioned = exact(commissioned) * exact(p["commissioned_factor"])
    domestic_qualifying = own_total + other_allowed + domestic_commissioned
    overseas_counted = exact(overseas) * exact(p["overseas_factor"])
    overseas_allowed = min(overseas_counted, domestic_qualifying * exact(p["overseas_cap_of_domestic"]))
    base = domestic_qualifying + overseas_allowed
    is_manufacturing = manufacturing if isinstance(manufacturing, bool) else section == "C"
    rate = exact(p["general_rate"])
    reason = "一般企业 general rate"
    if p.get("manufacturing_rate") and is_manufacturing and exact(p["manufacturing_rate"]) > rate:
        rate, reason = exact(p["manufacturing_rate"]), "制造业 manufacturing"
    if p.get("tsme_rate") and flags["tsme"] and exact(p["tsme_rate"]) > rate:
        rate, reason = exact(p["tsme_rate"]), f"科技型中小企业 tech-based SME（{p.get('tsme_source', rs.source)}）"
    for special in p.get("special_rates") or []:
        if flags.get(special["flag"]) and str(special["from"]) <= f"{tax_year}-12-31" and f"{tax_year}-01-01" <= str(special["to"]):
            if exact(special["rate"]) > rate:
                rate, reason = exact(special["rate"]), special["title"]
    extra_deduction = base * rate
    periods = [{"from": f"{tax_year}-01-01", "to": f"{tax_year}-12-31", "share": 1, "rate": shown(rate, 4)}]
    share = exact(q4_share or 0)
    if p.get("q4_rate") and share and exact(p["q4_rate"]) > rate:
        q4_rate = exact(p["q4_rate"])
        extra_deduction = base * (1 - share) * rate + base * share * q4_rate
        reason += "；四季度费用按 100% / Q4 2022 expenses at 100 %"
        periods = [{"from": f"{tax_year}-01-01", "to": f"{tax_year}-09-30", "share": shown(1 - share, 6), "rate": shown(rate, 4)},
                   {"from": f"{tax_year}-10-01", "to": f"{tax_year}-12-31", "share": shown(share, 6), "rate": shown(q4_rate, 4)}]
    effective = extra_deduction / base if base else rate
    result.update(
        deductible_base=shown(base, 6), extra_rate=shown(rate, 4), rate_reason=reason,
        effective_rate=shown(effective, 6), period_rates=periods, extra_deduction=shown(extra_deduction, 6),
        intangible_amortisation_rate=shown(1 + rate, 4),
        detail={"own_categories": shown(own_total, 6), "other_actual": shown(other, 6), "other_cap": shown(other_cap, 6),
                "other_allowed": shown(other_allowed, 6), "commissioned_domestic_counted": shown(domestic_commissioned, 6),
                "commissioned_overseas_counted": shown(overseas_counted, 6),
                "commissioned_overseas_allowed": shown(overseas_allowed, 6)})
    return result
