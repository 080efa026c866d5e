import csv
import json

import pytest
from django.core.management import call_command

from countyinno.core import audit
from countyinno.core.actions import ActionRefused
from countyinno.core.errors import ImportFailed
from countyinno.core.models import AuditLogEntry
from countyinno.regions import services
from countyinno.regions.models import Region, RegionBoundary

FIXTURE = services.DATA_DIR / "shandong_counties.csv"


def fixture_rows():
    with open(FIXTURE, encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def test_import_matches_reference_fixture(shandong):
    rows = fixture_rows()
    assert len(rows) == 136
    counties = {r.code: r for r in Region.objects.filter(level="county").select_related("city", "province")}
    assert len(counties) == 136
    for row in rows:
        county = counties[row["county_code"]]
        assert county.name == row["county_name"]
        assert county.county_type == row["county_type"]
        assert county.city.code == row["city_code"] and county.city.name == row["city_name"]
        assert county.parent_id == county.city_id
        assert county.province.code == "370000"
    cities = Region.objects.filter(level="city")
    assert cities.count() == 16
    assert {c.code for c in cities} == {r["city_code"] for r in rows}
    assert not Region.objects.filter(code="371200").exists()  # 莱芜 merged into 济南 in 2019
    assert Region.objects.get(code="370116").name == "莱芜区"


def test_county_types_and_denormalised_ancestors(shandong):
    assert Region.objects.filter(level="county", county_type="市辖区").count() == 58
    assert Region.objects.filter(level="county", county_type="县级市").count() == 26
    assert Region.objects.filter(level="county", county_type="县").count() == 52
    for city in Region.objects.filter(level="city"):
        assert city.city_id == city.pk and city.province == shandong


def test_second_load_is_idempotent(shandong):
    before = Region.objects.count()
    with audit.system("test reload"):
        summary = services.load_regions("37", actor=None)
    assert summary["counties_kept"] == 136 and "counties_created" not in summary
    assert Region.objects.count() == before


def test_boundaries_and_facts_loaded(shandong):
    assert RegionBoundary.objects.count() == 136
    boundary = RegionBoundary.objects.get(region__code="370114")
    assert boundary.geometry["type"] in ("Polygon", "MultiPolygon")
    shouguang = Region.objects.get(code="370783")
    population = shouguang.profile["facts"]["resident_population"]
    assert population["year"] == 2020 and population["value"] == pytest.approx(116.3364)
    assert "census" in population["source"]


def test_another_province_loads_from_its_own_file(db, tmp_path):
    path = tmp_path / "32_counties.csv"
    path.write_text("county_code,county_name,county_type,city_code,city_name\n"
                    "320102,玄武区,市辖区,320100,南京市\n320281,江阴市,县级市,320200,无锡市\n", encoding="utf-8")
    with audit.system("test load"):
        summary = services.load_regions("32", path, actor=None)
    assert summary["counties"] == 2 and summary["cities"] == 2
    assert Region.objects.get(code="320000").name == "江苏省"
    assert Region.objects.get(code="320281").city.name == "无锡市"


def test_bad_county_file_names_rows_and_fields_and_saves_nothing(db, tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("county_code,county_name,county_type,city_code,city_name\n"
                    "320102,玄武区,市辖区,320100,南京市\n"
                    "32010X,秦淮区,区,320100,南京市\n"
                    "320102,重复,县,320100,南京市\n", encoding="utf-8")
    with pytest.raises(ImportFailed) as info, audit.system("test load"):
        services.load_regions("32", path, actor=None)
    problems = {(e.row, e.field) for e in info.value.errors}
    assert (3, "county_code") in problems and (3, "county_type") in problems and (4, "county_code") in problems
    assert all(" / " in e.message for e in info.value.errors)  # Chinese and English
    assert not Region.objects.filter(code__startswith="32").exists()


def test_boundary_loader_reads_any_keyed_file_and_rejects_unknown_codes(shandong, tmp_path):
    square = {"type": "Polygon", "coordinates": [[[117, 36], [117.1, 36], [117.1, 36.1], [117, 36]]]}
    good = tmp_path / "b.geojson"
    good.write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"county_code": "370102"}, "geometry": square}]}))
    with audit.system("test load"):
        assert services.load_boundaries(good, source="test", actor=None) == {"boundaries": 1}
    assert RegionBoundary.objects.get(region__code="370102").source == "test"
    bad = tmp_path / "bad.geojson"
    bad.write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"adcode": "379999"}, "geometry": square}]}))
    with pytest.raises(ImportFailed) as info, audit.system("test load"):
        services.load_boundaries(bad, actor=None)
    assert "379999" in str(info.value)


def test_api_lists_the_136_counties(shandong, api_client, world):
    api_client.force_authenticate(world.users["county_c"])
    response = api_client.get("/api/regions/", {"province": "37", "level": "county", "page_size": 200})
    assert response.status_code == 200
    data = response.json()
    assert data["count"] == 136
    assert {r["code"] for r in data["results"]} == {row["county_code"] for row in fixture_rows()}


def test_public_boundaries_endpoint(shandong, client):
    data = client.get("/map/boundaries.geojson", {"province": "37"}).json()
    assert len(data["features"]) == 136
    assert {f["properties"]["code"] for f in data["features"]} == {row["county_code"] for row in fixture_rows()}


def test_region_pages(shandong, client, world):
    client.force_login(world.users["county_a"])
    page = client.get("/regions/", {"city": "370200"})
    table = page.content.decode().split("region-table")[1]
    assert page.status_code == 200 and "市南区" in table and "历下区" not in table
    detail = client.get("/regions/370783/").content.decode()
    assert "寿光市" in detail and "116.3364" in detail


def test_region_page_counts_the_organisations_the_user_may_see(shandong, client, world):
    """The counts come from accounts through regions/panels.py, scoped like the organisation list."""
    client.force_login(world.users["county_a"])
    html = client.get("/regions/370102/").content.decode()
    counts = html.split("<h2>机构</h2>")[1].split("</section>")[0]
    assert "企业 enterprise</dt><dd>2<" in counts and "科技管理部门 S&amp;T bureau</dt><dd>1<" in counts
    client.force_login(world.users["member_a"])  # a member sees its own firm only
    counts = client.get("/regions/370102/").content.decode().split("<h2>机构</h2>")[1].split("</section>")[0]
    assert "企业 enterprise</dt><dd>1<" in counts and "bureau" not in counts


def test_loading_is_platform_work(shandong, world, tmp_path):
    path = tmp_path / "32_counties.csv"
    path.write_text("county_code,county_name,county_type,city_code,city_name\n320102,玄武区,市辖区,320100,南京市\n",
                    encoding="utf-8")
    with pytest.raises(ActionRefused):
        services.load_regions("32", path, actor=None)  # no user and no system() reason
    with pytest.raises(ActionRefused):
        services.load_regions("32", path, actor=world.users["province"])
    assert AuditLogEntry.objects.filter(action="denied", operation="regions.load_regions",
                                        actor=world.users["province"]).count() == 1
    assert not Region.objects.filter(code__startswith="32").exists()


def test_load_regions_command_runs_as_audited_system_work(shandong, tmp_path):
    csv_path = tmp_path / "32_counties.csv"
    csv_path.write_text("county_code,county_name,county_type,city_code,city_name\n"
                        "320102,玄武区,市辖区,320100,南京市\n", encoding="utf-8")
    square = {"type": "Polygon", "coordinates": [[[118, 32], [118.1, 32], [118.1, 32.1], [118, 32]]]}
    geo_path = tmp_path / "32.geojson"
    geo_path.write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"adcode": "320102"}, "geometry": square}]}))
    call_command("load_regions", "--province", "32", "--csv", str(csv_path), "--boundaries", str(geo_path),
                 stdout=open("/dev/null", "w"))
    xuanwu = Region.objects.get(code="320102")
    created = AuditLogEntry.objects.get(content_type__model="region", object_id=str(xuanwu.pk), action="create")
    assert created.actor is None and created.actor_name == "system:load_regions"
    assert created.operation == "regions.load_regions" and created.region_id == xuanwu.pk
    boundary = AuditLogEntry.objects.get(content_type__model="regionboundary", action="create",
                                         object_id=str(xuanwu.boundary.pk))
    assert boundary.operation == "regions.load_boundaries" and boundary.region_id == xuanwu.pk
    assert boundary.after["geometry"] == square and boundary.after["source"] == str(geo_path)


def test_the_admin_site_is_for_superusers_only(shandong, world, client):
    """Region admins manage through the platform's own pages; Django's admin site is for superusers."""
    from django.contrib.auth.models import Permission

    province = world.users["province"]
    province.is_staff = True
    province.save()
    province.user_permissions.add(*Permission.objects.filter(content_type__app_label="regions"))
    client.force_login(province)
    licheng = Region.objects.get(code="370102")
    assert client.get(f"/admin/regions/region/{licheng.pk}/change/").status_code in (302, 403)
    client.post(f"/admin/regions/region/{licheng.pk}/change/", {"code": "370102", "name": "改名区", "level": "county",
                                                               "county_type": "市辖区", "_save": "1"})
    assert Region.objects.get(pk=licheng.pk).name == "历下区"
