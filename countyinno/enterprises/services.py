"""Every write for enterprises, and the assessments built on the rule engines."""

from __future__ import annotations

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Q

from countyinno.accounts.models import Role
from countyinno.core.audit import acting_as, record_state_change
from countyinno.core.errors import bilingual
from countyinno.core.scoping import CHANGE, can
from countyinno.engines.rules import hightech, ruleset_for
from countyinno.engines.rules.common import RuleInputError

from .models import Certificate, Enterprise, EnterpriseYear, PoolMembership

YEAR_FIELDS = ["sales", "total_income", "non_taxable_income", "hightech_income", "total_assets", "net_assets",
               "total_cost", "staff_total", "st_staff", "rd_personnel", "rd_direct_inputs", "rd_depreciation",
               "rd_amortisation", "rd_design", "rd_commissioned", "rd_other", "rd_domestic_share", "ip_class_1",
               "ip_class_2", "conversions"]
INTEGER_FIELDS = {"staff_total", "st_staff", "ip_class_1", "ip_class_2", "conversions"}
LABELS = {f.name: f.verbose_name for f in EnterpriseYear._meta.fields}


def _check_change(actor, enterprise):
    if actor is not None and not can(actor, CHANGE, enterprise):
        raise PermissionDenied(bilingual("无权修改该企业", "you may not change this enterprise"))


def check_year(values: dict) -> tuple[dict, dict]:
    """Clean one year's figures; return (cleaned, {field: [bilingual messages]})."""
    cleaned, errors = {}, {}
    for field in YEAR_FIELDS:
        raw = values.get(field)
        label = LABELS[field]
        if raw in (None, ""):
            if field in ("sales", "total_income", "total_assets", "net_assets", "staff_total", "st_staff"):
                errors[field] = [bilingual(f"{label}为必填项", f"{field} is required")]
            continue
        try:
            number = float(str(raw).replace(",", ""))
        except ValueError:
            errors[field] = [bilingual(f"{label}应为数字，收到 {raw!r}", f"{field}: expected a number, got {raw!r}")]
            continue
        if number != number or abs(number) == float("inf"):
            errors[field] = [bilingual(f"{label}数值无效", f"{field}: invalid number")]
            continue
        if number < 0 and field != "net_assets":
            errors[field] = [bilingual(f"{label}不能为负数", f"{field} must not be negative")]
            continue
        if field in INTEGER_FIELDS:
            if number != int(number):
                errors[field] = [bilingual(f"{label}应为整数", f"{field} must be a whole number")]
                continue
            number = int(number)
        cleaned[field] = number
    if "st_staff" in cleaned and "staff_total" in cleaned and cleaned["st_staff"] > cleaned["staff_total"]:
        errors.setdefault("st_staff", []).append(bilingual(
            f"科技人员（{cleaned['st_staff']}）不能多于职工总数（{cleaned['staff_total']}）",
            f"S&T staff ({cleaned['st_staff']}) cannot exceed total staff ({cleaned['staff_total']})"))
    if cleaned.get("hightech_income", 0) > cleaned.get("total_income", float("inf")):
        errors.setdefault("hightech_income", []).append(bilingual("高新技术产品收入不能大于收入总额",
                                                                  "high-tech income cannot exceed total income"))
    if cleaned.get("non_taxable_income", 0) > cleaned.get("total_income", float("inf")):
        errors.setdefault("non_taxable_income", []).append(bilingual("不征税收入不能大于收入总额",
                                                                     "non-taxable income cannot exceed total income"))
    if not 0 <= cleaned.get("rd_domestic_share", 1.0) <= 1:
        errors.setdefault("rd_domestic_share", []).append(bilingual("境内研发占比应在 0–1 之间",
                                                                    "the domestic share must be between 0 and 1"))
    return cleaned, errors


@transaction.atomic
def save_year(*, actor, enterprise: Enterprise, year: int, values: dict) -> EnterpriseYear:
    _check_change(actor, enterprise)
    if not 1990 <= int(year) <= datetime.date.today().year:
        raise ValidationError({"year": bilingual("年度无效", "invalid year")})
    cleaned, errors = check_year(values)
    if errors:
        raise ValidationError(errors)
    with acting_as(actor):
        record, _ = EnterpriseYear.objects.update_or_create(enterprise=enterprise, year=year, defaults=cleaned)
    return record


def hightech_input(enterprise: Enterprise, application_date: datetime.date | None = None) -> dict:
    """The high-tech engine's input from the enterprise's last three recorded years."""
    years = list(enterprise.years.order_by("-year")[:3])[::-1]
    if not years:
        raise ValidationError(bilingual("尚未填报年度数据", "no yearly figures yet"))
    last = years[-1]
    application_date = application_date or datetime.date(last.year + 1, 6, 1)
    return {
        "application_date": application_date.isoformat(), "registration_date": enterprise.founded.isoformat(),
        "domain": enterprise.domain or "", "staff_total": max(last.staff_total, 1), "st_staff": last.st_staff,
        "hightech_income": last.hightech_income, "total_income": last.total_income,
        "non_taxable_income": last.non_taxable_income,
        "years": [{"year": y.year, "sales": y.sales, "net_assets": y.net_assets,
                   "rd": {"personnel": y.rd_personnel, "direct_inputs": y.rd_direct_inputs,
                          "depreciation": y.rd_depreciation, "amortisation": y.rd_amortisation, "design": y.rd_design,
                          "commissioned": y.rd_commissioned, "other": y.rd_other},
                   "rd_domestic": y.rd_total * y.rd_domestic_share} for y in years],
        "ip": {"class_1": last.ip_class_1, "class_2": last.ip_class_2, "own_rd": True},
        "conversions": [y.conversions for y in years],
    }


def gap_report(enterprise: Enterprise) -> dict:
    """What the firm lacks for 高新技术企业 and by how much (e.g. R&D intensity 3.1 % vs 4 % needed)."""
    try:
        result = hightech.assess(hightech_input(enterprise))
    except (ValidationError, RuleInputError) as exc:
        return {"verdict": None, "error": str(exc), "lines": []}
    lines = []
    for c in result["conditions"]:
        if c["passed"]:
            continue
        lines.append({"condition": c["name"], "reason": c["reason"]})
    result["lines"] = lines
    return result


def cultivation_rules(day: datetime.date | None = None):
    return ruleset_for("cultivation", day or datetime.date.today())


@transaction.atomic
def nominate(*, actor, enterprise: Enterprise, year: int) -> PoolMembership:
    """A county admin puts one of its small firms into the 千强 cultivation pool."""
    if actor is not None and not actor.is_superuser:
        if actor.role not in (Role.COUNTY_ADMIN, Role.PROVINCE_ADMIN) or not can(actor, CHANGE, enterprise):
            raise PermissionDenied(bilingual("只有所在县（市、区）可以推荐入库", "only the firm's county may nominate it"))
    rules = cultivation_rules(datetime.date(year, 12, 31)).params
    if enterprise.size not in rules["eligible_sizes"]:
        raise ValidationError({"size": bilingual("仅小微企业可入库", "only small and micro firms may join the pool")})
    if PoolMembership.objects.filter(enterprise=enterprise).exists():
        raise ValidationError(bilingual("该企业已在培育库中", "the firm is already in the pool"))
    if enterprise.certificates.filter(kind=Certificate.Kind.HIGHTECH, valid_until__gte=datetime.date(year, 1, 1)).exists():
        raise ValidationError(bilingual("该企业已是高新技术企业", "the firm is already a high-tech enterprise"))
    with acting_as(actor):
        return PoolMembership.objects.create(enterprise=enterprise, region=enterprise.organisation.region,
                                             year_joined=year, nominated_by=actor if getattr(actor, "pk", None) else None)


@transaction.atomic
def add_certificate(*, actor, enterprise: Enterprise, kind: str, number: str, issued: datetime.date,
                    valid_until: datetime.date) -> Certificate:
    if actor is not None and not actor.is_superuser and actor.role not in (Role.PROVINCE_ADMIN, Role.CITY_ADMIN,
                                                                            Role.COUNTY_ADMIN):
        raise PermissionDenied(bilingual("证书由科技管理部门登记", "certificates are recorded by S&T bureaus"))
    _check_change(actor, enterprise)
    if valid_until <= issued:
        raise ValidationError({"valid_until": bilingual("有效期应晚于发证日期", "validity must end after issue")})
    with acting_as(actor):
        certificate = Certificate.objects.create(enterprise=enterprise, kind=kind, number=number, issued=issued,
                                                 valid_until=valid_until)
        pool = PoolMembership.objects.filter(enterprise=enterprise, status=PoolMembership.Status.ACTIVE).first()
        if pool is not None and kind == Certificate.Kind.HIGHTECH:
            pool.status, pool.graduated_year = PoolMembership.Status.GRADUATED, issued.year
            pool.save()
            record_state_change(pool, "active", "graduated", comment=number, actor=actor)
    return certificate


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
            "projected": projected, "on_track": projected >= target if user.role == Role.PROVINCE_ADMIN else None,
            "counties": list(rows)}
