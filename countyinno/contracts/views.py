import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.views.decorators.http import require_POST

from countyinno.core import audit
from countyinno.core.exports import file_response, xlsx_response
from countyinno.core.views import flash_errors, paginate

from . import services
from .forms import ContractForm
from .models import RegistrationPoint, TechContract, TechnologyManager
from .permissions import can_apply_contract


def _year(request):
    value = request.GET.get("year", "")
    return int(value) if value.isdigit() else None


@login_required
def contract_list(request):
    contracts = TechContract.objects.restrict(request.user).select_related("seller", "seller__region", "point")
    status = request.GET.get("status", "")
    if status:
        contracts = contracts.filter(status=status)
    year = _year(request)
    if year:
        contracts = contracts.filter(signed_on__year=year)
    due = contracts.filter(status=TechContract.Status.SUBMITTED).order_by("due_on")[:20]
    return render(request, "contracts/contract_list.html", {
        "page": paginate(request, contracts), "status": status, "statuses": TechContract.Status.choices,
        "year": year or "", "due": due, "today": datetime.date.today(),
        "may_apply": _seller_for(request.user) is not None})


def _seller_for(user):
    """The organisation the user may apply for as the seller, if any."""
    organisation = user.organisation if user.organisation_id else None
    return organisation if organisation is not None and can_apply_contract(user, organisation) else None


@login_required
def contract_apply(request):
    seller = _seller_for(request.user)
    if seller is None:
        raise Http404
    region = seller.region
    points = RegistrationPoint.objects.filter(Q(region=region) | Q(region=region.city) | Q(region=region.province),
                                              is_active=True)
    form = ContractForm(request.POST or None, points=points)
    if request.method == "POST" and form.is_valid():
        try:
            contract = services.apply(actor=request.user, seller=seller, point=form.cleaned_data["point"],
                                      data=form.payload())
        except ValidationError as exc:
            for field, errors in (exc.message_dict.items() if hasattr(exc, "error_dict") else [("__all__", exc.messages)]):
                form.add_error(field if field in form.fields else None, errors)
        except PermissionDenied as exc:
            flash_errors(request, exc)
            return redirect("contracts:list")
        else:
            messages.success(request, "已提交认定登记申请 / application submitted")
            return redirect("contracts:detail", contract.pk)
    return render(request, "contracts/contract_apply.html", {"form": form, "seller": seller})


@login_required
def contract_detail(request, pk):
    contract = get_object_or_404(TechContract.objects.restrict(request.user).select_related("seller", "point",
                                                                                           "point__region"), pk=pk)
    return render(request, "contracts/contract_detail.html", {
        "contract": contract, "payments": contract.payments.order_by("paid_on"), "today": datetime.date.today()})


@login_required
@require_POST
def contract_decide(request, pk, decision):
    """A visible contract the user may not decide: the refusal is flashed (and audited by the action)."""
    contract = get_object_or_404(TechContract.objects.restrict(request.user), pk=pk)
    try:
        if decision == "register":
            contract = services.register(actor=request.user, contract=contract)
            messages.success(request, f"已登记，编号 {contract.registration_number} / registered")
        elif decision == "refuse":
            services.refuse(actor=request.user, contract=contract, reason=request.POST.get("reason", ""))
            messages.success(request, "已不予登记 / refused")
        else:
            raise Http404
    except (ValidationError, PermissionDenied) as exc:
        flash_errors(request, exc)
    return redirect("contracts:detail", pk)


@login_required
@require_POST
def contract_payment(request, pk):
    contract = get_object_or_404(TechContract.objects.restrict(request.user), pk=pk)
    try:
        services.record_payment(actor=request.user, contract=contract,
                                paid_on=datetime.date.fromisoformat(request.POST.get("paid_on", "")),
                                amount=float(request.POST.get("amount", "0") or 0))
        messages.success(request, "已登记到账 / payment recorded")
    except ValueError:
        messages.error(request, "日期或金额格式无效 / invalid date or amount")
    except (ValidationError, PermissionDenied) as exc:
        flash_errors(request, exc)
    return redirect("contracts:detail", pk)


@login_required
def contract_certificate(request, pk):
    from weasyprint import HTML

    contract = get_object_or_404(TechContract.objects.restrict(request.user).select_related("seller", "point"),
                                 pk=pk, status=TechContract.Status.REGISTERED)
    html = render_to_string("contracts/certificate.html", {"contract": contract})
    pdf = HTML(string=html).write_pdf()
    audit.record_export(request.user, TechContract, what="技术合同登记证明 / registration certificate",
                        filters={"contract": contract.pk, "registration_number": contract.registration_number},
                        rows=1, fmt="pdf")
    return file_response(pdf, f"contract-{contract.registration_number}.pdf", "application/pdf")


@login_required
def statistics(request):
    year = _year(request)
    stats = services.statistics(request.user, year)
    if request.GET.get("format") == "xlsx":
        rows = ([r["seller__region__code"], r["seller__region__name"], r["seller__region__city__name"], r["count"],
                 r["amount"], r["inflow"]] for r in stats["by_county"])
        return xlsx_response("contract-statistics.xlsx", "statistics", ["代码 code", "县 county", "市 city", "合同数 count",
                                                                        "技术交易额（万元）outflow", "吸纳（万元）inflow"], rows,
                             request=request, model=TechContract,
                             what="技术合同成交统计（按县）/ contract statistics by county", filters={"year": year})
    return render(request, "contracts/statistics.html", {"stats": stats, "year": year or ""})


@login_required
def agencies(request):
    year = _year(request) or datetime.date.today().year - 1
    return render(request, "contracts/agencies.html", {"rows": services.agency_rewards(year, request.user), "year": year})


@login_required
def managers(request):
    people = TechnologyManager.objects.restrict(request.user).select_related("organisation").prefetch_related(
        "courses", "deals")
    return render(request, "contracts/managers.html", {"page": paginate(request, people)})
