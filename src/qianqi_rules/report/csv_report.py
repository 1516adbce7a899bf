"""The findings as CSV for Excel: UTF-8 with BOM so Chinese shows correctly, formula-safe cells."""

from __future__ import annotations

import csv
import io
from decimal import Decimal
from typing import Any

from ..models import Report
from .cells import FINDING_HEADERS, finding_rows
from .plain import visible


def _text(value: Any) -> str:
    """A cell as CSV text; control characters shown as escapes (see :mod:`.plain`), like the other reports."""
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return str(value)
    return visible(value)


def render_csv(report: Report, *, color: bool = False, width: int | None = None) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(FINDING_HEADERS)
    for row in finding_rows(report):
        writer.writerow([_text(v) for v in row])
    return "\ufeff".encode() + buffer.getvalue().encode("utf-8")
