"""Every write for technology contracts — registration points, applications, decisions with numbering, payments,
technology managers and training — as declared actions; statistics and agency rewards are read-only helpers."""

from __future__ import annotations

import datetime
import hashlib
import secrets
import unicodedata
from collections import defaultdict
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, Sum
from django.urls import reverse
from django.utils import timezone

from countyinno.accounts.models import Organisation, User
from countyinno.core import audit
from countyinno.core.actions import action
from countyinno.core.errors import bilingual
from countyinno.core.notifications import notify
from countyinno.engines.rules import contracts as rules
from countyinno.engines.rules import ruleset_for
from countyinno.engines.rules.common import RuleInputError
from countyinno.engines.rules.rulesets import RuleSetError

from .labels import exact, plain, wan
from .models import Payment, RegistrationCounter, RegistrationPoint, TechContract, TechnologyManager, TrainingCourse
from .permissions import (can_add_manager, can_answer_reference, can_apply_contract, can_correct_contract,
                          can_create_course, can_create_point, can_decide_contract, can_exclude_contract,
                          can_manage_course, can_manage_point, can_record_payment, can_return_contract,
                          can_withdraw_contract)


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
def _normalise(text: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", text or "").split()).casefold()


def contract_fingerprint(seller_id: int, buyer: dict, project_name: str, signed_on, total_amount) -> str:
    """The same deal, whoever files it and wherever: seller, buyer (its code, else its name), subject, signing
    date and amount. Stored on the contract; a unique index keeps one live registration per fingerprint."""
    code = buyer.get("credit_code") or buyer.get("organisation_code") or buyer.get("id_number") or ""
    buyer_key = code.upper().replace("-", "") or "name:" + _normalise(buyer.get("name", ""))
    amount = exact(total_amount).quantize(Decimal("0.000001"))
    text = "|".join([str(seller_id), buyer_key, _normalise(project_name), str(signed_on), str(amount)])
    return hashlib.sha256(text.encode()).hexdigest()


def _duplicate_error(existing: TechContract) -> ValidationError:
    if existing.registration_number:
        return ValidationError({"__all__": bilingual(
            f"该合同已在 {existing.point} 登记，登记编号 {existing.registration_number}；同一合同全省只登记一次",
            f"this contract is already registered at {existing.point} as {existing.registration_number}; "
            "a contract is registered once province-wide")})
    return ValidationError({"__all__": bilingual(
        f"该合同已于 {existing.created_at:%Y-%m-%d} 向 {existing.point} 申请登记，正在办理；同一合同不能重复申请",
        f"this contract was already filed at {existing.point} on {existing.created_at:%Y-%m-%d} and is being "
        "examined; it cannot be filed twice")})


def _refuse_duplicate(fingerprint: str, exclude_pk=None) -> None:
    existing = (TechContract.objects.filter(fingerprint=fingerprint, status__in=TechContract.LIVE)
                .exclude(pk=exclude_pk).select_related("point").first())
    if existing is not None:
        raise _duplicate_error(existing)


def _form_field(path: str) -> str:
    """The application form's field for an engine input path ("buyer.credit_code" → "buyer_credit_code")."""
    path = path.lstrip("$.")
    if path.startswith("non_technical_costs."):
        return path.split(".", 1)[1]
    return path.replace(".", "_")


def _examine(seller: Organisation, point: RegistrationPoint, data: dict, today: datetime.date) -> tuple[dict, dict]:
    """The engine's verdict on an application, or a ValidationError naming the fields the applicant must fix.

    The application date goes into the payload: it picks the rule set, now and when the point decides."""
    payload = contract_payload(seller, point, data)
    payload.setdefault("application_date", today.isoformat())
    try:
        verdict = plain(rules.check(payload, today))
    except RuleInputError as exc:
        raise ValidationError({_form_field(p.field): [f"{p.message_zh} / {p.message_en}"] for p in exc.problems})
    except RuleSetError as exc:
        raise ValidationError({"signed_on": bilingual("签订日期不在任何登记规则的有效期内",
                                                      "no registration rules cover the signing date") + f" ({exc})"})
    outside = [f for f in verdict["failed"] if f["rule"] == "C12"]
    if outside:
        raise ValidationError({"point": [outside[0]["reason"]]})
    starts = payload.get("valid_from") or payload.get("signed_on")
    try:
        starts = datetime.date.fromisoformat(str(starts))
    except ValueError:
        starts = None
    if starts is not None and starts > today:
        raise ValidationError({"valid_from": bilingual(
            f"合同尚未生效：生效日期 {starts:%Y-%m-%d} 晚于申请日期 {today:%Y-%m-%d}，请在合同生效后再申请登记",
            f"the contract is not yet in force: it takes effect on {starts:%Y-%m-%d}, after the application date "
            f"{today:%Y-%m-%d}; apply once it is in force")})
    return payload, verdict


def check_application(seller: Organisation, point: RegistrationPoint, data: dict,
                      today: datetime.date | None = None, contract: TechContract | None = None) -> dict:
    """The check step before submission: the engine's findings on what the applicant typed, nothing saved
    (`contract`: the application being corrected, which is no duplicate of itself)."""
    today = today or timezone.localdate()
    data = dict(data)
    _agency_named(data, seller)
    payload, verdict = _examine(seller, point, data, today)
    _refuse_duplicate(contract_fingerprint(seller.pk, payload.get("buyer") or {}, payload.get("project_name", ""),
                                           payload.get("signed_on"), payload.get("total_amount")),
                      exclude_pk=contract.pk if contract is not None else None)
    return verdict


def _agency_named(data: dict, seller: Organisation):
    """The agency an application names (by its platform id or its credit code), if it is a platform agency;
    `data` then carries the agency's name and code as the platform knows them."""
    named = data.get("agency") or {}
    agencies = Organisation.objects.filter(kind=Organisation.Kind.AGENCY, is_active=True)
    if named.get("id"):
        agency = agencies.filter(pk=named["id"]).first()
    elif named.get("credit_code"):
        agency = agencies.filter(credit_code=named["credit_code"]).first()
    else:
        return None
    if agency is None:
        raise ValidationError({"agency": bilingual("平台上没有该技术转移服务机构", "no such tech-transfer agency on the platform")})
    if agency.pk == seller.pk:
        raise ValidationError({"agency": bilingual("卖方不能作为本合同的中介机构", "the seller cannot be its own agency")})
    data["agency"] = {"name": agency.name, "credit_code": agency.credit_code or ""}
    return agency


def _ask_agency(contract: TechContract) -> None:
    """A reference into another organisation counts only once that organisation confirms it."""
    members = User.objects.filter(organisation=contract.agency, is_active=True)
    notify(members, kind="contracts.reference",
           title=f"{contract.seller.name} 将贵机构列为技术合同中介方，请确认 / please confirm an agency reference",
           body=f"{contract.project_name}（{contract.signed_on:%Y-%m-%d}，{wan(contract.total_amount)} 万元）",
           url=reverse("contracts:references"))


def _fields_from(payload: dict, verdict: dict) -> dict:
    buyer = payload.get("buyer") or {}
    return dict(project_name=payload.get("project_name", ""), category=payload["category"],
                subtype=payload["subtype"], signed_on=datetime.date.fromisoformat(payload["signed_on"]),
                buyer_name=buyer.get("name", ""),
                buyer_credit_code=buyer.get("credit_code") or buyer.get("organisation_code") or "",
                buyer_area_code=buyer.get("area_code", ""), technical_field=payload.get("technical_field", ""),
                total_amount=exact(payload["total_amount"]),
                technical_amount=exact(verdict["technical_transaction_amount"]), payload=payload, verdict=verdict,
                related_party=verdict["related_party"])


def _save_unique(contract: TechContract) -> TechContract:
    """Save under the one-live-registration index: of two simultaneous filings of one deal, one wins."""
    _refuse_duplicate(contract.fingerprint, exclude_pk=contract.pk)
    try:
        with transaction.atomic():
            contract.save()
    except IntegrityError:
        _refuse_duplicate(contract.fingerprint, exclude_pk=contract.pk)
        raise
    return contract


@action(permission=can_apply_contract, target="seller", name="contracts.apply_contract")
def apply(*, actor, seller: Organisation, point: RegistrationPoint, data: dict, listing=None,
          today: datetime.date | None = None) -> TechContract:
    """卖方申请认定登记: once per contract province-wide, at an open point serving the seller's region, once the
    contract is in force. A named agency is asked to confirm; `listing` is the market listing it came from."""
    if not point.is_active:
        raise ValidationError({"point": bilingual("该登记点已停止受理", "this point no longer accepts applications")})
    today = today or timezone.localdate()
    data = dict(data)
    agency = _agency_named(data, seller)
    payload, verdict = _examine(seller, point, data, today)
    fields = _fields_from(payload, verdict)
    contract = TechContract(point=point, seller=seller, agency=agency, market_listing=listing,
                            agency_status=TechContract.Reference.PENDING if agency else "",
                            due_on=today + datetime.timedelta(days=verdict["decision_days"]),
                            fingerprint=contract_fingerprint(seller.pk, payload.get("buyer") or {},
                                                             fields["project_name"], fields["signed_on"],
                                                             fields["total_amount"]), **fields)
    _save_unique(contract)
    if agency is not None:
        _ask_agency(contract)
    return contract


@action(permission=can_correct_contract, target="contract")
def correct_contract(*, actor, contract: TechContract, data: dict, today: datetime.date | None = None) -> TechContract:
    """修改后重新提交: the seller corrects an application under examination or returned; the engine checks it
    again, the 30 days start again and a newly named agency is asked to confirm."""
    locked = TechContract.objects.select_for_update().select_related("point", "point__region", "seller").get(
        pk=contract.pk)
    if locked.status not in (TechContract.Status.SUBMITTED, TechContract.Status.RETURNED):
        raise ValidationError(bilingual("该申请已办结，不能修改", "this application has been decided"))
    today = today or timezone.localdate()
    data = dict(data)
    agency = _agency_named(data, locked.seller)
    payload, verdict = _examine(locked.seller, locked.point, data, today)
    before = locked.status
    for name, value in _fields_from(payload, verdict).items():
        setattr(locked, name, value)
    fingerprint = contract_fingerprint(locked.seller_id, payload.get("buyer") or {}, locked.project_name,
                                       locked.signed_on, locked.total_amount)
    # Another agency, or another deal than the one the agency answered about: it is asked (again).
    ask = agency is not None and ((agency.pk != locked.agency_id) or fingerprint != locked.fingerprint)
    if ask or agency is None:
        locked.agency, locked.agency_answered_by, locked.agency_answered_on = agency, None, None
        locked.agency_status = TechContract.Reference.PENDING if agency else ""
    locked.fingerprint = fingerprint
    locked.status, locked.return_reason = TechContract.Status.SUBMITTED, ""
    locked.due_on = today + datetime.timedelta(days=verdict["decision_days"])
    _save_unique(locked)
    audit.record_state_change(locked, before, "submitted", comment="修改后重新提交 / corrected and resubmitted")
    if ask:
        _ask_agency(locked)
    return locked


@action(permission=can_withdraw_contract, target="contract")
def withdraw_contract(*, actor, contract: TechContract) -> TechContract:
    """撤回申请: the seller withdraws an application not yet decided; it blocks no later application."""
    locked = TechContract.objects.select_for_update().get(pk=contract.pk)
    if locked.status not in (TechContract.Status.SUBMITTED, TechContract.Status.RETURNED):
        raise ValidationError(bilingual("该申请已办结，不能撤回", "this application has been decided"))
    before, locked.status = locked.status, TechContract.Status.WITHDRAWN
    locked.save()
    audit.record_state_change(locked, before, "withdrawn")
    return locked


def _tell_seller(contract: TechContract, title: str, body: str = "") -> None:
    notify(User.objects.filter(organisation_id=contract.seller_id, is_active=True), kind="contracts.decision",
           title=title, body=body, url=reverse("contracts:detail", args=[contract.pk]))


@action(permission=can_return_contract, target="contract")
def return_contract(*, actor, contract: TechContract, reason: str) -> TechContract:
    """退回补正: the point sends an application back with what to correct; the seller corrects and resubmits."""
    locked = _lock_undecided(contract)
    if not (reason or "").strip():
        raise ValidationError({"reason": bilingual("退回须说明需补正的内容", "say what needs correcting")})
    locked.status, locked.return_reason = TechContract.Status.RETURNED, reason.strip()[:500]
    locked.save()
    audit.record_state_change(locked, "submitted", "returned", comment=locked.return_reason)
    _tell_seller(locked, f"技术合同申请被退回补正 / application returned: {locked.project_name}", locked.return_reason)
    return locked


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
    """准予登记: check the rules again and that the deal is not registered elsewhere, then issue the next number
    of the point (row lock on its counter) and a verification code printed on the certificate."""
    locked = _lock_undecided(contract)
    verdict = plain(rules.check(locked.payload, today))
    if not verdict["registrable"]:
        raise ValidationError(bilingual("合同不符合登记条件，只能不予登记或退回补正：",
                                        "the contract fails the rules and can only be refused or returned: ")
                              + "; ".join(f["reason"] for f in verdict["failed"]))
    if locked.fingerprint is None:  # filed before fingerprints existed
        locked.fingerprint = contract_fingerprint(locked.seller_id, locked.payload.get("buyer") or {},
                                                  locked.project_name, locked.signed_on, locked.total_amount)
    today = today or timezone.localdate()
    locked.registration_number = _next_number(locked.point, today.year)
    locked.status, locked.decided_on, locked.verdict = TechContract.Status.REGISTERED, today, verdict
    locked.decided_by = actor
    locked.technical_amount = exact(verdict["technical_transaction_amount"])
    locked.verification_code = new_verification_code()
    _save_unique(locked)
    audit.record_state_change(locked, "submitted", "registered", comment=locked.registration_number)
    _tell_seller(locked, f"技术合同已登记，编号 {locked.registration_number} / contract registered", locked.project_name)
    return locked


def new_verification_code() -> str:
    """10 characters without look-alikes (no 0/O, 1/I/L): typed by whoever checks a certificate."""
    alphabet = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
    return "".join(secrets.choice(alphabet) for _ in range(10))


def verify(number: str, code: str) -> TechContract | None:
    """The public check of a certificate: the registered contract with this number and code, or None."""
    number, code = (number or "").strip(), (code or "").strip().upper()
    if not number or not code:
        return None
    found = (TechContract.objects.filter(registration_number=number, status=TechContract.Status.REGISTERED)
             .select_related("seller", "point").first())
    if found is None or not found.verification_code or not secrets.compare_digest(found.verification_code, code):
        return None
    return found


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
    _tell_seller(locked, f"技术合同不予登记 / contract refused: {locked.project_name}", "; ".join(reasons))
    return locked


@action(permission=can_exclude_contract, target="contract")
def exclude_contract(*, actor, contract: TechContract, kind: str, note: str = "") -> TechContract:
    """标记非技术合同（或重复登记）: a registered contract leaves the statistics and rewards; the number stays."""
    if kind not in TechContract.Exclusion.values:
        raise ValidationError({"kind": bilingual("请选择标记类型", "choose what the contract is")})
    if not (note or "").strip():
        raise ValidationError({"note": bilingual("请说明理由", "give the reason")})
    locked = TechContract.objects.select_for_update().get(pk=contract.pk)
    locked.excluded, locked.excluded_note, locked.excluded_by = kind, note.strip()[:500], actor
    locked.save()
    audit.record_state_change(locked, "counted", f"excluded:{kind}", comment=locked.excluded_note)
    return locked


@action(permission=can_answer_reference, target="contract")
def answer_reference(*, actor, contract: TechContract, confirm: bool) -> TechContract:
    """The agency named on a contract confirms (it then counts for the agency's reward) or declines it."""
    locked = TechContract.objects.select_for_update().get(pk=contract.pk)
    if locked.agency_status != TechContract.Reference.PENDING:
        raise ValidationError(bilingual("该引用已答复", "this reference has been answered"))
    locked.agency_status = TechContract.Reference.CONFIRMED if confirm else TechContract.Reference.DECLINED
    locked.agency_answered_by, locked.agency_answered_on = actor, timezone.localdate()
    locked.save()
    audit.record_state_change(locked, "pending", locked.agency_status, comment=f"中介机构 {locked.agency}")
    answer = "确认" if confirm else "拒绝"
    _tell_seller(locked, f"中介机构已{answer}合同引用 / the agency {'confirmed' if confirm else 'declined'}: "
                         f"{locked.project_name}", str(locked.agency))
    return locked


@action(permission=can_record_payment, target="contract")
def record_payment(*, actor, contract: TechContract, paid_on: datetime.date, amount) -> Payment:
    """到账登记: payments of a registered contract, never more in total than the contract's amount (exact)."""
    if contract.status != TechContract.Status.REGISTERED:
        raise ValidationError(bilingual("只能为已登记合同登记到账", "payments are recorded for registered contracts"))
    amount = exact(amount)
    total = exact(contract.total_amount)
    paid = exact(contract.payments.aggregate(total=Sum("amount"))["total"] or 0)
    if amount <= 0 or paid + amount > total:
        raise ValidationError({"amount": bilingual(f"到账金额应为正数且累计不超过合同总额 {wan(total)} 万元（已到账 {wan(paid)} 万元）",
                                                   f"must be positive and keep the total within {wan(total)} "
                                                   f"(already received {wan(paid)})")})
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
def counted(queryset=None):
    """Contracts that count in statistics: registered and not flagged by the examiner."""
    queryset = TechContract.objects.all() if queryset is None else queryset
    return queryset.filter(status=TechContract.Status.REGISTERED, excluded="")


def statistics(user, year: int | None = None) -> dict:
    """Registered turnover (技术交易额) and counts by county, city, category and month, and each county's
    outflow (its sellers) vs inflow (its buyers) — all within the user's scope, flagged contracts left out."""
    registered = counted(TechContract.objects.restrict(user))
    if year:
        registered = registered.filter(signed_on__year=year)
    by_county = list(registered.values("seller__region__code", "seller__region__name", "seller__region__city__name")
                     .annotate(amount=Sum("technical_amount"), count=Count("id")).order_by("-amount"))
    labels = dict(TechContract.Category.choices)
    by_category = [dict(row, label=str(labels.get(row["category"], row["category"])))
                   for row in registered.values("category").annotate(amount=Sum("technical_amount"), count=Count("id"))
                   .order_by("-amount")]
    by_month = defaultdict(Decimal)
    for signed, amount in registered.values_list("signed_on", "technical_amount"):
        by_month[signed.strftime("%Y-%m")] += exact(amount)

    inflow = dict(counted().filter(**({"signed_on__year": year} if year else {}))
                  .values_list("buyer_area_code").annotate(total=Sum("technical_amount")))
    counties = [dict(row, inflow=exact(inflow.get(row["seller__region__code"], 0))) for row in by_county]
    return {"total_amount": sum((exact(r["amount"]) for r in by_county), Decimal(0)),
            "count": sum(r["count"] for r in by_county),
            "by_county": counties, "by_category": by_category, "by_month": sorted(by_month.items())}


def chart_data(stats: dict) -> dict:
    """What the statistics page's charts draw: 技术交易额 (万元, two decimals) by month and by category."""
    money = lambda value: float(exact(value).quantize(Decimal("0.01")))  # noqa: E731  (chart values only)
    return {"months": [m for m, _ in stats["by_month"]], "by_month": [money(a) for _, a in stats["by_month"]],
            "categories": [{"name": r["label"], "value": money(r["amount"])} for r in stats["by_category"]],
            "unit": "万元"}


def county_turnover(region, year: int) -> Decimal:
    """技术合同成交额 of a county's sellers in a year (registered contracts, flagged ones left out)."""
    return exact(counted().filter(seller__region=region, signed_on__year=year)
                 .aggregate(total=Sum("technical_amount"))["total"] or 0)


# ------------------------------------------------------------------ agencies
def agency_rewards(year: int, user=None) -> list[dict]:
    """Tech-transfer agencies: brokered 技术交易额 of registered three-party contracts the agency confirmed
    (related-party deals and flagged contracts excluded), filing threshold and the yearly reward (rate and cap
    from the rule set), exact to the 元."""
    p = ruleset_for("contracts", datetime.date(year, 12, 31)).params
    contracts = counted().filter(agency__isnull=False, agency_status=TechContract.Reference.CONFIRMED,
                                 signed_on__year=year, related_party=False)
    if user is not None:
        agencies = Organisation.objects.restrict(user).filter(kind=Organisation.Kind.AGENCY)
        contracts = contracts.filter(agency__in=agencies)
    rows = (contracts.values("agency", "agency__name", "agency__region__name")
            .annotate(amount=Sum("technical_amount"), count=Count("id")).order_by("-amount"))
    rate, cap = exact(p["agency_reward"]["rate"]), exact(p["agency_reward"]["cap"])
    threshold = exact(p["agency_filing"]["min_brokered_amount"])
    out = []
    for rank, row in enumerate(rows, start=1):
        amount = exact(row["amount"])
        reward = min(amount * rate, cap)
        out.append({"rank": rank, "agency_id": row["agency"], "name": row["agency__name"],
                    "region": row["agency__region__name"], "brokered_amount": amount.quantize(Decimal("0.01")),
                    "contracts": row["count"], "reward": reward.quantize(Decimal("0.0001")),
                    "meets_filing_threshold": amount >= threshold})
    return out
