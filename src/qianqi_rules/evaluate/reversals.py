"""Reversals: a negative row that undoes an earlier row (红字冲回, 冲销, a refund of the whole amount).

Article 13 recovers the money a project was actually charged.  A booking that
was reversed in full charged nothing: its finding is still reported (the
officer sees what happened) but marked ``reversed_by`` and kept out of the
money to recover and the exit status, and the reversed row no longer counts
as a use of its invoice.  A reversal undoes the nearest earlier row of the
same category and payee for exactly the opposite amount whose invoice number
agrees (or one of them has none); each row is undone at most once.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal

from ..models import Entry, EntryRecord
from ..values import name_key
from .state import EntryTable


@dataclass(frozen=True, slots=True)
class Reversal:
    """A negative row, as much of it as pairing needs."""

    ordinal: int
    category: str
    payee: str  # name key
    invoice: str  # cleaned code, "" when none
    amount: Decimal  # negative

    def moved(self, by: int) -> Reversal:
        return Reversal(self.ordinal + by, self.category, self.payee, self.invoice, self.amount)


def pair_reversals(
    reversals: Iterable[Reversal],
    candidates: Mapping[int, Entry | EntryRecord],
    table: EntryTable,
) -> dict[int, int]:
    """Which candidate rows are undone, and by which reversal: positive ordinal -> reversal ordinal."""
    by_key: dict[tuple[str, str, Decimal], list[int]] = {}
    for ordinal, entry in candidates.items():
        if entry.amount > 0:
            key = (table.category(ordinal), name_key(entry.payee or ""), entry.amount)
            by_key.setdefault(key, []).append(ordinal)
    if not by_key:
        return {}
    undone: dict[int, int] = {}
    for reversal in sorted(reversals, key=lambda r: table.order_key(r.ordinal)):
        rows = by_key.get((reversal.category, reversal.payee, -reversal.amount))
        if not rows:
            continue
        before = [o for o in rows if o not in undone and table.order_key(o) < table.order_key(reversal.ordinal)
                  and _same_invoice(candidates[o].invoice_no or "", reversal.invoice)]
        if before:
            undone[max(before, key=table.order_key)] = reversal.ordinal
    return undone


def _same_invoice(a: str, b: str) -> bool:
    return not a or not b or a == b
