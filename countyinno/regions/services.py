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

from countyinno.core import audit
from countyinno.core.actions import action
from countyinno.core.errors import ImportFailed, RowError, bilingual

from .models import Region, RegionBoundary
from .permissions import can_load_regions

DATA_DIR = Path(__file__).resolve().parent / "data"

# GB/T 2260 province-level codes.
PROVINCES = {
    "11": "北京市", "12": "天津市", "13": "河北省", "14": "山西省", "15": "内蒙古自治区", "21": "辽宁省",
    "22": "吉林省", "23": "黑龙江省", "31": "上海市", "32": "江苏省", "33": "浙江省", "34": "安徽省",
    "35": "福建省", "36": "江西省", "37": "山东省", "41": "河南省", "42": "湖北省", "43": "湖南省",
    "44": "广东省", "45": "广西壮族自治区", "46": "海南省", "50": "重庆市", "51": "四川省", "52": "贵州省",
    "53": "云南省", "54": "西藏自治区", "61": "陕西省", "62": "甘肃省", "63": "青海省",
    "64": "宁夏回族自治区", "65": "新疆维吾尔自治区",
}

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


def province_csv_path(province_code: str) -> Path:
    """Shandong ships as shandong_counties.csv; another province is loaded from <code>_counties.csv."""
    name = "shandong_counties.csv" if province_code == "37" else f"{province_code}_counties.csv"
    return DATA_DIR / name


def parse_region_rows(path: Path, province_code: str) -> list[dict]:
    """Read and check a county list; raise ImportFailed naming every bad row and field."""
    errors: list[RowError] = []
    rows: list[dict] = []
    seen: set[str] = set()
    with open(path, newline="", encoding="utf-8-sig") as fh:
        reader = csv.DictReader(fh)
        missing = [c for c in REGION_COLUMNS if c not in (reader.fieldnames or [])]
        if missing:
            raise ImportFailed([RowError(None, c, bilingual("缺少列", "missing column")) for c in missing])
        valid_types = {t.value for t in Region.CountyType}
        for line_no, row in enumerate(reader, start=2):
            code, city_code = row["county_code"].strip(), row["city_code"].strip()
            for field_name, value in (("county_code", code), ("city_code", city_code)):
                if not (len(value) == 6 and value.isdigit() and value.startswith(province_code)):
                    errors.append(RowError(line_no, field_name, bilingual(
                        f"应为以 {province_code} 开头的 6 位区划代码", f"must be a 6-digit code starting with {province_code}")))
            if row["county_type"].strip() not in valid_types:
                errors.append(RowError(line_no, "county_type", bilingual(
                    f"未知类型 {row['county_type']!r}", f"unknown type {row['county_type']!r}")))
            if code in seen:
                errors.append(RowError(line_no, "county_code", bilingual("代码重复", "duplicate code")))
            seen.add(code)
            if not row["county_name"].strip() or not row["city_name"].strip():
                errors.append(RowError(line_no, "county_name", bilingual("名称不能为空", "name is empty")))
            rows.append({k: row[k].strip() for k in REGION_COLUMNS})
    if errors:
        raise ImportFailed(errors)
    return rows


@action(permission=can_load_regions)
def load_regions(province_code: str = "37", path: Path | None = None, *, actor) -> dict:
    """Create or update a province, its cities and counties from a county list CSV."""
    if province_code not in PROVINCES:
        raise ImportFailed([RowError(None, "province", bilingual(f"未知省级代码 {province_code}",
                                                                  f"unknown province code {province_code}"))])
    rows = parse_region_rows(path or province_csv_path(province_code), province_code)
    province, _ = Region.objects.update_or_create(
        code=f"{province_code}0000",
        defaults={"name": PROVINCES[province_code], "level": Region.Level.PROVINCE, "parent": None})
    if province.province_id != province.pk:
        province.province = province
        province.save(update_fields=["province"])
    cities: dict[str, Region] = {}
    counts = defaultdict(int)
    for row in rows:
        city = cities.get(row["city_code"])
        if city is None:
            city, created = Region.objects.update_or_create(
                code=row["city_code"],
                defaults={"name": row["city_name"], "level": Region.Level.CITY, "parent": province,
                          "province": province})
            if city.city_id != city.pk:
                city.city = city
                city.save(update_fields=["city"])
            cities[row["city_code"]] = city
            counts["cities_created" if created else "cities_kept"] += 1
        _, created = Region.objects.update_or_create(
            code=row["county_code"],
            defaults={"name": row["county_name"], "level": Region.Level.COUNTY, "county_type": row["county_type"],
                      "parent": city, "province": province, "city": city,
                      "is_coastal": row["county_code"] in COASTAL_COUNTIES})
        counts["counties_created" if created else "counties_kept"] += 1
    return {"province": province.code, "cities": len(cities), "counties": len(rows), **counts}


BOUNDARY_CODE_KEYS = ("adcode", "code", "county_code", "ADCODE", "gb", "id")


@action(permission=can_load_regions)
def load_boundaries(path: Path | None = None, source: str = "", code_keys=BOUNDARY_CODE_KEYS, *, actor) -> dict:
    """Attach GeoJSON geometries to regions by their code, whatever file they come from."""
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
                                                                         "source": source or Path(path).name})
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


def ensure_province(province_code: str = "37") -> dict:
    """Load regions, boundaries and facts (Shandong ships with the app).

    Bootstrap of the shipped reference data, so always platform work: inside the caller's
    `audit.system(...)` (CLI, demo), else in its own (the test database set-up)."""
    with contextlib.ExitStack() as stack:
        if audit.system_reason() is None:
            stack.enter_context(audit.system(f"load_regions {province_code}"))
        summary = load_regions(province_code, actor=None)
        if province_code == "37":
            summary.update(load_boundaries(DATA_DIR / "shandong_counties.geojson",
                                           source="shared/data/regions/shandong_counties.geojson", actor=None))
            summary.update(load_region_facts(actor=None))
    return summary
