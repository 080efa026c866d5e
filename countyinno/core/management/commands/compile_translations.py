"""Compile the .po catalogues to .mo in pure Python, so set-up needs no gettext tools."""

import ast
import struct
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand


CONTEXT_SEPARATOR = "\x04"  # gettext's key for a message with a context: "context\x04msgid"


def parse_entries(text: str) -> list[dict]:
    """Every entry of a .po file: msgctxt, msgid, msgstr, fuzzy, obsolete."""
    entries, current, section = [], None, None

    def start():
        return {"msgctxt": None, "msgid": None, "msgid_plural": None, "msgstr": None, "plurals": {},
                "fuzzy": False, "obsolete": False}

    current = start()
    for raw in text.splitlines():
        line = raw.strip()
        if line.startswith("#~"):
            current["obsolete"] = True
            continue
        if line.startswith("#,") and "fuzzy" in line:
            current["fuzzy"] = True
        elif line.startswith("msgctxt "):
            if current["msgid"] is not None:
                entries.append(current)
                current = start()
            current["msgctxt"], section = ast.literal_eval(line[8:]), "msgctxt"
        elif line.startswith("msgid "):
            if current["msgid"] is not None:  # entries not separated by a blank line
                entries.append(current)
                current = start()
            current["msgid"], section = ast.literal_eval(line[6:]), "msgid"
        elif line.startswith("msgid_plural "):
            current["msgid_plural"], section = ast.literal_eval(line[13:]), "msgid_plural"
        elif line.startswith("msgstr["):  # a plural form: msgstr[N] "…"
            index, _, rest = line[7:].partition("]")
            section = f"plural:{int(index)}"
            current["plurals"][int(index)] = ast.literal_eval(rest.strip())
        elif line.startswith("msgstr "):
            current["msgstr"], section = ast.literal_eval(line[7:]), "msgstr"
        elif line.startswith('"') and section and section.startswith("plural:"):
            index = int(section.split(":")[1])
            current["plurals"][index] += ast.literal_eval(line)
        elif line.startswith('"') and section:
            current[section] = (current[section] or "") + ast.literal_eval(line)
        elif not line:
            if current["msgid"] is not None:
                entries.append(current)
            current, section = start(), None
    if current["msgid"] is not None:
        entries.append(current)
    for e in entries:  # a plural entry's translation is its forms joined by NUL, as in a .mo file
        if e["plurals"]:
            e["msgstr"] = "\0".join(e["plurals"][i] for i in sorted(e["plurals"]))
            if not all(e["plurals"].values()):
                e["msgstr"] = ""
    return entries


def parse_po(text: str) -> dict[str, str]:
    """msgid (or "context\x04msgid") → translation, for the entries that are translated and not fuzzy."""
    messages = {}
    for e in parse_entries(text):
        if e["obsolete"] or e["fuzzy"] or e["msgstr"] is None or (not e["msgstr"] and e["msgid"] != ""):
            continue
        msgid = e["msgid"] + ("\0" + e["msgid_plural"] if e["msgid_plural"] else "")
        key = f"{e['msgctxt']}{CONTEXT_SEPARATOR}{msgid}" if e["msgctxt"] is not None else msgid
        messages[key] = e["msgstr"]
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
