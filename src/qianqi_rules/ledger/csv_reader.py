"""CSV ledgers as exported by Excel and Chinese accounting software.

Encoding is detected without being told (UTF-8 with or without BOM, UTF-16
with BOM, GB18030/GBK); the delimiter is a comma, a tab or a semicolon,
whichever yields the header; the header is the first of the opening rows that
names the required columns (exports often start with a title and the period).
A row's number is its spreadsheet row: a quoted line break does not start a new row.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
from collections.abc import Callable, Iterator
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


_CHUNK = 1 << 20


def _sniff(path: str) -> tuple[str, str]:
    """Read the file once, in chunks: (sha256, encoding).  Nothing but a chunk is held in memory.

    A BOM decides; otherwise the file is UTF-8 if every byte decodes as UTF-8,
    else GB18030 (a superset of GBK) if every byte decodes as that.
    """
    digest = hashlib.sha256()
    utf8 = codecs.getincrementaldecoder("utf-8")("strict")
    is_utf8 = True
    first = b""
    with open(path, "rb") as f:
        while chunk := f.read(_CHUNK):
            if not first:
                first = chunk[:4]
            digest.update(chunk)
            if is_utf8:
                try:
                    utf8.decode(chunk)
                except UnicodeDecodeError:
                    is_utf8 = False
        if is_utf8:
            try:
                utf8.decode(b"", final=True)
            except UnicodeDecodeError:
                is_utf8 = False
    if first.startswith(b"\xef\xbb\xbf"):
        return digest.hexdigest(), "utf-8-sig" if is_utf8 else _fallback(path)
    if first.startswith((b"\xff\xfe", b"\xfe\xff")):
        return digest.hexdigest(), _check(path, "utf-16") or _fallback(path)
    return digest.hexdigest(), "utf-8" if is_utf8 else _fallback(path)


def _check(path: str, encoding: str) -> str | None:
    decoder = codecs.getincrementaldecoder(encoding)("strict")
    try:
        with open(path, "rb") as f:
            while chunk := f.read(_CHUNK):
                decoder.decode(chunk)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return None
    return encoding


def _fallback(path: str) -> str:
    found = _check(path, "gb18030")
    if found is None:
        raise LedgerFileError(
            "无法识别文件编码（既不是 UTF-8，也不是 GB18030/GBK）",
            position=Position(path),
            code="ledger-encoding",
            hint="请从会计软件或 Excel 重新导出为“CSV UTF-8”或 GBK 编码的 CSV 文件。",
        )
    return found


def _open_text(path: str, encoding: str) -> io.TextIOWrapper:
    return open(path, encoding=encoding, newline="")  # the caller closes it


def _is_blank(cells: list[str]) -> bool:
    return all(not c.strip() for c in cells)


class CsvLedger:
    """An opened CSV ledger: its metadata now, its rows streamed on demand (:meth:`rows`)."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.sha256, self.encoding = _sniff(path)
        self.size = Path(path).stat().st_size
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
                with _open_text(self.path, self.encoding) as stream:
                    records = csv.reader(stream, delimiter=delimiter, strict=False)
                    for index, cells in enumerate(records, start=1):
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

    def rows(self, progress: Callable[[int], None] | None = None) -> Iterator[Row]:
        """Every row after the header, in file order, each classified exactly once.

        ``progress`` is called now and then with the number of bytes read so far.
        """
        width = len(self.header_cells)
        columns = self.columns
        category_index = columns["category"]
        description_index = columns.get("description")
        with open(self.path, "rb") as raw, io.TextIOWrapper(raw, encoding=self.encoding, newline="") as stream:
            records = csv.reader(stream, delimiter=self.delimiter, strict=False)
            try:
                for row, cells in enumerate(records, start=1):
                    if progress is not None and not row % 5000:
                        progress(raw.tell())
                    if row < self.header_row:
                        yield SkippedRow(row, "表头之前的标题行")
                        continue
                    if row == self.header_row:
                        continue
                    yield self._classify(row, cells, width, category_index, description_index)
            except csv.Error as exc:
                raise LedgerFileError(
                    f"CSV 格式错误: {exc}",
                    position=Position(self.path, records.line_num),
                    code="ledger-csv",
                ) from None

    def cells_at(self, wanted: set[int]) -> Iterator[RawRow]:
        """The rows numbered in ``wanted``, as raw rows, reading no further than the last of them."""
        remaining = set(wanted)
        if not remaining:
            return
        with _open_text(self.path, self.encoding) as stream:
            for row, cells in enumerate(csv.reader(stream, delimiter=self.delimiter, strict=False), start=1):
                if row in remaining:
                    remaining.discard(row)
                    yield RawRow(row, {field: cells[i] if i < len(cells) else "" for field, i in self.columns.items()})
                    if not remaining:
                        return

    def _classify(
        self, row: int, cells: list[str], width: int, category_index: int, description_index: int | None
    ) -> Row:
        if len(cells) == width and cells[category_index].strip():  # the common case: a full row with a category
            return RawRow(row, {field: cells[index] for field, index in self.columns.items()})
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
        return CsvLedger(name)
    except FileNotFoundError:
        raise LedgerFileError("台账文件不存在", position=Position(name), code="ledger-not-found") from None
    except IsADirectoryError:
        raise LedgerFileError("这是一个目录，不是台账文件", position=Position(name), code="ledger-unreadable") from None
    except OSError as exc:
        raise LedgerFileError(
            f"无法读取台账文件: {exc.strerror}", position=Position(name), code="ledger-unreadable"
        ) from None
