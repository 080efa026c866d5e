import json
import tarfile
import tempfile
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from .backup import sha256


class Command(BaseCommand):
    help = "从备份恢复到空数据库并核对 / restore a backup into an empty database and verify it"

    def add_arguments(self, parser):
        parser.add_argument("archive")
        parser.add_argument("--force", action="store_true", help="restore even if the database is not empty")

    def handle(self, *args, archive, force, **options):
        with tarfile.open(archive, "r:gz") as tar:
            contents = {m.name: tar.extractfile(m).read() for m in tar.getmembers() if m.isfile()}
        if "manifest.json" not in contents:
            raise CommandError("不是 CountyInno 备份 / not a CountyInno backup")
        manifest = json.loads(contents.pop("manifest.json"))
        bad = [name for name, digest in manifest["files"].items() if sha256(contents.get(name, b"")) != digest]
        if bad or set(contents) != set(manifest["files"]):
            raise CommandError(f"校验失败，未做任何修改 / checksum mismatch, nothing changed: {bad[:5]}")
        call_command("migrate", interactive=False, verbosity=0)
        from django.contrib.auth import get_user_model

        User = get_user_model()

        if User.objects.exists() and not force:
            raise CommandError("数据库非空，未做任何修改（--force 覆盖）/ the database is not empty; nothing changed")
        with tempfile.TemporaryDirectory() as tmp:
            fixture = Path(tmp) / "data.json"
            fixture.write_bytes(contents["data.json"])
            with transaction.atomic():
                call_command("loaddata", str(fixture), verbosity=0)
                mismatched = {}
                for label, expected in manifest["counts"].items():
                    model = apps.get_model(label)
                    actual = model._default_manager.count()
                    if actual != expected:
                        mismatched[label] = (expected, actual)
                if mismatched:
                    raise CommandError(f"记录数不符，已回滚 / record counts differ, rolled back: {mismatched}")
        media = Path(settings.MEDIA_ROOT)
        for name, content in contents.items():
            if name.startswith("media/"):
                target = media / name[len("media/"):]
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(content)
        self.stdout.write(json.dumps({"restored": archive, "records": sum(manifest["counts"].values()),
                                      "files": sum(1 for n in contents if n.startswith("media/"))}))
