import hashlib
import io
import json
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


class Command(BaseCommand):
    help = "备份数据库与上传文件（一致快照，带校验和）/ back up the database and uploaded files (consistent snapshot, checksums)"

    def add_arguments(self, parser):
        parser.add_argument("--out", help="archive path (default var/backups/countyinno-<time>.tar.gz)")

    def handle(self, *args, out=None, **options):
        out = Path(out or Path(settings.VAR_DIR) / "backups" / f"countyinno-{time.strftime('%Y%m%d-%H%M%S')}.tar.gz")
        out.parent.mkdir(parents=True, exist_ok=True)
        buffer = io.StringIO()
        with transaction.atomic():
            if connection.vendor == "postgresql":  # one snapshot for every table
                with connection.cursor() as cursor:
                    cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
            call_command("dumpdata", exclude=EXCLUDE, natural_foreign=True, natural_primary=False, stdout=buffer)
            counts = {m._meta.label: m._default_manager.count() for m in apps.get_models()
                      if m._meta.app_label not in ("contenttypes", "sessions") and m._meta.label != "auth.Permission"
                      and m._meta.label != "admin.LogEntry" and not m._meta.proxy}
        data = buffer.getvalue().encode("utf-8")
        members = {"data.json": data}
        media = Path(settings.MEDIA_ROOT)
        if media.exists():
            for path in sorted(p for p in media.rglob("*") if p.is_file()):
                members[f"media/{path.relative_to(media)}"] = path.read_bytes()
        manifest = {"format": "countyinno-backup-1", "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
                    "code_version": __version__, "database": connection.vendor, "counts": counts,
                    "files": {name: sha256(content) for name, content in members.items()}}
        with tarfile.open(out, "w:gz") as archive:
            for name, content in [("manifest.json", json.dumps(manifest, ensure_ascii=False, indent=1).encode())] + \
                    list(members.items()):
                info = tarfile.TarInfo(name)
                info.size = len(content)
                info.mtime = int(time.time())
                archive.addfile(info, io.BytesIO(content))
        self.stdout.write(json.dumps({"backup": str(out), "records": sum(counts.values()),
                                      "files": len(members) - 1, "sha256": sha256(out.read_bytes())}))
