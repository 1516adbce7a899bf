"""The report as an Excel workbook: findings, budget execution, money to recover, unreadable rows.

Chinese headers, frozen header rows, money with two places and thousands
separators, execution rates as percentages; text cells are formula-safe, and
control characters (which Excel cannot store) are shown as escapes such as
``\x1b`` (see :mod:`.plain`).
Needs openpyxl (the ``excel`` extra).
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any

from ..errors import QianqiError
from ..models import Report
from .cells import (
    BUDGET_HEADERS,
    CLAWBACK_HEADERS,
    FINDING_HEADERS,
    INPUT_ERROR_HEADERS,
    RECONCILIATION_HEADERS,
    budget_rows,
    clawback_rows,
    finding_rows,
    input_error_rows,
    reconciliation_rows,
)
from .plain import visible

MONEY_FORMAT = "#,##0.00"
PERCENT_FORMAT = "0.00%"


def _sheet(book: Any, title: str, headers: Sequence[str], rows: list[list[Any]], money: set[int],
           percent: frozenset[int] | set[int] = frozenset(), widths: dict[int, int] | None = None) -> None:
    from openpyxl.styles import Font, PatternFill

    sheet = book.create_sheet(title)
    sheet.append(list(headers))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="DDEBF7")
    for row in rows:
        sheet.append([visible(value) if isinstance(value, str) else value for value in row])
        for index, cell in enumerate(sheet[sheet.max_row]):
            if isinstance(cell.value, str):
                cell.data_type = "s"  # never a formula, whatever the text
            if index in money:
                cell.number_format = MONEY_FORMAT
            elif index in percent:
                cell.number_format = PERCENT_FORMAT
    sheet.freeze_panes = "A2"
    from openpyxl.utils import get_column_letter

    for index, width in (widths or {}).items():
        sheet.column_dimensions[get_column_letter(index + 1)].width = width


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


def render_xlsx(report: Report, *, color: bool = False, width: int | None = None) -> bytes:
    book = workbook()
    _sheet(book, "违规发现", FINDING_HEADERS, finding_rows(report), money={7, 13, 14},
           widths={1: 10, 4: 14, 5: 30, 8: 18, 10: 28, 12: 60})
    _sheet(book, "预算执行", BUDGET_HEADERS, budget_rows(report), money={2, 3, 4, 5, 6}, percent={7},
           widths={0: 36, 2: 14, 3: 14, 4: 16, 5: 14, 6: 14})
    _sheet(book, "追回汇总", CLAWBACK_HEADERS, clawback_rows(report), money={1}, widths={0: 20, 2: 40, 3: 40})
    _sheet(book, "无法读取的行", INPUT_ERROR_HEADERS, input_error_rows(report), money=set(), widths={4: 60})
    _sheet(book, "金额核对", RECONCILIATION_HEADERS, reconciliation_rows(report), money={2, 3, 4}, widths={0: 30})
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
