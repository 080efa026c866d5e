"""技术合同认定登记: registrability rules, 技术交易额 and the tax benefits that would apply.

Every rule has an id; a refused contract lists each failed rule with its reason (zh / en).
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from countyinno.engines.identifiers import credit_code_problem, id_number_problem, organisation_code_problem
from countyinno.engines.inputs import to_decimal

from .common import Reader, fmt, plain
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
    "C14": "技术交易额大于零 a technical amount above zero",
}
PROVINCES = {"11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35", "36", "37", "41", "42",
             "43", "44", "45", "46", "50", "51", "52", "53", "54", "61", "62", "63", "64", "65", "71", "81", "82"}
PERSON_TYPES = ("person", "natural_person")


def application_day(data: dict, today: datetime.date | None = None) -> datetime.date:
    """The application date that picks the rule set (认定登记 is an administrative act): the input's
    `application_date`, else `today`, else the calendar date. The CLI's --date and every caller agree."""
    value = data.get("application_date") if isinstance(data, dict) else None
    if value:
        try:
            return datetime.date.fromisoformat(str(value))
        except ValueError:
            pass  # reported by the Reader
    return today or datetime.date.today()


def _area(r: Reader, path: str) -> str | None:
    value = r.text(path)
    if value is None:
        return None
    if len(value) != 6 or not value.isdigit() or value[:2] not in PROVINCES:
        r.problem(path, f"行政区划代码应为 6 位数字且以省级代码开头（GB/T 2260），收到 {value!r}",
                  f"an area code has 6 digits starting with a province code (GB/T 2260), got {value!r}")
        return None
    return value


def _party(r: Reader, key: str, required: bool = True) -> dict | None:
    if r.raw(key) is None and not required:
        return None
    kind = r.text(f"{key}.type", choices=("organisation", "person"))
    legal_type = r.text(f"{key}.legal_type")
    person = kind == "person" or legal_type in PERSON_TYPES
    credit_code = r.text(f"{key}.credit_code")
    org_code = r.text(f"{key}.organisation_code")
    if credit_code and legal_type == "organisation_code":  # the platform's form puts a pre-2015 code here
        credit_code, org_code = None, credit_code
    return {"name": r.text(f"{key}.name", required=required), "person": person,
            "credit_code": None if person else credit_code, "organisation_code": None if person else org_code,
            "id_number": r.text(f"{key}.id_number"), "area_code": _area(r, f"{key}.area_code"),
            "legal_type": legal_type}


def _amount(r: Reader, path: str, places: int, required: bool = True) -> Decimal | None:
    value = r.number(path, required=required)
    if value is not None and value.as_tuple().exponent < -places and value != round(value, places):
        r.problem(path, f"金额最多 {places} 位小数（万元），收到 {fmt(value)}",
                  f"amounts have at most {places} decimals (万元), got {fmt(value)}")
        return None
    return value


def check(data: dict, today: datetime.date | None = None) -> dict:
    """Registrability of a contract on its application date (`data["application_date"]`, else `today`,
    else the calendar date); amounts are exact decimals (万元, up to 6 decimals)."""
    r = Reader(data, schema="contracts")
    applied = r.date("application_date", required=False) or today or datetime.date.today()
    signed = r.date("signed_on", required=False)
    valid_from = r.date("valid_from", required=False)
    valid_to = r.date("valid_to", required=False)
    category = r.text("category", required=True)
    subtype = r.text("subtype", required=True)
    places = 6
    total = _amount(r, "total_amount", places)
    costs_raw = r.raw("non_technical_costs") or {}
    carrier = _amount(r, "carrier_costs", places, required=False)
    buyer, seller, agency = _party(r, "buyer"), _party(r, "seller"), _party(r, "agency", required=False)
    point_area = _area(r, "registration_point_area_code")
    if not isinstance(costs_raw, dict):
        r.problem("non_technical_costs", "应为 {项目: 金额}", "expected {item: amount}")
        costs_raw = {}
    r.done()
    rs = ruleset_for("contracts", applied)
    p = rs.params
    places = int(p.get("amount_decimal_places", places))
    failed: list[dict] = []

    def fail(rule, zh, en):
        failed.append({"rule": rule, "name": RULES[rule], "reason": f"{zh} / {en}"})

    costs: dict[str, Decimal] = {}
    for item in costs_raw:
        if item not in p["non_technical_cost_items"]:
            fail("C11", f"未知非技术性费用项目 {item}（技术载体费用填在 carrier_costs，不扣除）",
                 f"unknown non-technical cost {item} (technology-carrier costs go in carrier_costs and are not deducted)")
            continue
        value = _amount(r, f"non_technical_costs.{item}", places)
        if value is not None:
            costs[item] = value
    r.done()
    carrier = carrier or Decimal(0)
    generic_c01 = False
    for role_zh, role_en, party in (("买方", "buyer", buyer), ("卖方", "seller", seller)):
        if not party["name"]:
            generic_c01 = True
        elif party["person"]:
            if not party["id_number"]:
                fail("C01", f"{role_zh}为自然人，须提供姓名和身份证号码", f"the {role_en} is a natural person: name and ID number needed")
        elif not party["credit_code"]:
            if not party["organisation_code"]:
                generic_c01 = True
            elif signed is not None and signed > _day(p["organisation_code_until"]):
                fail("C01", f"{role_zh}的组织机构代码仅适用于 {p['organisation_code_until']} 以前签订的合同，须提供统一社会信用代码",
                     f"the {role_en}'s organisation code only serves contracts signed by {p['organisation_code_until']}; "
                     f"a unified credit code is needed")
    if generic_c01:
        fail("C01", "买卖双方须有名称及统一社会信用代码（自然人为身份证号码；2015 年以前签订的可为组织机构代码）",
             "buyer and seller need names and credit codes (natural persons: ID numbers; contracts signed before "
             "2015-10: organisation codes)")
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
    if signed is None:
        fail("C07", "合同没有签订日期，尚未生效", "the contract has no signing date and is not in force")
    elif signed > applied:
        fail("C07", f"签订日期 {signed} 晚于申请日期 {applied}", f"signed on {signed}, after the application date {applied}")
    if valid_from is not None and valid_from > applied:
        fail("C07", f"合同自 {valid_from} 起生效，申请日 {applied} 尚未生效",
             f"the contract takes effect on {valid_from}, after the application date {applied}: not yet in force")
    if signed is not None and valid_to is not None and (valid_to < signed or (valid_from is not None and valid_to < valid_from)):
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
                expired = expired or (signed is not None and datetime.date.fromisoformat(str(expires)) < signed)
            except ValueError:
                fail("C10", f"知识产权到期日无效：{expires!r}", f"invalid IP expiry date {expires!r}")
        if not ip.get("number"):
            fail("C10", "须提供知识产权编号", "the IP number is required")
        if expired:
            fail("C10", f"转让或许可的知识产权 {ip.get('number', '')} 已过期或进入公有领域",
                 f"the IP {ip.get('number', '')} has expired or is in the public domain")
    non_technical = sum(costs.values(), Decimal(0))
    itemised = non_technical + carrier
    if itemised > total:  # exact decimals: 0.1 + 0.2 of costs fit a total of 0.3
        fail("C11", f"分项费用合计 {fmt(itemised)} 万元超过合同总额 {fmt(total)} 万元",
             f"itemised costs {fmt(itemised)} exceed the total {fmt(total)}")
    if point_area and seller["area_code"] and not _within(seller["area_code"], point_area):
        fail("C12", f"卖方所在地 {seller['area_code']} 不属于登记点辖区 {point_area}，应在卖方所在地登记",
             f"the seller ({seller['area_code']}) is outside the point's region ({point_area}); register where the seller is")
    for role, party in (("买方 buyer", buyer), ("卖方 seller", seller), ("中介 agency", agency)):
        if not party:
            continue
        for key, checker in (("credit_code", credit_code_problem), ("organisation_code", organisation_code_problem),
                             ("id_number", id_number_problem)):
            if party.get(key):
                problem = checker(party[key])
                if problem:
                    zh, en = problem.split(" / ", 1)
                    fail("C13", f"{role.split()[0]}：{zh}", f"{role.split()[1]}: {en}")
    tech_amount = max(total - non_technical, Decimal(0))
    if total > 0 and itemised <= total and tech_amount == 0:
        fail("C14", "技术交易额为 0（合同价款全部为非技术性费用），不予登记，也不享受税收优惠",
             "the technical amount is 0 (the whole price is non-technical): not registrable, no tax benefit")
    registrable = not failed
    benefits = None
    if registrable:
        benefits = tax_benefits(category, tech_amount, bool(data.get("tied_to_transfer_or_development")), p,
                                subtype=subtype, exclusivity=data.get("exclusivity"), signed=signed,
                                valid_from=valid_from, valid_to=valid_to, seller_person=seller["person"],
                                licence_global=bool(data.get("licence_global")))
    return {"registrable": registrable, "failed": failed, "technical_transaction_amount": plain(tech_amount),
            "non_technical_costs": plain(non_technical), "carrier_costs": plain(carrier), "total_amount": plain(total),
            "category_name": p["categories"].get(category, {}).get("name"),
            "related_party": _related(buyer, seller, data), "tax_benefits": benefits,
            "application_date": applied.isoformat(), "decision_days": p["decision_days"], "ruleset": rs.describe()}


def _day(value) -> datetime.date:
    return value if isinstance(value, datetime.date) else datetime.date.fromisoformat(str(value))


def _within(area: str, point_area: str) -> bool:
    """A seller's 6-digit area code lies under a point's area (province 370000, city 370100, county 370102)."""
    prefix = point_area.rstrip("0")
    if len(prefix) % 2:
        prefix += "0"
    return area.startswith(prefix)


def _related(buyer, seller, data) -> bool:
    if data.get("related_party"):
        return True
    for key in ("credit_code", "organisation_code", "id_number"):
        if buyer.get(key) and buyer.get(key) == seller.get(key):
            return True
    return False


def _add_years(day: datetime.date, years: int) -> datetime.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def tax_benefits(category: str, tech_amount, tied: bool, p: dict, *, subtype: str | None = None,
                 exclusivity: str | None = None, signed: datetime.date | None = None,
                 valid_from: datetime.date | None = None, valid_to: datetime.date | None = None,
                 seller_person: bool = False, licence_global: bool = False) -> dict:
    """VAT exemption and the income-tax relief of 财税〔2010〕111号 / 〔2015〕116号 (exact amounts).

    Income relief: only the technologies of 111号 (专利权, 软件著作权, 集成电路布图设计, 植物新品种,
    生物医药新品种) transferred outright, or a patent licensed for ≥ 5 years — global exclusive, or any
    licence from 2015-10-01 (116号). Not 专利申请权, not 技术秘密, not licences under 5 years; not a
    natural-person seller (enterprise income tax)."""
    vat = category in p["vat_exempt_categories"] or (tied and category in p["vat_exempt_when_tied"])
    tech_amount = to_decimal(tech_amount)
    reason_zh, reason_en = _income_tax_refusal(category, subtype, exclusivity, signed, valid_from, valid_to,
                                               seller_person, licence_global, p)
    out = {"vat_exempt": vat, "income_tax": None}
    if reason_zh is None:
        exempt = min(tech_amount, to_decimal(p["income_tax_exempt_up_to"]))
        out["income_tax"] = {"exempt": plain(exempt), "halved": plain(max(tech_amount - exempt, Decimal(0)))}
    else:
        out["income_tax_reason"] = f"{reason_zh} / {reason_en}"
    return out


def _income_tax_refusal(category, subtype, exclusivity, signed, valid_from, valid_to, seller_person, licence_global, p):
    if category not in p["income_tax_categories"]:
        return "该类合同不属于技术转让所得减免范围", "this category is outside the technology-transfer income relief"
    if subtype is None:
        return "未注明合同子类，无法判断所得税减免", "no sub-type: the income relief cannot be decided"
    if seller_person:
        return "卖方为自然人，不适用企业所得税技术转让减免", "a natural-person seller: no enterprise income-tax relief"
    if category == "transfer":
        if subtype not in p["income_tax_transfer_subtypes"]:
            return (f"{p['categories']['transfer']['subtypes'].get(subtype, subtype)}不属于财税〔2010〕111号所列技术，不享受所得税减免",
                    f"{subtype} is not a technology listed in 财税〔2010〕111号: no income-tax relief")
        return None, None
    if subtype not in p["income_tax_licence_subtypes"]:
        return (f"{p['categories']['licensing']['subtypes'].get(subtype, subtype)}不享受所得税减免（财税〔2010〕111号）",
                f"{subtype}: no income-tax relief (财税〔2010〕111号)")
    years = int(p["income_tax_min_licence_years"])
    start = valid_from or signed
    if start is None or valid_to is None:
        return (f"许可期限不明，{years} 年以上（含）的许可才享受所得税减免",
                f"the licence term is unknown; only licences of {years} years or more get income relief")
    if valid_to < _add_years(start, years) - datetime.timedelta(days=1):
        return (f"许可期限 {start}–{valid_to} 不足 {years} 年，不享受所得税减免",
                f"the licence {start}–{valid_to} is shorter than {years} years: no income-tax relief")
    non_exclusive_from = _day(p["income_tax_non_exclusive_licence_from"])
    if (signed or start) < non_exclusive_from and not (exclusivity == "exclusive" and licence_global):
        return (f"{non_exclusive_from} 以前的许可须为全球独占许可（财税〔2010〕111号；非独占许可自 {non_exclusive_from} 起，财税〔2015〕116号）",
                f"licences before {non_exclusive_from} need a global exclusive licence (财税〔2010〕111号; "
                f"non-exclusive ones from {non_exclusive_from}, 财税〔2015〕116号)")
    return None, None
