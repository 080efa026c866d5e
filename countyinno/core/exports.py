"""Excel exports: built from a restricted queryset, neutralised against formula injection, and
recorded in the audit log (who, what, which filter, how many rows)."""

from __future__ import annotations

import io
from typing import Iterable

from django.http import HttpResponse
from openpyxl import Workbook
from openpyxl.styles import Font

from . import audit

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# OWASP CSV/formula injection: a text cell starting with one of these is read as a formula.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value):
    """Text that a spreadsheet would run as a formula is prefixed with a quote; numbers stay numbers."""
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


def xlsx_bytes(sheet_title: str, header: list[str], rows: Iterable[Iterable]) -> tuple[bytes, int]:
    """The workbook's bytes and the number of data rows written."""
    workbook = Workbook(write_only=False)
    sheet = workbook.active
    sheet.title = sheet_title[:31]
    sheet.append([neutralise(h) for h in header])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    count = 0
    for row in rows:
        sheet.append([neutralise(v) for v in row])
        count += 1
    sheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue(), count


def file_response(data: bytes, filename: str, content_type: str) -> HttpResponse:
    response = HttpResponse(data, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response


def xlsx_response(filename: str, sheet_title: str, header: list[str], rows: Iterable[Iterable], *, request, model,
                  what: str | None = None, filters: dict | None = None):
    """An .xlsx download, recorded as an export by request.user of `model` rows."""
    data, count = xlsx_bytes(sheet_title, header, rows)
    audit.record_export(request.user, model, what=what or filename, filters=filters, rows=count, fmt="xlsx")
    return file_response(data, filename, XLSX_MIME)
