"""What every tabular ledger format shares: finding the header, numbering and classifying rows.

A format (CSV, xlsx) only says how to read its records — lists of cell text,
one per spreadsheet row; this base finds the header among the opening rows
(exports often start with a title and the period), maps it to fields, and
classifies every later row exactly once as an entry, a skipped line (blank,
subtotal, title, footer) or a rejected row.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager

from ..errors import LedgerFileError, Position
from ..models import InputError
from .headers import HEADER_ALIASES, map_headers, missing_required
from .rows import RawRow, SkippedRow

SUBTOTAL_MARKERS = (
    "期初余额", "期末余额", "本月合计", "本年累计", "合计", "小计", "累计", "总计", "承前页", "过次页",
)
FOOTER_MARKERS = (
    "制单人", "制单", "制表人", "审核人", "记账人", "出纳", "打印时间", "打印日期", "财务负责人",
)
HEADER_SEARCH_ROWS = 20

Row = RawRow | SkippedRow | InputError
Records = Iterator[tuple[int, list[str]]]


def is_blank(cells: list[str]) -> bool:
    return all(not c.strip() for c in cells)


def find_header(records: Records, path: str) -> tuple[int, list[str], dict[str, int]] | None:
    """(row, cells, field -> column) of the first opening row that names the required columns."""
    for row, cells in records:
        if row > HEADER_SEARCH_ROWS:
            break
        mapping = map_headers(cells)
        if not missing_required(mapping):
            return row, cells, mapping
    return None


def missing_header_error(path: str, first_cells: list[str] | None) -> LedgerFileError:
    found = [c.strip() for c in (first_cells or []) if c.strip()]
    missing = missing_required(map_headers(first_cells or []))
    names = "、".join(f"{f}（{'/'.join(HEADER_ALIASES[f][1:4])}…）" for f in missing)
    return LedgerFileError(
        f"缺少必需的列: {names}；找到的表头: {'、'.join(found) if found else '（无）'}",
        position=Position(path, 1),
        code="ledger-missing-column",
        hint="台账必须有日期、费用科目和金额（或借方金额）三列，表头名称见 docs/ledger.md 的表头对照表。",
    )


class TabularLedger:
    """A ledger opened for reading: metadata now, rows streamed on demand."""

    path: str
    sha256: str
    size: int
    encoding: str
    header_row: int
    header_cells: list[str]
    columns: dict[str, int]
    headers: dict[str, str]

    def _set_header(self, row: int, cells: list[str], columns: dict[str, int]) -> None:
        self.header_row, self.header_cells, self.columns = row, cells, columns
        #: field -> the header text used for it, as written in the file
        self.headers = {f: cells[i].strip() for f, i in columns.items()}

    def _records(self, progress: Callable[[int], None] | None = None) -> AbstractContextManager[Records]:
        """Every record of the file as (spreadsheet row, cell texts); ``progress`` gets bytes read."""
        raise NotImplementedError

    def rows(self, progress: Callable[[int], None] | None = None) -> Iterator[Row]:
        """Every row after the header, in file order, each classified exactly once."""
        width = len(self.header_cells)
        category_index = self.columns["category"]
        description_index = self.columns.get("description")
        with self._records(progress) as records:
            for row, cells in records:
                if row < self.header_row:
                    yield SkippedRow(row, "表头之前的标题行")
                elif row > self.header_row:
                    yield self._classify(row, cells, width, category_index, description_index)

    def cells_at(self, wanted: set[int]) -> Iterator[RawRow]:
        """The rows numbered in ``wanted``, as raw rows, reading no further than the last of them."""
        remaining = set(wanted)
        if not remaining:
            return
        with self._records() as records:
            for row, cells in records:
                if row in remaining:
                    remaining.discard(row)
                    yield RawRow(row, {f: cells[i] if i < len(cells) else "" for f, i in self.columns.items()})
                    if not remaining:
                        return

    def _classify(
        self, row: int, cells: list[str], width: int, category_index: int, description_index: int | None
    ) -> Row:
        if len(cells) == width and cells[category_index].strip():  # the common case: a full row with a category
            return RawRow(row, {field: cells[index] for field, index in self.columns.items()})
        if is_blank(cells):
            return SkippedRow(row, "空行")
        category = cells[category_index].strip() if category_index < len(cells) else ""
        if not category:
            label = ""
            if description_index is not None and description_index < len(cells):
                label = cells[description_index].strip()
            first = next((c.strip() for c in cells if c.strip()), "")
            for text in (label, first):
                if any(m in text for m in SUBTOTAL_MARKERS):
                    return SkippedRow(row, f"合计/余额行（{text}）")
            if any(first.startswith(m) for m in FOOTER_MARKERS):
                return SkippedRow(row, f"表尾说明行（{first}）")
        if len(cells) < width:
            missing = self.header_cells[len(cells)].strip()
            return InputError(
                row=row,
                column=missing,
                value=None,
                code="row-too-few-fields",
                message=f"该行只有 {len(cells)} 个字段，表头有 {width} 列（从“{missing}”列起缺失）",
            )
        if len(cells) > width and not is_blank(cells[width:]):
            return InputError(
                row=row,
                column=None,
                value=",".join(cells[width:])[:200],
                code="row-too-many-fields",
                message=f"该行有 {len(cells)} 个字段，多于表头的 {width} 列（金额中的逗号是否未加引号？）",
            )
        return RawRow(row, {field: cells[index] for field, index in self.columns.items()})
