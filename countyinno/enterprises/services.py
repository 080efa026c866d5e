"""Every write for enterprises, and the assessments built on the rule engines."""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db.models import Count, Q

from countyinno.core.actions import action
from countyinno.core.audit import record_state_change
from countyinno.core.errors import bilingual
from countyinno.engines.rules import hightech, ruleset_for
from countyinno.engines.rules.common import RuleInputError

from .models import Certificate, Enterprise, EnterpriseYear, PoolMembership
from .permissions import (can_edit_figures, can_graduate_member, can_nominate_enterprise, can_record_certificate,
                          can_view_pool_target)

YEAR_FIELDS = ["sales", "total_income", "non_taxable_income", "hightech_income", "total_assets", "net_assets",
               "total_cost", "staff_total", "st_staff", "rd_personnel", "rd_direct_inputs", "rd_depreciation",
               "rd_amortisation", "rd_design", "rd_commissioned", "rd_other", "rd_domestic_share", "ip_class_1",
               "ip_class_2", "conversions"]
INTEGER_FIELDS = {"staff_total", "st_staff", "ip_class_1", "ip_class_2", "conversions"}
LABELS = {f.name: f.verbose_name for f in EnterpriseYear._meta.fields}


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


@action(permission=can_edit_figures, target="enterprise")
def save_year(*, actor, enterprise: Enterprise, year: int, values: dict) -> EnterpriseYear:
    """Create or replace one year's figures, all fields or none."""
    if not 1990 <= int(year) <= datetime.date.today().year:
        raise ValidationError({"year": bilingual("年度无效", "invalid year")})
    cleaned, errors = check_year(values)
    if errors:
        raise ValidationError(errors)
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
    if kind not in Certificate.Kind.values:
        raise ValidationError({"kind": bilingual("证书类型无效", "unknown certificate kind")})
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
