"""Compile the .po catalogues to .mo in pure Python, so set-up needs no gettext tools."""

import ast
import struct
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand


def parse_po(text: str) -> dict[str, str]:
    messages, msgid, msgstr, section, fuzzy = {}, None, None, None, False

    def flush():
        if msgid is not None and msgstr is not None and (msgstr or msgid == "") and not fuzzy:
            messages[msgid] = msgstr

    for raw in text.splitlines():
        line = raw.strip()
        if line.startswith("#,") and "fuzzy" in line:
            fuzzy = True
        elif line.startswith("msgid "):
            flush()
            msgid, msgstr, section = ast.literal_eval(line[6:]), None, "id"
        elif line.startswith("msgstr "):
            msgstr, section = ast.literal_eval(line[7:]), "str"
        elif line.startswith('"') and section:
            value = ast.literal_eval(line)
            if section == "id":
                msgid += value
            else:
                msgstr += value
        elif not line:
            flush()
            msgid = msgstr = section = None
            fuzzy = False
    flush()
    return messages


def write_mo(messages: dict[str, str], path: Path) -> None:
    keys = sorted(messages)
    ids = [k.encode() for k in keys]
    strs = [messages[k].encode() for k in keys]
    header_size = 7 * 4
    ids_table, strs_table = header_size, header_size + len(keys) * 8
    data_start = strs_table + len(keys) * 8
    offsets, blob = [], b""
    for s in ids:
        offsets.append((len(s), data_start + len(blob)))
        blob += s + b"\0"
    str_offsets = []
    for s in strs:
        str_offsets.append((len(s), data_start + len(blob)))
        blob += s + b"\0"
    out = struct.pack("<7I", 0x950412DE, 0, len(keys), ids_table, strs_table, 0, 0)
    out += b"".join(struct.pack("<2I", *o) for o in offsets)
    out += b"".join(struct.pack("<2I", *o) for o in str_offsets)
    path.write_bytes(out + blob)


class Command(BaseCommand):
    help = "编译翻译文件 / compile .po translation catalogues to .mo without gettext"

    def handle(self, *args, **options):
        for locale_dir in settings.LOCALE_PATHS:
            for po in Path(locale_dir).glob("*/LC_MESSAGES/*.po"):
                messages = parse_po(po.read_text(encoding="utf-8"))
                write_mo(messages, po.with_suffix(".mo"))
                self.stdout.write(f"{po.with_suffix('.mo')}: {len(messages) - 1} messages")
