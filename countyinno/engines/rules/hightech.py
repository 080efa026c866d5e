"""高新技术企业认定 self-assessment: the eight conditions, an innovation score range and a verdict.

Most innovation-score items are judged by experts, so the score is a range [min, max]; the verdict is
PASS when every hard condition holds and min ≥ 71, FAIL when a condition fails or max < 71, and
BORDERLINE otherwise. Every failed condition is explained with the number that failed it.
"""

from __future__ import annotations

import datetime
import math
from fractions import Fraction

from .common import Reader, exact, fmt, points_range, ratio, shown
from .rulesets import ruleset_for

RD_CATEGORIES = ("personnel", "direct_inputs", "depreciation", "amortisation", "design", "equipment", "commissioned",
                 "other")
BLOCKS = ("ip", "conversion", "management", "growth")
IP_ITEMS = ("advancement", "core_support", "quantity", "acquisition", "standards")


def growth_rate(values: list) -> Fraction | None:
    """g = ½·(Y2/Y1 + Y3/Y2) − 1, exactly (a Fraction); with Y1 = 0 use the last two years; with Y2 = 0,
    or a negative Y1 or Y2 (the ratio means nothing), there is no growth score (None → 0 points)."""
    values = [exact(v) for v in values]
    if len(values) < 2:
        return None
    if len(values) == 2:
        y2, y3 = values
        return None if y2 <= 0 else y3 / y2 - 1
    y1, y2, y3 = values[-3:]
    if y2 <= 0 or y1 < 0:
        return None
    if y1 == 0:
        return y3 / y2 - 1
    return Fraction(1, 2) * (y2 / y1 + y3 / y2) - 1


def rd_base(categories: dict, params: dict) -> Fraction:
    """High-tech R&D basis: 委托外部研发 at 80 %, 其他费用 capped at 20 % of total R&D (exact)."""
    commissioned = exact(categories.get("commissioned", 0)) * exact(params["commissioned_rd_factor"])
    other = exact(categories.get("other", 0))
    rest = sum((exact(v) for k, v in categories.items() if k not in ("commissioned", "other")), Fraction(0)) + commissioned
    share = exact(params["other_expense_cap_share"])
    return rest + min(other, rest * share / (1 - share))


def judged(r: Reader, path: str, cap) -> list | None:
    """An expert-judged score: a number, a range [min, max] or "unknown" (the full range [0, cap]).
    A value above the cap is an input error, never a higher score."""
    value = r.raw(path)
    if value is None:
        return None
    cap = exact(cap)
    if isinstance(value, str):
        if value.strip().lower() in ("unknown", "未知"):
            return [Fraction(0), cap]
        r.problem(path, f"应为分数、[最低, 最高] 或 \"unknown\"，收到 {value!r}",
                  f"expected points, a range [min, max] or \"unknown\", got {value!r}")
        return None
    if isinstance(value, list):
        if len(value) != 2:
            r.problem(path, "分数区间应为 [最低, 最高]", "a score range is [min, max]")
            return None
        low, high = r.number(f"{path}.0"), r.number(f"{path}.1")
        if low is None or high is None:
            return None
        if low > high:
            r.problem(path, f"区间下限 {fmt(low)} 大于上限 {fmt(high)}", f"the range's min {fmt(low)} is above its max {fmt(high)}")
            return None
    else:
        low = high = r.number(path)
        if low is None:
            return None
    if exact(high) > cap:
        r.problem(path, f"{fmt(high)} 分超过该项满分 {fmt(cap)} 分", f"{fmt(high)} points exceed the item's cap of {fmt(cap)}")
        return None
    return [exact(low), exact(high)]


def _read_judgements(r: Reader, p: dict) -> dict:
    caps = p["block_caps"]
    out = {"blocks": {k: judged(r, f"scores.{k}", caps[k]) for k in BLOCKS},
           "ip_items": {k: judged(r, f"scores.ip_items.{k}", p["ip_item_caps"][k]) for k in IP_ITEMS},
           "management": {}}
    items = r.raw("management")
    if isinstance(items, dict):
        for key, top in p["management_items"].items():
            answer = items.get(key)
            if answer is None or isinstance(answer, bool):
                out["management"][key] = answer
            else:
                out["management"][key] = judged(r, f"management.{key}", top)
    return out


def assess(data: dict, on: datetime.date | None = None) -> dict:
    r = Reader(data, schema="hightech")
    applied = r.date("application_date")
    registered = r.date("registration_date")
    if applied and registered and registered > applied:
        r.problem("registration_date", f"注册成立日期 {registered} 晚于申请日期 {applied}",
                  f"the registration date {registered} is after the application date {applied}")
    years = r.raw("years")
    if not isinstance(years, list) or not years:
        r.problem("years", "应为按年度排列的财务数据列表（最近 1–3 个会计年度）",
                  "expected a list of yearly figures (the last 1–3 accounting years)")
        years = []
    rows = []
    for i, _ in enumerate(years[-3:]):
        at = f"years.{len(years) - len(years[-3:]) + i}"
        sales = r.number(f"{at}.sales")
        rd = r.raw(f"{at}.rd")
        if isinstance(rd, dict):
            cats = {}
            for key, value in rd.items():
                if key not in RD_CATEGORIES:
                    r.problem(f"{at}.rd.{key}", f"未知研发费用类别，应为 {RD_CATEGORIES}",
                              f"unknown R&D category; expected {RD_CATEGORIES}")
                    continue
                cats[key] = r.number(f"{at}.rd.{key}") or 0
            rd_value = cats
        else:
            rd_value = r.number(f"{at}.rd")
        domestic = r.number(f"{at}.rd_domestic", required=False)
        if domestic is None and r.raw(f"{at}.rd_domestic") is None:
            r.problem(f"{at}.rd_domestic", "必填：境内研发费用（用于“境内研发占全部研发费用 ≥ 60%”）",
                      "required: the domestic R&D expense (domestic R&D must be ≥ 60% of all R&D)")
        rows.append({"sales": sales, "rd": rd_value, "rd_domestic": domestic,
                     "net_assets": r.number(f"{at}.net_assets", required=False, minimum=None)})
    staff = r.number("staff_total", minimum=1)
    st_staff = r.number("st_staff")
    if staff is not None and st_staff is not None and st_staff > staff:
        r.problem("st_staff", f"科技人员（{fmt(st_staff)}）不能多于职工总数（{fmt(staff)}）",
                  f"S&T staff ({fmt(st_staff)}) cannot exceed total staff ({fmt(staff)})")
    class_1 = r.number("ip.class_1", required=False, default=0)
    class_2 = r.number("ip.class_2", required=False, default=0)
    class_2_used = r.number("ip.class_2_used_before", required=False, default=0)
    hightech_income = r.number("hightech_income")
    total_income = r.number("total_income", minimum=0)
    non_taxable = r.number("non_taxable_income", required=False, default=0)
    domain = r.text("domain")
    conversions = r.raw("conversions")
    if isinstance(conversions, list):
        conversions = [r.number(f"conversions.{i}") for i in range(len(conversions))]
    incident = r.boolean("major_incident")
    r.done()
    rs = ruleset_for("hightech", on or applied)
    p = rs.params
    judgements = _read_judgements(r, p)
    r.done()

    conditions = []

    def condition(number, name, passed, value, required, reason_zh, reason_en):
        conditions.append({"id": number, "name": name, "passed": bool(passed), "value": value, "required": required,
                           "reason": None if passed else f"{reason_zh} / {reason_en}"})

    days = (applied - registered).days
    min_days = p["min_registered_days"]
    condition(1, "注册成立一年以上 registered at least a year", days >= min_days, days,
              f">= {min_days} days", f"成立仅 {days} 天，需 {min_days} 天以上（含 {min_days} 天）",
              f"registered only {days} days before applying; {min_days} or more needed")
    usable_class_2 = max(class_2 - class_2_used, 0)
    condition(2, "拥有核心自主知识产权 owns core IP", class_1 + usable_class_2 > 0,
              {"class_1": shown(class_1), "class_2_usable": shown(usable_class_2)}, ">= 1 item",
              "没有可用于本次申请的知识产权（II 类知识产权仅可使用一次）",
              "no IP usable for this application (a class II item supports one application only)")
    condition(3, "技术属于《国家重点支持的高新技术领域》 supported domain", domain in p["domains"], domain,
              " / ".join(p["domains"]), f"领域 {domain!r} 不在八大领域内", f"domain {domain!r} is not one of the 8")
    st_share = ratio(st_staff, staff)
    min_st = exact(p["min_st_staff_share"])
    condition(4, "科技人员占比 S&T staff share", st_share >= min_st, shown(st_share, 4),
              f">= {float(min_st):.0%}", f"科技人员占比 {float(st_share):.1%}，低于 {float(min_st):.0%}",
              f"S&T staff share {float(st_share):.1%} is below {float(min_st):.0%}")
    rd_values = [exact(row["rd"]) if not isinstance(row["rd"], dict) else rd_base(row["rd"], p) for row in rows]
    total_rd = sum(rd_values, Fraction(0))
    total_sales = sum((exact(row["sales"]) for row in rows), Fraction(0))
    last_sales = exact(rows[-1]["sales"])
    needed = exact(next(b["min_ratio"] for b in p["rd_intensity"]
                        if b["sales_up_to"] is None or last_sales <= exact(b["sales_up_to"])))
    intensity = total_rd / total_sales if total_sales else Fraction(0)
    domestic_total = sum((exact(row["rd_domestic"]) for row in rows), Fraction(0))
    domestic_share = domestic_total / total_rd if total_rd else None
    min_domestic = exact(p["min_domestic_rd_share"])
    rd_ok = intensity >= needed and (domestic_share is None or domestic_share >= min_domestic)
    reason_zh = (f"近 {len(rows)} 年研发费用占销售收入 {float(intensity):.2%}，按上年销售额 {fmt(last_sales)} 万元"
                 f"须 ≥ {float(needed):.0%}")
    reason_en = (f"R&D / sales over {len(rows)} year(s) is {float(intensity):.2%}; with last-year sales "
                 f"{fmt(last_sales)} it must be ≥ {float(needed):.0%}")
    if domestic_share is not None and domestic_share < min_domestic:
        reason_zh += f"；境内研发占比 {float(domestic_share):.0%} 低于 {float(min_domestic):.0%}"
        reason_en += f"; domestic R&D share {float(domestic_share):.0%} is below {float(min_domestic):.0%}"
    condition(5, "研发费用占比 R&D intensity", rd_ok,
              {"ratio": shown(intensity, 5), "domestic_share": shown(domestic_share, 4),
               "rd_base": shown(total_rd, 4), "sales": shown(total_sales, 6)},
              f">= {float(needed):.0%}", reason_zh, reason_en)
    income_base = exact(total_income) - exact(non_taxable)
    ht_share = exact(hightech_income) / income_base if income_base > 0 else Fraction(0)
    min_ht = exact(p["min_hightech_income_share"])
    condition(6, "高新技术产品（服务）收入占比 high-tech income share", ht_share >= min_ht,
              shown(ht_share, 4), f">= {float(min_ht):.0%}",
              f"高新技术产品（服务）收入占比 {float(ht_share):.1%}，低于 {float(min_ht):.0%}",
              f"high-tech income share {float(ht_share):.1%} is below {float(min_ht):.0%}")

    score, score_low, score_high = _score(data, rows, class_1, usable_class_2, conversions, p, judgements)
    pass_score = exact(p["pass_score"])
    condition(7, "创新能力评价 innovation score ≥ 71", score_high >= pass_score, [score["min"], score["max"]],
              f">= {p['pass_score']}", f"创新能力得分 {fmt(score['min'])}–{fmt(score['max'])}，需 ≥ {p['pass_score']}",
              f"innovation score {fmt(score['min'])}–{fmt(score['max'])}; {p['pass_score']} needed")
    condition(8, "近一年无重大安全、质量事故或严重环境违法 no major incident", not incident, incident, False,
              "申请前一年内发生重大事故或严重环境违法行为", "a major incident or serious environmental violation within the year")

    hard_failed = [c for c in conditions if not c["passed"] and c["id"] != 7]
    if hard_failed or score_high < pass_score:
        verdict = "FAIL"
    elif score_low >= pass_score:
        verdict = "PASS"
    else:
        verdict = "BORDERLINE"
    gaps = {}
    if intensity < needed:
        gaps["rd_expense"] = shown(needed * total_sales - total_rd, 2)
    if st_share < min_st:
        gaps["st_staff"] = math.ceil(min_st * exact(staff) - exact(st_staff))
    if ht_share < min_ht:
        gaps["hightech_income"] = shown(min_ht * income_base - exact(hightech_income), 2)
    return {"verdict": verdict, "conditions": conditions, "innovation_score": score, "gaps": gaps,
            "failed": [c["id"] for c in conditions if not c["passed"]], "ruleset": rs.describe(),
            "benefits": {"income_tax_rate": p["tax_rate"], "certificate_years": p["certificate_years"]}}


def innovation_score(data: dict, rows: list[dict], class_1, class_2, conversions, p: dict, *,
                     judgements: dict | None = None) -> dict:
    """The innovation score range [min, max]; every sum is exact, shown as JSON numbers."""
    return _score(data, rows, class_1, class_2, conversions, p, judgements)[0]


def _score(data, rows, class_1, class_2, conversions, p, judgements):
    if judgements is None:
        r = Reader(data)
        judgements = _read_judgements(r, p)
        r.done()
    blocks, ip_items, management_items = judgements["blocks"], judgements["ip_items"], judgements["management"]
    caps = {k: exact(v) for k, v in p["block_caps"].items()}

    def band(key):
        return [exact(x) for x in key]

    # 知识产权 (≤ 30)
    ip = blocks["ip"]
    if ip is None:
        ipin = data.get("ip") or {}
        if exact(class_1) + exact(class_2) == 0 and all(v is None for v in ip_items.values()):
            ip = [Fraction(0), Fraction(0)]
        else:
            def grade(key):
                if ip_items[key] is not None:
                    return ip_items[key]
                return band(p["ip_grade_bands"].get(ipin.get(key), [0, p["ip_item_caps"][key]]))  # unknown → full range

            bands = p["ip_quantity_bands"]
            if ip_items["quantity"] is not None:
                quantity = ip_items["quantity"]
            else:
                quantity = band(bands["class_1_at_least_1"] if class_1 >= 1 else bands["class_2_at_least_5"]
                                if class_2 >= 5 else bands["class_2_3_to_4"] if class_2 >= 3 else bands["class_2_1_to_2"]
                                if class_2 >= 1 else [0, 0])
            acquisition = ip_items["acquisition"] or band(
                p["ip_acquisition"]["own_rd" if ipin.get("own_rd", True) else "acquired_only"])
            if ip_items["standards"] is not None:
                bonus = ip_items["standards"]
            else:
                bonus = band(p["ip_standards_bonus"]) if (ipin.get("standards_led") or 0) > 0 else [Fraction(0)] * 2
            parts = [grade("advancement"), grade("core_support"), quantity, acquisition, bonus]
            ip = [min(sum((x[0] for x in parts), Fraction(0)), caps["ip"]),
                  min(sum((x[1] for x in parts), Fraction(0)), caps["ip"])]
    # 科技成果转化 (≤ 30)
    conversion = blocks["conversion"]
    if conversion is None:
        if isinstance(conversions, list) and conversions:
            average = sum((exact(c) for c in conversions), Fraction(0)) / len(conversions)
            conversion = band(points_range(average, p["conversion_bands"])[0])
        else:
            conversion = [Fraction(0), caps["conversion"]]
    # 研发组织管理 (≤ 20): four expert items; a missing answer is unknown (full range)
    management = blocks["management"]
    if management is None:
        items = data.get("management") or {}
        low = high = Fraction(0)
        for key, top in p["management_items"].items():
            answer = management_items.get(key, items.get(key))
            if answer is True:
                low, high = low + 1, high + top
            elif answer is None:
                high += top
            elif isinstance(answer, list):
                low, high = low + answer[0], high + answer[1]
        management = [low, high]
    # 成长性 (≤ 20)
    growth = blocks["growth"]
    detail = {}
    if growth is None:
        growth = [Fraction(0), Fraction(0)]
        for key in ("net_assets", "sales"):
            series = [row[key] for row in rows if row.get(key) is not None]
            g = growth_rate(series) if len(series) >= 2 else None
            pts, grade_band = points_range(g, p["growth_bands"]) if g is not None else ([0, 0], None)
            detail[key] = {"growth": shown(g, 4), "band": grade_band, "points": pts}
            growth = [growth[0] + pts[0], growth[1] + pts[1]]
    parts = {"ip": ip, "conversion": conversion, "management": management, "growth": growth}
    low = sum((exact(v[0]) for v in parts.values()), Fraction(0))
    high = sum((exact(v[1]) for v in parts.values()), Fraction(0))
    return ({"min": shown(low, 2), "max": shown(high, 2),
             "parts": {k: [shown(v[0], 2), shown(v[1], 2)] for k, v in parts.items()}, "growth_detail": detail},
            low, high)
