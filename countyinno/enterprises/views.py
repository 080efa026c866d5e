import datetime
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from countyinno.core.exports import xlsx_response
from countyinno.core.views import flash_errors, paginate

from . import services
from .models import Carrier, Enterprise, PoolMembership
from .permissions import can_browse_registry, can_view_pool_progress, can_view_pool_target


def _filtered(request):
    enterprises = Enterprise.objects.restrict(request.user).select_related("organisation", "organisation__region",
                                                                         "organisation__region__city", "pool")
    q = request.GET.get("q", "").strip()
    size = request.GET.get("size", "")
    pool = request.GET.get("pool", "")
    if q:
        enterprises = enterprises.filter(Q(organisation__name__icontains=q) | Q(organisation__credit_code=q.upper()))
    if size:
        enterprises = enterprises.filter(size=size)
    if pool == "in":
        enterprises = enterprises.filter(pool__isnull=False)
    elif pool in ("active", "graduated"):
        enterprises = enterprises.filter(pool__status=pool)
    return enterprises, {"q": q, "size": size, "pool": pool}


@login_required
def enterprise_list(request):
    if not can_browse_registry(request.user):  # a firm's member goes straight to the firm
        mine = list(Enterprise.objects.restrict(request.user)[:2])
        if len(mine) == 1:
            return redirect("enterprises:detail", mine[0].pk)
    enterprises, filters = _filtered(request)
    return render(request, "enterprises/enterprise_list.html", {
        "page": paginate(request, enterprises), "filters": filters, "sizes": Enterprise.Size.choices})


@login_required
def enterprise_export(request):
    enterprises, filters = _filtered(request)
    rows = ([e.organisation.name, e.organisation.credit_code, e.organisation.region.name, e.get_size_display(),
             e.industry, e.domain, getattr(getattr(e, "pool", None), "status", "")] for e in enterprises)
    return xlsx_response("enterprises.xlsx", "enterprises", ["名称 name", "统一社会信用代码 credit code",
                                                             "县 county", "规模 size", "行业 industry", "领域 domain",
                                                             "培育库 pool"], rows,
                         request=request, model=Enterprise, what="企业名录 enterprise registry", filters=filters)


def _enterprise(request, pk):
    """An enterprise the user may see (404 otherwise); what they may do with it is asked of the predicates."""
    return get_object_or_404(Enterprise.objects.restrict(request.user)
                             .select_related("organisation", "organisation__region"), pk=pk)


@login_required
def enterprise_detail(request, pk):
    enterprise = _enterprise(request, pk)
    report = services.gap_report(enterprise)
    years = list(enterprise.years.order_by("year"))
    edit_year = int(request.GET.get("year") or (years[-1].year + 1 if years else datetime.date.today().year - 1))
    edit_year = min(edit_year, datetime.date.today().year)
    current = next((y for y in years if y.year == edit_year), None)
    form_values = request.session.pop("enterprise_form", None) or {
        f: getattr(current, f) if current else "" for f in services.YEAR_FIELDS}
    pool = PoolMembership.objects.filter(enterprise=enterprise).first()
    return render(request, "enterprises/enterprise_detail.html", {
        "enterprise": enterprise, "years": years, "report": report, "edit_year": edit_year,
        "fields": [(f, services.LABELS[f], form_values.get(f, "")) for f in services.YEAR_FIELDS],
        "errors": request.session.pop("enterprise_errors", {}), "pool": pool,
        "nominable": services.nominable(enterprise), "certificates": enterprise.certificates.all()})


@login_required
@require_POST
def enterprise_year_save(request, pk):
    enterprise = _enterprise(request, pk)
    try:
        year = int(request.POST.get("year", ""))
    except ValueError:
        raise Http404
    values = {f: request.POST.get(f, "") for f in services.YEAR_FIELDS}
    try:
        services.save_year(actor=request.user, enterprise=enterprise, year=year, values=values)
        messages.success(request, f"{year} 年数据已保存 / saved")
    except ValidationError as exc:
        request.session["enterprise_errors"] = exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}
        request.session["enterprise_form"] = values
        messages.error(request, "未保存，请修正标出的字段 / nothing saved; fix the marked fields")
    except PermissionDenied as exc:  # a visible firm the user may not edit: nothing saved, the attempt audited
        flash_errors(request, exc)
    return redirect(f"{reverse('enterprises:detail', args=[enterprise.pk])}?year={year}")


@login_required
@require_POST
def enterprise_nominate(request, pk):
    enterprise = _enterprise(request, pk)
    try:
        services.nominate(actor=request.user, enterprise=enterprise, year=datetime.date.today().year)
        messages.success(request, "已推荐入库 / nominated into the pool")
    except (ValidationError, PermissionDenied) as exc:
        flash_errors(request, exc)
    return redirect("enterprises:detail", enterprise.pk)


@login_required
def pool_progress(request):
    if not can_view_pool_progress(request.user):
        raise Http404
    progress = services.pool_progress(request.user)
    members = (PoolMembership.objects.restrict(request.user).select_related("enterprise__organisation", "region")
               .order_by("status", "region__code"))
    chart = {"years": [c["year"] for c in progress["cumulative"]] + [p["year"] for p in progress["projection"]],
             "actual": [c["graduates"] for c in progress["cumulative"]],
             "projection": [None] * (len(progress["cumulative"]) - 1) +
                           ([progress["cumulative"][-1]["graduates"]] if progress["cumulative"] else []) +
                           [p["graduates"] for p in progress["projection"]],
             "target": progress["target"] if can_view_pool_target(request.user) else None}
    return render(request, "enterprises/pool_progress.html", {
        "progress": progress, "page": paginate(request, members), "chart": chart})


@login_required
def carrier_list(request):
    carriers = Carrier.objects.restrict(request.user).select_related("region").prefetch_related("residents")
    kind = request.GET.get("kind", "")
    if kind:
        carriers = carriers.filter(kind=kind)
    return render(request, "enterprises/carrier_list.html", {
        "page": paginate(request, carriers), "kinds": Carrier.Kind.choices, "kind": kind})
