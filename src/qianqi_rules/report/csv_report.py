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
from typing import Any

from ..models import Report
from .cells import FINDING_HEADERS, finding_rows, safe_text
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


def csv_bytes(headers: list[str], rows: list[list[Any]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(headers)
    for row in rows:
        writer.writerow([_text(v) for v in row])
    return "\ufeff".encode() + buffer.getvalue().encode("utf-8")


def render_csv(report: Report, *, color: bool = False, width: int | None = None) -> bytes:
    return csv_bytes(FINDING_HEADERS, finding_rows(report))
