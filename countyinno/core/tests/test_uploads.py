"""The guarded spreadsheet reader refuses bombs before parsing them."""

import io
import time
import zipfile

import pytest
from openpyxl import Workbook

from countyinno.core.uploads import SpreadsheetLimits, UploadRefused, guarded_rows, open_workbook


def workbook_bytes(rows=3, sheets=1) -> bytes:
    wb = Workbook()
    for i in range(sheets):
        sheet = wb.active if i == 0 else wb.create_sheet(f"S{i}")
        for r in range(rows):
            sheet.append([r, f"值{r}", r * 1.5])
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def with_member(content: bytes, name: str, data: bytes) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(content)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            dst.writestr(item, data if item.filename == name else src.read(item.filename))
        if name not in src.namelist():
            dst.writestr(name, data)
    return out.getvalue()


def test_an_ordinary_workbook_opens_and_reads():
    wb = open_workbook(workbook_bytes(rows=5))
    assert len(list(guarded_rows(wb.worksheets[0]))) == 5


def test_a_zip_bomb_is_refused_quickly_before_parsing():
    bomb = with_member(workbook_bytes(), "xl/worksheets/sheet1.xml", b"<row>" + b" " * 200_000_000 + b"</row>")
    assert len(bomb) < 1_000_000  # small on the wire
    started = time.monotonic()
    with pytest.raises(UploadRefused) as refused:
        open_workbook(bomb)
    assert time.monotonic() - started < 2  # refused from the zip directory, not by parsing 200 MB
    assert "解压后" in str(refused.value) and "expands to" in str(refused.value)


def test_a_high_ratio_member_under_the_total_is_refused_too():
    bomb = with_member(workbook_bytes(), "xl/worksheets/sheet1.xml", b"A" * 30_000_000)
    with pytest.raises(UploadRefused, match="compression ratio"):
        open_workbook(bomb)


def test_too_many_sheets_rows_and_bytes_are_refused():
    with pytest.raises(UploadRefused, match="worksheets"):
        open_workbook(workbook_bytes(sheets=4), limits=SpreadsheetLimits(max_sheets=3))
    with pytest.raises(UploadRefused, match="rows"):
        open_workbook(workbook_bytes(rows=60), limits=SpreadsheetLimits(max_rows=50))
    with pytest.raises(UploadRefused, match="file too large"):
        open_workbook(b"x" * 3_000_000)
    with pytest.raises(UploadRefused, match="not a valid Excel"):
        open_workbook(b"<?xml version='1.0'?><!DOCTYPE x [<!ENTITY a 'b'>]><x>&a;</x>")


def test_cell_limit_stops_iteration():
    wb = open_workbook(workbook_bytes(rows=40), limits=SpreadsheetLimits(max_cells=60))
    with pytest.raises(UploadRefused, match="cells"):
        list(guarded_rows(wb.worksheets[0]))
