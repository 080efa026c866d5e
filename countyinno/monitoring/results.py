"""Read-only views of an index run's results, shared by the pages (views.py) and the report (reports.py).

Who sees which results: a published run's results are province-wide information for every official of
the province (`monitoring.view_published_results`); the province also reviews a run before it publishes
it (`monitoring.review_index_run`). Everyone else sees what `IndexResult.objects.restrict(user)` grants."""

from __future__ import annotations

from django.db.models import Count, OuterRef, Subquery

from countyinno.regions.models import Region

from . import decisions
from .models import IndexResult, IndexRun
from .permissions import can_review_index_run, can_view_published_results


def sees_whole_run(user, run) -> bool:
    return can_view_published_results(user, run) or can_review_index_run(user, run)


def visible_runs(user):
    """Succeeded runs whose results this user may open: published ones of the official's province, and
    (for the province) the ones still under review."""
    runs = IndexRun.objects.restrict(user).filter(status=IndexRun.Status.SUCCEEDED)
    published, review = can_view_published_results.q(user), can_review_index_run.q(user)
    if published is None or review is None:  # a superuser
        return runs
    return runs.filter(published | review)


def latest_visible_run(user, year: int | None = None) -> IndexRun | None:
    runs = visible_runs(user)
    if year is not None:
        runs = runs.filter(campaign__year=year)
    return runs.select_related("campaign").order_by("-campaign__year", "-published_at", "-created_at").first()


def type_rank_subquery():
    """The county's rank among counties of its type (市辖区 / 县级市 / 县) in the same run and year."""
    peers = (IndexResult.objects.filter(run=OuterRef("run"), year=OuterRef("year"),
                                        region__county_type=OuterRef("region__county_type"), rank__lte=OuterRef("rank"))
             .order_by().values("run").annotate(n=Count("pk")).values("n"))
    return Subquery(peers)


def run_results(run, user, year: int | None = None):
    """The run's results for one year (the campaign's by default) that the user may see, best first."""
    if sees_whole_run(user, run):
        results = IndexResult.objects.all()
    else:
        results = IndexResult.objects.restrict(user)
    return (results.filter(run=run, year=year or run.campaign.year)
            .select_related("region", "region__city").annotate(rank_in_type=type_rank_subquery()).order_by("rank"))


scoped_results = run_results  # the name reports and older callers use


def ambiguous_names(province=None) -> set[str]:
    """County names that occur more than once in the province (two 市中区): always shown with the city."""
    counties = Region.objects.filter(level=Region.Level.COUNTY)
    if province is not None:
        counties = counties.filter(province=province)
    return set(counties.values("name").annotate(n=Count("pk")).filter(n__gt=1).values_list("name", flat=True))


def county_label(region, ambiguous: set[str] | None = None) -> str:
    """市中区（济南市） where the name alone is ambiguous, else the name."""
    if ambiguous is None:
        ambiguous = ambiguous_names()
    if region.name in ambiguous and region.city_id:
        return f"{region.name}（{region.city.name}）"
    return region.name


def dimensions_of(run) -> list:
    return list(run.campaign.framework.nodes.filter(kind="dimension").order_by("order"))


def city_summaries(results) -> list[dict]:
    cities: dict[str, dict] = {}
    for r in results:
        city = cities.setdefault(r.region.city_or_province.code, {"name": r.region.city_or_province.name, "indices": [], "best": r,
                                                      "groups": {}})
        city["indices"].append(r.index or 0)
        if (r.rank or 10 ** 6) < (city["best"].rank or 10 ** 6):
            city["best"] = r
        city["groups"][r.performance_group] = city["groups"].get(r.performance_group, 0) + 1
    out = []
    for code, c in cities.items():
        out.append({"code": code, "name": c["name"], "counties": len(c["indices"]),
                    "mean_index": sum(c["indices"]) / len(c["indices"]), "best": c["best"],
                    "groups": sorted(c["groups"].items())})
    return sorted(out, key=lambda c: -c["mean_index"])


def peers_of(result, results, n: int = 6) -> list:
    """The counties of the same type ranked nearest to this one (a county's natural comparison group)."""
    same = [r for r in results if r.region.county_type == result.region.county_type and r.pk != result.pk]
    return sorted(same, key=lambda r: (abs((r.rank or 0) - (result.rank or 0)), r.rank or 0))[:n]


def type_counts(results) -> dict[str, int]:
    counts: dict[str, int] = {}
    for r in results:
        counts[r.region.county_type] = counts.get(r.region.county_type, 0) + 1
    return counts


def scores_for(run, user) -> list[decisions.CountyScore]:
    ambiguous = ambiguous_names(run.campaign.province)
    return [decisions.CountyScore(code=r.region.code, name=county_label(r.region, ambiguous),
                                  county_type=r.region.county_type, index=r.index or 0.0, rank=r.rank,
                                  performance_group=r.performance_group, rank_change=r.rank_change)
            for r in run_results(run, user)]

