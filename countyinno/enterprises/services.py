"""Every write for enterprises, and the assessments built on the rule engines."""

from __future__ import annotations

import datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db.models import Count, Q

from countyinno.accounts import services as accounts_services
from countyinno.accounts.models import Organisation
from countyinno.core import audit
from countyinno.core.actions import action, require
from countyinno.core.audit import record_state_change
from countyinno.core.errors import bilingual
from countyinno.core.validators import credit_code_problem
from countyinno.engines.rules import ruleset_for
from countyinno.engines.rules.superdeduction import industry_code
from countyinno.regions.models import Region

from .models import Carrier, Certificate, Enterprise, EnterpriseYear, PoolMembership
from .permissions import (can_edit_carrier, can_edit_enterprise, can_edit_figures, can_graduate_member,
                          can_nominate_enterprise, can_record_certificate, can_register_carrier,
                          can_register_enterprise, can_view_pool_target)

# 八大高新技术领域 (the domain a firm's technology belongs to); blank: not yet known.
DOMAINS = ["电子信息", "生物与新医药", "航空航天", "新材料", "高技术服务", "新能源与节能", "资源与环境", "先进制造与自动化"]


# ------------------------------------------------------------------ the registry

def _check_basics(errors: dict, *, industry: str, size: str, founded, domain: str) -> str:
    """Check a firm's basic data into `errors`; return the industry as the model stores it (C3911)."""
    code = ""
    if not (industry or "").strip():
        errors["industry"] = [bilingual("行业代码为必填项", "the industry code is required")]
    else:
        _letter, code, problem = industry_code(industry)
        if problem:
            errors["industry"] = [problem]
    if size not in Enterprise.Size.values:
        errors["size"] = [bilingual("规模无效", "unknown size")]
    if founded is None:
        errors["founded"] = [bilingual("成立日期为必填项", "the founding date is required")]
    elif founded > datetime.date.today():
        errors["founded"] = [bilingual("成立日期不能晚于今天", "the founding date cannot be in the future")]
    if domain and domain not in DOMAINS:
        errors["domain"] = [bilingual("技术领域无效", "unknown technology domain")]
    return code or ""


def existing_credit_code(code: str, exclude=None):
    """The organisation already registered with this credit code, or None."""
    found = Organisation.objects.filter(credit_code=code).select_related("region")
    if exclude is not None:
        found = found.exclude(pk=exclude.pk)
    return found.first()


@action(permission=can_register_enterprise, target="region")
def register_enterprise(*, actor, region, name: str, credit_code: str, industry: str, size: str,
                        founded: datetime.date, domain: str = "", address: str = "",
                        contact_phone: str = "") -> Enterprise:
    """登记企业: the firm's organisation (kind enterprise) and its registry record, in a county of the actor's area."""
    name, credit_code = (name or "").strip(), (credit_code or "").strip().upper()
    errors = {}
    if region.level != Region.Level.COUNTY:
        errors["region"] = [bilingual("企业须登记在县（市、区）", "a firm is registered in a county")]
    if not name:
        errors["name"] = [bilingual("企业名称为必填项", "the firm's name is required")]
    if not credit_code:
        errors["credit_code"] = [bilingual("统一社会信用代码为必填项", "the unified social credit code is required")]
    elif problem := credit_code_problem(credit_code):
        errors["credit_code"] = [problem]
    elif (other := existing_credit_code(credit_code)) is not None:
        errors["credit_code"] = [bilingual(f"该统一社会信用代码已登记为“{other.name}”（{other.region.name}）",
                                           f"this credit code is already registered to “{other.name}” "
                                           f"({other.region.name})")]
    industry = _check_basics(errors, industry=industry, size=size, founded=founded, domain=domain)
    if errors:
        raise ValidationError(errors)
    organisation = accounts_services.create_organisation(
        actor=actor, name=name, kind=Organisation.Kind.ENTERPRISE, region=region, credit_code=credit_code,
        address=(address or "").strip(), contact_phone=(contact_phone or "").strip())
    return Enterprise.objects.create(organisation=organisation, industry=industry, size=size, founded=founded,
                                     domain=domain or "")


@action(permission=can_edit_enterprise, target="enterprise")
def update_enterprise(*, actor, enterprise: Enterprise, industry: str, size: str, founded: datetime.date,
                      domain: str = "", address: str = "", contact_phone: str = "") -> Enterprise:
    """A firm's basic data, by its own members or the bureaus over its area (name, code and county stay put)."""
    errors = {}
    industry = _check_basics(errors, industry=industry, size=size, founded=founded, domain=domain)
    if errors:
        raise ValidationError(errors)
    enterprise.industry, enterprise.size, enterprise.founded = industry, size, founded
    enterprise.domain = domain or ""
    enterprise.save()
    organisation = enterprise.organisation
    contact = {"address": (address or "").strip(), "contact_phone": (contact_phone or "").strip()}
    if any(getattr(organisation, key) != value for key, value in contact.items()):
        accounts_services.update_organisation_contact(actor=actor, organisation=organisation, **contact)
    return enterprise

YEAR_FIELDS = ["sales", "total_income", "non_taxable_income", "hightech_income", "total_assets", "net_assets",
               "total_cost", "staff_total", "st_staff", "rd_personnel", "rd_direct_inputs", "rd_depreciation",
               "rd_amortisation", "rd_design", "rd_commissioned", "rd_other", "rd_domestic_share", "ip_class_1",
               "ip_class_2", "conversions"]
INTEGER_FIELDS = {"staff_total", "st_staff", "ip_class_1", "ip_class_2", "conversions"}
REQUIRED_FIELDS = {"sales", "total_income", "total_assets", "net_assets", "staff_total", "st_staff"}
LABELS = {f.name: f.verbose_name for f in EnterpriseYear._meta.fields}
EN_LABELS = {"sales": "sales", "total_income": "total income", "non_taxable_income": "non-taxable income",
             "hightech_income": "high-tech product income", "total_assets": "total assets", "net_assets": "net assets",
             "total_cost": "total costs", "staff_total": "total staff", "st_staff": "S&T staff",
             "rd_personnel": "R&D personnel costs", "rd_direct_inputs": "R&D direct inputs",
             "rd_depreciation": "R&D depreciation", "rd_amortisation": "R&D amortisation",
             "rd_design": "R&D design and trials", "rd_commissioned": "commissioned R&D", "rd_other": "other R&D costs",
             "rd_domestic_share": "domestic R&D share", "ip_class_1": "class I IP", "ip_class_2": "class II IP",
             "conversions": "S&T conversions"}
UNITS = {f: ("人" if f in ("staff_total", "st_staff") else "项" if f in ("ip_class_1", "ip_class_2", "conversions")
             else "0–1" if f == "rd_domestic_share" else "万元") for f in YEAR_FIELDS}
MONEY_PLACES = 4  # 万元 to the yuan
MONEY_LIMIT = Decimal(10) ** 12  # DecimalField(max_digits=16, decimal_places=4)
INTEGER_LIMIT = 2_147_483_647


def parse_decimal(raw) -> Decimal:
    """A typed value as an exact Decimal ("1,200.50", " 85% " → 0.85); raises ValueError when it is not one."""
    if isinstance(raw, bool):
        raise ValueError(raw)
    if isinstance(raw, Decimal):
        number = raw
    elif isinstance(raw, int):
        number = Decimal(raw)
    elif isinstance(raw, float):
        number = Decimal(repr(raw))  # the number as written, not its binary expansion
    else:
        text = str(raw).strip().replace(",", "").replace("，", "")
        percent = text.endswith("%")
        try:
            number = Decimal(text.rstrip("%").strip())
        except InvalidOperation:
            raise ValueError(raw) from None
        if percent:
            number = number / 100
    if not number.is_finite():
        raise ValueError(raw)
    return number


def check_year(values: dict) -> tuple[dict, dict]:
    """Clean one year's figures into exact Decimals and ints; return (cleaned, {field: [bilingual messages]})."""
    cleaned, errors = {}, {}
    for field in YEAR_FIELDS:
        raw = values.get(field)
        label, en = LABELS[field], EN_LABELS[field]
        if raw is None or str(raw).strip() == "":
            if field in REQUIRED_FIELDS:
                errors[field] = [bilingual(f"{label}为必填项", f"{en} is required")]
            continue
        try:
            number = parse_decimal(raw)
        except ValueError:
            shown = str(raw)[:40]
            errors[field] = [bilingual(f"{label}应为数字，收到“{shown}”", f"{en}: expected a number, got “{shown}”")]
            continue
        if number < 0 and field != "net_assets":
            errors[field] = [bilingual(f"{label}不能为负数", f"{en} must not be negative")]
            continue
        if field in INTEGER_FIELDS:
            if number != number.to_integral_value():
                errors[field] = [bilingual(f"{label}应为整数", f"{en} must be a whole number")]
                continue
            if number > INTEGER_LIMIT:
                errors[field] = [bilingual(f"{label}数值过大", f"{en} is too large")]
                continue
            cleaned[field] = int(number)
            continue
        if field == "rd_domestic_share":
            if not 0 <= number <= 1:
                errors[field] = [bilingual(f"{label}应在 0–1 之间（或 0%–100%）",
                                           f"{en} must be between 0 and 1 (or 0%–100%)")]
                continue
            cleaned[field] = number.quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP)
            continue
        if abs(number) >= MONEY_LIMIT:
            errors[field] = [bilingual(f"{label}数值过大（单位为万元）", f"{en} is too large (the unit is 10,000 yuan)")]
            continue
        if -number.as_tuple().exponent > MONEY_PLACES:
            errors[field] = [bilingual(f"{label}最多 {MONEY_PLACES} 位小数（单位万元，精确到元）",
                                       f"{en}: at most {MONEY_PLACES} decimal places (10,000 yuan, to the yuan)")]
            continue
        cleaned[field] = number.quantize(Decimal(1).scaleb(-MONEY_PLACES))
    if "st_staff" in cleaned and "staff_total" in cleaned and cleaned["st_staff"] > cleaned["staff_total"]:
        errors.setdefault("st_staff", []).append(bilingual(
            f"科技人员（{cleaned['st_staff']} 人）不能多于职工总数（{cleaned['staff_total']} 人）",
            f"S&T staff ({cleaned['st_staff']}) cannot exceed total staff ({cleaned['staff_total']})"))
    if "total_income" in cleaned:
        if cleaned.get("hightech_income", 0) > cleaned["total_income"]:
            errors.setdefault("hightech_income", []).append(bilingual("高新技术产品（服务）收入不能大于收入总额",
                                                                      "high-tech income cannot exceed total income"))
        if cleaned.get("non_taxable_income", 0) > cleaned["total_income"]:
            errors.setdefault("non_taxable_income", []).append(bilingual("不征税收入不能大于收入总额",
                                                                         "non-taxable income cannot exceed total income"))
    return cleaned, errors


@action(permission=can_edit_figures, target="enterprise")
def save_year(*, actor, enterprise: Enterprise, year: int, values: dict) -> EnterpriseYear:
    """Create or replace one year's figures, all fields or none."""
    if not 1990 <= int(year) <= datetime.date.today().year:
        raise ValidationError({"year": bilingual("年度无效", "invalid year")})
    cleaned, errors = check_year(values)
    if errors:
        raise ValidationError(errors)
    for field in YEAR_FIELDS:  # a cleared optional field goes back to its default, not to last year's value
        if field not in cleaned:
            model_field = EnterpriseYear._meta.get_field(field)
            default = model_field.get_default()
            if isinstance(default, Decimal):
                default = default.quantize(Decimal(1).scaleb(-model_field.decimal_places))
            cleaned[field] = default
    record, _ = EnterpriseYear.objects.update_or_create(enterprise=enterprise, year=year, defaults=cleaned)
    return record


def cultivation_rules(day: datetime.date | None = None):
    return ruleset_for("cultivation", day or datetime.date.today())


def nominable(enterprise: Enterprise, day: datetime.date | None = None) -> bool:
    """Whether the firm could join the pool now (its size and no membership yet); who may is a predicate."""
    return (enterprise.size in cultivation_rules(day).params["eligible_sizes"]
            and not PoolMembership.objects.filter(enterprise=enterprise).exists())


@action(permission=can_nominate_enterprise, target="enterprise")
def nominate(*, actor, enterprise: Enterprise, year: int) -> PoolMembership:
    """An admin over the firm's area puts one of its small firms into the 千强 cultivation pool."""
    rules = cultivation_rules(datetime.date(year, 12, 31)).params
    if enterprise.size not in rules["eligible_sizes"]:
        raise ValidationError({"size": bilingual("仅小微企业可入库", "only small and micro firms may join the pool")})
    if PoolMembership.objects.filter(enterprise=enterprise).exists():
        raise ValidationError(bilingual("该企业已在培育库中", "the firm is already in the pool"))
    if enterprise.certificates.filter(kind=Certificate.Kind.HIGHTECH, valid_until__gte=datetime.date(year, 1, 1)).exists():
        raise ValidationError(bilingual("该企业已是高新技术企业", "the firm is already a high-tech enterprise"))
    return PoolMembership.objects.create(enterprise=enterprise, region=enterprise.organisation.region,
                                         year_joined=year, nominated_by=actor)


@action(permission=can_record_certificate, target="enterprise")
def add_certificate(*, actor, enterprise: Enterprise, kind: str, number: str, issued: datetime.date,
                    valid_until: datetime.date) -> Certificate:
    """Record a certificate; a 高企 certificate graduates the firm's active pool membership."""
    number = (number or "").strip()
    if kind not in Certificate.Kind.values:
        raise ValidationError({"kind": bilingual("证书类型无效", "unknown certificate kind")})
    if not number:
        raise ValidationError({"number": bilingual("证书编号为必填项", "the certificate number is required")})
    if issued > datetime.date.today():
        raise ValidationError({"issued": bilingual("发证日期不能晚于今天", "the issue date cannot be in the future")})
    if valid_until <= issued:
        raise ValidationError({"valid_until": bilingual("有效期应晚于发证日期", "validity must end after issue")})
    if Certificate.objects.filter(kind=kind, number=number).exists():
        raise ValidationError({"number": bilingual("该证书编号已登记", "this certificate number is already recorded")})
    certificate = Certificate.objects.create(enterprise=enterprise, kind=kind, number=number, issued=issued,
                                             valid_until=valid_until)
    membership = PoolMembership.objects.filter(enterprise=enterprise, status=PoolMembership.Status.ACTIVE).first()
    if membership is not None and kind == Certificate.Kind.HIGHTECH:
        graduate(actor=actor, membership=membership, year=issued.year)
    return certificate


@action(permission=can_graduate_member, target="membership")
def graduate(*, actor, membership: PoolMembership, year: int) -> PoolMembership:
    """An active pool member became 高新技术企业 in `year` (a 高企 certificate issued that year)."""
    certificate = (membership.enterprise.certificates.filter(kind=Certificate.Kind.HIGHTECH, issued__year=year)
                   .order_by("-issued").first())
    if certificate is None:
        raise ValidationError({"year": bilingual(f"该企业没有 {year} 年颁发的高新技术企业证书",
                                                 f"the firm holds no high-tech certificate issued in {year}")})
    membership.status, membership.graduated_year = PoolMembership.Status.GRADUATED, year
    membership.save()
    record_state_change(membership, "active", "graduated", comment=certificate.number)
    return membership


def pool_progress(user, today: datetime.date | None = None) -> dict:
    """Progress toward '1000 small firms into 高企 within 5 years', by city and county, with a projection."""
    today = today or datetime.date.today()
    rules = cultivation_rules(today)
    p = rules.params
    start, horizon, target = p["start_year"], p["horizon_years"], p["target_graduates"]
    end = start + horizon - 1
    pool = PoolMembership.objects.restrict(user)
    by_year = dict(pool.filter(status=PoolMembership.Status.GRADUATED, graduated_year__gte=start,
                               graduated_year__lte=end).values_list("graduated_year").annotate(n=Count("id")))
    last_year = min(today.year, end)
    cumulative, total = [], 0
    for year in range(start, last_year + 1):
        total += by_year.get(year, 0)
        cumulative.append({"year": year, "graduates": total})
    elapsed = max(len(cumulative), 1)
    per_year = total / elapsed
    projection = [{"year": year, "graduates": round(total + per_year * (year - last_year))}
                  for year in range(last_year + 1, end + 1)]
    projected = projection[-1]["graduates"] if projection else total
    rows = (pool.values("region__code", "region__name", "region__city__name")
            .annotate(members=Count("id"), active=Count("id", filter=Q(status="active")),
                      graduated=Count("id", filter=Q(status="graduated", graduated_year__lte=end)))
            .order_by("-graduated", "region__code"))
    return {"ruleset": rules.describe(), "start_year": start, "end_year": end, "target": target,
            "graduates": total, "members": pool.count(), "cumulative": cumulative, "projection": projection,
            "projected": projected, "on_track": projected >= target if can_view_pool_target(user) else None,
            "counties": list(rows)}


# ------------------------------------------------------------------ innovation carriers

def within(region) -> Q:
    """Enterprises located in `region` (a county, or every county of a city or the province)."""
    level = getattr(region, "level", None)
    if level == "province":
        return Q(organisation__region__province=region)
    if level == "city":
        return Q(organisation__region__city=region)
    return Q(organisation__region=region)


def _check_carrier(name: str, kind: str, level: str, recognised: datetime.date) -> str:
    name = (name or "").strip()
    errors = {}
    if not name:
        errors["name"] = [bilingual("名称为必填项", "the name is required")]
    if kind not in Carrier.Kind.values:
        errors["kind"] = [bilingual("载体类型无效", "unknown carrier kind")]
    if level not in Carrier.Level.values:
        errors["level"] = [bilingual("级别无效", "unknown level")]
    if recognised is None or recognised > datetime.date.today():
        errors["recognised"] = [bilingual("认定日期不能晚于今天", "the recognition date cannot be in the future")]
    if errors:
        raise ValidationError(errors)
    return name


@action(permission=can_register_carrier, target="region")
def register_carrier(*, actor, region, name: str, kind: str, level: str, recognised: datetime.date) -> Carrier:
    """登记创新载体: an incubator, maker space, park or cluster in a region of the actor's area."""
    name = _check_carrier(name, kind, level, recognised)
    if Carrier.objects.filter(region=region, kind=kind, name=name).exists():
        raise ValidationError({"name": bilingual("该地区已登记同名同类载体", "this carrier is already registered here")})
    return Carrier.objects.create(region=region, name=name, kind=kind, level=level, recognised=recognised)


@action(permission=can_edit_carrier, target="carrier")
def edit_carrier(*, actor, carrier: Carrier, region, name: str, kind: str, level: str, recognised: datetime.date,
                 residents=None) -> Carrier:
    """Change a carrier's particulars and its resident firms (firms located in the carrier's region)."""
    name = _check_carrier(name, kind, level, recognised)
    if region.pk != carrier.region_id:
        require(can_register_carrier, actor, region)  # moved: the new region must be in the actor's area too
    if Carrier.objects.filter(region=region, kind=kind, name=name).exclude(pk=carrier.pk).exists():
        raise ValidationError({"name": bilingual("该地区已登记同名同类载体", "this carrier is already registered here")})
    carrier.region, carrier.name, carrier.kind, carrier.level, carrier.recognised = region, name, kind, level, recognised
    carrier.save()
    if residents is not None:
        residents = list(residents)
        outside = [e for e in residents if not Enterprise.objects.filter(within(region), pk=e.pk).exists()]
        if outside:
            names = "、".join(str(e) for e in outside[:5])
            raise ValidationError({"residents": bilingual(f"以下企业不在载体所在地区：{names}",
                                                          f"these firms are outside the carrier's region: {names}")})
        before = sorted(carrier.residents.values_list("pk", flat=True))
        after = sorted({e.pk for e in residents})
        if before != after:
            carrier.residents.set(after)
            audit.record("update", carrier, {"residents": before}, {"residents": after},
                         comment="在孵/入驻企业 / resident firms")
    return carrier
