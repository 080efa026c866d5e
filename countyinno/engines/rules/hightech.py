"""高新技术企业认定 self-assessment: the eight conditions, an innovation score range and a verdict.

Most innovation-score items are judged by experts, so the score is a range [min, max]; the verdict is
PASS when every hard condition holds and min ≥ 71, FAIL when a condition fails or max < 71, and
BORDERLINE otherwise. Every failed condition is explained with the number that failed it.
"""

from __future__ import annotations

import datetime

from .common import Reader, points_range
from .rulesets import ruleset_for

RD_CATEGORIES = ("personnel", "direct_inputs", "depreciation", "amortisation", "design", "equipment", "commissioned",
                 "other")


def growth_rate(values: list[float]) -> float | None:
    """g = ½·(Y2/Y1 + Y3/Y2) − 1; with Y1 = 0 use the last two years; with Y2 = 0 there is no growth score."""
    if len(values) < 2:
        return None
    if len(values) == 2:
        y2, y3 = values
        return None if y2 == 0 else y3 / y2 - 1
    y1, y2, y3 = values[-3:]
    if y2 == 0:
        return None
    if y1 == 0:
        return y3 / y2 - 1
    return 0.5 * (y2 / y1 + y3 / y2) - 1


def rd_base(categories: dict, params: dict) -> float:
    """High-tech R&D basis: 委托外部研发 at 80 %, 其他费用 capped at 20 % of total R&D."""
    commissioned = categories.get("commissioned", 0.0) * params["commissioned_rd_factor"]
    other = categories.get("other", 0.0)
    rest = sum(v for k, v in categories.items() if k not in ("commissioned", "other")) + commissioned
    share = params["other_expense_cap_share"]
    return rest + min(other, rest * share / (1 - share))


def assess(data: dict, on: datetime.date | None = None) -> dict:
    r = Reader(data)
    applied = r.date("application_date")
    registered = r.date("registration_date")
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
                cats[key] = r.number(f"{at}.rd.{key}") or 0.0
            rd_value = cats
        else:
            rd_value = r.number(f"{at}.rd")
        rows.append({"sales": sales, "rd": rd_value, "rd_domestic": r.number(f"{at}.rd_domestic", required=False),
                     "net_assets": r.number(f"{at}.net_assets", required=False, minimum=None)})
    staff = r.number("staff_total", minimum=1)
    st_staff = r.number("st_staff")
    if staff is not None and st_staff is not None and st_staff > staff:
        r.problem("st_staff", f"科技人员（{st_staff:g}）不能多于职工总数（{staff:g}）",
                  f"S&T staff ({st_staff:g}) cannot exceed total staff ({staff:g})")
    class_1 = r.number("ip.class_1", required=False, default=0.0)
    class_2 = r.number("ip.class_2", required=False, default=0.0)
    class_2_used = r.number("ip.class_2_used_before", required=False, default=0.0)
    hightech_income = r.number("hightech_income")
    total_income = r.number("total_income", minimum=0.0)
    non_taxable = r.number("non_taxable_income", required=False, default=0.0)
    domain = r.text("domain")
    conversions = r.raw("conversions")
    incident = r.boolean("major_incident")
    r.done()
    rs = ruleset_for("hightech", on or applied)
    p = rs.params

    conditions = []

    def condition(number, name, passed, value, required, reason_zh, reason_en):
        conditions.append({"id": number, "name": name, "passed": bool(passed), "value": value, "required": required,
                           "reason": None if passed else f"{reason_zh} / {reason_en}"})

    days = (applied - registered).days
    condition(1, "注册成立一年以上 registered more than a year", days > p["min_registered_days"], days,
              f"> {p['min_registered_days']} days", f"成立仅 {days} 天，需超过 {p['min_registered_days']} 天",
              f"registered only {days} days before applying; more than {p['min_registered_days']} needed")
    usable_class_2 = max(class_2 - class_2_used, 0)
    condition(2, "拥有核心自主知识产权 owns core IP", class_1 + usable_class_2 > 0,
              {"class_1": class_1, "class_2_usable": usable_class_2}, ">= 1 item",
              "没有可用于本次申请的知识产权（II 类知识产权仅可使用一次）",
              "no IP usable for this application (a class II item supports one application only)")
    condition(3, "技术属于《国家重点支持的高新技术领域》 supported domain", domain in p["domains"], domain,
              " / ".join(p["domains"]), f"领域 {domain!r} 不在八大领域内", f"domain {domain!r} is not one of the 8")
    st_share = st_staff / staff
    condition(4, "科技人员占比 S&T staff share", st_share >= p["min_st_staff_share"], round(st_share, 4),
              f">= {p['min_st_staff_share']:.0%}", f"科技人员占比 {st_share:.1%}，低于 {p['min_st_staff_share']:.0%}",
              f"S&T staff share {st_share:.1%} is below {p['min_st_staff_share']:.0%}")
    rd_values = [row["rd"] if not isinstance(row["rd"], dict) else rd_base(row["rd"], p) for row in rows]
    total_rd = sum(rd_values)
    total_sales = sum(row["sales"] for row in rows)
    last_sales = rows[-1]["sales"]
    needed = next(b["min_ratio"] for b in p["rd_intensity"] if b["sales_up_to"] is None or last_sales <= b["sales_up_to"])
    intensity = total_rd / total_sales if total_sales else 0.0
    domestic = [row["rd_domestic"] for row in rows]
    domestic_share = sum(domestic) / total_rd if all(d is not None for d in domestic) and total_rd else None
    rd_ok = intensity >= needed and (domestic_share is None or domestic_share >= p["min_domestic_rd_share"])
    reason_zh = f"近 {len(rows)} 年研发费用占销售收入 {intensity:.2%}，按上年销售额 {last_sales:g} 万元须 ≥ {needed:.0%}"
    reason_en = f"R&D / sales over {len(rows)} year(s) is {intensity:.2%}; with last-year sales {last_sales:g} it must be ≥ {needed:.0%}"
    if domestic_share is not None and domestic_share < p["min_domestic_rd_share"]:
        reason_zh += f"；境内研发占比 {domestic_share:.0%} 低于 60%"
        reason_en += f"; domestic R&D share {domestic_share:.0%} is below 60%"
    condition(5, "研发费用占比 R&D intensity", rd_ok, {"ratio": round(intensity, 5), "domestic_share": domestic_share,
                                                     "rd_base": round(total_rd, 4), "sales": total_sales},
              f">= {needed:.0%}", reason_zh, reason_en)
    income_base = total_income - non_taxable
    ht_share = hightech_income / income_base if income_base > 0 else 0.0
    condition(6, "高新技术产品（服务）收入占比 high-tech income share", ht_share >= p["min_hightech_income_share"],
              round(ht_share, 4), f">= {p['min_hightech_income_share']:.0%}",
              f"高新技术产品（服务）收入占比 {ht_share:.1%}，低于 {p['min_hightech_income_share']:.0%}",
              f"high-tech income share {ht_share:.1%} is below {p['min_hightech_income_share']:.0%}")

    score = innovation_score(data, rows, class_1, usable_class_2, conversions, p)
    condition(7, "创新能力评价 innovation score ≥ 71", score["max"] >= p["pass_score"], [score["min"], score["max"]],
              f">= {p['pass_score']}", f"创新能力得分 {score['min']}–{score['max']}，需 ≥ {p['pass_score']}",
              f"innovation score {score['min']}–{score['max']}; {p['pass_score']} needed")
    condition(8, "近一年无重大安全、质量事故或严重环境违法 no major incident", not incident, incident, False,
              "申请前一年内发生重大事故或严重环境违法行为", "a major incident or serious environmental violation within the year")

    hard_failed = [c for c in conditions if not c["passed"] and c["id"] != 7]
    if hard_failed or score["max"] < p["pass_score"]:
        verdict = "FAIL"
    elif score["min"] >= p["pass_score"]:
        verdict = "PASS"
    else:
        verdict = "BORDERLINE"
    gaps = {}
    if intensity < needed:
        gaps["rd_expense"] = round(needed * total_sales - total_rd, 2)
    if st_share < p["min_st_staff_share"]:
        gaps["st_staff"] = int(-(-(p["min_st_staff_share"] * staff - st_staff) // 1))
    if ht_share < p["min_hightech_income_share"]:
        gaps["hightech_income"] = round(p["min_hightech_income_share"] * income_base - hightech_income, 2)
    return {"verdict": verdict, "conditions": conditions, "innovation_score": score, "gaps": gaps,
            "failed": [c["id"] for c in conditions if not c["passed"]], "ruleset": rs.describe(),
            "benefits": {"income_tax_rate": p["tax_rate"], "certificate_years": p["certificate_years"]}}


def innovation_score(data: dict, rows: list[dict], class_1: float, class_2: float, conversions, p: dict) -> dict:
    given = data.get("scores") or {}

    def fixed(key):
        value = given.get(key)
        return None if value is None else [float(value), float(value)]

    # 知识产权 (≤ 30)
    ip = fixed("ip")
    if ip is None:
        if class_1 + class_2 == 0:
            ip = [0.0, 0.0]
        else:
            ipin = data.get("ip") or {}
            grade = lambda key: p["ip_grade_bands"].get(ipin.get(key), [0, 8])  # noqa: E731  unknown → full range
            bands = p["ip_quantity_bands"]
            quantity = (bands["class_1_at_least_1"] if class_1 >= 1 else bands["class_2_at_least_5"] if class_2 >= 5
                        else bands["class_2_3_to_4"] if class_2 >= 3 else bands["class_2_1_to_2"])
            acquisition = p["ip_acquisition"]["own_rd" if ipin.get("own_rd", True) else "acquired_only"]
            bonus = p["ip_standards_bonus"] if (ipin.get("standards_led") or 0) > 0 else [0, 0]
            parts = [grade("advancement"), grade("core_support"), quantity, acquisition, bonus]
            ip = [min(sum(x[0] for x in parts), p["ip_cap"]), min(sum(x[1] for x in parts), p["ip_cap"])]
    # 科技成果转化 (≤ 30)
    conversion = fixed("conversion")
    if conversion is None:
        if isinstance(conversions, list) and conversions:
            average = sum(conversions) / len(conversions)
            conversion, _ = points_range(average, p["conversion_bands"])
        else:
            conversion = [0, 30]
    # 研发组织管理 (≤ 20): four expert items; a missing answer is unknown (full range)
    management = fixed("management")
    if management is None:
        items = data.get("management") or {}
        low = high = 0
        for key, top in p["management_items"].items():
            answer = items.get(key)
            if answer is True:
                low, high = low + 1, high + top
            elif answer is None:
                high += top
        management = [low, high]
    # 成长性 (≤ 20)
    growth = fixed("growth")
    detail = {}
    if growth is None:
        growth = [0, 0]
        for key in ("net_assets", "sales"):
            series = [row[key] for row in rows if row.get(key) is not None]
            g = growth_rate(series) if len(series) >= 2 else None
            pts, band = points_range(g, p["growth_bands"]) if g is not None else ([0, 0], None)
            detail[key] = {"growth": None if g is None else round(g, 4), "band": band, "points": pts}
            growth = [growth[0] + pts[0], growth[1] + pts[1]]
    parts = {"ip": ip, "conversion": conversion, "management": management, "growth": growth}
    return {"min": round(sum(v[0] for v in parts.values()), 2), "max": round(sum(v[1] for v in parts.values()), 2),
            "parts": parts, "growth_detail": detail}
