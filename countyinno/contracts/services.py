"""Every write for technology contracts: application, decision with numbering, payments; statistics."""

from __future__ import annotations

import datetime
from collections import defaultdict

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Sum
from django.utils import timezone

from countyinno.accounts.models import Organisation, Role
from countyinno.core.audit import acting_as, record_state_change
from countyinno.core.errors import bilingual
from countyinno.core.scoping import CHANGE, can
from countyinno.engines.rules import contracts as rules
from countyinno.engines.rules import ruleset_for
from countyinno.engines.rules.common import RuleInputError

from .models import Payment, RegistrationCounter, RegistrationPoint, TechContract


def contract_payload(seller: Organisation, point: RegistrationPoint, data: dict) -> dict:
    """The engine's input: the form's data plus the seller and point the platform knows."""
    payload = dict(data)
    payload["seller"] = {"name": seller.name, "credit_code": seller.credit_code or "", "area_code": seller.region.code,
                         "legal_type": (data.get("seller") or {}).get("legal_type", "")}
    payload["registration_point_area_code"] = point.region.code
    return payload


@transaction.atomic
def apply(*, actor, seller: Organisation, point: RegistrationPoint, data: dict) -> TechContract:
    """卖方申请认定登记: the seller applies once, at a point of its own region."""
    if actor is not None and not can(actor, CHANGE, seller):
        raise PermissionDenied(bilingual("只能以本单位名义申请", "you may apply only for your own organisation"))
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
    with acting_as(actor):
        return TechContract.objects.create(
            point=point, seller=seller, agency=agency, project_name=payload.get("project_name", ""),
            category=payload["category"], subtype=payload["subtype"],
            signed_on=datetime.date.fromisoformat(payload["signed_on"]), buyer_name=buyer.get("name", ""),
            buyer_credit_code=buyer.get("credit_code", ""), buyer_area_code=buyer.get("area_code", ""),
            technical_field=payload.get("technical_field", ""), total_amount=float(payload["total_amount"]),
            technical_amount=verdict["technical_transaction_amount"], payload=payload, verdict=verdict,
            related_party=verdict["related_party"], due_on=timezone.localdate() + datetime.timedelta(days=days))


def _check_staff(actor, contract):
    if actor is None or actor.is_superuser:
        return
    if not contract.point.staff.filter(pk=actor.pk).exists() and not (
            actor.role in (Role.PROVINCE_ADMIN, Role.CITY_ADMIN, Role.COUNTY_ADMIN)
            and can(actor, CHANGE, contract.point)):
        raise PermissionDenied(bilingual("只有该登记点工作人员可以认定", "only the point's staff may decide"))


def next_number(point: RegistrationPoint, year: int) -> str:
    """year (2) + province (2) + city (2) + point (2) + serial (6), unique under concurrency."""
    counter, _ = RegistrationCounter.objects.get_or_create(point=point, year=year)
    counter = RegistrationCounter.objects.select_for_update().get(pk=counter.pk)
    counter.last_serial += 1
    counter.save(update_fields=["last_serial"])
    area = point.region.code
    return f"{year % 100:02d}{area[:2]}{area[2:4]}{point.code}{counter.last_serial:06d}"


@transaction.atomic
def register(*, actor, contract: TechContract, today: datetime.date | None = None) -> TechContract:
    locked = TechContract.objects.select_for_update().get(pk=contract.pk)
    _check_staff(actor, locked)
    if locked.status != TechContract.Status.SUBMITTED:
        raise ValidationError(bilingual("该合同已认定", "this contract has already been decided"))
    verdict = rules.check(locked.payload, today)
    if not verdict["registrable"]:
        raise ValidationError(bilingual("合同不符合登记条件，只能不予登记：", "the contract fails the rules and can only be refused: ")
                              + "; ".join(f["reason"] for f in verdict["failed"]))
    today = today or timezone.localdate()
    locked.registration_number = next_number(locked.point, today.year)
    locked.status, locked.decided_on, locked.verdict = TechContract.Status.REGISTERED, today, verdict
    locked.decided_by = actor if getattr(actor, "pk", None) else None
    locked.technical_amount = verdict["technical_transaction_amount"]
    with acting_as(actor):
        locked.save()
        record_state_change(locked, "submitted", "registered", comment=locked.registration_number, actor=actor)
    return locked


@transaction.atomic
def refuse(*, actor, contract: TechContract, reason: str = "") -> TechContract:
    locked = TechContract.objects.select_for_update().get(pk=contract.pk)
    _check_staff(actor, locked)
    if locked.status != TechContract.Status.SUBMITTED:
        raise ValidationError(bilingual("该合同已认定", "this contract has already been decided"))
    reasons = [f["reason"] for f in locked.verdict.get("failed", [])]
    if reason.strip():
        reasons.append(reason.strip())
    if not reasons:
        raise ValidationError({"reason": bilingual("不予登记须说明理由", "a refusal needs a reason")})
    locked.status, locked.decided_on, locked.refusal_reasons = TechContract.Status.REFUSED, timezone.localdate(), reasons
    locked.decided_by = actor if getattr(actor, "pk", None) else None
    with acting_as(actor):
        locked.save()
        record_state_change(locked, "submitted", "refused", comment="; ".join(reasons), actor=actor)
    return locked


def record_payment(*, actor, contract: TechContract, paid_on: datetime.date, amount: float) -> Payment:
    if actor is not None and not can(actor, CHANGE, contract):
        raise PermissionDenied(bilingual("无权登记到账", "you may not record payments for this contract"))
    if contract.status != TechContract.Status.REGISTERED:
        raise ValidationError(bilingual("只能为已登记合同登记到账", "payments are recorded for registered contracts"))
    paid = contract.payments.aggregate(total=Sum("amount"))["total"] or 0
    if amount <= 0 or paid + amount > contract.total_amount + 1e-9:
        raise ValidationError({"amount": bilingual(f"到账金额应为正数且累计不超过合同总额 {contract.total_amount:g}",
                                                   f"must be positive and keep the total within {contract.total_amount:g}")})
    with acting_as(actor):
        return Payment.objects.create(contract=contract, paid_on=paid_on, amount=amount)


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
