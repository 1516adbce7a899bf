"""Excel (.xlsx) ledgers, read with openpyxl (the optional ``excel`` extra).

The first sheet is read unless a sheet is named.  Rows keep the sheet's own
numbers.  A date stored as an Excel date becomes ``2025-03-05``; a number
stored as a number becomes the shortest decimal text that reads back as the
same number (``1234.5``, never ``1234.4999999``), so money is still parsed
exactly as :class:`~decimal.Decimal` — the same path a CSV cell takes.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

from ..errors import LedgerFileError, Position
from .csv_reader import opening
from .layout import LedgerLayout, find_header
from .tabular import Records, TabularLedger

MISSING_READER = "读取 Excel 台账需要 openpyxl：请运行 pip install 'qianqi-rules[excel]'"


def cell_text(value: Any) -> str:
    """A cell's value as the text a CSV export would hold."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        if value.is_integer():
            return str(int(value))
        return format(Decimal(repr(value)), "f")
    if isinstance(value, int):
        return str(value)
    return str(value)


class XlsxLedger(TabularLedger):
    """An Excel ledger: one sheet, its rows numbered as in the sheet."""

    def __init__(self, path: str, sheet: str | None = None, layout: LedgerLayout | None = None) -> None:
        layout = layout or LedgerLayout()
        try:
            import openpyxl  # noqa: F401 - checked here so the message names the fix
        except ImportError:
            raise LedgerFileError(MISSING_READER, position=Position(path), code="excel-missing-reader",
                                  hint="或者从 Excel 另存为 CSV UTF-8 后再检查。") from None
        self.path = path
        self.sheet = sheet
        self.encoding = "xlsx"
        raw = Path(path).read_bytes()
        self.sha256 = hashlib.sha256(raw).hexdigest()
        self.size = len(raw)
        with self._records() as records:
            found = find_header(records, layout.lookup())
        self._set_header(found, layout)

    @contextlib.contextmanager
    def _records(self, progress: Callable[[int], None] | None = None) -> Iterator[Records]:
        import openpyxl
        from openpyxl.utils.exceptions import InvalidFileException

        handle = open(self.path, "rb")  # a file, not a name: openpyxl would refuse a workbook named .csv
        try:
            book = openpyxl.load_workbook(handle, read_only=True, data_only=True)
        except (InvalidFileException, KeyError, OSError, ValueError) as exc:
            handle.close()
            raise LedgerFileError(f"无法读取 Excel 文件: {exc}", position=Position(self.path),
                                  code="excel-unreadable", hint="请确认文件是 .xlsx 格式且没有损坏。") from None
        except Exception as exc:  # noqa: BLE001 - a broken zip or XML raises many kinds of errors
            handle.close()
            raise LedgerFileError(f"无法读取 Excel 文件: {type(exc).__name__}", position=Position(self.path),
                                  code="excel-unreadable", hint="请确认文件是 .xlsx 格式且没有损坏。") from None
        try:
            if self.sheet is not None:
                if self.sheet not in book.sheetnames:
                    raise LedgerFileError(
                        f"工作簿中没有工作表“{self.sheet}”（有: {'、'.join(book.sheetnames)}）",
                        position=Position(self.path), code="excel-no-sheet",
                    )
                worksheet = book[self.sheet]
            else:  # the first sheet an officer can see: a hidden first sheet is not the ledger
                visible = [ws for ws in book.worksheets if getattr(ws, "sheet_state", "visible") == "visible"]
                worksheet = (visible or book.worksheets)[0]
            self.sheet_read = worksheet.title
            total = max(worksheet.max_row or 1, 1)

            def records() -> Records:
                for row, values in enumerate(worksheet.iter_rows(min_row=1, values_only=True), start=1):
                    if progress is not None and not row % 5000:
                        progress(int(self.size * row / total))
                    cells = [cell_text(v) for v in values]
                    while cells and not cells[-1]:
                        cells.pop()  # Excel pads rows to the sheet's width
                    yield row, cells

            yield records()
        finally:
            book.close()
            handle.close()

    pad_short_rows = True  # a sheet's empty trailing cells are simply absent


def read_xlsx(path: str | Path, sheet: str | None = None, layout: LedgerLayout | None = None) -> XlsxLedger:
    name = str(path)
    with opening(name):
        return XlsxLedger(name, sheet, layout)
