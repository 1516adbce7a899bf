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
    """A row that is not an entry (blank, subtotal, counter-entry, title, footer) and why.

    ``kind`` is the reason's code (``subtotal``, ``counter_entry`` …, see
    :data:`qianqi_rules.ledger.tabular.SKIP_REASONS`); ``debit`` and ``credit``
    are the row's money as written, so the report can show that the file's
    every yuan is accounted for.
    """

    row: int
    reason: str
    kind: str = "other"
    debit: str = ""
    credit: str = ""
