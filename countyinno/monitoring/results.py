"""Read-only views of an index run's results, shared by the pages (views.py) and the report (reports.py)."""

from __future__ import annotations

from . import decisions
from .models import IndexResult


def scoped_results(run, user, year: int | None = None):
    """The run's results for one year (the campaign's by default) that the user may see, best first."""
    return (IndexResult.objects.restrict(user).filter(run=run, year=year or run.campaign.year)
            .select_related("region", "region__city").order_by("rank"))


def dimensions_of(run) -> list:
    return list(run.campaign.framework.nodes.filter(kind="dimension").order_by("order"))


def city_summaries(results) -> list[dict]:
    cities: dict[str, dict] = {}
    for r in results:
        city = cities.setdefault(r.region.city.code, {"name": r.region.city.name, "indices": [], "best": r,
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


def scores_for(run, user) -> list[decisions.CountyScore]:
    return [decisions.CountyScore(code=r.region.code, name=r.region.name, county_type=r.region.county_type,
                                  index=r.index or 0.0, rank=r.rank, performance_group=r.performance_group,
                                  rank_change=r.rank_change)
            for r in scoped_results(run, user)]
