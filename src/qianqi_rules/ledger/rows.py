"""What a reader yields for each row of a ledger file."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class RawRow:
    """A row that looks like an entry: cell text by field name, not yet parsed."""

    row: int
    values: dict[str, str]


@dataclass(frozen=True, slots=True)
class SkippedRow:
    """A row that is not an entry (blank, subtotal, title, footer) and why."""

    row: int
    reason: str
