"""Cutting one CSV ledger into spans that can be read in parallel, with the rows a whole reading gives.

A cut is only made where it provably changes nothing.  It must fall where a record
begins — not inside a quoted line break — and where a reading of the whole file
carries nothing over from the lines above:

- the records before it are those the reader itself would find: a cheap pass of
  ``csv.reader`` over the file, with the reader's own test for an unclosed quote
  applied to every record of several lines; after the first unclosed quote no cut
  is made (the reader resynchronises line by line there);
- no single-account 明细账 (its account comes from a title line above the rows);
- in a ledger with voucher numbers, the lines on both sides of the cut carry voucher
  numbers of their own and belong to different vouchers, so that neither the fill-down
  of dates and numbers nor a voucher's balancing reaches across it;
- byte offsets mean the same as lines: UTF-8 or GB18030 (a newline byte is never part
  of another character in either), and no bare carriage return (the reader ends a line
  at one, a byte search for newlines does not).

Where no cut can be proven, :func:`plan` returns None and the caller reads the file whole.
"""

from __future__ import annotations

import csv
import io
from collections import deque
from collections.abc import Iterator, Sequence

from .csv_reader import MAX_QUOTED_LINES, CsvLedger
from .span import Span
from .tabular import TabularLedger

#: encodings in which a byte offset after a newline is where a character, and a line, begins
SPLITTABLE = ("utf-8", "utf-8-sig", "gb18030")
_CHUNK = 1 << 20


def plan(ledger: TabularLedger, targets: Sequence[int]) -> list[Span] | None:
    """Spans covering the whole file, cut at the first provable record boundary after each byte in ``targets``."""
    if not isinstance(ledger, CsvLedger) or ledger.encoding not in SPLITTABLE or ledger.header.account is not None:
        return None
    wanted = sorted({t for t in targets if 0 < t < ledger.size})
    lines = _lines_at(ledger.path, wanted)
    if not lines:
        return None
    try:
        cuts = _cuts(ledger, lines)
    except csv.Error:  # the reader fails on this file the same way, reading it whole
        return None
    if not cuts:
        return None
    offsets = _offsets(ledger.path, [line for line, _ in cuts])
    starts = [(0, 0, 0), *((offset, line - 1, row - 1) for offset, (line, row) in zip(offsets, cuts, strict=True))]
    spans = []
    for index, (start, line, row) in enumerate(starts):
        last = index + 1 == len(starts)
        stop = None if last else starts[index + 1][1]
        end = ledger.size if last else starts[index + 1][0]
        spans.append(Span(start=start, line=line, row=row, stop=stop, end=end))
    return spans


def _lines_at(path: str, targets: list[int]) -> list[int] | None:
    """The number of the line after the one holding each target byte; None when the file has a bare CR."""
    found: list[int] = []
    pending = iter(targets)
    target = next(pending, None)
    newlines = position = 0
    with open(path, "rb") as f:
        while chunk := f.read(_CHUNK):
            if chunk.endswith(b"\r"):
                chunk += f.read(1)
            if chunk.count(b"\r") != chunk.count(b"\r\n"):
                return None
            while target is not None and target < position + len(chunk):
                found.append(newlines + chunk.count(b"\n", 0, target - position) + 2)
                target = next(pending, None)
            newlines += chunk.count(b"\n")
            position += len(chunk)
    return found


class _Vouchers:
    """Whether a voucher reaches across a cut: the reader's fill-down (``_shaped``) and grouping (``_voucher_of``)."""

    def __init__(self, ledger: CsvLedger) -> None:
        self.voucher = ledger._voucher_index or ()
        self.date = ledger._date_index
        self.fill = ledger._fill_index
        self.last: dict[int, str] | None = None  # the fill-down values, once a line after the target set them

    def key(self, cells: list[str]) -> tuple[str, str] | None:
        number = "-".join(cells[i].strip() for i in self.voucher if i < len(cells))
        if not number.strip("-"):
            return None
        return "|".join(cells[i].strip() for i in self.date if i < len(cells)), number

    def apart(self, above: list[str], below: list[str]) -> bool:
        """Whether ``below`` starts a voucher of its own that the line ``above`` is not part of."""
        mine = self.key(below)
        if mine is None:  # a line without a number of its own may take the one above it
            return False
        if any(i < len(above) and above[i].strip() for i in self.fill):  # the line above is not filled down
            return self.key(above) != mine
        if self.last is None:  # what it would be filled with is not known: no cut here
            return False
        filled = list(above)
        for i, text in self.last.items():
            if i < len(filled):
                filled[i] = text
        return self.key(filled) != mine

    def track(self, cells: list[str]) -> None:
        if any(i < len(cells) and cells[i].strip() for i in self.voucher):
            self.last = {i: cells[i] for i in self.fill if i < len(cells)}


def _cuts(ledger: CsvLedger, targets: list[int]) -> list[tuple[int, int]]:
    """(first line, row) of the record each cut begins with, at or after each target line."""
    vouchers = _Vouchers(ledger) if ledger._voucher_index is not None else None
    cuts: list[tuple[int, int]] = []
    kept: deque[str] = deque(maxlen=MAX_QUOTED_LINES)
    with open(ledger.path, "rb") as raw:
        stream = io.TextIOWrapper(raw, encoding=ledger.encoding, newline="")

        def lines() -> Iterator[str]:
            for line in stream:
                kept.append(line)
                yield line

        reader = csv.reader(lines(), delimiter=ledger.delimiter, strict=False)
        end = row = 0
        before: list[str] | None = None
        pending = iter(targets)
        target = next(pending)
        for cells in reader:
            first, end, row = end + 1, reader.line_num, row + 1
            if end > first:  # a record of several lines: a quoted line break, or an unclosed quote?
                taken = end - first + 1
                if taken > MAX_QUOTED_LINES or ledger._runaway(list(kept)[-taken:], cells):
                    break
            if first >= target:
                if row > ledger.header_row + 1 and before is not None and (
                        vouchers is None or vouchers.apart(before, cells)):
                    cuts.append((first, row))
                    target = next(pending, None)
                    while target is not None and target <= first:
                        target = next(pending, None)
                    if target is None:
                        break
                if vouchers is not None:
                    vouchers.track(cells)
            before = cells
    return cuts


def _offsets(path: str, lines: list[int]) -> list[int]:
    """The byte offset at which each of ``lines`` (ascending physical line numbers) begins."""
    offsets: list[int] = []
    pending = iter(lines)
    wanted = next(pending, None)
    position = 0
    with open(path, "rb") as f:
        for number, line in enumerate(f, start=1):
            while wanted == number:
                offsets.append(position)
                wanted = next(pending, None)
            if wanted is None:
                break
            position += len(line)
    return offsets
