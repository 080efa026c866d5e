from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from countyinno.core import audit
from countyinno.core.errors import ImportFailed
from countyinno.regions import services


class Command(BaseCommand):
    help = "载入省级行政区划树、边界和基础数据 / load a province's region tree, boundaries and facts"

    def add_arguments(self, parser):
        parser.add_argument("--province", default=None,
                            help="2-digit province code (default: the PROVINCE_CODE setting, 37 Shandong)")
        parser.add_argument("--csv", type=Path, help="county list CSV (county_code,county_name,county_type,city_code,city_name)")
        parser.add_argument("--boundaries", type=Path, help="GeoJSON FeatureCollection keyed by region code")

    def handle(self, *args, province, csv, boundaries, **options):
        from django.conf import settings

        province = province or settings.PROVINCE_CODE
        try:
            with audit.system("load_regions"):  # platform work: no acting user, every region change audited
                if csv or boundaries:
                    summary = services.load_regions(province, csv, actor=None) if csv else {}
                    if boundaries:
                        summary.update(services.load_boundaries(boundaries, source=str(boundaries), actor=None))
                else:
                    summary = services.ensure_province(province)
        except ImportFailed as exc:
            raise CommandError(str(exc))
        self.stdout.write(self.style.SUCCESS(" ".join(f"{k}={v}" for k, v in summary.items())))
