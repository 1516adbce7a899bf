"""The findings as CSV for Excel: UTF-8 with BOM so Chinese shows correctly, formula-safe cells.

The columns are the workbook's 违规发现 sheet (:mod:`.cells`): the 计入追回
column adds up to the JSON report's ``summary.clawback_total``.  Text that
Excel would run as a formula gets a leading apostrophe (a CSV cannot say "this
is text" any other way); control characters are shown as escapes.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal
from collections.abc import Iterable, Iterator
from typing import Any

from ..evaluate.assemble import ReportStream
from ..models import Report
from .cells import FINDING_HEADERS, iter_finding_rows, safe_text
from .json_report import LONG_ROWS
from .plain import visible


def _text(value: Any) -> str:
    """A cell as CSV text: numbers and dates as such, text made visible and formula-safe."""
    if value is None:
        return ""
    if isinstance(value, (Decimal, int)):
        return str(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return safe_text(visible(value))


_BATCH = 512  # rows per piece


def csv_pieces(headers: list[str], rows: Iterable[list[Any]]) -> Iterator[bytes]:
    """The CSV file in pieces of a few hundred rows: the BOM and header first."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(headers)
    yield "\ufeff".encode() + buffer.getvalue().encode("utf-8")
    batch: list[list[str]] = []
    for row in rows:
        batch.append([_text(v) for v in row])
        if len(batch) == _BATCH:
            yield _encoded(batch)
            batch = []
    if batch:
        yield _encoded(batch)


def _encoded(rows: list[list[str]]) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(rows)
    return buffer.getvalue().encode("utf-8")


def csv_bytes(headers: list[str], rows: Iterable[list[Any]]) -> bytes:
    return b"".join(csv_pieces(headers, rows))


def csv_chunks(report: Report | ReportStream, *, color: bool = False, width: int | None = None) -> Iterator[bytes]:
    """The CSV report in pieces that join to :func:`render_csv`'s bytes (what the command line writes).

    A :class:`ReportStream` is written as its violations are made, one at a time.
    """
    if isinstance(report, ReportStream):
        return csv_pieces(FINDING_HEADERS, iter_finding_rows(report.envelope, report.lists(LONG_ROWS)["violations"]))
    return csv_pieces(FINDING_HEADERS, iter_finding_rows(report))


def render_csv(report: Report, *, color: bool = False, width: int | None = None) -> bytes:
    return b"".join(csv_chunks(report))
