"""The one write path in monitoring: audited bulk effects, predicates, refusals, exports, and the
background HTML report."""

import ast
import io
from pathlib import Path

import pytest
from django.contrib.contenttypes.models import ContentType

from countyinno.core import audit, jobs
from countyinno.core.models import AuditLogEntry, Job
from countyinno.monitoring import reports, services
from countyinno.monitoring.models import (CountySubmission, IndexResult, IndexRun, IndicatorFramework, ReviewComment,
                                          SubmissionValue)

from .conftest import open_campaign


def entries_for(model, **filters):
    return AuditLogEntry.objects.filter(content_type=ContentType.objects.get_for_model(model), **filters)


def good_values(campaign):
    return {n.code: n.min_value + (n.max_value - n.min_value) * 0.3 for n in campaign.framework.indicators()}


# ------------------------------------------------------------------ audited bulk effects
def test_opening_a_campaign_audits_every_county_submission(world, framework):
    province = world.users["province"]
    campaign = open_campaign(world, framework, 2024)
    submissions = set(campaign.submissions.values_list("pk", flat=True))
    assert len(submissions) == 136
    created = entries_for(CountySubmission, action="create")
    assert {int(pk) for pk in created.values_list("object_id", flat=True)} == submissions
    assert created.count() == 136  # one entry each, none twice
    assert set(created.values_list("operation", flat=True)) == {"monitoring.open_campaign"}
    assert set(created.values_list("actor", flat=True)) == {province.pk}
    # Each entry is scoped like its submission, so a county admin sees its own in the audit log.
    county_a = campaign.submissions.get(region=world.county_a)
    assert created.get(object_id=str(county_a.pk)).region_id == world.county_a.pk


def test_index_run_status_changes_and_results_are_audited(run, world):
    province = world.users["province"]
    states = entries_for(IndexRun, action="state", object_id=str(run.pk)).order_by("id")
    assert [(e.before["state"], e.after["state"], e.operation) for e in states] == [
        ("queued", "running", "monitoring.begin_index_run"),
        ("running", "succeeded", "monitoring.complete_index_run")]
    assert all(e.actor_id == province.pk for e in states)
    results = IndexResult.objects.filter(run=run)
    created = entries_for(IndexResult, action="create", object_id__in=[str(pk) for pk in results.values_list("pk", flat=True)])
    assert created.count() == results.count() > 0
    assert set(created.values_list("operation", flat=True)) == {"monitoring.complete_index_run"}
    assert entries_for(IndexRun, action="create", object_id=str(run.pk), operation="monitoring.start_index_run",
                       actor=province).exists()


def test_a_failed_index_run_is_recorded(world, framework):
    campaign = open_campaign(world, framework, 2024)
    with audit.system("test fixture"):
        broken = IndexRun.objects.create(campaign=campaign, config={}, input_meta=[], input_data=[])
    job = jobs.submit("monitoring.index_run", {"run_id": broken.pk}, user=world.users["province"], backend="sync")
    broken.refresh_from_db()
    assert job.status == Job.Status.FAILED and broken.status == IndexRun.Status.FAILED and broken.error
    failed = entries_for(IndexRun, action="state", object_id=str(broken.pk), operation="monitoring.fail_index_run")
    assert failed.get().after == {"state": "failed"}


def test_review_comments_are_audited(world, framework):
    campaign = open_campaign(world, framework, 2024)
    submission = campaign.submissions.get(region=world.county_a)
    services.save_values(actor=world.users["county_a"], submission=submission, values=good_values(campaign))
    services.transition(actor=world.users["county_a"], submission=submission, action="submit")
    comment = ReviewComment.objects.get(submission=submission)
    entry = entries_for(ReviewComment, action="create", object_id=str(comment.pk)).get()
    assert entry.operation == "monitoring.submit_submission" and entry.actor == world.users["county_a"]
    assert entry.region_id == world.county_a.pk


def test_revision_bump_is_audited_with_the_values(world, framework):
    campaign = open_campaign(world, framework, 2024)
    submission = campaign.submissions.get(region=world.county_a)
    services.save_values(actor=world.users["county_a"], submission=submission, values={"RD_GDP": 2.0},
                         expected_revision=0)
    bump = entries_for(CountySubmission, action="update", object_id=str(submission.pk)).get()
    assert bump.changes["revision"] == [0, 1] and bump.operation == "monitoring.save_values"
    value = entries_for(SubmissionValue, action="create", operation="monitoring.save_values").get()
    assert value.after["value"] == 2.0 and value.actor == world.users["county_a"]


# ------------------------------------------------------------------ predicates
def test_province_admins_may_change_frameworks_and_no_one_else(world, framework):
    draft = services.create_framework(actor=world.users["province"], code="D", name="草稿",
                                      rows=services.default_framework_rows())
    both = {framework.pk, draft.pk}
    assert set(IndicatorFramework.objects.restrict(world.users["province"], "change").values_list("pk", flat=True)) == both
    for who in ("city_ab", "county_a", "member_a", "talent_a"):
        assert not IndicatorFramework.objects.restrict(world.users[who], "change").exists(), who
        # … while every signed-in user may read them (province-wide reference data).
        assert set(IndicatorFramework.objects.restrict(world.users[who]).values_list("pk", flat=True)) == both


def test_refused_steps_are_audited_and_change_nothing(world, framework, client, api_client):
    campaign = open_campaign(world, framework, 2024)
    submission = campaign.submissions.get(region=world.county_a)
    services.save_values(actor=world.users["county_a"], submission=submission, values=good_values(campaign))
    # The county admin sees its submission but may not approve it for the city: the page says so.
    client.force_login(world.users["county_a"])
    services.transition(actor=world.users["county_a"], submission=submission, action="submit")
    response = client.post(f"/monitoring/submissions/{submission.pk}/city_approve/", follow=True)
    assert "无权执行该操作 / you may not do this" in response.content.decode()
    submission.refresh_from_db()
    assert submission.status == "submitted"
    denied = AuditLogEntry.objects.get(action="denied", operation="monitoring.city_approve_submission")
    assert denied.actor == world.users["county_a"] and denied.object_id == str(submission.pk)
    # Outside the user's scope it does not exist.
    client.force_login(world.users["county_c"])
    assert client.post(f"/monitoring/submissions/{submission.pk}/city_approve/").status_code == 404
    # The API: 403 for a visible submission the city may not edit, 404 for another city's admin.
    api_client.force_authenticate(world.users["city_ab"])
    refused = api_client.post(f"/api/monitoring/submissions/{submission.pk}/values_update/",
                              {"revision": 1, "values": {"RD_GDP": 9.0}}, format="json")
    assert refused.status_code == 403
    api_client.force_authenticate(world.users["county_a"])
    refused = api_client.post(f"/api/monitoring/submissions/{submission.pk}/transition/",
                              {"action": "province_approve"}, format="json")
    assert refused.status_code == 403 and "you may not do this" in refused.content.decode()
    assert submission.values.get(node__code="RD_GDP").value != 9.0


def test_pages_show_only_the_buttons_the_predicates_allow(world, framework, client):
    draft = services.create_framework(actor=world.users["province"], code="D", name="草稿",
                                      rows=services.default_framework_rows())
    client.force_login(world.users["province"])
    home = client.get("/monitoring/").content.decode()
    assert 'id="campaign-form"' in home and "frameworks/import/" in home
    assert "/frameworks/%d/publish/" % draft.pk in client.get(f"/monitoring/frameworks/{draft.pk}/").content.decode()
    client.force_login(world.users["county_a"])
    home = client.get("/monitoring/").content.decode()
    assert 'id="campaign-form"' not in home and "frameworks/import/" not in home
    page = client.get(f"/monitoring/frameworks/{draft.pk}/").content.decode()
    assert "/publish/" not in page and 'name="weight"' not in page
    assert client.post(f"/monitoring/frameworks/{draft.pk}/publish/").status_code == 302
    draft.refresh_from_db()
    assert draft.status == "draft"
    assert AuditLogEntry.objects.filter(action="denied", operation="monitoring.publish_framework",
                                        actor=world.users["county_a"]).exists()


# ------------------------------------------------------------------ exports
def test_exporting_a_ranking_is_recorded(run, world, client):
    from countyinno.monitoring import indexing

    indexing.publish_index_run(actor=world.users["province"], run=run)
    client.force_login(world.users["city_ab"])
    response = client.get(f"/monitoring/runs/{run.pk}/export.xlsx", {"year": 2024})
    assert response.status_code == 200
    export = AuditLogEntry.objects.get(action="export", actor=world.users["city_ab"])
    published = IndexResult.objects.filter(run=run, year=2024).count()  # province-wide once published
    assert export.after["filters"] == {"run": run.pk, "campaign_year": 2024, "year": 2024}
    assert export.after["rows"] == published == 135 and export.after["format"] == "xlsx"
    assert export.content_type.model == "indexresult" and export.region_id == world.city_ab.pk
    assert str(published) in export.comment


def test_other_downloads_are_recorded(run, world, client):
    client.force_login(world.users["province"])
    assert client.get(f"/monitoring/runs/{run.pk}/inputs.zip").status_code == 200
    inputs = AuditLogEntry.objects.get(action="export", after__format="zip")
    assert inputs.after["filters"] == {"run": run.pk} and inputs.after["rows"] == len(run.input_data)
    submission = CountySubmission.objects.get(campaign=run.campaign, region=world.county_a)
    client.force_login(world.users["county_a"])
    assert client.get(f"/monitoring/submissions/{submission.pk}/template.xlsx").status_code == 200
    template = AuditLogEntry.objects.get(action="export", actor=world.users["county_a"])
    assert template.after["filters"]["submission"] == submission.pk and template.after["rows"] == 25


# ------------------------------------------------------------------ the HTML report, rendered by a job
def test_html_report_is_rendered_by_a_job_and_served_from_storage(run, world, client, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    settings.JOB_BACKEND = "thread"  # the job starts after the request's transaction: here, never by itself
    province = world.users["province"]
    client.force_login(province)
    url = f"/monitoring/runs/{run.pk}/report.html"

    first = client.get(url)
    assert first.status_code == 202
    page = first.content.decode()
    assert "正在生成" in page and "being generated" in page
    job = Job.objects.get(kind="monitoring.report_html")
    assert f"/jobs/{job.pk}/" in page and job.status == Job.Status.QUEUED
    assert job.params == {"run_id": run.pk, "user_id": province.pk, "scope": "all"}
    assert not reports.html_path(run, province).exists()  # the request rendered nothing
    # Asking again while it is under way submits nothing new.
    assert client.get(url).status_code == 202 and Job.objects.filter(kind="monitoring.report_html").count() == 1

    jobs.execute(job.pk)
    job.refresh_from_db()
    assert job.status == Job.Status.SUCCEEDED and job.result["next_url"] == url
    stored = reports.html_path(run, province)
    assert stored.exists() and "县域创新能力监测报告" in stored.read_text(encoding="utf-8")

    # From now on the request serves the stored file (marked here to prove it is not re-rendered).
    stored.write_text(stored.read_text(encoding="utf-8") + "<!-- stored-copy -->", encoding="utf-8")
    served = client.get(url)
    assert served.status_code == 200 and "<!-- stored-copy -->" in served.content.decode()
    assert "历下区" in served.content.decode()
    assert AuditLogEntry.objects.filter(action="export", actor=province, after__format="html").count() == 1

    # Before publication a county does not see the run; once published, every official shares the
    # province-wide report (the same stored file, no second rendering).
    client.force_login(world.users["county_c"])
    assert client.get(url).status_code == 404
    from countyinno.monitoring import indexing

    indexing.publish_index_run(actor=province, run=run)
    shared = client.get(url)
    assert shared.status_code == 200 and "stored-copy" in shared.content.decode() and "市南区" in shared.content.decode()
    assert Job.objects.filter(kind="monitoring.report_html").count() == 1


def test_report_pdf_job_reuses_the_stored_html(run, world, client, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    province = world.users["province"]
    reports.store_html(run, province, reports.render_html(run, province).replace("各市概况", "各市概况（缓存）"))
    client.force_login(province)
    assert client.post(f"/monitoring/runs/{run.pk}/report/").status_code == 302  # the sync backend in tests
    pdf = client.get(f"/monitoring/runs/{run.pk}/report.pdf")
    assert pdf.status_code == 200
    from pypdf import PdfReader

    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(b"".join(pdf.streaming_content))).pages)
    assert "缓存" in text
    assert AuditLogEntry.objects.filter(action="export", actor=province, after__format="pdf").exists()


# ------------------------------------------------------------------ structure
APP = Path(__file__).resolve().parent.parent
PACKAGE = "countyinno.monitoring"


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(APP).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join([PACKAGE, *parts])


def _imports(path: Path, modules: set[str], name: str | None = None) -> set[str]:
    """Every module of the app that `path` imports, at the top or inside a function."""
    name = name or _module_name(path)
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                source = f"{base}.{node.module}" if node.module else base
            else:
                source = node.module or ""
            targets = [source] + [f"{source}.{alias.name}" for alias in node.names]
        else:
            continue
        found |= {t for t in targets if t in modules and t != PACKAGE}
    return found - {name}


def test_no_import_cycle_inside_the_app():
    files = [p for p in APP.rglob("*.py") if "migrations" not in p.parts]
    modules = {_module_name(p) for p in files}
    graph = {_module_name(p): _imports(p, modules) for p in files}
    cycles = []

    def visit(node, path, on_path, done):
        for nxt in sorted(graph.get(node, ())):
            if nxt in on_path:
                cycles.append(path[path.index(nxt):] + [nxt])
            elif nxt not in done:
                on_path.add(nxt)
                visit(nxt, path + [nxt], on_path, done)
                on_path.discard(nxt)
        done.add(node)

    done: set[str] = set()
    for start in sorted(graph):
        if start not in done:
            visit(start, [start], {start}, done)
    assert not cycles, "import cycles inside monitoring:\n" + "\n".join(" → ".join(c) for c in cycles)
    # The edges this test guards: reports no longer reaches into views, nor indexing into services.
    assert "countyinno.monitoring.views" not in graph["countyinno.monitoring.reports"]
    assert "countyinno.monitoring.services" not in graph["countyinno.monitoring.indexing"]
    assert "countyinno.monitoring.jobs" not in set().union(*graph.values())


def test_the_cycle_check_sees_function_level_imports(tmp_path):
    source = tmp_path / "reports.py"
    source.write_text("from . import results\n\n\ndef f():\n    from .views import city_summaries\n"
                      "    from countyinno.monitoring import services\n", encoding="utf-8")
    modules = {f"{PACKAGE}.{m}" for m in ("reports", "results", "views", "services")}
    assert _imports(source, modules, name=f"{PACKAGE}.reports") == {f"{PACKAGE}.{m}" for m in ("results", "views",
                                                                                                "services")}


def test_results_and_review_comments_refuse_raw_bulk_writes():
    with pytest.raises(audit.UnauditedWrite):
        IndexResult.objects.filter(pk__in=[]).update(rank=1)
    with pytest.raises(audit.UnauditedWrite):
        ReviewComment.objects.bulk_create([])
