"""Consistent backups that block no writer and carry no secret.

SQLite (WAL mode): the dump runs in one deferred read transaction — a consistent snapshot that
writers never wait for. PostgreSQL: the dump runs in one
REPEATABLE READ transaction — a snapshot under MVCC, which writers never wait for. The archive holds
`data.json` (portable between the two), the uploaded files and a SHA-256 manifest; it is written
with mode 0600 in a 0700 folder, and secret fields (`BACKUP_SECRET_FIELDS`) are blanked."""

import contextlib
import hashlib
import io
import json
import os
import tarfile
import time
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import connection, transaction

from countyinno import __version__

EXCLUDE = ["contenttypes", "auth.permission", "sessions", "admin.logentry"]


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _excluded_labels() -> set[str]:
    return {label.lower() for label in getattr(settings, "BACKUP_EXCLUDED_MODELS", [])}


def scrub(records: list[dict]) -> list[dict]:
    """Blank secret fields and drop excluded models, so an archive can be stored anywhere."""
    secret_fields = {k.lower(): v for k, v in getattr(settings, "BACKUP_SECRET_FIELDS", {}).items()}
    excluded = _excluded_labels()
    kept = []
    for record in records:
        model = record.get("model", "").lower()
        if model in excluded:
            continue
        for field in secret_fields.get(model, []):
            if field in record.get("fields", {}):
                record["fields"][field] = ""
        kept.append(record)
    return kept


@contextlib.contextmanager
def read_snapshot():
    """One consistent read of the whole database that no writer waits for.

    PostgreSQL: a REPEATABLE READ transaction (an MVCC snapshot). SQLite in WAL mode (our default): a
    deferred read transaction — not `transaction.atomic()`, as the platform's SQLite transactions begin
    IMMEDIATE and would lock writers out."""
    if connection.vendor != "sqlite":
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
            yield "default"
        return
    if connection.in_atomic_block:
        yield "default"
        return
    connection.ensure_connection()
    with connection.cursor() as cursor:
        cursor.execute("BEGIN DEFERRED")
        try:
            yield "default"
        finally:
            cursor.execute("COMMIT")


def _counted_models():
    excluded = _excluded_labels()
    return [m for m in apps.get_models()
            if m._meta.app_label not in ("contenttypes", "sessions") and m._meta.label not in ("auth.Permission",
                                                                                          "admin.LogEntry")
            and not m._meta.proxy and m._meta.label.lower() not in excluded]


def dump(alias: str) -> tuple[bytes, dict]:
    buffer = io.StringIO()
    call_command("dumpdata", exclude=EXCLUDE + list(_excluded_labels()), natural_foreign=True,
                 natural_primary=False, database=alias, stdout=buffer)
    counts = {m._meta.label: m._default_manager.using(alias).count() for m in _counted_models()}
    records = scrub(json.loads(buffer.getvalue() or "[]"))
    return json.dumps(records, ensure_ascii=False).encode("utf-8"), counts


def write_private(path: Path, members: list[tuple[str, bytes]]) -> None:
    """A tar.gz readable by its owner only (0600), in a folder only the owner can list (0700)."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(fd, 0o600)
    with os.fdopen(fd, "wb") as raw, tarfile.open(fileobj=raw, mode="w:gz") as archive:
        for name, content in members:
            info = tarfile.TarInfo(name)
            info.size = len(content)
            info.mtime = int(time.time())
            info.mode = 0o600
            archive.addfile(info, io.BytesIO(content))


class Command(BaseCommand):
    help = "备份数据库与上传文件（一致快照，不阻塞写入，不含密钥）/ back up the database and uploaded files " \
           "(consistent snapshot, writers never blocked, no secrets)"

    def add_arguments(self, parser):
        parser.add_argument("--out", help="archive path (default var/backups/countyinno-<time>.tar.gz)")

    def handle(self, *args, out=None, **options):
        out = Path(out or Path(settings.VAR_DIR) / "backups" / f"countyinno-{time.strftime('%Y%m%d-%H%M%S')}.tar.gz")
        with read_snapshot() as alias:
            data, counts = dump(alias)
        members = {"data.json": data}
        media = Path(settings.MEDIA_ROOT)
        if media.exists():
            for path in sorted(p for p in media.rglob("*") if p.is_file() and not p.is_symlink()):
                members[f"media/{path.relative_to(media).as_posix()}"] = path.read_bytes()
        manifest = {"format": "countyinno-backup-2", "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
                    "code_version": __version__, "database": connection.vendor, "counts": counts,
                    "secrets": "blanked: " + ", ".join(sorted(getattr(settings, "BACKUP_SECRET_FIELDS", {}))),
                    "files": {name: sha256(content) for name, content in members.items()}}
        write_private(out, [("manifest.json", json.dumps(manifest, ensure_ascii=False, indent=1).encode())]
                      + list(members.items()))
        self.stdout.write(json.dumps({"backup": str(out), "records": sum(counts.values()),
                                      "files": len(members) - 1, "sha256": sha256(out.read_bytes())}))
