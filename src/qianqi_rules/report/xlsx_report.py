"""The report as an Excel workbook: 说明, findings, budget execution, money to recover, unreadable rows.

Every sheet's sums are the JSON report's totals: the 计入追回 column of the
findings, the 追回明细 and 追回汇总 sheets add up to ``summary.clawback_total``
(cells come from :mod:`.cells`, nothing is recomputed here).  Cells are typed:
rows and counts are numbers, dates are dates, money has two places and
thousands separators, execution rates are percentages.  Text is stored as text
— a ledger description ``=HYPERLINK(…)`` is a text cell, never a formula, and
shows without an apostrophe — and control characters (which Excel cannot
store) are shown as escapes such as ``\\x1b`` (see :mod:`.plain`).
Needs openpyxl (the ``excel`` extra).
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from ..errors import QianqiError
from ..models import Report
from .cells import (
    BUDGET_HEADERS,
    CLAWBACK_HEADERS,
    CLAWBACK_NOTE,
    FINDING_HEADERS,
    GAP_HEADERS,
    INPUT_ERROR_HEADERS,
    NOT_RUN_HEADERS,
    RECONCILIATION_HEADERS,
    RECOVERY_HEADERS,
    WAIVER_PROBLEM_HEADERS,
    Row,
    about_rows,
    budget_rows,
    clawback_rows,
    finding_rows,
    gap_rows,
    input_error_rows,
    looks_like_formula,
    not_run_rows,
    reconciliation_rows,
    recovery_rows,
    waiver_problem_rows,
)
from .plain import visible

MONEY_FORMAT = "#,##0.00"
PERCENT_FORMAT = "0.00%"
DATE_FORMAT = "YYYY-MM-DD"
PERCENT_COLUMNS = {"执行率"}
HEADER_FILL = "DDEBF7"


def _put(sheet: Any, row: int, column: int, value: Any, percent: bool = False) -> Any:
    """One typed cell: text as text (no formula, no visible quote), money, percent and date formats."""
    cell = sheet.cell(row=row, column=column)
    if isinstance(value, str):
        text = visible(value)
        cell.value = text
        cell.data_type = "s"  # never a formula, whatever the text
        if looks_like_formula(text):
            cell.quotePrefix = True  # and Excel keeps it text when the cell is edited
    else:
        cell.value = value
        if isinstance(value, Decimal):
            cell.number_format = PERCENT_FORMAT if percent else MONEY_FORMAT
        elif isinstance(value, dt.date):
            cell.number_format = DATE_FORMAT
    return cell


def _header(sheet: Any, row: int, headers: Sequence[str]) -> None:
    from openpyxl.styles import Font, PatternFill

    for column, text in enumerate(headers, start=1):
        cell = _put(sheet, row, column, text)
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor=HEADER_FILL)


def _sheet(book: Any, title: str, headers: Sequence[str], rows: list[Row], *, widths: dict[str, int] | None = None,
           page_header: str = "") -> Any:
    """A sheet holding one table: the header in row 1 (frozen, filterable, printed on every page)."""
    from openpyxl.utils import get_column_letter

    sheet = book.create_sheet(title)
    _header(sheet, 1, headers)
    percent = {i for i, h in enumerate(headers) if h in PERCENT_COLUMNS}
    for r, values in enumerate(rows, start=2):
        for c, value in enumerate(values):
            _put(sheet, r, c + 1, value, percent=c in percent)
    sheet.freeze_panes = "A2"
    if rows:
        sheet.auto_filter.ref = f"A1:{get_column_letter(len(headers))}{len(rows) + 1}"
    sheet.print_title_rows = "1:1"
    for name, width in (widths or {}).items():
        sheet.column_dimensions[get_column_letter(headers.index(name) + 1)].width = width
    if page_header:
        sheet.oddHeader.center.text = page_header
        sheet.oddFooter.center.text = "第 &P 页，共 &N 页"
    return sheet


def page_header(report: Report, today: dt.date) -> str:
    """The printed page header: project, rule pack, date (``&`` is a code in Excel headers)."""
    text = f"{report.project.code} {report.project.name}｜规则包 {report.pack.name} {report.pack.version}｜{today}"
    return visible(text).replace("&", "&&")[:250]


#: a section of the 说明 sheet: heading, column headers, rows, what to say when there are none
Section = tuple[str, Sequence[str], list[Row], str]


def report_sections(report: Report) -> list[Section]:
    """What a check could not do, for the 说明 sheet: rules not run, standards not checked, waiver problems."""
    return [
        ("未运行的规则", NOT_RUN_HEADERS, not_run_rows(report), "无：所有规则都已运行。"),
        ("开支标准未能检查（缺少数据，未按默认值猜测）", GAP_HEADERS, gap_rows(report), "无。"),
        ("豁免文件中的问题", WAIVER_PROBLEM_HEADERS, waiver_problem_rows(report), "无。"),
    ]


def about_sheet(book: Any, pairs: list[Row], sections: list[Section], header: str) -> None:
    """说明: what the report is about, then what it could not check — a reader learns it without the JSON."""
    from openpyxl.styles import Alignment, Font

    sheet = book.create_sheet("说明")
    title = _put(sheet, 1, 1, "“千人进千企”项目经费检查报告（管理办法第十四条）")
    title.font = Font(bold=True, size=14)
    row = 3
    for label, value in pairs:
        _put(sheet, row, 1, label).font = Font(bold=True)
        _put(sheet, row, 2, value)
        row += 1
    note = _put(sheet, row + 1, 1, CLAWBACK_NOTE)
    sheet.merge_cells(start_row=row + 1, start_column=1, end_row=row + 1, end_column=4)
    note.alignment = Alignment(wrap_text=True, vertical="top")
    sheet.row_dimensions[row + 1].height = 48
    row += 3
    for heading, headers, rows, empty in sections:
        _put(sheet, row, 1, f"{heading}：{len(rows)} 项").font = Font(bold=True)
        row += 1
        if not rows:
            _put(sheet, row, 1, empty)
            row += 2
            continue
        _header(sheet, row, headers)
        row += 1
        for values in rows:
            for c, value in enumerate(values, start=1):
                _put(sheet, row, c, value).alignment = Alignment(wrap_text=True, vertical="top")
            row += 1
        row += 1
    for letter, width in (("A", 22), ("B", 48), ("C", 50), ("D", 40), ("E", 30)):
        sheet.column_dimensions[letter].width = width
    sheet.oddHeader.center.text = header


def workbook() -> Any:
    """An empty workbook; a clear message when openpyxl is not installed."""
    try:
        from openpyxl import Workbook
    except ImportError:
        raise QianqiError("输出 Excel 报告需要 openpyxl：请运行 pip install 'qianqi-rules[excel]'",
                          code="excel-missing-writer", hint="或者用 --format csv 输出，Excel 也能打开。") from None
    book = Workbook()
    book.remove(book.active)
    return book


def render_xlsx(report: Report, *, color: bool = False, width: int | None = None,
                today: dt.date | None = None) -> bytes:
    today = today or dt.date.today()
    header = page_header(report, today)
    book = workbook()
    about_sheet(book, about_rows(report, today), report_sections(report), header)
    _sheet(book, "违规发现", FINDING_HEADERS, finding_rows(report), page_header=header,
           widths={"文件": 16, "行": 10, "日期": 11, "凭证号": 10, "科目": 14, "摘要": 30, "条款": 18, "标题": 28,
                   "说明": 60, "豁免或冲回": 20})
    _sheet(book, "预算执行", BUDGET_HEADERS, budget_rows(report), page_header=header,
           widths={"科目": 36, "批复预算": 14, "调整后预算": 14, "支出（扣除退款）": 16, "其中应追回": 14, "结余": 14})
    _sheet(book, "追回汇总", CLAWBACK_HEADERS, clawback_rows(report), page_header=header,
           widths={"情形": 20, "金额": 14, "涉及行": 40, "规则": 40})
    _sheet(book, "追回明细", RECOVERY_HEADERS, recovery_rows(report), page_header=header,
           widths={"情形": 20, "文件": 16, "行": 12, "凭证号": 12, "说明": 60, "计入追回": 14})
    _sheet(book, "无法读取的行", INPUT_ERROR_HEADERS, input_error_rows(report), page_header=header,
           widths={"文件": 16, "问题": 60})
    _sheet(book, "金额核对", RECONCILIATION_HEADERS, reconciliation_rows(report), page_header=header,
           widths={"去向": 30, "借方": 14, "贷方": 14, "借方−贷方": 14})
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
