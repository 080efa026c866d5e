import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from countyinno.core.exports import xlsx_response
from countyinno.core.tables import configure
from countyinno.core.views import flash_errors, paginate
from countyinno.regions.models import Region

from . import assessments, services
from .forms import (CarrierFilter, CarrierForm, CertificateFilter, CertificateForm, EnterpriseBasicsForm,
                    EnterpriseFilter, EnterpriseRegisterForm, YearForm)
from .models import Carrier, Certificate, Enterprise, PoolMembership
from .permissions import (can_browse_registry, can_edit_carrier, can_edit_enterprise, can_record_certificate,
                          can_self_assess, can_view_pool_progress, can_view_pool_target)
from .tables import CarrierTable, CertificateTable


def _filtered(request):
    enterprises = Enterprise.objects.restrict(request.user).select_related("organisation", "organisation__region",
                                                                         "organisation__region__city", "pool")
    filterset = EnterpriseFilter(request.GET or None, queryset=enterprises)
    used = {k: v for k, v in (filterset.form.cleaned_data.items() if filterset.is_valid() else []) if v}
    return filterset, used


@login_required
def enterprise_list(request):
    if not can_browse_registry(request.user):  # a firm's member goes straight to the firm
        mine = list(Enterprise.objects.restrict(request.user)[:2])
        if len(mine) == 1:
            return redirect("enterprises:detail", mine[0].pk)
    filterset, _used = _filtered(request)
    return render(request, "enterprises/enterprise_list.html", {
        "page": paginate(request, filterset.qs), "filter": filterset,
        "may_register": Region.objects.restrict(request.user, "add_enterprise").exists(),
        "may_register_carrier": Region.objects.restrict(request.user, "add_carrier").exists()})


BASICS = ("industry", "size", "founded", "domain", "address", "contact_phone")


@login_required
def enterprise_create(request):
    """登记企业: a bureau registers a firm in a county of its area; the form keeps what was typed on error."""
    if not Region.objects.restrict(request.user, "add_enterprise").exists():
        raise Http404
    form = EnterpriseRegisterForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            enterprise = services.register_enterprise(
                actor=request.user, region=data["region"], name=data["name"], credit_code=data["credit_code"],
                **{key: data[key] for key in BASICS})
        except ValidationError as exc:
            _apply_errors(form, exc)
        except PermissionDenied as exc:
            form.add_error("region", str(exc))
        else:
            messages.success(request, _("企业已登记"))
            return redirect("enterprises:detail", enterprise.pk)
    return render(request, "enterprises/enterprise_form.html", {"form": form, "enterprise": None},
                  status=400 if form.errors else 200)


@login_required
def enterprise_edit(request, pk):
    enterprise = _enterprise(request, pk)
    if not can_edit_enterprise(request.user, enterprise):
        raise Http404
    organisation = enterprise.organisation
    initial = {"industry": enterprise.industry, "size": enterprise.size, "founded": enterprise.founded,
               "domain": enterprise.domain, "address": organisation.address,
               "contact_phone": organisation.contact_phone}
    form = EnterpriseBasicsForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_enterprise(actor=request.user, enterprise=enterprise,
                                       **{key: form.cleaned_data[key] for key in BASICS})
        except ValidationError as exc:
            _apply_errors(form, exc)
        except PermissionDenied as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("企业基本信息已保存"))
            return redirect("enterprises:detail", enterprise.pk)
    return render(request, "enterprises/enterprise_form.html", {"form": form, "enterprise": enterprise},
                  status=400 if form.errors else 200)


@login_required
def enterprise_export(request):
    filterset, used = _filtered(request)
    rows = ([e.organisation.name, e.organisation.credit_code, e.organisation.region.name, e.get_size_display(),
             e.industry, e.domain, e.pool.get_status_display() if getattr(e, "pool", None) else ""]
            for e in filterset.qs)
    return xlsx_response("enterprises.xlsx", "enterprises", ["名称 name", "统一社会信用代码 credit code",
                                                             "县 county", "规模 size", "行业 industry", "领域 domain",
                                                             "培育库 pool"], rows,
                         request=request, model=Enterprise, what="企业名录 enterprise registry", filters=used)


def _enterprise(request, pk):
    """An enterprise the user may see (404 otherwise); what they may do with it is asked of the predicates."""
    return get_object_or_404(Enterprise.objects.restrict(request.user)
                             .select_related("organisation", "organisation__region"), pk=pk)


def _detail(request, enterprise, *, edit_year=None, values=None, errors=None, status=200):
    years = list(enterprise.years.order_by("year"))
    year_form = YearForm(request.GET)
    if edit_year is None:
        edit_year = year_form.chosen_year() or (years[-1].year + 1 if years else datetime.date.today().year - 1)
        edit_year = min(edit_year, datetime.date.today().year)
    current = next((y for y in years if y.year == edit_year), None)
    if values is None:
        values = {f: assessments._plain(getattr(current, f)) if current else "" for f in services.YEAR_FIELDS}
    errors = errors or {}
    fields = [{"name": f, "label": f"{services.LABELS[f]}（{services.UNITS[f]}）", "value": values.get(f, ""),
               "errors": errors.get(f, [])} for f in services.YEAR_FIELDS]
    pool = PoolMembership.objects.filter(enterprise=enterprise).first()
    may_assess = can_self_assess(request.user, enterprise)
    return render(request, "enterprises/enterprise_detail.html", {
        "enterprise": enterprise, "years": years, "edit_year": edit_year, "year_form": year_form,
        "reports": assessments.summary(enterprise) if may_assess else [], "may_assess": may_assess,
        "fields": fields, "errors": errors, "other_errors": errors.get("__all__", []) + errors.get("year", []),
        "pool": pool, "nominable": services.nominable(enterprise),
        "certificates": enterprise.certificates.all(), "carriers": enterprise.carriers.select_related("region")},
        status=status)


@login_required
def enterprise_detail(request, pk):
    return _detail(request, _enterprise(request, pk))


@login_required
@require_POST
def enterprise_year_save(request, pk):
    enterprise = _enterprise(request, pk)
    form = YearForm(request.POST)
    year = form.chosen_year() if request.POST.get("year") else None
    values = {f: request.POST.get(f, "") for f in services.YEAR_FIELDS}
    if year is None:
        return _detail(request, enterprise, values=values, status=400,
                       errors={"year": [form.errors.get("year", ["年度无效 / invalid year"])[0]]})
    try:
        services.save_year(actor=request.user, enterprise=enterprise, year=year, values=values)
    except ValidationError as exc:  # the page again with what was typed and the errors beside the fields
        messages.error(request, "未保存，请修正标出的字段 / nothing saved; fix the marked fields")
        errors = exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}
        return _detail(request, enterprise, edit_year=year, values=values, errors=errors)
    except PermissionDenied as exc:  # a visible firm the user may not edit: nothing saved, the attempt audited
        flash_errors(request, exc)
        return redirect(f"{reverse('enterprises:detail', args=[enterprise.pk])}?year={year}")
    messages.success(request, f"{year} 年数据已保存 / saved")
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


# ------------------------------------------------------------------ self-assessments

@login_required
def assessment(request, pk, kind):
    """高企 / 科技型中小企业 / 加计扣除 on the firm's figures; the form keeps what was typed on error."""
    enterprise = _enterprise(request, pk)
    if kind not in assessments.KINDS:
        raise Http404
    if not can_self_assess(request.user, enterprise):
        raise Http404
    spec = assessments.KINDS[kind]
    year_form = YearForm(request.GET)
    year = year_form.chosen_year()
    report = None
    if request.method == "POST":
        form = spec.form(enterprise, year, data=request.POST)
        report = spec.assess_form(enterprise, form)
    else:
        form = spec.form(enterprise, year)
        report = spec.assess_stored(enterprise, year) if enterprise.years.exists() else None
    return render(request, "enterprises/assessment.html", {
        "enterprise": enterprise, "spec": spec, "form": form, "report": report, "year_form": year_form,
        "year": year,
        "years": list(enterprise.years.order_by("-year").values_list("year", flat=True)),
        "kinds": assessments.KINDS.values()}, status=400 if request.method == "POST" and form.errors else 200)


# ------------------------------------------------------------------ the 千强 pool

@login_required
def pool_progress(request):
    if not can_view_pool_progress(request.user):
        raise Http404
    progress = services.pool_progress(request.user)
    members = (PoolMembership.objects.restrict(request.user).select_related("enterprise__organisation", "region")
               .order_by("status", "region__code"))
    page = paginate(request, members, per_page=25)
    rows = [{"membership": m, "report": assessments.HIGHTECH.assess_stored(m.enterprise)
             if m.status == PoolMembership.Status.ACTIVE else None} for m in page]
    chart = {"years": [c["year"] for c in progress["cumulative"]] + [p["year"] for p in progress["projection"]],
             "actual": [c["graduates"] for c in progress["cumulative"]],
             "projection": [None] * (len(progress["cumulative"]) - 1) +
                           ([progress["cumulative"][-1]["graduates"]] if progress["cumulative"] else []) +
                           [p["graduates"] for p in progress["projection"]],
             "target": progress["target"] if can_view_pool_target(request.user) else None}
    return render(request, "enterprises/pool_progress.html", {
        "progress": progress, "page": page, "rows": rows, "chart": chart})


# ------------------------------------------------------------------ carriers

@login_required
def carrier_list(request):
    carriers = (Carrier.objects.restrict(request.user).select_related("region")
                .annotate(resident_count=Count("residents")))
    filterset = CarrierFilter(request.GET or None, queryset=carriers)
    table = configure(request, CarrierTable(filterset.qs))
    return render(request, "enterprises/carrier_list.html", {
        "table": table, "filter": filterset,
        "may_register": Region.objects.restrict(request.user, "add_carrier").exists()})


def _carrier(request, pk):
    return get_object_or_404(Carrier.objects.restrict(request.user).select_related("region"), pk=pk)


@login_required
def carrier_detail(request, pk):
    carrier = _carrier(request, pk)
    residents = carrier.residents.select_related("organisation", "organisation__region")
    return render(request, "enterprises/carrier_detail.html", {
        "carrier": carrier, "residents": residents, "may_edit": can_edit_carrier(request.user, carrier)})


def _carrier_values(form):
    d = form.cleaned_data
    return {"region": d["region"], "name": d["name"], "kind": d["kind"], "level": d["level"],
            "recognised": d["recognised"]}


def _apply_errors(form, exc: ValidationError):
    if hasattr(exc, "error_dict"):
        for name, errors in exc.message_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


@login_required
def carrier_create(request):
    if not Region.objects.restrict(request.user, "add_carrier").exists():
        raise Http404
    form = CarrierForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            carrier = services.register_carrier(actor=request.user, **_carrier_values(form))
        except ValidationError as exc:
            _apply_errors(form, exc)
        except PermissionDenied as exc:
            form.add_error("region", str(exc))
        else:
            messages.success(request, _("创新载体已登记"))
            return redirect("enterprises:carrier", carrier.pk)
    return render(request, "enterprises/carrier_form.html", {"form": form, "carrier": None},
                  status=400 if form.errors else 200)


@login_required
def carrier_edit(request, pk):
    carrier = _carrier(request, pk)
    if not can_edit_carrier(request.user, carrier):
        raise Http404
    initial = {"name": carrier.name, "kind": carrier.kind, "level": carrier.level, "region": carrier.region,
               "recognised": carrier.recognised, "residents": list(carrier.residents.all())}
    form = CarrierForm(request.POST or None, initial=initial, user=request.user, carrier=carrier)
    if request.method == "POST" and form.is_valid():
        try:
            services.edit_carrier(actor=request.user, carrier=carrier, residents=form.cleaned_data["residents"],
                                  **_carrier_values(form))
        except ValidationError as exc:
            _apply_errors(form, exc)
        except PermissionDenied as exc:
            form.add_error("region", str(exc))
        else:
            messages.success(request, _("创新载体已保存"))
            return redirect("enterprises:carrier", carrier.pk)
    return render(request, "enterprises/carrier_form.html", {"form": form, "carrier": carrier},
                  status=400 if form.errors else 200)


# ------------------------------------------------------------------ certificates

@login_required
def certificate_list(request):
    certificates = Certificate.objects.restrict(request.user).select_related("enterprise__organisation")
    filterset = CertificateFilter(request.GET or None, queryset=certificates)
    table = configure(request, CertificateTable(filterset.qs))
    return render(request, "enterprises/certificate_list.html", {"table": table, "filter": filterset})


@login_required
def certificate_add(request, pk):
    enterprise = _enterprise(request, pk)
    if not can_record_certificate(request.user, enterprise):
        raise Http404
    form = CertificateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.add_certificate(actor=request.user, enterprise=enterprise, **form.cleaned_data)
        except ValidationError as exc:
            _apply_errors(form, exc)
        except PermissionDenied as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("证书已登记"))
            return redirect("enterprises:detail", enterprise.pk)
    return render(request, "enterprises/certificate_form.html", {"form": form, "enterprise": enterprise},
                  status=400 if form.errors else 200)
