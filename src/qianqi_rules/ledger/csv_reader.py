"""CSV ledgers as exported by Excel and Chinese accounting software.

Encoding is detected without being told (UTF-8 with or without BOM, UTF-16
with BOM, GB18030/GBK); the delimiter is a comma, a tab or a semicolon,
whichever yields the header; the header is the first of the opening rows that
names the required columns (exports often start with a title and the period).
A row's number is its spreadsheet row: a quoted line break does not start a new row.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import hashlib
import io
import os
import re
import stat
from collections.abc import Callable, Iterator
from pathlib import Path

from ..errors import LedgerFileError, Position
from .layout import Header, HeaderMiss, LedgerLayout, find_header
from .span import Span
from .tabular import Records, TabularLedger, UnreadableRecord

MAX_FIELD = 64 * 1024 * 1024

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


def allow_large_fields() -> None:
    """Let csv.reader read cells of up to :data:`MAX_FIELD` (a process reading a ledger it did not open calls it too)."""
    if csv.field_size_limit() < MAX_FIELD:
        csv.field_size_limit(MAX_FIELD)


def _open_text(path: str, encoding: str) -> io.TextIOWrapper:
    return open(path, encoding=encoding, newline="")  # the caller closes it


class CsvLedger(TabularLedger):
    """A CSV ledger: encoding and delimiter detected, records streamed."""

    def __init__(self, path: str, layout: LedgerLayout | None = None) -> None:
        layout = layout or LedgerLayout()
        lookup = layout.lookup()
        self.path = path
        self.sha256, self.encoding = _sniff(path)
        self.size = Path(path).stat().st_size
        allow_large_fields()
        self.delimiter = ","
        tried: list[tuple[bool, int, str, Header | HeaderMiss]] = []
        for delimiter in (",", "\t", ";"):  # the one whose header names the most fields
            self.delimiter = delimiter
            with self._records() as records:
                found = find_header(records, lookup)
            tried.append((isinstance(found, Header), len(found.columns), delimiter, found))
        # a found header beats a miss; then the most fields; then the earlier delimiter
        _, _, self.delimiter, chosen = max(tried, key=lambda t: (t[0], t[1], -tried.index(t)))
        self._set_header(chosen, layout)

    @contextlib.contextmanager
    def _records(self, progress: Callable[[int], None] | None = None, span: Span | None = None) -> Iterator[Records]:
        encoding = self.encoding
        with open(self.path, "rb") as raw:
            if span is not None and span.start:
                raw.seek(span.start)  # a record begins here (ledger.split): decoding starts afresh
                encoding = "utf-8" if encoding == "utf-8-sig" else encoding  # no BOM in the middle of a file
            stream = io.TextIOWrapper(raw, encoding=encoding, newline="")  # closing ``raw`` is enough
            lines = _Lines(stream)
            if span is not None:
                lines.number, lines.stop = span.line, span.stop

            def records() -> Records:
                reader = csv.reader(lines, delimiter=self.delimiter, strict=False)
                row = span.row if span is not None else 0
                while True:
                    lines.taken = []
                    try:
                        cells = next(reader)
                    except StopIteration:
                        return
                    except csv.Error as exc:
                        raise LedgerFileError(
                            f"CSV 格式错误: {exc}", position=Position(self.path, lines.number), code="ledger-csv"
                        ) from None
                    row += 1
                    taken = lines.taken
                    if len(taken) > 1 and self._runaway(taken, cells):
                        # the quote that opened on this line never closed where a field could end: reject the
                        # line and read the lines it swallowed again, as the rows they are
                        first = lines.number - len(taken) + 1
                        lines.push_back(taken[1:])
                        reader = csv.reader(lines, delimiter=self.delimiter, strict=False)
                        yield row, UnclosedQuote(taken[0], first)
                        continue
                    if progress is not None and not row % 5000:
                        progress(raw.tell())
                    yield row, cells

            yield records()

    def _runaway(self, taken: list[str], cells: list[str]) -> bool:
        """Whether a record spanning several lines is an unclosed quote, not a quoted line break."""
        if len(taken) > MAX_QUOTED_LINES:
            return True
        width = len(getattr(self, "header_cells", ())) or 3
        inside = [line for cell in cells if "\n" in cell or "\r" in cell for line in cell.splitlines()[1:]]
        for line in inside:
            if line.count(self.delimiter) >= max(2, width - 1):
                return True  # a line swallowed into the quoted cell has a whole row's worth of fields
            if self.delimiter in line and _ROW_START.match(line.split(self.delimiter, 1)[0].strip()):
                return True  # ... or begins like a row: a date or a serial number, then a field
        try:
            list(csv.reader(io.StringIO("".join(taken)), delimiter=self.delimiter, strict=True))
        except csv.Error:
            return True  # the quote is still open at the end of the file
        return False


_ROW_START = re.compile(r"\d{4}[-/.年]\d{1,2}|\d{8}$|\d{1,7}$")
#: a quoted field may hold line breaks, but no real ledger cell runs over this many lines
MAX_QUOTED_LINES = 20


class UnclosedQuote(UnreadableRecord):
    """A line whose quote never closed: rejected as a row; the lines after it are read as rows again."""

    code = "csv-unclosed-quote"

    def __init__(self, text: str, line: int) -> None:
        super().__init__([text.rstrip("\r\n")])
        self.line = line
        self.message = (f"文件第 {line} 行的引号（\"）没有闭合，这一行无法读取；"
                        "其后各行已照常读取（请在原文件中补上或删去这个引号）")


class _Lines:
    """The file's physical lines for csv.reader, counting them and keeping those of the current record."""

    def __init__(self, stream: io.TextIOBase) -> None:
        self.stream = stream
        self.pending: list[str] = []  # lines to read again, last first
        self.taken: list[str] = []
        self.number = 0  # physical lines handed out (the last one's number)
        self.stop: int | None = None  # the last line to hand out (a span's), or None: to the end

    def __iter__(self) -> _Lines:
        return self

    def __next__(self) -> str:
        if self.number == self.stop:
            raise StopIteration
        line = self.pending.pop() if self.pending else self.stream.readline()
        if not line:
            raise StopIteration
        self.number += 1
        self.taken.append(line)
        return line

    def push_back(self, lines: list[str]) -> None:
        self.pending.extend(reversed(lines))
        self.number -= len(lines)


def read_csv(path: str | Path, layout: LedgerLayout | None = None) -> CsvLedger:
    """Open a CSV ledger; raises :class:`LedgerFileError` when it cannot be read at all."""
    name = str(path)
    with opening(name):
        require_regular(name)
        return CsvLedger(name, layout)


def require_regular(name: str) -> None:
    """Refuse a pipe, a device or a socket: a FIFO would block for ever and ``/dev/zero`` never ends."""
    mode = os.stat(name).st_mode
    if not stat.S_ISREG(mode) and not stat.S_ISDIR(mode):  # a directory gets its own message from open()
        raise LedgerFileError(
            "这不是普通文件（是设备、管道或套接字），无法当作台账读取", position=Position(name),
            code="ledger-not-regular-file", hint="请指定磁盘上的台账文件（.csv、.xlsx 或 .xls）。",
        )


@contextlib.contextmanager
def opening(name: str) -> Iterator[None]:
    """Turn the OS's complaints about a ledger file into :class:`LedgerFileError`."""
    try:
        yield
    except FileNotFoundError:
        raise LedgerFileError("台账文件不存在", position=Position(name), code="ledger-not-found") from None
    except IsADirectoryError:
        raise LedgerFileError("这是一个目录，不是台账文件", position=Position(name), code="ledger-unreadable") from None
    except OSError as exc:
        raise LedgerFileError(
            f"无法读取台账文件: {exc.strerror or exc}", position=Position(name), code="ledger-unreadable"
        ) from None
