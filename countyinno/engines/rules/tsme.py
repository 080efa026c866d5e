"""科技型中小企业评价: gates, the 100-point score, direct qualification and the verdict."""

from __future__ import annotations

import datetime

from fractions import Fraction

from .common import Reader, exact, fmt, shown
from .rulesets import ruleset_for


def _band(value, bands: list[list]) -> int:
    """Points of the first band whose lower bound (inclusive) the value reaches, compared exactly."""
    value = exact(value)
    for lower, points in bands:
        if value >= exact(lower):
            return int(points)
    return 0


def assess(data: dict, on: datetime.date | None = None) -> dict:
    r = Reader(data, schema="tsme")
    day = r.date("assessment_date", required=False) or on or datetime.date.today()
    staff = r.number("staff_total", minimum=1)
    st_staff = r.number("st_staff")
    sales = r.number("sales")
    assets = r.number("total_assets")
    rd = r.number("rd_expense")
    total_cost = r.number("total_cost", required=False, default=0)
    class_1 = r.number("ip.class_1", required=False, default=0)
    class_2 = r.number("ip.class_2", required=False, default=0)
    flags = {key: r.boolean(key, default) for key, default in (
        ("resident_enterprise", True), ("restricted_products", False), ("major_incident", False),
        ("dishonesty_listed", False))}
    direct = {key: r.boolean(f"direct.{key}") for key in ("valid_hightech_certificate", "national_st_award_5y",
                                                          "provincial_rd_institution", "led_standard_5y")}
    if staff is not None and st_staff is not None and st_staff > staff:
        r.problem("st_staff", f"科技人员（{fmt(st_staff)}）不能多于职工总数（{fmt(staff)}）",
                  f"S&T staff ({fmt(st_staff)}) cannot exceed total staff ({fmt(staff)})")
    r.done()
    rs = ruleset_for("tsme", day)
    p = rs.params
    gates = []

    def gate(key, passed, zh, en):
        gates.append({"gate": key, "passed": passed, "reason": None if passed else f"{zh} / {en}"})

    gate("resident", flags["resident_enterprise"], "须为居民企业", "must be a resident enterprise")
    gate("staff", exact(staff) <= exact(p["max_staff"]), f"职工总数 {fmt(staff)} 人超过 {p['max_staff']} 人",
         f"{fmt(staff)} staff exceeds {p['max_staff']}")
    gate("sales", exact(sales) <= exact(p["max_sales"]), f"年销售收入 {fmt(sales)} 万元超过 {p['max_sales']} 万元",
         f"sales {fmt(sales)} exceed {p['max_sales']}")
    gate("assets", exact(assets) <= exact(p["max_assets"]), f"资产总额 {fmt(assets)} 万元超过 {p['max_assets']} 万元",
         f"assets {fmt(assets)} exceed {p['max_assets']}")
    gate("products", not flags["restricted_products"], "产品属于禁止、限制或淘汰类", "restricted or eliminated products")
    gate("incident", not flags["major_incident"], "发生重大安全、质量、环境事故或严重科研失信",
         "a major incident or serious S&T dishonesty")
    gate("lists", not flags["dishonesty_listed"], "列入经营异常名录或严重违法失信名单", "on an abnormal-operation or dishonesty list")

    staff_share = exact(st_staff) / exact(staff)
    staff_points = _band(staff_share, p["staff_bands"])
    rd_sales = exact(rd) / exact(sales) if sales else Fraction(0)
    rd_cost = exact(rd) / exact(total_cost) if total_cost else Fraction(0)
    rd_points = max(_band(rd_sales, p["rd_sales_bands"]), _band(rd_cost, p["rd_cost_bands"]))
    ip = p["ip_points"]
    ip_points = (ip["class_1"] if class_1 >= 1 else ip["class_2_4_plus"] if class_2 >= 4 else
                 ip.get(f"class_2_{int(class_2)}", 0))
    total = staff_points + rd_points + ip_points
    gates_ok = all(g["passed"] for g in gates)
    direct_reasons = [p["direct_qualifications"][k] for k, v in direct.items() if v and k in p["direct_qualifications"]]
    not_routes = [k for k, v in direct.items() if v and k not in p["direct_qualifications"]]
    reasons = [g["reason"] for g in gates if not g["passed"]]
    if not gates_ok:
        verdict = "FAIL"
    elif direct_reasons:
        verdict = "PASS"
    elif staff_points == 0:
        verdict = "FAIL"
        reasons.append(f"科技人员占比 {float(staff_share):.1%} 得分为 0（低于 10%）/ S&T staff share {float(staff_share):.1%} scores 0 (below 10%)")
    elif total >= exact(p["pass_score"]):
        verdict = "PASS"
    else:
        verdict = "FAIL"
        reasons.append(f"综合得分 {total} 分，低于 {p['pass_score']} 分 / score {total} is below {p['pass_score']}")
    return {"verdict": verdict, "score": total,
            "parts": {"st_staff": {"share": shown(staff_share, 4), "points": staff_points},
                      "rd": {"rd_sales": shown(rd_sales, 4), "rd_cost": shown(rd_cost, 4), "points": rd_points},
                      "ip": {"class_1": shown(class_1), "class_2": shown(class_2), "points": ip_points}},
            "gates": gates, "direct_qualification": direct_reasons,
            "direct_not_in_ruleset": not_routes, "reasons": reasons, "ruleset": rs.describe()}
