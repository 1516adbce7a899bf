"""Excel 97–2003 (.xls) ledgers — 用友 U8's usual export — read with python-calamine (the ``excel`` extra).

calamine reads the binary BIFF format in Rust, with no Excel installed and no
macro run.  Cells become text exactly as in :mod:`.xlsx_reader` (dates as
``2025-03-05``, numbers as their shortest decimal text), so money takes the
same exact path as a CSV cell.  The first visible sheet is read unless one is named.
"""

from __future__ import annotations

import contextlib
import hashlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from ..errors import LedgerFileError, Position
from .csv_reader import opening, require_regular
from .layout import LedgerLayout, find_header
from .tabular import Records, TabularLedger
from .xlsx_reader import cell_text

MISSING_XLS_READER = "读取 .xls 台账需要 python-calamine：请运行 pip install 'qianqi-rules[excel]'"


class XlsLedger(TabularLedger):
    """An .xls ledger: one sheet, its rows numbered as in the sheet."""

    def __init__(self, path: str, sheet: str | None = None, layout: LedgerLayout | None = None) -> None:
        layout = layout or LedgerLayout()
        try:
            import python_calamine
        except ImportError:
            raise LedgerFileError(MISSING_XLS_READER, position=Position(path), code="excel-missing-reader",
                                  hint="或者在 Excel 中另存为 .xlsx 或 CSV UTF-8 后再检查。") from None
        self.path = path
        self.encoding = "xls"
        raw = Path(path).read_bytes()
        self.sha256 = hashlib.sha256(raw).hexdigest()
        self.size = len(raw)
        try:
            book = python_calamine.CalamineWorkbook.from_path(path)
            names = list(book.sheet_names)
            if sheet is not None:
                if sheet not in names:
                    raise LedgerFileError(f"工作簿中没有工作表“{sheet}”（有: {'、'.join(names)}）",
                                          position=Position(path), code="excel-no-sheet")
                chosen = sheet
            else:
                visible = [m.name for m in book.sheets_metadata if str(m.visible).endswith("Visible")
                           and not str(m.visible).endswith("Hidden")]
                if not (visible or names):
                    raise LedgerFileError("工作簿中没有工作表", position=Position(path), code="excel-unreadable")
                chosen = (visible or names)[0]
            grid = book.get_sheet_by_name(chosen).to_python(skip_empty_area=False)
        except LedgerFileError:
            raise
        except Exception as exc:  # noqa: BLE001 - a broken workbook raises calamine's own errors
            raise LedgerFileError(f"无法读取 .xls 文件: {type(exc).__name__}: {str(exc)[:200]}", position=Position(path),
                                  code="excel-unreadable", hint="请确认文件是 Excel 97–2003 工作簿且没有损坏。") from None
        self.sheet = self.sheet_read = chosen
        self._grid: list[list[Any]] = grid
        with self._records() as records:
            found = find_header(records, layout.lookup())
        self._set_header(found, layout)

    @contextlib.contextmanager
    def _records(self, progress: Callable[[int], None] | None = None) -> Iterator[Records]:
        total = max(len(self._grid), 1)

        def records() -> Records:
            for row, values in enumerate(self._grid, start=1):
                if progress is not None and not row % 5000:
                    progress(int(self.size * row / total))
                cells = [cell_text(v) for v in values]
                while cells and not cells[-1]:
                    cells.pop()
                yield row, cells

        yield records()

    pad_short_rows = True  # a sheet's empty trailing cells are simply absent


def read_xls(path: str | Path, sheet: str | None = None, layout: LedgerLayout | None = None) -> XlsLedger:
    name = str(path)
    with opening(name):
        require_regular(name)
        return XlsLedger(name, sheet, layout)
