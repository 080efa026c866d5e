from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, render

from countyinno.core.views import paginate

from .models import Region
from .panels import contributed_context
from .services import FACT_INDICATORS


@login_required
def region_list(request):
    regions = Region.objects.restrict(request.user).filter(level=Region.Level.COUNTY).select_related("city")
    city = request.GET.get("city", "")
    kind = request.GET.get("county_type", "")
    q = request.GET.get("q", "").strip()
    if city:
        regions = regions.filter(city__code=city)
    if kind:
        regions = regions.filter(county_type=kind)
    if q:
        regions = regions.filter(name__icontains=q) | regions.filter(code__startswith=q)
    cities = Region.objects.filter(level=Region.Level.CITY).order_by("code")
    return render(request, "regions/region_list.html", {
        "page": paginate(request, regions.order_by("code"), 150), "cities": cities, "city": city,
        "county_type": kind, "q": q, "county_types": Region.CountyType.choices})


@login_required
def region_detail(request, code):
    region = get_object_or_404(Region.objects.restrict(request.user).select_related("parent", "city"), code=code)
    facts = region.profile.get("facts") or {}
    fact_rows = [(label, facts[key]) for key, label in FACT_INDICATORS.items() if key in facts]
    return render(request, "regions/region_detail.html", {
        "region": region, "fact_rows": fact_rows, "children": region.children.order_by("code"),
        # e.g. the organisation counts by kind, from accounts (see panels.py)
        **contributed_context(request, region, _subtree(region))})


def _subtree(region):
    if region.level == Region.Level.PROVINCE:
        return Region.objects.filter(province=region)
    if region.level == Region.Level.CITY:
        return Region.objects.filter(city=region)
    return Region.objects.filter(pk=region.pk)


def boundaries_geojson(request):
    """Public: county boundaries of a province as GeoJSON for the maps (reference data, no scoping)."""
    from django.http import JsonResponse

    from .models import RegionBoundary

    from django.conf import settings

    province = (request.GET.get("province") or settings.PROVINCE_CODE)[:2]
    level = request.GET.get("level") or Region.Level.COUNTY
    if not province.isdigit() or level not in Region.Level.values:
        return JsonResponse({"detail": "参数无效 / invalid province or level"}, status=400)
    boundaries = (RegionBoundary.objects.filter(region__province__code=f"{province}0000", region__level=level)
                  .select_related("region").order_by("region__code"))
    features = [{"type": "Feature", "properties": {"code": b.region.code, "name": b.region.name},
                 "geometry": b.geometry} for b in boundaries]
    response = JsonResponse({"type": "FeatureCollection", "features": features})
    response["Cache-Control"] = "public, max-age=3600"
    return response
