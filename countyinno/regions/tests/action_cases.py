"""The region loads are platform work: allowed only inside audit.system(); a province admin may not."""

import json
import tempfile
from itertools import count
from pathlib import Path

from countyinno.core.testing import Case, action_case
from countyinno.regions.models import Region

_serial = count(1)


def _tmp(name: str, text: str) -> Path:
    path = Path(tempfile.mkdtemp(prefix="regions-case-")) / name
    path.write_text(text, encoding="utf-8")
    return path


@action_case("regions.load_regions")
def _(world):
    path = _tmp("32_counties.csv", "county_code,county_name,county_type,city_code,city_name\n"
                                   "320102,玄武区,市辖区,320100,南京市\n")
    return Case(kwargs={"province_code": "32", "path": path}, allowed=None, denied=world.users["province"])


@action_case("regions.load_boundaries")
def _(world):
    square = {"type": "Polygon", "coordinates": [[[117, 36], [117.1, 36], [117.1, 36.1], [117, 36]]]}
    path = _tmp("b.geojson", json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"adcode": "370102"}, "geometry": square}]}))
    return Case(kwargs={"path": path, "source": f"case-{next(_serial)}"}, allowed=None,
                denied=world.users["province"])


@action_case("regions.load_region_facts")
def _(world):
    gdp = 3000 + next(_serial)
    path = _tmp("stats.csv", "county_code,county_name,year,indicator,value,unit,source,note\n"
                             f"370102,历下区,2030,gdp,{gdp},亿元,case,\n")
    assert Region.objects.filter(code="370102").exists()
    return Case(kwargs={"path": path}, allowed=None, denied=world.users["county_a"])
