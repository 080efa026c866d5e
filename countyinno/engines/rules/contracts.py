"""技术合同认定登记: registrability rules, 技术交易额 and the tax benefits that would apply.

Every rule has an id; a refused contract lists each failed rule with its reason (zh / en).
"""

from __future__ import annotations

import datetime

from countyinno.engines.identifiers import credit_code_problem

from .common import Reader
from .rulesets import ruleset_for

RULES = {
    "C01": "当事人明确 parties identified",
    "C02": "标的明确 subject identified",
    "C03": "价款明确 price stated",
    "C04": "无非法垄断技术、妨碍技术进步条款 no illegal monopoly clauses",
    "C05": "证明文件齐全有效 supporting documents complete",
    "C06": "单位名称与印章一致 names match seals",
    "C07": "合同有效且已生效 contract valid and in force",
    "C08": "属于技术合同 a technology contract",
    "C09": "书面合同 written contract",
    "C10": "转让标的未过期、非公知 transfer subject in force",
    "C11": "非技术性费用不超过合同总额 non-technical costs within the total",
    "C12": "卖方属于本登记点辖区 seller within the registration point's region",
    "C13": "统一社会信用代码有效 valid credit codes",
}


def _party(r: Reader, key: str, required: bool = True) -> dict | None:
    if r.raw(key) is None and not required:
        return None
    return {"name": r.text(f"{key}.name", required=required), "credit_code": r.text(f"{key}.credit_code"),
            "area_code": r.text(f"{key}.area_code"), "legal_type": r.text(f"{key}.legal_type")}


def check(data: dict, today: datetime.date | None = None) -> dict:
    r = Reader(data)
    signed = r.date("signed_on")
    valid_from = r.date("valid_from", required=False)
    valid_to = r.date("valid_to", required=False)
    category = r.text("category", required=True)
    subtype = r.text("subtype", required=True)
    total = r.number("total_amount")
    costs_raw = r.raw("non_technical_costs") or {}
    buyer, seller, agency = _party(r, "buyer"), _party(r, "seller"), _party(r, "agency", required=False)
    point_area = r.text("registration_point_area_code")
    if not isinstance(costs_raw, dict):
        r.problem("non_technical_costs", "应为 {项目: 金额}", "expected {item: amount}")
        costs_raw = {}
    r.done()
    today = today or datetime.date.today()
    rs = ruleset_for("contracts", signed)
    p = rs.params
    failed: list[dict] = []

    def fail(rule, zh, en):
        failed.append({"rule": rule, "name": RULES[rule], "reason": f"{zh} / {en}"})

    costs = {}
    for item, value in costs_raw.items():
        if item not in p["non_technical_cost_items"]:
            fail("C11", f"未知非技术性费用项目 {item}（技术载体费用不扣除）",
                 f"unknown non-technical cost {item} (technology carriers are not deducted)")
            continue
        try:
            costs[item] = float(value)
        except (TypeError, ValueError):
            fail("C11", f"{item} 金额无效", f"{item}: invalid amount")
    if not buyer["name"] or not seller["name"] or not buyer["credit_code"] or not seller["credit_code"]:
        fail("C01", "买卖双方名称和统一社会信用代码须齐全", "buyer and seller need names and credit codes")
    if not data.get("subject_described", True) or not (data.get("project_name") or "").strip():
        fail("C02", "合同标的（项目名称、技术内容）不明确", "the contract's subject is not stated")
    if not data.get("price_specified", True) or total <= 0:
        fail("C03", "合同价款、报酬或使用费不明确", "the price is not stated")
    if data.get("illegal_monopoly"):
        fail("C04", "含有非法垄断技术或侵害他人技术成果的条款", "clauses illegally monopolise technology or infringe others")
    if not data.get("supporting_documents", True):
        fail("C05", "缺少或无效的证明文件（如专利证书、权属证明）", "supporting documents are missing or invalid")
    if not data.get("seal_names_match", True):
        fail("C06", "合同中的单位名称与印章不一致", "unit names do not match the seals")
    if signed > today:
        fail("C07", f"签订日期 {signed} 晚于今天", f"signed on {signed}, after today")
    if valid_to is not None and (valid_to < signed or (valid_from is not None and valid_to < valid_from)):
        fail("C07", "合同有效期早于签订或生效日期", "the validity ends before the contract was signed or took effect")
    if data.get("invalid") or data.get("not_yet_effective"):
        fail("C07", "合同无效或尚未生效", "the contract is invalid or not yet in effect")
    if category not in p["categories"] or subtype not in p["categories"][category]["subtypes"]:
        fail("C08", f"不属于技术合同类别（{category}/{subtype}）", f"not a technology contract category ({category}/{subtype})")
    elif category == "licensing" and data.get("exclusivity") not in p["license_exclusivity"]:
        fail("C08", "许可合同须注明独占、排他或普通许可", "a licence must be exclusive, sole or ordinary")
    if data.get("form", "written") != "written":
        fail("C09", "口头合同不予登记", "oral contracts are not registered")
    ip = data.get("ip") or {}
    if category in ("transfer", "licensing") and subtype in p["ip_subject_subtypes"]:
        status = ip.get("status")
        expires = ip.get("expires_on")
        expired = status in ("expired", "public_domain", "invalid")
        if expires:
            try:
                expired = expired or datetime.date.fromisoformat(str(expires)) < signed
            except ValueError:
                fail("C10", f"知识产权到期日无效：{expires!r}", f"invalid IP expiry date {expires!r}")
        if not ip.get("number"):
            fail("C10", "须提供知识产权编号", "the IP number is required")
        if expired:
            fail("C10", f"转让或许可的知识产权 {ip.get('number', '')} 已过期或进入公有领域",
                 f"the IP {ip.get('number', '')} has expired or is in the public domain")
    non_technical = sum(costs.values())
    if non_technical > total:
        fail("C11", f"非技术性费用 {non_technical:g} 万元超过合同总额 {total:g} 万元",
             f"non-technical costs {non_technical:g} exceed the total {total:g}")
    if point_area and seller["area_code"] and not _within(seller["area_code"], point_area):
        fail("C12", f"卖方所在地 {seller['area_code']} 不属于登记点辖区 {point_area}，应在卖方所在地登记",
             f"the seller ({seller['area_code']}) is outside the point's region ({point_area}); register where the seller is")
    for role, party in (("买方 buyer", buyer), ("卖方 seller", seller), ("中介 agency", agency)):
        if party and party.get("credit_code"):
            problem = credit_code_problem(party["credit_code"])
            if problem:
                fail("C13", f"{role.split()[0]}：{problem.split(' / ')[0]}", f"{role.split()[1]}: {problem.split(' / ')[1]}")
    tech_amount = max(total - non_technical, 0.0)
    registrable = not failed
    return {"registrable": registrable, "failed": failed, "technical_transaction_amount": round(tech_amount, 4),
            "non_technical_costs": round(non_technical, 4), "total_amount": total,
            "category_name": p["categories"].get(category, {}).get("name"),
            "related_party": _related(buyer, seller, data),
            "tax_benefits": tax_benefits(category, tech_amount, bool(data.get("tied_to_transfer_or_development")), p)
            if registrable else None,
            "decision_days": p["decision_days"], "ruleset": rs.describe()}


def _within(area: str, point_area: str) -> bool:
    """A seller's 6-digit area code lies under a point's area (province 370000, city 370100, county 370102)."""
    prefix = point_area.rstrip("0")
    if len(prefix) % 2:
        prefix += "0"
    return area.startswith(prefix)


def _related(buyer, seller, data) -> bool:
    if data.get("related_party"):
        return True
    return bool(buyer["credit_code"] and buyer["credit_code"] == seller["credit_code"])


def tax_benefits(category: str, tech_amount: float, tied: bool, p: dict) -> dict:
    vat = category in p["vat_exempt_categories"] or (tied and category in p["vat_exempt_when_tied"])
    income = {}
    if category in p["income_tax_categories"]:
        exempt = min(tech_amount, p["income_tax_exempt_up_to"])
        income = {"exempt": round(exempt, 4), "halved": round(max(tech_amount - exempt, 0), 4)}
    return {"vat_exempt": vat, "income_tax": income or None}
