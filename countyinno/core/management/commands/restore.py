import json
import tarfile
import tempfile
from pathlib import Path, PurePosixPath

from django.apps import apps
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from .backup import sha256


MAX_ARCHIVE_BYTES = 20 * 1024 ** 3


def _refuse(zh, en):
    raise CommandError(f"{zh}，未做任何修改 / {en}; nothing changed")


def safe_media_path(media: Path, name: str) -> Path:
    """The file a `media/…` member restores to; never outside the media folder."""
    relative = PurePosixPath(name[len("media/"):])
    if relative.is_absolute() or ".." in relative.parts or not relative.parts or "\\" in name:
        _refuse(f"备份中的路径不安全：{name!r}", f"unsafe path in the archive: {name!r}")
    target = (media / Path(*relative.parts)).resolve()
    if media != target and media not in target.parents:
        _refuse(f"备份中的路径指向媒体目录之外：{name!r}", f"archive path leaves the media folder: {name!r}")
    return target


def read_archive(archive) -> dict[str, bytes]:
    """Members by name, after checking that every one is a plain file with a safe name."""
    contents = {}
    total = 0
    try:
        tar = tarfile.open(archive, "r:gz")
    except (tarfile.TarError, OSError) as exc:
        _refuse(f"无法读取备份：{exc}", f"cannot read the archive: {exc}")
    with tar:
        for member in tar.getmembers():
            name = member.name
            if not member.isfile():
                _refuse(f"备份中含有非普通文件（链接或设备）：{name!r}", f"the archive holds a link or device: {name!r}")
            if name not in ("manifest.json", "data.json") and not name.startswith("media/"):
                _refuse(f"备份中含有未知条目：{name!r}", f"unknown member in the archive: {name!r}")
            if name.startswith("media/"):
                safe_media_path(Path("/nonexistent-media-root"), name)
            total += member.size
            if total > MAX_ARCHIVE_BYTES:
                _refuse("备份过大", "the archive is too large")
            contents[name] = tar.extractfile(member).read()
    return contents


class Command(BaseCommand):
    help = "从备份恢复到空数据库并核对 / restore a backup into an empty database and verify it"

    def add_arguments(self, parser):
        parser.add_argument("archive")
        parser.add_argument("--force", action="store_true", help="restore even if the database is not empty")

    def handle(self, *args, archive, force, **options):
        contents = read_archive(archive)
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
        media = Path(settings.MEDIA_ROOT).resolve()
        for name, content in contents.items():
            if name.startswith("media/"):
                target = safe_media_path(media, name)
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(content)
        self.stdout.write(json.dumps({"restored": archive, "records": sum(manifest["counts"].values()),
                                      "files": sum(1 for n in contents if n.startswith("media/"))}))
