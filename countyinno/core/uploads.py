"""The one guarded way to open an uploaded spreadsheet.

An .xlsx file is a zip of XML. A small upload can expand to gigabytes (a "zip bomb") or declare
millions of cells, and openpyxl would spend minutes on it. Before openpyxl sees a byte we check the
file size, the zip's members, their total uncompressed size and compression ratio, and the number of
sheets; while reading we stop at the row and cell limits. Every refusal is a bilingual
`UploadRefused` (a ValidationError) naming the limit.

    workbook = open_workbook(upload)                       # a Django UploadedFile, bytes or a file
    for row in guarded_rows(workbook.worksheets[0]): ...
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError

from .errors import bilingual


class UploadRefused(ValidationError):
    pass


@dataclass(frozen=True)
class SpreadsheetLimits:
    max_bytes: int = 2 * 1024 * 1024  # the upload itself
    max_uncompressed: int = 40 * 1024 * 1024  # all zip members expanded
    max_ratio: int = 100  # uncompressed / compressed, per member
    max_members: int = 200
    max_sheets: int = 20
    max_rows: int = 20_000  # per sheet
    max_cells: int = 400_000  # per workbook

    @classmethod
    def from_settings(cls) -> "SpreadsheetLimits":
        overrides = getattr(settings, "SPREADSHEET_LIMITS", {}) or {}
        return cls(**overrides)


def _read_bytes(source) -> bytes:
    if isinstance(source, (bytes, bytearray)):
        return bytes(source)
    if hasattr(source, "chunks"):  # a Django UploadedFile: read in chunks, stop past the limit
        return b"".join(source.chunks())
    return source.read()


def _refuse(zh: str, en: str):
    raise UploadRefused(bilingual(zh, en), code="upload_refused")


def check_xlsx(content: bytes, limits: SpreadsheetLimits | None = None) -> None:
    """Refuse a spreadsheet whose bytes or declared expansion break the limits; opens nothing."""
    limits = limits or SpreadsheetLimits.from_settings()
    if len(content) > limits.max_bytes:
        _refuse(f"文件过大（{len(content) // 1024} KB），上限 {limits.max_bytes // 1024} KB",
                f"file too large ({len(content) // 1024} KB); the limit is {limits.max_bytes // 1024} KB")
    if not zipfile.is_zipfile(io.BytesIO(content)):
        _refuse("不是有效的 Excel（.xlsx）文件", "not a valid Excel (.xlsx) file")
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError):
        _refuse("不是有效的 Excel（.xlsx）文件", "not a valid Excel (.xlsx) file")
    if len(members) > limits.max_members:
        _refuse(f"文件包含 {len(members)} 个部件，超过上限 {limits.max_members}",
                f"the file has {len(members)} parts; the limit is {limits.max_members}")
    total = sum(m.file_size for m in members)
    if total > limits.max_uncompressed:
        _refuse(f"文件解压后 {total // (1024 * 1024)} MB，超过上限 {limits.max_uncompressed // (1024 * 1024)} MB",
                f"the file expands to {total // (1024 * 1024)} MB; the limit is "
                f"{limits.max_uncompressed // (1024 * 1024)} MB")
    for m in members:
        if m.file_size > 1024 * 1024 and m.file_size > limits.max_ratio * max(m.compress_size, 1):
            _refuse(f"文件压缩比异常（{m.filename}），疑似压缩炸弹，已拒绝",
                    f"abnormal compression ratio in {m.filename}: refused as a possible zip bomb")
    sheets = [m for m in members if m.filename.startswith("xl/worksheets/") and m.filename.endswith(".xml")]
    if len(sheets) > limits.max_sheets:
        _refuse(f"工作表 {len(sheets)} 个，超过上限 {limits.max_sheets}",
                f"{len(sheets)} worksheets; the limit is {limits.max_sheets}")


def open_workbook(source, *, read_only: bool = True, data_only: bool = True,
                  limits: SpreadsheetLimits | None = None):
    """Check, then open. Refuses before parsing anything the limits forbid."""
    from openpyxl import load_workbook

    limits = limits or SpreadsheetLimits.from_settings()
    content = _read_bytes(source)
    check_xlsx(content, limits)
    try:
        workbook = load_workbook(io.BytesIO(content), read_only=read_only, data_only=data_only)
    except Exception:  # openpyxl raises many kinds on malformed files
        _refuse("无法读取该 Excel 文件，请用模板重新填写", "the Excel file cannot be read; fill in the template again")
    workbook._countyinno_limits = limits
    for sheet in workbook.worksheets:
        declared = (sheet.max_row or 0)
        if declared > limits.max_rows:
            _refuse(f"工作表「{sheet.title}」有 {declared} 行，超过上限 {limits.max_rows}",
                    f"sheet {sheet.title!r} has {declared} rows; the limit is {limits.max_rows}")
    return workbook


def guarded_rows(sheet, *, values_only: bool = True):
    """Iterate a sheet's rows, stopping with a clear refusal past the row or cell limit."""
    limits = getattr(sheet.parent, "_countyinno_limits", None) or SpreadsheetLimits.from_settings()
    cells = 0
    for number, row in enumerate(sheet.iter_rows(values_only=values_only), start=1):
        if number > limits.max_rows:
            _refuse(f"工作表「{sheet.title}」超过 {limits.max_rows} 行", f"sheet {sheet.title!r} exceeds {limits.max_rows} rows")
        cells += len(row)
        if cells > limits.max_cells:
            _refuse(f"单元格超过上限 {limits.max_cells}", f"more than {limits.max_cells} cells")
        yield row
