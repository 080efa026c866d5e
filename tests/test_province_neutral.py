"""Any province can run the platform: no production module names a province.

The province comes from the PROVINCE_CODE setting or from the acting user's region; regions load for
any of the 31 provinces. Shipped reference data (regions/data/) and demo flavour text may name
Shandong; code may not name a province code, nor 山东 in what users see."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent / "countyinno"
PROVINCES = r"(?:1[1-5]|2[1-3]|3[1-7]|4[1-6]|5[0-4]|6[1-5])"
PROVINCE_CODE = re.compile(rf"""\b{PROVINCES}0000\b|province=\d\d\b|province(?:_code)?\s*(?:==|=)\s*['"]{PROVINCES}['"]""")
SHANDONG = re.compile(r"山东")
ALLOWED = ("/tests/", "/migrations/", "/data/", "testing.py", "/engines/", "demo.py", "/settings/")


def production_files():
    for path in ROOT.rglob("*"):
        if path.suffix in (".py", ".html", ".js") and path.is_file():
            relative = "/" + str(path.relative_to(ROOT))
            if not any(part in relative for part in ALLOWED) and "/vendor/" not in relative:
                yield path, relative


def test_no_province_code_in_production_code():
    found = []
    for path, relative in production_files():
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            stripped = line.strip()
            if stripped.startswith("#"):
                continue
            if PROVINCE_CODE.search(line) or (SHANDONG.search(line) and path.suffix == ".html"):
                found.append(f"{relative}:{number}: {stripped[:120]}")
    assert not found, "province written into production code:\n" + "\n".join(found)
