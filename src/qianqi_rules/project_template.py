"""The project workbook template (``qianqi-rules init 项目.xlsx``): the sheets :mod:`.project_xlsx` reads.

Officers copy the budget and staff lists from the 任务书 into it.  Drop-down
lists offer the nine categories of Article 10 and the two kinds of person;
date and amount cells accept only dates and non-negative amounts, with a
prompt saying what belongs there.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any

from .errors import QianqiError
from .project_xlsx import (
    ADJUSTMENT_HEADERS,
    ADJUSTMENT_SHEET,
    BUDGET_HEADERS,
    BUDGET_SHEET,
    GUIDE_SHEET,
    INFO_FIELDS,
    INFO_HEADERS,
    INFO_SHEET,
    KINDS,
    STAFF_HEADERS,
    STAFF_SHEET,
)

TABLE_ROWS = 200  # how far down the drop-downs and checks reach
DATE_FORMAT = "YYYY-MM-DD"
MONEY_FORMAT = "#,##0.00"
HEADER_FILL = "DDEBF7"

GUIDE = [
    "本工作簿是 qianqi-rules 的项目文件，可直接用于 qianqi-rules check 台账.csv --project 本文件.xlsx。",
    "项目信息：在 B 列填写项目编号、受资助单位和执行期（日期）；项目名称选填。",
    "预算：按任务书填写各科目的批复预算（元）；没有预算的科目留空。科目只能是管理办法第十条的九类。",
    "预算调整：每行一项经批准的预算调剂：调出科目、调入科目、金额、批准日期，批准文号选填。没有调整就留空。",
    "人员名单：每行一人，身份选“本单位工作人员”（受资助单位工作人员）或“财政供养人员”。",
    "某一类人员一个也没有填写时，用到该名单的规则不会运行，报告中会列为“未运行的规则”。",
    "工作表和表头的名称不要改动；可以插入行。填错时检查会停止，并指出是哪个工作表、第几行、哪一列。",
]


def _validation(sheet: Any, kind: str, cells: str, prompt: str, **options: Any) -> None:
    from openpyxl.worksheet.datavalidation import DataValidation

    check = DataValidation(type=kind, allow_blank=True, showInputMessage=True, showErrorMessage=True,
                           promptTitle="填写", prompt=prompt, errorTitle="输入有误", error=prompt, **options)
    sheet.add_data_validation(check)
    for part in cells.split():
        check.add(part)


def _choices(words: Sequence[str]) -> str:
    return '"' + ",".join(words) + '"'


def _header(sheet: Any, headers: Sequence[str], widths: Sequence[int]) -> None:
    from openpyxl.styles import Font, PatternFill
    from openpyxl.utils import get_column_letter

    sheet.append(list(headers))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor=HEADER_FILL)
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "A2"


def template_workbook(categories: Sequence[str]) -> Any:
    """The template as an openpyxl workbook (the nine category names come from the rule pack)."""
    try:
        from openpyxl import Workbook
    except ImportError:
        raise QianqiError("生成 Excel 项目模板需要 openpyxl：请运行 pip install 'qianqi-rules[excel]'",
                          code="excel-missing-writer") from None
    book = Workbook()
    info = book.active
    info.title = INFO_SHEET
    _header(info, INFO_HEADERS, (14, 44, 70))
    for label, (path, note) in INFO_FIELDS.items():
        info.append([label, None, note])
        if path[0] == "period":
            info.cell(row=info.max_row, column=2).number_format = DATE_FORMAT
    dates = [f"B{row}" for row, (_, (path, _)) in enumerate(INFO_FIELDS.items(), start=2) if path[0] == "period"]
    _validation(info, "date", " ".join(dates), "填写日期，如 2025-04-01", operator="greaterThan",
                formula1="DATE(2000,1,1)")

    budget = book.create_sheet(BUDGET_SHEET)
    _header(budget, [f"{h}（元）" if f == "amount" else h for h, f in BUDGET_HEADERS.items()], (40, 18))
    for name in categories:
        budget.append([name, None])
    for row in range(2, len(categories) + 2):
        budget.cell(row=row, column=2).number_format = MONEY_FORMAT
    _validation(budget, "list", f"A2:A{TABLE_ROWS + 1}", "从下拉列表选择第十条的九类支出之一",
                formula1=_choices(categories))
    _validation(budget, "decimal", f"B2:B{TABLE_ROWS + 1}", "填写批复预算金额（元），不小于 0，最多两位小数",
                operator="greaterThanOrEqual", formula1="0")

    moves = book.create_sheet(ADJUSTMENT_SHEET)
    _header(moves, [f"{h}（元）" if f == "amount" else h for h, f in ADJUSTMENT_HEADERS.items()],
            (40, 40, 14, 14, 30))
    end = TABLE_ROWS + 1  # empty rows stay unformatted: Excel reads a typed 2025-06-30 as a date anyway
    _validation(moves, "list", f"A2:B{end}", "从下拉列表选择第十条的九类支出之一", formula1=_choices(categories))
    _validation(moves, "decimal", f"C2:C{end}", "填写调整金额（元），大于 0", operator="greaterThan", formula1="0")
    _validation(moves, "date", f"D2:D{end}", "填写批准日期，如 2025-06-30", operator="greaterThan",
                formula1="DATE(2000,1,1)")

    staff = book.create_sheet(STAFF_SHEET)
    _header(staff, list(STAFF_HEADERS), (20, 22))
    _validation(staff, "list", f"B2:B{end}", f"选择 {' 或 '.join(KINDS)}", formula1=_choices(list(KINDS)))

    guide = book.create_sheet(GUIDE_SHEET)
    guide.column_dimensions["A"].width = 110
    for line in GUIDE:
        guide.append([line])
    return book


def template_bytes(categories: Sequence[str]) -> bytes:
    buffer = io.BytesIO()
    template_workbook(categories).save(buffer)
    return buffer.getvalue()
