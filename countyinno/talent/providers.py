"""每万农村人口科技特派员数 for the monitoring survey (published plans, census rural population)."""

from countyinno.monitoring.services import platform_provider

from .services import commissioners_in


@platform_provider("talent.commissioners_per_10k")
def commissioners_per_10k(region, year):
    count = commissioners_in(region, year)
    facts = (region.profile or {}).get("facts") or {}
    population = (facts.get("resident_population") or {}).get("value")
    urban = (facts.get("urban_population_census") or {}).get("value")
    if not count or not population or urban is None or population - urban <= 0:
        return None
    return round(count / (population - urban), 4)  # population in 万人 → per 10k rural residents
