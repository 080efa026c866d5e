"""English mode says what Chinese says: one translation per meaning, every string translated.

The English catalogue once read 退回 as "Sign out", 合同数 as "Composite index" and 天数 as "Counties":
two different source strings shared one English text. Now two entries may share a translation only when
both carry a message context (`{% trans "退回" context "审核" %}`) that says the reuse is deliberate."""

from collections import defaultdict
from pathlib import Path

from countyinno.core.management.commands.compile_translations import parse_entries

PO = Path(__file__).resolve().parent.parent / "countyinno" / "locale" / "en" / "LC_MESSAGES" / "django.po"


def _entries():
    return [e for e in parse_entries(PO.read_text(encoding="utf-8")) if e["msgid"] and not e["obsolete"]]


def test_every_message_has_an_english_translation():
    missing = [e["msgid"] for e in _entries() if not e["msgstr"] or e["fuzzy"]]
    assert not missing, f"{len(missing)} strings without English: {missing[:30]}"


def test_no_two_source_strings_share_a_translation_without_a_context():
    by_translation = defaultdict(list)
    for e in _entries():
        by_translation[e["msgstr"].strip().lower()].append(e)
    clashes = {text: [(e["msgctxt"], e["msgid"]) for e in group] for text, group in by_translation.items()
               if len(group) > 1 and any(e["msgctxt"] is None for e in group)}
    assert not clashes, "one English text for different Chinese strings:\n" + "\n".join(
        f"  {text!r}: {sources}" for text, sources in clashes.items())


def test_the_catalogue_covers_every_template_string():
    """Every {% trans %} in a template is in the catalogue (run `countyinno makemessages -l en`, translate)."""
    import re

    known = {(e["msgctxt"], e["msgid"]) for e in _entries()}
    pattern = re.compile(r'\{%\s*trans\s+"([^"]+)"(?:\s+context\s+"([^"]+)")?')
    root = PO.parents[3]
    missing = set()
    for template in root.rglob("templates/**/*.html"):
        for msgid, context in pattern.findall(template.read_text(encoding="utf-8")):
            msgid = msgid.replace("%", "%%") if "%" in msgid and "%%" not in msgid else msgid  # as gettext stores it
            if (context or None, msgid) not in known and (context or None, msgid.replace("%%", "%")) not in known:
                missing.add(f"{template.relative_to(root)}: {msgid}")
    assert not missing, f"{len(missing)} template strings missing from the catalogue:\n" + "\n".join(sorted(missing)[:40])
