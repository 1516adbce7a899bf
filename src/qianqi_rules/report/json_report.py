"""The contract's JSON report: one document, money as two-place decimal strings."""

from __future__ import annotations

from ..models import Report


def render_json(report: Report, *, color: bool = False, width: int | None = None) -> str:
    return report.to_json() + "\n"
