"""Every write for technology contracts — registration points, applications, decisions with numbering, payments,
technology managers and training — as declared actions; statistics and agency rewards are read-only helpers."""

from __future__ import annotations

import datetime
from collections import defaultdict

from django.core.exceptions import ValidationError
from django.db.models import Count, Sum
from django.utils import timezone

from countyinno.accounts.models import Organisation, User
from countyinno.core import audit
from countyinno.core.actions import action
from countyinno.core.errors import bilingual
from countyinno.engines.rules import contracts as rules
from countyinno.engines.rules import ruleset_for
from countyinno.engines.rules.common import RuleInputError

from .models import Payment, RegistrationCounter, RegistrationPoint, TechContract, TechnologyManager, TrainingCourse
from .permissions import (can_add_manager, can_apply_contract, can_create_course, can_create_point,
                          can_decide_contract, can_manage_course, can_manage_point, can_record_payment)


def contract_payload(seller: Organisation, point: RegistrationPoint, data: dict) -> dict:
    """The engine's input: the form's data plus the seller and point the platform knows."""
    payload = dict(data)
    payload["seller"] = {"name": seller.name, "credit_code": seller.credit_code or "", "area_code": seller.region.code,
                         "legal_type": (data.get("seller") or {}).get("legal_type", "")}
    payload["registration_point_area_code"] = point.region.code
    return payload


def _within_scope(actor, queryset, pks, field: str, zh: str, en: str) -> None:
    """Every pk must be one the actor may see (platform work, with no actor, may name any)."""
    if actor is None:
        return
    visible = set(queryset.restrict(actor).filter(pk__in=pks).values_list("pk", flat=True))
    if set(pks) - visible:
        raise ValidationError({field: bilingual(zh, en)})


# ------------------------------------------------------------------ registration points
@action(permission=can_create_point, target="region")
def create_point(*, actor, region, code: str, name: str) -> RegistrationPoint:
    """设立登记服务点: a two-digit point code, unique within the city (it is part of every number)."""
    if len(code) != 2 or not code.isdigit():
        raise ValidationError({"code": bilingual("登记点代码为两位数字", "the point code is two digits")})
    if RegistrationPoint.objects.filter(numbering_prefix=region.code[:4], code=code).exists():
        raise ValidationError({"code": bilingual("该市已有此登记点代码", "this point code is taken in the city")})
    return RegistrationPoint.objects.create(region=region, code=code, name=name)


@action(permission=can_manage_point, target="point")
def set_point_staff(*, actor, point: RegistrationPoint, staff) -> RegistrationPoint:
    """Appoint the people who decide the point's contracts; the change is audited on the point."""
    pks = sorted({u.pk for u in staff})
    _within_scope(actor, User.objects, pks, "staff", "只能任命本辖区的人员", "staff must be people of your area")
    before = sorted(point.staff.values_list("pk", flat=True))
    point.staff.set(pks)
    if before != pks:
        audit.record("update", point, {"staff": before}, {"staff": pks}, comment="登记点人员 / point staff")
    return point


# ------------------------------------------------------------------ applications and decisions
@action(permission=can_apply_contract, target="seller", name="contracts.apply_contract")
def apply(*, actor, seller: Organisation, point: RegistrationPoint, data: dict) -> TechContract:
    """卖方申请认定登记: the seller applies once, at an open point of its own region."""
    if not point.is_active:
        raise ValidationError({"point": bilingual("该登记点已停止受理", "this point no longer accepts applications")})
    payload = contract_payload(seller, point, data)
    try:
        verdict = rules.check(payload)
    except RuleInputError as exc:
        raise ValidationError({p.field: [f"{p.message_zh} / {p.message_en}"] for p in exc.problems})
    outside = [f for f in verdict["failed"] if f["rule"] == "C12"]
    if outside:
        raise ValidationError({"point": [outside[0]["reason"]]})
    buyer = payload.get("buyer") or {}
    days = verdict["decision_days"]
    agency = None
    if payload.get("agency", {}).get("credit_code"):
        agency = Organisation.objects.filter(credit_code=payload["agency"]["credit_code"]).first()
    return TechContract.objects.create(
        point=point, seller=seller, agency=agency, project_name=payload.get("project_name", ""),
        category=payload["category"], subtype=payload["subtype"],
        signed_on=datetime.date.fromisoformat(payload["signed_on"]), buyer_name=buyer.get("name", ""),
        buyer_credit_code=buyer.get("credit_code", ""), buyer_area_code=buyer.get("area_code", ""),
        technical_field=payload.get("technical_field", ""), total_amount=float(payload["total_amount"]),
        technical_amount=verdict["technical_transaction_amount"], payload=payload, verdict=verdict,
        related_party=verdict["related_party"], due_on=timezone.localdate() + datetime.timedelta(days=days))


def _next_number(point: RegistrationPoint, year: int) -> str:
    """year (2) + province (2) + city (2) + point (2) + serial (6), unique under concurrency.

    Only called inside `register`: the counter row stays locked until that action's transaction ends."""
    counter, _ = RegistrationCounter.objects.get_or_create(point=point, year=year)
    counter = RegistrationCounter.objects.select_for_update().get(pk=counter.pk)
    counter.last_serial += 1
    counter.save(update_fields=["last_serial"])
    area = point.region.code
    return f"{year % 100:02d}{area[:2]}{area[2:4]}{point.code}{counter.last_serial:06d}"


def _lock_undecided(contract: TechContract) -> TechContract:
    locked = TechContract.objects.select_for_update().select_related("point", "point__region").get(pk=contract.pk)
    if locked.status != TechContract.Status.SUBMITTED:
        raise ValidationError(bilingual("该合同已认定", "this contract has already been decided"))
    return locked


@action(permission=can_decide_contract, target="contract", name="contracts.register_contract")
def register(*, actor, contract: TechContract, today: datetime.date | None = None) -> TechContract:
    """准予登记: check the rules again and issue the next number of the point (row lock on its counter)."""
    locked = _lock_undecided(contract)
    verdict = rules.check(locked.payload, today)
    if not verdict["registrable"]:
        raise ValidationError(bilingual("合同不符合登记条件，只能不予登记：", "the contract fails the rules and can only be refused: ")
                              + "; ".join(f["reason"] for f in verdict["failed"]))
    today = today or timezone.localdate()
    locked.registration_number = _next_number(locked.point, today.year)
    locked.status, locked.decided_on, locked.verdict = TechContract.Status.REGISTERED, today, verdict
    locked.decided_by = actor
    locked.technical_amount = verdict["technical_transaction_amount"]
    locked.save()
    audit.record_state_change(locked, "submitted", "registered", comment=locked.registration_number)
    return locked


@action(permission=can_decide_contract, target="contract", name="contracts.refuse_contract")
def refuse(*, actor, contract: TechContract, reason: str = "") -> TechContract:
    """不予登记: with the failed rules and the point's own reason; at least one is needed."""
    locked = _lock_undecided(contract)
    reasons = [f["reason"] for f in locked.verdict.get("failed", [])]
    if reason.strip():
        reasons.append(reason.strip())
    if not reasons:
        raise ValidationError({"reason": bilingual("不予登记须说明理由", "a refusal needs a reason")})
    locked.status, locked.decided_on, locked.refusal_reasons = TechContract.Status.REFUSED, timezone.localdate(), reasons
    locked.decided_by = actor
    locked.save()
    audit.record_state_change(locked, "submitted", "refused", comment="; ".join(reasons))
    return locked


@action(permission=can_record_payment, target="contract")
def record_payment(*, actor, contract: TechContract, paid_on: datetime.date, amount: float) -> Payment:
    """到账登记: payments of a registered contract, never more in total than the contract's amount."""
    if contract.status != TechContract.Status.REGISTERED:
        raise ValidationError(bilingual("只能为已登记合同登记到账", "payments are recorded for registered contracts"))
    paid = contract.payments.aggregate(total=Sum("amount"))["total"] or 0
    if amount <= 0 or paid + amount > contract.total_amount + 1e-9:
        raise ValidationError({"amount": bilingual(f"到账金额应为正数且累计不超过合同总额 {contract.total_amount:g}",
                                                   f"must be positive and keep the total within {contract.total_amount:g}")})
    return Payment.objects.create(contract=contract, paid_on=paid_on, amount=amount)


# ------------------------------------------------------------------ technology managers and training
@action(permission=can_add_manager, target="organisation")
def add_manager(*, actor, organisation: Organisation, name: str, specialties: str = "",
                certificate_number: str = "", user=None) -> TechnologyManager:
    """登记技术经理人 of an organisation; `user` links the person's own account (one profile each)."""
    if not name.strip():
        raise ValidationError({"name": bilingual("姓名不能为空", "a name is required")})
    if user is not None and TechnologyManager.objects.filter(user=user).exists():
        raise ValidationError({"user": bilingual("该账号已有技术经理人档案", "this account already has a profile")})
    return TechnologyManager.objects.create(organisation=organisation, name=name.strip(), specialties=specialties,
                                            certificate_number=certificate_number, user=user)


@action(permission=can_create_course, target="region")
def create_course(*, actor, region, title: str, starts_on: datetime.date, hours: int) -> TrainingCourse:
    """技术经理人培训: a course run in a region of the actor's area."""
    if hours <= 0:
        raise ValidationError({"hours": bilingual("学时须为正数", "hours must be positive")})
    return TrainingCourse.objects.create(region=region, title=title, starts_on=starts_on, hours=hours)


@action(permission=can_manage_course, target="course")
def record_attendance(*, actor, course: TrainingCourse, managers) -> TrainingCourse:
    """Who attended a course (adds to those already recorded); audited on the course."""
    pks = sorted({m.pk for m in managers})
    _within_scope(actor, TechnologyManager.objects, pks, "managers", "只能登记本辖区的技术经理人",
                  "attendees must be managers of your area")
    before = sorted(course.attendees.values_list("pk", flat=True))
    course.attendees.add(*pks)
    after = sorted(course.attendees.values_list("pk", flat=True))
    if before != after:
        audit.record("update", course, {"attendees": before}, {"attendees": after}, comment="培训签到 / attendance")
    return course


# ------------------------------------------------------------------ statistics
def statistics(user, year: int | None = None) -> dict:
    """Registered turnover (技术交易额) and counts by county, city, category and month, and each county's
    outflow (its sellers) vs inflow (its buyers) — all within the user's scope."""
    registered = TechContract.objects.restrict(user).filter(status=TechContract.Status.REGISTERED)
    if year:
        registered = registered.filter(signed_on__year=year)
    by_county = list(registered.values("seller__region__code", "seller__region__name", "seller__region__city__name")
                     .annotate(amount=Sum("technical_amount"), count=Count("id")).order_by("-amount"))
    by_category = list(registered.values("category").annotate(amount=Sum("technical_amount"), count=Count("id"))
                       .order_by("-amount"))
    by_month = defaultdict(float)
    for signed, amount in registered.values_list("signed_on", "technical_amount"):
        by_month[signed.strftime("%Y-%m")] += amount

    inflow = dict(TechContract.objects.filter(status=TechContract.Status.REGISTERED, **({"signed_on__year": year} if year else {}))
                  .values_list("buyer_area_code").annotate(total=Sum("technical_amount")))
    counties = [dict(row, inflow=inflow.get(row["seller__region__code"], 0.0)) for row in by_county]
    return {"total_amount": sum(r["amount"] for r in by_county), "count": sum(r["count"] for r in by_county),
            "by_county": counties, "by_category": by_category, "by_month": sorted(by_month.items())}


def county_turnover(region, year: int) -> float:
    """技术合同成交额 of a county's sellers in a year (registered contracts)."""
    return (TechContract.objects.filter(status=TechContract.Status.REGISTERED, seller__region=region,
                                        signed_on__year=year).aggregate(total=Sum("technical_amount"))["total"] or 0.0)


# ------------------------------------------------------------------ agencies
def agency_rewards(year: int, user=None) -> list[dict]:
    """Tech-transfer agencies: brokered 技术交易额 of registered three-party contracts (related-party
    deals excluded), filing threshold and the yearly reward (rate and cap from the rule set)."""
    p = ruleset_for("contracts", datetime.date(year, 12, 31)).params
    contracts = TechContract.objects.filter(status=TechContract.Status.REGISTERED, agency__isnull=False,
                                            signed_on__year=year, related_party=False)
    if user is not None:
        agencies = Organisation.objects.restrict(user).filter(kind=Organisation.Kind.AGENCY)
        contracts = contracts.filter(agency__in=agencies)
    rows = (contracts.values("agency", "agency__name", "agency__region__name")
            .annotate(amount=Sum("technical_amount"), count=Count("id")).order_by("-amount"))
    out = []
    for rank, row in enumerate(rows, start=1):
        reward = min(row["amount"] * p["agency_reward"]["rate"], p["agency_reward"]["cap"])
        out.append({"rank": rank, "agency_id": row["agency"], "name": row["agency__name"],
                    "region": row["agency__region__name"], "brokered_amount": round(row["amount"], 2),
                    "contracts": row["count"], "reward": round(reward, 2),
                    "meets_filing_threshold": row["amount"] >= p["agency_filing"]["min_brokered_amount"]})
    return out
