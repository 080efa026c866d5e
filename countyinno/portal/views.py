"""Public home page: the county map with reference figures; counts respect the user's scope."""

from django.conf import settings
from django.db.models import Count
from django.http import JsonResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from countyinno.accounts.models import Organisation
from countyinno.regions.models import Region


def home(request):
    """Public landing page: the county map and reference figures; scoped counts once signed in."""
    counties = Region.objects.filter(level=Region.Level.COUNTY, province__code=settings.PROVINCE_CODE + "0000")
    population = sum(((r.profile.get("facts") or {}).get("resident_population") or {}).get("value", 0)
                     for r in counties.only("profile"))
    stats = {
        "cities": Region.objects.filter(level=Region.Level.CITY, province__code=settings.PROVINCE_CODE + "0000").count(),
        "counties": counties.count(),
        "organisations": Organisation.objects.restrict(request.user).count(),
        "population": population,
    }
    context = {"stats": stats}
    if request.user.is_authenticated:
        from .todos import shortcuts_for, todos_for

        context |= {"todos": todos_for(request.user), "shortcuts": shortcuts_for(request.user)}
    return render(request, "portal/home.html", context)


@require_GET
def county_stats(request):
    """Figures per county for the home map; organisation counts respect the user's scope."""
    org_counts = dict(Organisation.objects.restrict(request.user).values_list("region__code")
                      .annotate(n=Count("id")).values_list("region__code", "n"))
    counties = {}
    for region in Region.objects.filter(level=Region.Level.COUNTY, province__code=settings.PROVINCE_CODE + "0000"):
        facts = region.profile.get("facts") or {}
        population = (facts.get("resident_population") or {}).get("value")
        urban = (facts.get("urban_population_census") or {}).get("value")
        counties[region.code] = {
            "name": region.name,
            "resident_population": population,
            "urbanisation": round(100 * urban / population, 2) if population and urban else None,
            "avg_years_schooling_census": (facts.get("avg_years_schooling_census") or {}).get("value"),
            "organisations": org_counts.get(region.code, 0),
        }
    return JsonResponse({"counties": counties})


