"""技术合同成交额占 GDP 比重 for the monitoring survey, where the county's GDP is known."""

from decimal import Decimal

from countyinno.monitoring.services import platform_provider

from .labels import exact
from .services import county_turnover


@platform_provider("contracts.turnover_share_of_gdp")
def turnover_share_of_gdp(region, year):
    gdp = ((region.profile or {}).get("facts") or {}).get("gdp")
    if not gdp or not gdp.get("value"):
        return None  # without a GDP figure the county fills the indicator itself
    turnover = county_turnover(region, year)  # 万元
    if not turnover:
        return None  # no registrations on the platform that year: the county reports the figure
    share = Decimal(100) * turnover / (exact(gdp["value"]) * Decimal(10000))  # GDP in 亿元
    return float(share.quantize(Decimal("0.0001")))  # a percentage for the survey form
