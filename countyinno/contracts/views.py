import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.views.decorators.http import require_POST

from countyinno.accounts.models import Organisation, User
from countyinno.core import audit
from countyinno.core.errors import bilingual
from countyinno.core.exports import file_response, xlsx_response
from countyinno.core.views import flash_errors, paginate
from countyinno.engines.rules.rulesets import RuleSetError
from countyinno.regions.models import Region

from . import services
from .forms import (ContractFilter, ContractForm, DecisionForm, ExcludeForm, PaymentForm, PointForm, PrefillForm,
                    StaffForm, VerifyForm, YearForm)
from .labels import wan
from .models import RegistrationPoint, TechContract, TechnologyManager
from .permissions import (can_apply_contract, can_create_point, can_manage_point, can_view_reference)


def _year(request):
    """The `year` parameter, or None (a bad value is shown as a message by the pages that read it)."""
    form = YearForm(request.GET)
    return form.cleaned_data.get("year") if form.is_valid() else None


def _form_errors(request, form) -> None:
    for field, errors in form.errors.items():
        label = form.fields[field].label if field in form.fields else ""
        for error in errors:
            messages.error(request, f"{label}：{error}" if label else error)


def _attach(form, exc: ValidationError) -> None:
    """A service's ValidationError beside the fields it names (the rest above the form)."""
    items = exc.message_dict.items() if hasattr(exc, "error_dict") else [(None, exc.messages)]
    for field, errors in items:
        form.add_error(field if field in form.fields else None, errors)


@login_required
def contract_list(request):
    contracts = TechContract.objects.restrict(request.user).select_related("seller", "seller__region", "point")
    filters = ContractFilter(request.GET)
    status = year = None
    if filters.is_valid():
        status, year = filters.cleaned_data.get("status"), filters.cleaned_data.get("year")
    else:
        _form_errors(request, filters)
    if status:
        contracts = contracts.filter(status=status)
    if year:
        contracts = contracts.filter(signed_on__year=year)
    due = contracts.filter(status=TechContract.Status.SUBMITTED).order_by("due_on")[:20]
    references = TechContract.objects.restrict(request.user, "answer_reference").count()
    return render(request, "contracts/contract_list.html", {
        "page": paginate(request, contracts), "status": status or "", "statuses": TechContract.Status.choices,
        "year": year or "", "due": due, "today": datetime.date.today(),
        "may_apply": bool(_sellers_for(request.user)), "pending_references": references,
        "may_see_references": can_view_reference.role_allows(request.user) and bool(
            getattr(request.user, "organisation_id", None)),
        "may_manage_points": Region.objects.restrict(request.user, "add_registration_point").exists()
        or RegistrationPoint.objects.restrict(request.user, "manage").exists()})


def _sellers_for(user):
    """The organisations the user may apply for as the seller."""
    organisation = user.organisation if getattr(user, "organisation_id", None) else None
    return [organisation] if organisation is not None and can_apply_contract(user, organisation) else []


def _points_for(seller):
    region = seller.region
    return RegistrationPoint.objects.filter(Q(region=region) | Q(region=region.city) | Q(region=region.province),
                                            is_active=True)


def _listing(request, listing_id):
    """The market listing an application came from, if the user may see it (None otherwise)."""
    if not listing_id:
        return None
    model = TechContract._meta.get_field("market_listing").related_model
    return model.objects.restrict(request.user).filter(pk=listing_id).first()


def _check_or_submit(request, form, seller, submit, contract=None):
    """The check step runs the engine on what was typed and shows its findings; submitting saves.

    Returns (contract or None, findings or None); errors are attached to the bound form, which keeps the input."""
    if not form.is_valid():
        return None, None
    data = form.payload()
    try:
        if "check" in request.POST:
            return None, services.check_application(seller, form.cleaned_data["point"], data, contract=contract)
        return submit(data), None
    except ValidationError as exc:
        _attach(form, exc)
    return None, None


@login_required
def contract_apply(request):
    sellers = _sellers_for(request.user)
    if not sellers:
        raise Http404
    seller = sellers[0]
    prefill = PrefillForm(request.GET)
    initial, listing = {}, None
    if request.method == "GET" and request.GET:
        if not prefill.is_valid():  # the valid parameters still pre-fill; each bad one is named
            for name in prefill.errors:
                messages.error(request, bilingual(f"预填参数 {name} 无效，已忽略",
                                                  f"the pre-fill parameter {name} is invalid and was ignored"))
        chosen = prefill.cleaned_data.get("seller")
        if chosen and chosen not in [s.pk for s in sellers]:
            messages.error(request, bilingual("只能以本单位名义申请，已改为本单位",
                                              "you may apply only for your own organisation; it was chosen instead"))
        initial = prefill.prefill()
        if initial.get("buyer_credit_code"):
            initial["buyer_credit_code"] = initial["buyer_credit_code"].upper()
        if initial.get("listing") and _listing(request, initial["listing"]) is None:
            messages.error(request, bilingual("找不到该技术市场挂牌，未关联", "no such market listing; not linked"))
            initial.pop("listing")
    form = ContractForm(request.POST or None, points=_points_for(seller), seller=seller, initial=initial)
    findings = None
    if request.method == "POST":
        def submit(data):
            listing = _listing(request, form.cleaned_data.get("listing"))
            return services.apply(actor=request.user, seller=seller, point=form.cleaned_data["point"], data=data,
                                  listing=listing)
        try:
            contract, findings = _check_or_submit(request, form, seller, submit)
        except PermissionDenied as exc:
            flash_errors(request, exc)
            return redirect("contracts:list")
        if contract is not None:
            messages.success(request, "已提交认定登记申请 / application submitted")
            return redirect("contracts:detail", contract.pk)
    else:
        listing = _listing(request, initial.get("listing"))
    return render(request, "contracts/contract_apply.html", {"form": form, "seller": seller, "findings": findings,
                                                             "listing": listing})


@login_required
def contract_edit(request, pk):
    """Correct and resubmit an application the engine flagged or the point returned."""
    contract = get_object_or_404(TechContract.objects.restrict(request.user, "correct").select_related(
        "seller", "seller__region", "point"), pk=pk)
    form = ContractForm(request.POST or None, points=_points_for(contract.seller) | RegistrationPoint.objects.filter(
        pk=contract.point_id), seller=contract.seller, initial=ContractForm.initial_from(contract))
    form.fields["point"].disabled = True
    findings = None
    if request.method == "POST":
        def submit(data):
            return services.correct_contract(actor=request.user, contract=contract, data=data)
        try:
            updated, findings = _check_or_submit(request, form, contract.seller, submit, contract=contract)
        except PermissionDenied as exc:
            flash_errors(request, exc)
            return redirect("contracts:detail", pk)
        if updated is not None:
            messages.success(request, "已重新提交 / resubmitted")
            return redirect("contracts:detail", pk)
    return render(request, "contracts/contract_apply.html", {"form": form, "seller": contract.seller,
                                                             "findings": findings, "contract": contract})


def _history(contract):
    """办理记录: the contract's state changes as words (已提交 → 已登记), oldest first."""
    from django.contrib.contenttypes.models import ContentType

    from countyinno.core.models import AuditLogEntry

    labels = {**dict(TechContract.Status.choices), **dict(TechContract.Reference.choices),
              "counted": "计入统计", **{f"excluded:{k}": v for k, v in TechContract.Exclusion.choices}}
    entries = (AuditLogEntry.objects.filter(content_type=ContentType.objects.get_for_model(TechContract),
                                            object_id=str(contract.pk), action__in=["create", "state"])
               .order_by("timestamp", "pk"))
    rows = []
    for e in entries:
        if e.action == "create":
            rows.append({"when": e, "from": "", "to": "已提交", "comment": ""})
            continue
        before, after = (e.before or {}).get("state", ""), (e.after or {}).get("state", "")
        rows.append({"when": e, "from": labels.get(before, before), "to": labels.get(after, after),
                     "comment": e.comment})
    return rows


@login_required
def contract_detail(request, pk):
    contract = get_object_or_404(TechContract.objects.restrict(request.user).select_related(
        "seller", "point", "point__region", "agency", "market_listing"), pk=pk)
    return render(request, "contracts/contract_detail.html", {
        "contract": contract, "payments": contract.payments.order_by("paid_on"), "today": datetime.date.today(),
        "history": _history(contract), "exclude_form": ExcludeForm(), "payment_form": PaymentForm()})


@login_required
@require_POST
def contract_decide(request, pk, decision):
    """A visible contract the user may not decide: the refusal is flashed (and audited by the action)."""
    if decision not in ("register", "refuse", "return"):
        raise Http404
    contract = get_object_or_404(TechContract.objects.restrict(request.user), pk=pk)
    form = DecisionForm(request.POST)
    reason = form.cleaned_data.get("reason", "") if form.is_valid() else ""
    try:
        if decision == "register":
            contract = services.register(actor=request.user, contract=contract)
            messages.success(request, f"已登记，编号 {contract.registration_number} / registered")
        elif decision == "refuse":
            services.refuse(actor=request.user, contract=contract, reason=reason)
            messages.success(request, "已不予登记 / refused")
        else:
            services.return_contract(actor=request.user, contract=contract, reason=reason)
            messages.success(request, "已退回补正 / returned for correction")
    except (ValidationError, PermissionDenied) as exc:
        flash_errors(request, exc)
    return redirect("contracts:detail", pk)


@login_required
@require_POST
def contract_withdraw(request, pk):
    contract = get_object_or_404(TechContract.objects.restrict(request.user), pk=pk)
    try:
        services.withdraw_contract(actor=request.user, contract=contract)
        messages.success(request, "已撤回申请 / application withdrawn")
    except (ValidationError, PermissionDenied) as exc:
        flash_errors(request, exc)
    return redirect("contracts:detail", pk)


@login_required
@require_POST
def contract_exclude(request, pk):
    contract = get_object_or_404(TechContract.objects.restrict(request.user), pk=pk)
    form = ExcludeForm(request.POST)
    if not form.is_valid():
        _form_errors(request, form)
        return redirect("contracts:detail", pk)
    try:
        services.exclude_contract(actor=request.user, contract=contract, kind=form.cleaned_data["kind"],
                                  note=form.cleaned_data["note"])
        messages.success(request, "已标记，不再计入统计 / flagged: left out of the statistics")
    except (ValidationError, PermissionDenied) as exc:
        flash_errors(request, exc)
    return redirect("contracts:detail", pk)


@login_required
@require_POST
def contract_payment(request, pk):
    contract = get_object_or_404(TechContract.objects.restrict(request.user), pk=pk)
    form = PaymentForm(request.POST)
    if not form.is_valid():
        _form_errors(request, form)
        return redirect("contracts:detail", pk)
    try:
        services.record_payment(actor=request.user, contract=contract, paid_on=form.cleaned_data["paid_on"],
                                amount=form.cleaned_data["amount"])
        messages.success(request, "已登记到账 / payment recorded")
    except (ValidationError, PermissionDenied) as exc:
        flash_errors(request, exc)
    return redirect("contracts:detail", pk)


# ------------------------------------------------------------------ references into other organisations
@login_required
def references(request):
    """The contracts naming the user's organisation as agency: confirm or decline each (members only)."""
    contracts = (TechContract.objects.restrict(request.user, "view_reference")
                 .select_related("seller", "seller__region", "point").order_by("agency_status", "-signed_on"))
    return render(request, "contracts/references.html", {"page": paginate(request, contracts)})


@login_required
@require_POST
def reference_answer(request, pk, answer):
    if answer not in ("confirm", "decline"):
        raise Http404
    contract = get_object_or_404(TechContract.objects.restrict(request.user, "view_reference"), pk=pk)
    try:
        services.answer_reference(actor=request.user, contract=contract, confirm=answer == "confirm")
        messages.success(request, "已确认 / confirmed" if answer == "confirm" else "已拒绝 / declined")
    except (ValidationError, PermissionDenied) as exc:
        flash_errors(request, exc)
    return redirect("contracts:references")


# ------------------------------------------------------------------ certificate and its public check
def _verify_url(request, contract) -> str:
    from urllib.parse import urlencode

    return request.build_absolute_uri(reverse("contracts:verify")) + "?" + urlencode(
        {"number": contract.registration_number, "code": contract.verification_code})


@login_required
def contract_certificate(request, pk):
    import segno
    from weasyprint import HTML

    contract = get_object_or_404(TechContract.objects.restrict(request.user).select_related("seller", "point"),
                                 pk=pk, status=TechContract.Status.REGISTERED)
    if not contract.verification_code:  # registered before codes existed
        raise Http404
    url = _verify_url(request, contract)
    html = render_to_string("contracts/certificate.html", {
        "contract": contract, "verify_url": url, "verify_base": request.build_absolute_uri(reverse("contracts:verify")),
        "qr": segno.make(url, error="m").svg_data_uri(scale=3), "total": wan(contract.total_amount),
        "technical": wan(contract.technical_amount)})
    pdf = HTML(string=html).write_pdf()
    audit.record_export(request.user, TechContract, what="技术合同登记证明 / registration certificate",
                        filters={"contract": contract.pk, "registration_number": contract.registration_number},
                        rows=1, fmt="pdf")
    return file_response(pdf, f"contract-{contract.registration_number}.pdf", "application/pdf")


def verify(request):
    """Public: does a certificate's registration number and verification code belong to a registered contract?"""
    form = VerifyForm(request.GET or None)
    found = checked = None
    if form.is_bound and form.is_valid():
        checked = True
        found = services.verify(form.cleaned_data["number"], form.cleaned_data["code"])
    return render(request, "contracts/verify.html", {"form": form, "found": found, "checked": checked},
                  status=200)


# ------------------------------------------------------------------ registration points
@login_required
def points(request):
    regions = Region.objects.restrict(request.user, "add_registration_point").filter(
        level__in=["province", "city", "county"]).order_by("code")
    may_create = regions.exists()
    form = PointForm(request.POST or None, regions=regions) if may_create else None
    if request.method == "POST":
        if form is None:
            raise PermissionDenied(bilingual("无权设立登记点", "you may not set up registration points"))
        if form.is_valid():
            try:
                point = services.create_point(actor=request.user, region=form.cleaned_data["region"],
                                              code=form.cleaned_data["code"], name=form.cleaned_data["name"])
            except ValidationError as exc:
                _attach(form, exc)
            except PermissionDenied as exc:
                flash_errors(request, exc)
            else:
                messages.success(request, f"已设立登记点 {point.name} / point set up")
                return redirect("contracts:point", point.pk)
    listed = RegistrationPoint.objects.restrict(request.user, "manage")
    if not may_create and not listed.exists():
        listed = RegistrationPoint.objects.filter(staff=request.user)
    return render(request, "contracts/points.html", {
        "form": form, "page": paginate(request, listed.select_related("region").prefetch_related("staff"))})


def _candidates(actor, point):
    """People the actor may appoint at the point: staff of S&T bureaus and agencies in the point's area."""
    area = Q(organisation__region=point.region)
    if point.region.level != "county":
        area |= Q(organisation__region__city=point.region) | Q(organisation__region__province=point.region)
    people = User.objects.restrict(actor).filter(area, is_active=True, organisation__kind__in=[
        Organisation.Kind.BUREAU, Organisation.Kind.AGENCY])
    return (people | User.objects.filter(pk__in=point.staff.values("pk"))).distinct().select_related(
        "organisation", "region").order_by("organisation__region__code", "username")


@login_required
def point_detail(request, pk):
    point = get_object_or_404(RegistrationPoint.objects.select_related("region"), pk=pk)
    may_manage = can_manage_point(request.user, point)
    form = None
    if may_manage:
        form = StaffForm(request.POST or None, candidates=_candidates(request.user, point),
                         initial={"staff": list(point.staff.values_list("pk", flat=True))})
        if request.method == "POST" and form.is_valid():
            try:
                services.set_point_staff(actor=request.user, point=point, staff=form.cleaned_data["staff"])
            except ValidationError as exc:
                _attach(form, exc)
            except PermissionDenied as exc:
                flash_errors(request, exc)
            else:
                messages.success(request, "已保存登记点人员 / staff saved")
                return redirect("contracts:point", pk)
    elif request.method == "POST":
        raise PermissionDenied(bilingual("无权任命该登记点人员", "you may not appoint this point's staff"))
    return render(request, "contracts/point_detail.html", {
        "point": point, "form": form, "staff": point.staff.select_related("organisation"),
        "may_create": can_create_point(request.user, point.region)})


# ------------------------------------------------------------------ statistics, agencies, managers
@login_required
def statistics(request):
    form = YearForm(request.GET)
    year = form.cleaned_data.get("year") if form.is_valid() else None
    stats = services.statistics(request.user, year)
    if request.GET.get("format") == "xlsx" and form.is_valid():
        rows = ([r["seller__region__code"], r["seller__region__name"], r["seller__region__city__name"], r["count"],
                 r["amount"], r["inflow"]] for r in stats["by_county"])
        return xlsx_response("contract-statistics.xlsx", "statistics", ["代码 code", "县 county", "市 city", "合同数 count",
                                                                        "技术交易额（万元）outflow", "吸纳（万元）inflow"], rows,
                             request=request, model=TechContract,
                             what="技术合同成交统计（按县）/ contract statistics by county", filters={"year": year})
    return render(request, "contracts/statistics.html", {"stats": stats, "year": year or "", "form": form,
                                                         "chart": services.chart_data(stats)})


@login_required
def agencies(request):
    form = YearForm(request.GET)
    year = (form.cleaned_data.get("year") if form.is_valid() else None) or datetime.date.today().year - 1
    try:
        rows = services.agency_rewards(year, request.user)
    except RuleSetError:  # no rule set covers the year
        rows = []
        messages.error(request, bilingual(f"{year} 年没有适用的登记规则", f"no registration rules cover {year}"))
    return render(request, "contracts/agencies.html", {"rows": rows, "year": year, "form": form})


@login_required
def managers(request):
    people = TechnologyManager.objects.restrict(request.user).select_related("organisation").order_by("name", "pk").prefetch_related(
        "courses", "deals")
    return render(request, "contracts/managers.html", {"page": paginate(request, people)})
