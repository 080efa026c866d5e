"""技术合同成交额占 GDP 比重 for the monitoring survey, where the county's GDP is known."""

from countyinno.monitoring.services import platform_provider

from .services import county_turnover


@platform_provider("contracts.turnover_share_of_gdp")
def turnover_share_of_gdp(region, year):
    gdp = ((region.profile or {}).get("facts") or {}).get("gdp")
    if not gdp or not gdp.get("value"):
        return None  # without a GDP figure the county fills the indicator itself
    turnover = county_turnover(region, year)  # 万元
    if not turnover:
        return None  # no registrations on the platform that year: the county reports the figure
    return round(100 * turnover / (gdp["value"] * 1e4), 4)  # GDP in 亿元
