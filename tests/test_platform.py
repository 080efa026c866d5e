import os
import subprocess
import sys

import pytest
from django.test import override_settings

from countyinno.core import jobs
from countyinno.core.models import Job


def test_sync_job_reports_progress_and_result(world):
    job = jobs.submit("core.selfcheck", {"steps": 4}, user=world.users["county_a"], backend="sync")
    assert job.status == Job.Status.SUCCEEDED and job.progress == 1.0
    assert job.result["steps"] == 4 and job.attempts == 1
    assert job.started_at and job.finished_at


def test_failed_job_keeps_its_reason(world):
    job = jobs.submit("core.selfcheck", {"fail": True}, user=world.users["county_a"], backend="sync")
    assert job.status == Job.Status.FAILED and "failing as asked" in job.error


def test_unknown_job_kind_is_refused(db):
    with pytest.raises(KeyError):
        jobs.submit("no.such.job", {})
    assert Job.objects.count() == 0


@pytest.mark.django_db(transaction=True)
def test_thread_backend_runs_in_the_background(shandong):
    import time

    job = jobs.submit("core.selfcheck", {"steps": 2}, backend="thread")
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        job.refresh_from_db()
        if job.is_finished:
            break
        time.sleep(0.05)
    assert job.status == Job.Status.SUCCEEDED, job.error


def test_jobs_are_scoped_and_visible_in_ui_and_api(world, client, api_client):
    job_a = jobs.submit("core.selfcheck", {}, user=world.users["county_a"], region=world.county_a, backend="sync")
    job_c = jobs.submit("core.selfcheck", {}, user=world.users["county_c"], region=world.county_c, backend="sync")
    world.assert_scoping(Job, {"a": job_a, "c": job_c})
    world.assert_urls_scoped(client, lambda j: f"/jobs/{j.pk}/", {"a": job_a, "c": job_c})
    api_client.force_authenticate(world.users["county_a"])
    data = api_client.get(f"/api/jobs/{job_a.pk}/").json()
    assert data["status"] == "succeeded" and data["progress"] == 1.0


def test_api_schema_and_docs_are_served_offline(world, client):
    client.force_login(world.users["province"])
    schema = client.get("/api/schema/")
    assert schema.status_code == 200 and b"/api/regions/" in schema.content
    docs = client.get("/api/docs/").content.decode()
    assert "swagger" in docs.lower() and "http://" not in docs.replace("http://127", "").split("<body")[0]


def test_anonymous_api_is_refused_in_both_languages(db, api_client):
    response = api_client.get("/api/organisations/")
    assert response.status_code in (401, 403)
    assert " / " in response.json()["detail"]


def test_language_switch_to_english(world, client):
    client.force_login(world.users["county_a"])
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    page = client.get("/").content.decode()
    assert 'lang="en"' in page and "County map of Shandong" in page


def test_debug_off_refuses_the_default_secret_key(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("SECRET_KEY", "SECRET_KEY_FILE", "DEBUG")}
    env.update(DEBUG="0", DJANGO_SETTINGS_MODULE="countyinno.settings.base", COUNTYINNO_VAR_DIR=str(tmp_path))
    result = subprocess.run([sys.executable, "-c", "import django; django.setup()"], env=env,
                            capture_output=True, text=True)
    assert result.returncode != 0 and "SECRET_KEY" in result.stderr
    env["SECRET_KEY"] = "a-real-production-secret-" + "x" * 40
    ok = subprocess.run([sys.executable, "-c", "import django; django.setup()"], env=env, capture_output=True, text=True)
    assert ok.returncode == 0, ok.stderr


def test_audit_page_filters(world, client):
    from countyinno.accounts import services

    services.create_organisation(actor=world.users["county_a"], name="页面审计企业", kind="enterprise",
                                 region=world.county_a)
    client.force_login(world.users["county_a"])
    page = client.get("/audit/", {"action": "create", "q": "页面审计"}).content.decode()
    assert "页面审计企业" in page
    client.force_login(world.users["county_b"])
    assert "页面审计企业" not in client.get("/audit/").content.decode()


@override_settings(JOB_BACKEND="sync")
def test_demo_is_deterministic_and_idempotent(shandong):
    from countyinno.accounts.models import Organisation, User
    from countyinno.core.demo import build_demo

    first = build_demo(seed=7, scale=0.2, log=lambda *_: None)
    names = set(Organisation.objects.values_list("name", "credit_code"))
    second = build_demo(seed=7, scale=0.2, log=lambda *_: None)
    assert second["accounts"]["organisations_created"] == 0 and second["accounts"]["users_created"] == 0
    assert set(Organisation.objects.values_list("name", "credit_code")) == names
    assert first["enterprises"]["enterprises"] == Organisation.objects.filter(kind="enterprise").count()
    for username in ("province-37", "city-370100", "county-370102", "county-371681", "enterprise-370102"):
        assert User.objects.filter(username=username).exists(), username
    assert User.objects.get(username="county-370102").check_password("CountyInno@2026")


def test_the_admin_site_is_for_superusers_only(shandong, client):
    """Officials manage through the platform's own pages; the demo makes no staff accounts."""
    from countyinno.core.demo import build_demo

    build_demo(seed=3, scale=0.1, log=lambda *_: None)
    from countyinno.accounts.models import User

    assert not User.objects.filter(is_staff=True, is_superuser=False).exists()
    for username in ("province-37", "county-370102"):
        client.force_login(User.objects.get(username=username))
        assert client.get("/admin/accounts/organisation/").status_code in (302, 403)
    assert client.get("/accounts/users/").status_code in (200, 403)
