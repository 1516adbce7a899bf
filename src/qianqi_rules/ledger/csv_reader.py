"""CSV ledgers as exported by Excel and Chinese accounting software.

Encoding is detected without being told (UTF-8 with or without BOM, UTF-16
with BOM, GB18030/GBK); the delimiter is a comma, a tab or a semicolon,
whichever yields the header; the header is the first of the opening rows that
names the required columns (exports often start with a title and the period).
A row's number is its spreadsheet row: a quoted line break does not start a new row.
"""

from __future__ import annotations

import csv
import hashlib
import io
from collections.abc import Iterator
from pathlib import Path

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
MAX_FIELD = 64 * 1024 * 1024

Row = RawRow | SkippedRow | InputError


def decode(raw: bytes, path: str) -> tuple[str, str]:
    """Return (text, encoding name); raise LedgerFileError if no known encoding fits."""
    if raw.startswith(b"\xef\xbb\xbf"):
        candidates = ["utf-8-sig"]
    elif raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        candidates = ["utf-16"]
    else:
        candidates = ["utf-8", "gb18030"]
    for encoding in candidates:
        try:
            return raw.decode(encoding), encoding
        except UnicodeDecodeError:
            continue
    raise LedgerFileError(
        "无法识别文件编码（既不是 UTF-8，也不是 GB18030/GBK）",
        position=Position(path),
        code="ledger-encoding",
        hint="请从会计软件或 Excel 重新导出为“CSV UTF-8”或 GBK 编码的 CSV 文件。",
    )


def _records(text: str, delimiter: str) -> Iterator[list[str]]:
    return csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=False)


def _is_blank(cells: list[str]) -> bool:
    return all(not c.strip() for c in cells)


class CsvLedger:
    """An opened CSV ledger: its metadata now, its rows on demand (:meth:`rows`)."""

    def __init__(self, path: str, raw: bytes) -> None:
        self.path = path
        self.sha256 = hashlib.sha256(raw).hexdigest()
        self.text, self.encoding = decode(raw, path)
        if csv.field_size_limit() < MAX_FIELD:
            csv.field_size_limit(MAX_FIELD)
        self.delimiter, self.header_row, self.header_cells, self.columns = self._find_header()
        #: field -> the header text used for it, as written in the file
        self.headers = {f: self.header_cells[i].strip() for f, i in self.columns.items()}

    def _find_header(self) -> tuple[str, int, list[str], dict[str, int]]:
        best: tuple[int, str, int, list[str], dict[str, int]] | None = None
        first_cells: list[str] | None = None
        for delimiter in (",", "\t", ";"):
            try:
                for index, cells in enumerate(_records(self.text, delimiter), start=1):
                    if index > HEADER_SEARCH_ROWS:
                        break
                    if first_cells is None and not _is_blank(cells):
                        first_cells = cells
                    mapping = map_headers(cells)
                    if not missing_required(mapping):
                        if best is None or len(mapping) > best[0]:
                            best = (len(mapping), delimiter, index, cells, mapping)
                        break
            except csv.Error as exc:
                raise LedgerFileError(
                    f"CSV 格式错误: {exc}", position=Position(self.path), code="ledger-csv"
                ) from None
        if best is None:
            found = [c.strip() for c in (first_cells or []) if c.strip()]
            mapping = map_headers(first_cells or [])
            missing = missing_required(mapping)
            names = "、".join(f"{f}（{'/'.join(HEADER_ALIASES[f][1:4])}…）" for f in missing)
            raise LedgerFileError(
                f"缺少必需的列: {names}；找到的表头: {'、'.join(found) if found else '（无）'}",
                position=Position(self.path, 1),
                code="ledger-missing-column",
                hint="台账必须有日期、费用科目和金额（或借方金额）三列，表头名称见 CONTRACT 的表头对照表。",
            )
        _, delimiter, header_row, cells, mapping = best
        return delimiter, header_row, cells, mapping

    def rows(self) -> Iterator[Row]:
        """Every row after the header, in file order, each classified exactly once."""
        width = len(self.header_cells)
        columns = self.columns
        category_index = columns["category"]
        description_index = columns.get("description")
        records = _records(self.text, self.delimiter)
        try:
            for row, cells in enumerate(records, start=1):
                if row < self.header_row:
                    yield SkippedRow(row, "表头之前的标题行")
                    continue
                if row == self.header_row:
                    continue
                yield self._classify(row, cells, width, category_index, description_index)
        except csv.Error as exc:
            raise LedgerFileError(
                f"CSV 格式错误: {exc}",
                position=Position(self.path, getattr(records, "line_num", None)),
                code="ledger-csv",
            ) from None

    def _classify(
        self, row: int, cells: list[str], width: int, category_index: int, description_index: int | None
    ) -> Row:
        if _is_blank(cells):
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
        if len(cells) > width and not _is_blank(cells[width:]):
            return InputError(
                row=row,
                column=None,
                value=",".join(cells[width:])[:200],
                code="row-too-many-fields",
                message=f"该行有 {len(cells)} 个字段，多于表头的 {width} 列（金额中的逗号是否未加引号？）",
            )
        return RawRow(row, {field: cells[index] for field, index in self.columns.items()})


def read_csv(path: str | Path) -> CsvLedger:
    """Open a CSV ledger; raises :class:`LedgerFileError` when it cannot be read at all."""
    name = str(path)
    try:
        raw = Path(path).read_bytes()
    except FileNotFoundError:
        raise LedgerFileError("台账文件不存在", position=Position(name), code="ledger-not-found") from None
    except IsADirectoryError:
        raise LedgerFileError("这是一个目录，不是台账文件", position=Position(name), code="ledger-unreadable") from None
    except OSError as exc:
        raise LedgerFileError(
            f"无法读取台账文件: {exc.strerror}", position=Position(name), code="ledger-unreadable"
        ) from None
    return CsvLedger(name, raw)
