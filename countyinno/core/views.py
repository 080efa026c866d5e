from django.contrib.auth.decorators import login_required
from django.contrib.contenttypes.models import ContentType
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from countyinno.accounts.models import Organisation
from countyinno.regions.models import Region

from .models import AuditLogEntry, Job


def flash_errors(request, exc) -> None:
    """Show a ValidationError's messages (or a PermissionDenied's text) on the next page."""
    from django.contrib import messages
    from django.core.exceptions import ValidationError

    for message in (exc.messages if isinstance(exc, ValidationError) else [str(exc)]):
        messages.error(request, message)


def paginate(request, queryset, per_page: int = 50):
    return Paginator(queryset, per_page).get_page(request.GET.get("page"))


def home(request):
    """Public landing page: the county map and reference figures; scoped counts once signed in."""
    counties = Region.objects.filter(level=Region.Level.COUNTY, province__code="370000")
    population = sum(((r.profile.get("facts") or {}).get("resident_population") or {}).get("value", 0)
                     for r in counties.only("profile"))
    stats = {
        "cities": Region.objects.filter(level=Region.Level.CITY, province__code="370000").count(),
        "counties": counties.count(),
        "organisations": Organisation.objects.restrict(request.user).count(),
        "population": population,
    }
    return render(request, "core/home.html", {"stats": stats})


@require_GET
def county_stats(request):
    """Figures per county for the home map; organisation counts respect the user's scope."""
    org_counts = dict(Organisation.objects.restrict(request.user).values_list("region__code")
                      .annotate(n=Count("id")).values_list("region__code", "n"))
    counties = {}
    for region in Region.objects.filter(level=Region.Level.COUNTY, province__code="370000"):
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


@login_required
def audit_log(request):
    entries = AuditLogEntry.objects.restrict(request.user).select_related("content_type")
    filters = {k: request.GET.get(k, "").strip() for k in ("action", "actor", "object_type", "q", "since", "until")}
    if filters["action"]:
        entries = entries.filter(action=filters["action"])
    if filters["actor"]:
        entries = entries.filter(actor_name__icontains=filters["actor"])
    if filters["object_type"]:
        entries = entries.filter(content_type__model=filters["object_type"])
    if filters["q"]:
        entries = entries.filter(object_repr__icontains=filters["q"])
    if filters["since"]:
        entries = entries.filter(timestamp__date__gte=filters["since"])
    if filters["until"]:
        entries = entries.filter(timestamp__date__lte=filters["until"])
    types = ContentType.objects.filter(app_label__in=["regions", "accounts", "core"]).order_by("model")
    return render(request, "core/audit_log.html", {"page": paginate(request, entries), "filters": filters,
                                                   "actions": AuditLogEntry.ACTIONS, "types": types})


@login_required
def job_list(request):
    jobs = Job.objects.restrict(request.user)
    return render(request, "core/job_list.html", {"page": paginate(request, jobs)})


@login_required
def job_detail(request, pk):
    job = get_object_or_404(Job.objects.restrict(request.user), pk=pk)
    return render(request, "core/job_detail.html", {"job": job})


def healthz(request):
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})
