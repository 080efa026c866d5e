import datetime
import json
import os
import subprocess
import sys
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import override_settings
from django.utils import timezone

from countyinno.accounts.models import User
from countyinno.core.models import AuditLogEntry

PASSWORD = "CountyInno@2026"


def test_lockout_after_repeated_failures(world, client):
    for _ in range(5):
        response = client.post("/login/", {"username": "t-county-370102", "password": "wrong"})
    assert "锁定" in response.content.decode() or "attempt(s) left" in response.content.decode()
    locked = client.post("/login/", {"username": "t-county-370102", "password": PASSWORD})
    assert locked.status_code == 200 and "locked" in locked.content.decode()  # right password, still locked
    assert AuditLogEntry.objects.filter(action="login", comment__contains="failed").count() >= 5


def test_api_token_lockout(world, api_client):
    for _ in range(5):
        api_client.post("/api/auth/token/", {"username": "t-member-a", "password": "nope"}, format="json")
    response = api_client.post("/api/auth/token/", {"username": "t-member-a", "password": PASSWORD}, format="json")
    assert response.status_code in (401, 403) and " / " in response.json()["detail"]


def test_password_policy_classes_history_and_expiry(world, client):
    from django.contrib.auth.password_validation import validate_password
    from django.core.exceptions import ValidationError

    user = world.users["member_a"]
    with pytest.raises(ValidationError) as info:
        validate_password("alllowercaseletters", user)
    assert any("at least 3" in m for m in info.value.messages)
    user.set_password("First-Pass-2026")
    user.save()
    user.set_password("Second-Pass-2026")
    user.save()
    with pytest.raises(ValidationError) as info:
        validate_password("First-Pass-2026", user)
    assert any("last 5" in m for m in info.value.messages)
    from countyinno.core import audit

    with audit.system("test: an old password"), audit.bulk("test: an old password"):
        User.objects.filter(pk=user.pk).update(password_changed_at=timezone.now() - datetime.timedelta(days=120))
    client.force_login(User.objects.get(pk=user.pk))
    response = client.get("/enterprises/")
    assert response.status_code == 302 and response["Location"].startswith("/password/change/")


@override_settings(SESSION_IDLE_TIMEOUT=60)
def test_idle_session_is_signed_out(world, client):
    client.force_login(world.users["county_a"])
    assert client.get("/accounts/organisations/").status_code == 200
    session = client.session
    session["last_activity"] = timezone.now().timestamp() - 120
    session.save()
    response = client.get("/accounts/organisations/")
    assert response.status_code == 302 and "timeout" in response["Location"]


def test_totp_second_factor(world, client):
    import pyotp

    user = world.users["province"]
    user.totp_secret = pyotp.random_base32()
    user.save()
    response = client.post("/login/", {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == "/login/totp/"
    assert client.get("/accounts/organisations/").status_code == 302  # not signed in yet
    assert "动态口令错误" in client.post("/login/totp/", {"code": "000000"}).content.decode()
    client.post("/login/totp/", {"code": pyotp.TOTP(user.totp_secret).now()})
    assert client.get("/accounts/organisations/").status_code == 200


@pytest.mark.parametrize("url", ["/", "/login/", "/regions/", "/monitoring/", "/enterprises/", "/contracts/",
                                 "/talent/", "/audit/", "/api/docs/", "/admin/login/"])
def test_security_headers_on_every_page(world, client, url):
    client.force_login(world.users["province"])
    response = client.get(url, follow=True)
    csp = response.headers.get("Content-Security-Policy", "")
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp.split("script-src")[1].split(";")[0]
    assert response.headers["X-Content-Type-Options"] == "nosniff" and response.headers["X-Frame-Options"] == "DENY"
    body = response.content.decode()
    # No executable inline scripts: every <script> has a src or is a JSON data block.
    import re

    for tag in re.findall(r"<script\b[^>]*>", body):
        assert "src=" in tag or 'type="application/json"' in tag, tag


def test_deploy_check_passes_with_production_settings(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("DEBUG", "SECRET_KEY_FILE", "DJANGO_ALLOW_ASYNC_UNSAFE")}
    env.update(DJANGO_SETTINGS_MODULE="countyinno.settings.production", SECRET_KEY="k" * 30 + "-production-secret-" + "x" * 30,
               ALLOWED_HOSTS="kjcx.example.gov.cn", COUNTYINNO_VAR_DIR=str(tmp_path))
    result = subprocess.run([sys.executable, "-m", "countyinno.cli", "check", "--deploy", "--fail-level", "WARNING"],
                            env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout.lower()
    env["DJANGO_SETTINGS_MODULE"] = "countyinno.settings.base"
    env["DEBUG"] = "1"
    loose = subprocess.run([sys.executable, "-m", "countyinno.cli", "check", "--deploy"], env=env,
                           capture_output=True, text=True)
    assert "countyinno.W001" in loose.stdout + loose.stderr
    # Controls switched off by a setting are named, even under production settings.
    env.update(DJANGO_SETTINGS_MODULE="countyinno.settings.production", LOGIN_MAX_FAILURES="0",
               PASSWORD_MAX_AGE_DAYS="0", SESSION_IDLE_TIMEOUT="86400")
    env.pop("DEBUG")
    off = subprocess.run([sys.executable, "-m", "countyinno.cli", "check", "--deploy"], env=env,
                         capture_output=True, text=True)
    for code in ("countyinno.W007", "countyinno.W009", "countyinno.W010"):
        assert code in off.stdout + off.stderr, off.stdout + off.stderr


@pytest.mark.skipif(connection.vendor != "postgresql",
                    reason="the trigger exists on PostgreSQL only: runs in `make test-postgres` (CI's second pass)")
def test_database_refuses_to_edit_audit_records(world):
    from django.db import DatabaseError, transaction

    entry = AuditLogEntry.objects.latest("id")
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditLogEntry.objects.filter(pk=entry.pk).update(comment="tampered")
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditLogEntry.objects.filter(pk=entry.pk).delete()


@pytest.mark.django_db(transaction=True)
def test_backup_and_restore_into_an_empty_database(shandong, tmp_path, settings):
    from countyinno.accounts.testing import ScopeWorld
    from countyinno.monitoring import services

    settings.MEDIA_ROOT = str(tmp_path / "media")
    (tmp_path / "media" / "reports").mkdir(parents=True)
    (tmp_path / "media" / "reports" / "r.pdf").write_bytes(b"%PDF-1.4 test")
    world = ScopeWorld.build()
    services.create_framework(actor=world.users["province"], code="B", name="备份测试",
                              rows=services.default_framework_rows())
    from io import StringIO

    out = StringIO()
    call_command("backup", out=str(tmp_path / "b.tar.gz"), stdout=out)
    summary = json.loads(out.getvalue())
    counts = {m: m._default_manager.count() for m in (User, AuditLogEntry)}
    call_command("flush", interactive=False, verbosity=0)
    (tmp_path / "media" / "reports" / "r.pdf").unlink()
    assert User.objects.count() == 0
    out = StringIO()
    call_command("restore", str(tmp_path / "b.tar.gz"), stdout=out)
    assert json.loads(out.getvalue())["records"] == summary["records"]
    assert {m: m._default_manager.count() for m in counts} == counts
    assert User.objects.get(username="t-county-370102").check_password(PASSWORD)
    assert (tmp_path / "media" / "reports" / "r.pdf").read_bytes() == b"%PDF-1.4 test"
    from countyinno.monitoring.models import FrameworkNode

    assert FrameworkNode.objects.filter(framework__code="B").count() == 31
    with pytest.raises(Exception):  # not empty any more
        call_command("restore", str(tmp_path / "b.tar.gz"), stdout=StringIO())


def _archive_with(tmp_path, members):
    import hashlib
    import io
    import tarfile

    path = tmp_path / "crafted.tar.gz"
    with tarfile.open(path, "w:gz") as tar:
        manifest = {"format": "countyinno-backup-2", "counts": {},
                    "files": {name: hashlib.sha256(data).hexdigest() for name, data, _ in members}}
        for name, data, kind in [("manifest.json", json.dumps(manifest).encode(), tarfile.REGTYPE)] + members:
            info = tarfile.TarInfo(name)
            info.type = kind
            if kind == tarfile.SYMTYPE:
                info.linkname = "/etc/passwd"
            else:
                info.size = len(data)
            tar.addfile(info, io.BytesIO(data) if kind == tarfile.REGTYPE else None)
    return path


@pytest.mark.parametrize("name, kind", [("media/../../escaped.txt", "file"), ("/tmp/absolute.txt", "file"),
                                        ("media/reports/link", "symlink"), ("other/thing.txt", "file")])
def test_restore_refuses_crafted_archives_before_writing_anything(db, tmp_path, settings, name, kind):
    import tarfile

    from django.core.management.base import CommandError

    settings.MEDIA_ROOT = str(tmp_path / "media")
    archive = _archive_with(tmp_path, [("data.json", b"[]", tarfile.REGTYPE),
                                       (name, b"owned", tarfile.SYMTYPE if kind == "symlink" else tarfile.REGTYPE)])
    with pytest.raises(CommandError, match="nothing changed"):
        call_command("restore", str(archive), stdout=StringIO(), force=True)
    assert not (tmp_path / "escaped.txt").exists() and not (tmp_path / "media").exists()


@pytest.mark.django_db(transaction=True)
def test_backup_is_private_and_holds_no_secrets(shandong, tmp_path):
    import stat
    import tarfile

    from countyinno.core.api.tokens import issue

    user = User.objects.create(username="secret-holder", role="talent", totp_secret="JBSWY3DPEHPK3PXP")
    key, _ = issue(user)
    path = tmp_path / "backups" / "b.tar.gz"
    call_command("backup", out=str(path), stdout=StringIO())
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    with tarfile.open(path) as tar:
        data = tar.extractfile("data.json").read().decode()
    assert "JBSWY3DPEHPK3PXP" not in data and key not in data and "core.apitoken" not in data
    assert '"secret-holder"' in data


@pytest.mark.django_db(transaction=True)
def test_a_write_goes_through_while_a_backup_reads(shandong):
    """The backup's read snapshot does not lock writers out (SQLite in WAL mode; PostgreSQL MVCC)."""
    import threading
    import time

    from countyinno.core.management.commands.backup import read_snapshot

    done = {}

    def write():
        from django.db import connection as own

        started = time.monotonic()
        User.objects.create(username="written-during-backup", role="talent")
        done["seconds"] = time.monotonic() - started
        own.close()

    with read_snapshot():
        before = User.objects.count()
        worker = threading.Thread(target=write)
        worker.start()
        worker.join(timeout=10)
        assert User.objects.count() == before  # the snapshot does not see the new row
    assert done["seconds"] < 2, "the writer waited for the backup"
    assert User.objects.filter(username="written-during-backup").exists()


def test_exports_neutralise_formulas(world, client):
    """An organisation named =HYPERLINK(...) arrives in an official's Excel export as text, not a formula."""
    import io

    from openpyxl import load_workbook

    from countyinno.core import audit

    with audit.system("test: hostile name"):
        org = world.enterprise_a
        org.name = '=HYPERLINK("http://evil.example","点击")'
        org.save()
    client.force_login(world.users["county_a"])
    response = client.get("/accounts/organisations/export.xlsx")
    assert response.status_code == 200 and response["Cache-Control"] == "no-store"
    sheet = load_workbook(io.BytesIO(response.content)).active
    values = [cell.value for row in sheet.iter_rows() for cell in row if isinstance(cell.value, str)]
    assert any(v.startswith("'=HYPERLINK") for v in values)
    assert not any(v.startswith("=") for v in values)


def test_signed_in_pages_are_not_cached_and_errors_are_bilingual(world, client):
    client.force_login(world.users["county_a"])
    assert client.get("/").headers["Cache-Control"] == "no-store"
    missing = client.get("/enterprises/999999999/")
    assert missing.status_code == 404
    text = missing.content.decode()
    assert "页面不存在" in text and "Page not found" in text and 'href="/"' in text


@override_settings(SECURE_SSL_REDIRECT=True)
def test_security_headers_on_the_https_redirect(client):
    response = client.get("/rural/", secure=False)
    assert response.status_code == 301
    assert "Content-Security-Policy" in response.headers and response.headers["X-Content-Type-Options"] == "nosniff"


def test_hostile_json_and_oversized_bodies_are_refused_clearly(world, api_client, settings):
    api_client.force_authenticate(world.users["county_a"])
    deep = "[" * 50_000 + "]" * 50_000
    response = api_client.post("/api/auth/token/", deep, content_type="application/json")
    assert response.status_code == 400 and "JSON" in response.json()["detail"]
    response = api_client.post("/api/auth/token/", '{"username": NaN}', content_type="application/json")
    assert response.status_code == 400
    settings.MAX_REQUEST_BYTES = 1024
    response = api_client.post("/api/auth/token/", "x" * 4096, content_type="application/json")
    assert response.status_code == 413 and "上限" in response.content.decode()


def test_a_nul_character_in_a_parameter_is_a_400_not_a_database_error(world, client):
    client.force_login(world.users["county_a"])
    response = client.get("/regions/?county_type=%00&q=x")
    assert response.status_code == 400 and "NUL" in response.content.decode()
    assert client.post("/rural/ask/", {"asker": "a\x00b"}).status_code == 400
