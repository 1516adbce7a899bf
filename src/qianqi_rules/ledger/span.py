"""A stretch of a text ledger that can be read on its own: the unit one core reads in a ``--jobs`` check."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Span:
    """Whole records of a CSV file, from a byte offset where a record begins (:mod:`.split` proves it does).

    ``line`` and ``row`` are the physical lines and the records (spreadsheet rows) before the span, so the
    span's rows and lines are numbered as a reading of the whole file numbers them; ``stop`` is the span's
    last physical line (None: to the end of the file) and ``end`` the byte offset where it ends.
    """

    start: int
    line: int
    row: int
    stop: int | None
    end: int
