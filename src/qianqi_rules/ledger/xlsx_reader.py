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
import re
import zipfile
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

from ..errors import LedgerFileError, Position
from .csv_reader import opening, require_regular
from .layout import LedgerLayout, find_header
from .tabular import Records, TabularLedger

#: what a workbook may unpack to.  openpyxl streams a worksheet but holds the shared strings and styles in
#: memory, so those are bounded tightly; a 1,000,000-row ledger's sheet XML is about 500 MB.
MAX_SHEET_BYTES = 2 * 1024**3
MAX_PART_BYTES = 256 * 1024**2
#: a part this big that packs more tightly than any real ledger (sheet XML packs 5–20 times) is a zip bomb
BOMB_SIZE, BOMB_RATIO = 64 * 1024**2, 200

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
        _check_unpacked(path)
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
        formulas = None
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
            formulas = _uncached_formulas(self.path, getattr(worksheet, "_worksheet_path", ""))

            def records() -> Records:
                rows = worksheet.iter_rows(min_row=1, values_only=True)
                if formulas is not None:
                    rows = _with_formulas(rows, formulas[0][worksheet.title].iter_rows(min_row=1, values_only=True))
                row = 0
                try:
                    for row, values in enumerate(rows, start=1):
                        if progress is not None and not row % 5000:
                            progress(int(self.size * row / total))
                        cells = [cell_text(v) for v in values]
                        while cells and not cells[-1]:
                            cells.pop()  # Excel pads rows to the sheet's width
                        yield row, cells
                except (ValueError, IndexError, KeyError, TypeError) as exc:  # a cell its writer broke
                    raise LedgerFileError(
                        f"第 {row + 1} 行有无法读取的单元格（{type(exc).__name__}: {str(exc)[:120]}），"
                        "例如数值格式的单元格里存的是文字", position=Position(self.path, row + 1),
                        code="excel-unreadable", hint="请在 Excel 中打开该文件，检查这一行后重新保存。",
                    ) from None

            yield records()
        finally:
            book.close()
            handle.close()
            if formulas is not None:
                formulas[0].close()
                formulas[1].close()

    pad_short_rows = True  # a sheet's empty trailing cells are simply absent


#: a formula cell saved with no computed value (a workbook written by a program, never opened in Excel)
_UNCACHED = re.compile(rb"</f>\s*(?:<v\s*/>|<v>\s*</v>)?\s*</c>|<f\b[^>]*/>\s*</c>")


def _uncached_formulas(path: str, part: str) -> Any:
    """The same workbook with formulas as text, when the sheet holds formulas Excel never computed; else ``None``.

    Such a cell reads as empty with ``data_only``; its formula text is shown
    instead, so the row is rejected saying it is a formula.
    """
    try:
        with zipfile.ZipFile(path) as archive, archive.open(part.lstrip("/")) as sheet:
            tail = b""
            while chunk := sheet.read(1 << 20):
                if _UNCACHED.search(tail + chunk):
                    break
                tail = chunk[-64:]
            else:
                return None
    except (KeyError, zipfile.BadZipFile, OSError, ValueError):
        return None
    import openpyxl

    handle = open(path, "rb")  # a file, not a name: openpyxl would refuse a workbook named .csv
    return openpyxl.load_workbook(handle, read_only=True, data_only=False), handle


def _with_formulas(values: Iterator[tuple[Any, ...]], formulas: Iterator[tuple[Any, ...]]) -> Iterator[tuple[Any, ...]]:
    """Rows of computed values, with a formula's text where the formula has no computed value."""
    for computed, written in zip(values, formulas):
        if None in computed and any(isinstance(w, str) and w.startswith("=") for w in written):
            computed = tuple(
                w if c is None and isinstance(w, str) and w.startswith("=") else c
                for c, w in zip(computed, written)
            )
        yield computed


def _check_unpacked(path: str) -> None:
    """Refuse a workbook that would unpack to more than a ledger can hold (a zip bomb) before opening it.

    The sizes are the zip directory's own; Python's zipfile never inflates a
    part past its stated size (a part that lies fails its CRC check instead).
    """
    try:
        with zipfile.ZipFile(path) as archive:
            parts = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError):
        return  # openpyxl says what is wrong with it
    total_sheets = 0
    for part in parts:
        size, packed = part.file_size, max(part.compress_size, 1)
        is_sheet = part.filename.startswith("xl/worksheets/")
        total_sheets += size if is_sheet else 0
        limit = MAX_SHEET_BYTES if is_sheet else MAX_PART_BYTES
        bomb = size > BOMB_SIZE and size / packed > BOMB_RATIO
        if size > limit or total_sheets > MAX_SHEET_BYTES or bomb:
            raise LedgerFileError(
                f"Excel 文件中的“{part.filename}”解压后有 {size:,} 字节（压缩时 {part.compress_size:,} 字节），"
                "超出台账可能的大小，疑似压缩炸弹或导出出错，没有读取",
                position=Position(path), code="excel-too-large",
                hint="请在 Excel 中打开并检查该文件，另存为 .xlsx 或“CSV UTF-8”后再检查；确实很大的台账请导出为 CSV。",
            )


def read_xlsx(path: str | Path, sheet: str | None = None, layout: LedgerLayout | None = None) -> XlsxLedger:
    name = str(path)
    with opening(name):
        require_regular(name)
        return XlsxLedger(name, sheet, layout)
