"""Platform data the monitoring survey pre-fills (indicator platform_source keys)."""

import datetime

from countyinno.monitoring.services import platform_provider

from .models import Carrier, Certificate, Enterprise


def _has_data(region) -> bool:
    return Enterprise.objects.filter(organisation__region=region).exists()


def _valid_certificates(region, year, kind):
    end = datetime.date(year, 12, 31)
    return (Certificate.objects.filter(enterprise__organisation__region=region, kind=kind, issued__lte=end,
                                       valid_until__gte=end).values("enterprise").distinct().count())


@platform_provider("enterprises.hightech_count")
def hightech_count(region, year):
    return float(_valid_certificates(region, year, Certificate.Kind.HIGHTECH)) if _has_data(region) else None


@platform_provider("enterprises.tsme_count")
def tsme_count(region, year):
    return float(_valid_certificates(region, year, Certificate.Kind.TSME)) if _has_data(region) else None


@platform_provider("enterprises.carrier_count")
def carrier_count(region, year):
    carriers = Carrier.objects.filter(region=region, recognised__lte=datetime.date(year, 12, 31),
                                      kind__in=[Carrier.Kind.INCUBATOR, Carrier.Kind.MAKERSPACE, Carrier.Kind.STAR_SPACE])
    return float(carriers.count()) if _has_data(region) else None
