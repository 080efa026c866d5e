from django.contrib.auth.decorators import login_required
from django.db.models import Count
from django.shortcuts import get_object_or_404, render

from countyinno.core.exports import xlsx_response
from countyinno.core.views import paginate
from countyinno.regions.panels import region_page_context

from .models import Organisation


def _filtered_organisations(request):
    organisations = Organisation.objects.restrict(request.user).select_related("region", "region__city")
    kind = request.GET.get("kind", "")
    q = request.GET.get("q", "").strip()
    if kind:
        organisations = organisations.filter(kind=kind)
    if q:
        organisations = organisations.filter(name__icontains=q)
    return organisations, kind, q


@login_required
def organisation_list(request):
    organisations, kind, q = _filtered_organisations(request)
    return render(request, "accounts/organisation_list.html", {
        "page": paginate(request, organisations), "kind": kind, "q": q, "kinds": Organisation.Kind.choices})


@login_required
def organisation_export(request):
    """The export goes through the same restricted queryset as the page, and is recorded."""
    organisations, kind, q = _filtered_organisations(request)
    rows = ([o.name, o.get_kind_display(), o.credit_code or "", o.region.code, o.region.name,
             o.region.city.name if o.region.city else ""] for o in organisations)
    return xlsx_response("organisations.xlsx", "机构 organisations",
                         ["名称 name", "类型 kind", "统一社会信用代码 credit code", "区划代码 region code",
                          "县（市、区） county", "地级市 city"], rows,
                         request=request, model=Organisation, what="机构名录 / organisation list",
                         filters={"kind": kind, "q": q})


@login_required
def organisation_detail(request, pk):
    organisation = get_object_or_404(Organisation.objects.restrict(request.user).select_related("region"), pk=pk)
    members = organisation.members.restrict(request.user)
    return render(request, "accounts/organisation_detail.html", {"organisation": organisation, "members": members})


@region_page_context
def organisation_counts(request, region, subtree) -> dict:
    """The region page's organisation counts by kind (regions does not import accounts: accounts imports it)."""
    organisations = Organisation.objects.restrict(request.user).filter(region__in=subtree)
    kinds = dict(Organisation.Kind.choices)
    by_kind = organisations.values("kind").annotate(n=Count("id")).order_by("kind")
    return {"org_counts": [(kinds.get(row["kind"], row["kind"]), row["n"]) for row in by_kind]}
