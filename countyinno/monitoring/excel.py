"""The campaign's Excel template: generate it for a county, read it back all-or-nothing."""

from __future__ import annotations

import io

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.worksheet.datavalidation import DataValidation

from countyinno.core.errors import ImportFailed, RowError, bilingual
from countyinno.core.uploads import UploadRefused, guarded_rows, open_workbook

from .models import CountySubmission
from .services import previous_values

DATA_SHEET = "填报 data"
META_SHEET = "_meta"
HEADER = ["指标代码 code", "指标名称 indicator", "单位 unit", "有效范围 valid range", "上年值 last year",
          "本年值 value", "变动说明 explanation"]
FIRST_ROW = 3


def template_version(submission: CountySubmission) -> str:
    framework = submission.campaign.framework
    return f"{framework.code}-v{framework.version}"


def build_template(submission: CountySubmission) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = DATA_SHEET
    campaign = submission.campaign
    sheet["A1"] = f"{campaign.title} · {submission.region.name}（{submission.region.code}） · 模板 {template_version(submission)}"
    sheet["A1"].font = Font(bold=True, size=12)
    sheet.append(HEADER)
    for cell in sheet[2]:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="DDE7F3")
    last = previous_values(submission)
    current = {v.node.code: v for v in submission.values.select_related("node")}
    for node in campaign.framework.indicators():
        value = current.get(node.code)
        bounds = f"{node.min_value:g} – {node.max_value:g}" if node.min_value is not None and node.max_value is not None else ""
        sheet.append([node.code, node.name, node.unit, bounds, last.get(node.code),
                      value.value if value else None, value.explanation if value else ""])
    numbers = DataValidation(type="decimal", operator="between", formula1="-1E+15", formula2="1E+15",
                             allow_blank=True, showErrorMessage=True, error="请输入数字 / enter a number")
    sheet.add_data_validation(numbers)
    numbers.add(f"F{FIRST_ROW}:F{sheet.max_row}")
    for column, width in zip("ABCDEFG", (16, 44, 14, 16, 14, 14, 40)):
        sheet.column_dimensions[column].width = width
    for row in sheet.iter_rows(min_row=FIRST_ROW):
        row[1].alignment = Alignment(wrap_text=True)
    sheet.freeze_panes = "C3"
    meta = workbook.create_sheet(META_SHEET)
    for key, value in (("template", "countyinno-survey"), ("template_version", template_version(submission)),
                       ("campaign", campaign.pk), ("year", campaign.year), ("region", submission.region.code)):
        meta.append([key, value])
    meta.sheet_state = "hidden"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def read_template(submission: CountySubmission, content) -> tuple[dict, dict, dict]:
    """Parse an uploaded template (bytes or an UploadedFile): (values, explanations, row numbers).

    The file goes through the platform's guarded reader (core.uploads): size, zip bombs, sheet and cell
    limits are refused before or while parsing; foreign or wrong templates are refused by name."""
    def fail(message_zh, message_en, sheet=None, row=None, field=None):
        raise ImportFailed([RowError(row, field, bilingual(message_zh, message_en), sheet)])

    try:
        workbook = open_workbook(content, read_only=True, data_only=True)
    except UploadRefused as exc:
        raise ImportFailed([RowError(None, None, message) for message in exc.messages]) from None
    if META_SHEET not in workbook.sheetnames or DATA_SHEET not in workbook.sheetnames:
        fail("不是本平台的填报模板，请下载本次调查的模板", "not a CountyInno survey template; download this campaign's template")
    meta = {str(r[0]): r[1] for r in guarded_rows(workbook[META_SHEET]) if len(r) >= 2 and r[0]}
    expected = template_version(submission)
    if meta.get("template") != "countyinno-survey":
        fail("不是本平台的填报模板", "not a CountyInno survey template", META_SHEET)
    if str(meta.get("template_version")) != expected:
        fail(f"模板版本不符：文件为 {meta.get('template_version')}，本次调查为 {expected}",
             f"wrong template version: the file is {meta.get('template_version')}, this campaign uses {expected}", META_SHEET)
    if str(meta.get("campaign")) != str(submission.campaign_id) or str(meta.get("region")) != submission.region.code:
        fail(f"模板属于其他调查或县（{meta.get('year')} 年，{meta.get('region')}）",
             f"the template belongs to another campaign or county ({meta.get('year')}, {meta.get('region')})", META_SHEET)
    values, explanations, rows, errors = {}, {}, {}, []
    for line, row in enumerate(guarded_rows(workbook[DATA_SHEET]), start=1):
        row = (list(row) + [None] * 7)[:7]
        if line < FIRST_ROW - 1:
            continue
        if line == FIRST_ROW - 1:
            if row != HEADER:
                fail("表头被修改，请使用原模板", "the header row was changed; use the original template", DATA_SHEET, line)
            continue
        code = row[0]
        if code in (None, ""):
            if any(v not in (None, "") for v in row[4:7]):
                errors.append(RowError(line, "A", bilingual("缺少指标代码", "missing indicator code"), DATA_SHEET))
            continue
        code = str(code).strip()
        if code in values:
            errors.append(RowError(line, "A", bilingual(f"指标 {code} 重复", f"indicator {code} appears twice"), DATA_SHEET))
            continue
        values[code] = row[5]
        explanations[code] = str(row[6] or "")
        rows[code] = line
    if errors:
        raise ImportFailed(errors)
    return values, explanations, rows
