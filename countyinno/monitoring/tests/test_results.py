import io
import zipfile

import pandas as pd
import pytest
from openpyxl import load_workbook

from countyinno.engines.composite.cli import main as index_cli
from countyinno.monitoring import decisions
from countyinno.monitoring.models import IndexResult, IndexRun


def test_run_stores_reproducible_results(run):
    run.refresh_from_db()
    assert run.status == IndexRun.Status.SUCCEEDED, run.error
    assert run.years == [2023, 2024] and len(run.input_hash) == 64 and run.code_version.startswith("countyinno")
    results = IndexResult.objects.filter(run=run, year=2024)
    assert results.count() == 135  # 370103 not approved yet
    assert sorted(results.values_list("rank", flat=True)) == list(range(1, 136))
    top = results.get(rank=1)
    assert set(top.scores) == {"D1", "D2", "D3", "D4", "D5"} and len(top.values) == 25
    assert top.rank_p05 <= top.rank_median <= top.rank_p95
    assert IndexResult.objects.filter(run=run, year=2024).exclude(rank_change=None).count() == 135


def test_page_ranking_equals_the_cli_on_the_runs_inputs(run, world, client, tmp_path):
    client.force_login(world.users["province"])
    bundle = client.get(f"/monitoring/runs/{run.pk}/inputs.zip")
    assert bundle.status_code == 200
    zipfile.ZipFile(io.BytesIO(bundle.content)).extractall(tmp_path)
    assert index_cli(["run", "--meta", str(tmp_path / "iMeta.csv"), "--data", str(tmp_path / "iData.csv"),
                      "--config", str(tmp_path / "pipeline.yaml"), "--out", str(tmp_path / "out"), "--quiet"]) == 0
    cli = pd.read_csv(tmp_path / "out" / "results.csv", dtype={"uCode": str})
    cli = cli[cli["Time"] == 2024].sort_values("CII_rank")
    import re

    page_rows = []
    for number in (1, 2, 3):  # the ranking table is paged, 50 rows a page
        page = client.get(f"/monitoring/runs/{run.pk}/", {"page": number}).content.decode()
        table = page.split('id="ranking-table"')[1].split("</table>")[0]
        page_rows += re.findall(r'data-code="(\d+)"[^>]*>\s*<td class="rank">(\d+)</td>.*?<td class="index">([\d.]+)</td>',
                                table, re.S)
    assert len(page_rows) == 135
    assert [code for code, _, _ in page_rows] == list(cli["uCode"])
    assert [int(rank) for _, rank, _ in page_rows] == list(cli["CII_rank"])
    assert [float(i) for _, _, i in page_rows] == pytest.approx(list(cli["CII"].round(2)), abs=0.006)


def test_results_are_scoped_until_the_run_is_published(run, world, client, api_client):
    from countyinno.monitoring import indexing

    objects = {key: IndexResult.objects.get(run=run, year=2023, region__code=code) for key, code in world.COUNTIES.items()}
    world.assert_scoping(IndexResult, objects)
    world.assert_urls_scoped(api_client, lambda r: f"/api/monitoring/results/{r.pk}/", objects)
    # Before publication only the province (which reviews the run) opens it.
    for who, status in (("province", 200), ("city_ab", 404), ("county_a", 404), ("member_a", 404)):
        client.force_login(world.users[who])
        assert client.get(f"/monitoring/runs/{run.pk}/counties/370102/").status_code == status, who
        assert client.get(f"/monitoring/runs/{run.pk}/export.xlsx").status_code == status, who
    indexing.publish_index_run(actor=world.users["province"], run=run)
    # Published: province-wide information for every official of the province, pages, map, export and API.
    client.force_login(world.users["city_ab"])
    workbook = load_workbook(io.BytesIO(client.get(f"/monitoring/runs/{run.pk}/export.xlsx").content))
    codes = {row[1] for row in workbook.active.iter_rows(min_row=2, values_only=True)}
    assert len(codes) == 136 and any(code.startswith("3702") for code in codes)
    data = client.get(f"/monitoring/runs/{run.pk}/map.json").json()
    assert len(data["counties"]) == 135
    page = client.get(f"/monitoring/runs/{run.pk}/", {"city": "370200"}).content.decode()
    assert "市南区" in page.split('id="ranking-table"')[1]
    for who in ("county_a", "county_c", "city_c"):
        world_user = world.users[who]
        client.force_login(world_user)
        assert client.get(f"/monitoring/runs/{run.pk}/counties/370102/").status_code == 200, who
        api_client.force_authenticate(world_user)
        assert api_client.get(f"/api/monitoring/results/{objects['b'].pk}/").status_code == 200, who
    # People who are not officials still see nothing; the raw inputs remain the province's.
    client.force_login(world.users["member_a"])
    assert client.get(f"/monitoring/runs/{run.pk}/").status_code == 404
    api_client.force_authenticate(world.users["member_a"])
    assert api_client.get(f"/api/monitoring/results/{objects['a'].pk}/").status_code == 404
    client.force_login(world.users["city_ab"])
    assert client.get(f"/monitoring/runs/{run.pk}/inputs.zip").status_code == 403


def test_pdf_report_renders_chinese_text(run, world, client):
    from pypdf import PdfReader

    client.force_login(world.users["province"])
    response = client.post(f"/monitoring/runs/{run.pk}/report/")
    assert response.status_code == 302
    pdf = client.get(f"/monitoring/runs/{run.pk}/report.pdf")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(b"".join(pdf.streaming_content)))
    text = "".join(page.extract_text() for page in reader.pages)
    assert "县域创新能力监测报告" in text and "山东省科学技术厅" in text and "历下区" in text and "各市概况" in text
    assert "主要发现" in text and "数据来源" in text
    fonts = {str(f.get_object().get("/BaseFont")) for page in reader.pages
             for f in (page["/Resources"].get("/Font") or {}).values()}
    assert any("CJK" in font for font in fonts)  # the Chinese font is embedded
    # Another scope's user cannot fetch this file (the run is not published: a county does not see it).
    client.force_login(world.users["county_c"])
    assert client.get(f"/monitoring/runs/{run.pk}/report.pdf").status_code == 404


def test_county_profile_and_decisions_pages(run, world, client):
    client.force_login(world.users["province"])
    profile = client.get(f"/monitoring/runs/{run.pk}/counties/370102/").content.decode()
    assert "历下区" in profile and "profile-data" in profile
    page = client.get(f"/monitoring/runs/{run.pk}/decisions/", {"budget": 10000, "rule": "group_weights",
                                                                 "weight_leading": 3, "weight_above": 2,
                                                                 "weight_average": 1, "weight_lagging": 0,
                                                                 "candidate_max_rank": 40})
    assert page.status_code == 200 and "allocation-table" in page.content.decode()
    xlsx = client.get(f"/monitoring/runs/{run.pk}/decisions/", {"budget": 10000, "rule": "top_n", "top_n": 10,
                                                                 "format": "xlsx"})
    rows = list(load_workbook(io.BytesIO(xlsx.content)).active.iter_rows(min_row=2, values_only=True))
    assert sum(r[7] for r in rows) == 10000 and sum(1 for r in rows if r[7]) == 10


def scores():
    return [decisions.CountyScore(f"C{i}", f"县{i}", "县" if i % 2 else "市辖区", 100 - i * 7, i + 1,
                                  ["领先", "较好", "一般", "落后"][min(i // 3, 3)], rank_change=i - 4)
            for i in range(10)]


def test_allocation_rules_add_up_exactly():
    for rule, kwargs in (("top_n", {"top_n": 3}), ("score", {"floor": 40}),
                         ("group_weights", {"group_weights": {"领先": 3, "较好": 2, "一般": 1, "落后": 0}})):
        out = decisions.allocate(scores(), 1000, rule, **kwargs)
        assert sum(a["amount"] for a in out) == 1000, rule
    top = decisions.allocate(scores(), 1000, "top_n", top_n=3, unit=1)
    assert [a["amount"] for a in top[:4]] == [334, 333, 333, 0]
    cents = decisions.allocate(scores(), 1000, "top_n", top_n=3)
    assert [str(a["amount"]) for a in cents[:3]] == ["333.34", "333.33", "333.33"]
    assert sum(a["share"] for a in cents) == 100
    with pytest.raises(decisions.DecisionError):
        decisions.allocate(scores(), 1000, "group_weights", group_weights={"领先": 1})
    with pytest.raises(decisions.DecisionError):
        decisions.allocate(scores(), -1, "top_n")


def test_innovative_county_candidates_exclude_districts_by_default():
    found = decisions.innovative_county_candidates(scores(), max_rank=8, min_rank_gain=0)
    assert [s.code for s in found] == ["C5", "C7"]
