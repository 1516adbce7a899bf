"""Reversals and refunds: a negative row that undoes all or part of an earlier row (红字冲回, 冲销, 退回).

Article 13 recovers the money a project was actually charged (相应项目资金).  A
booking reversed in full charged nothing: its finding is still reported (the
officer sees what happened) but marked ``reversed_by``, as information, and
kept out of the money to recover and the exit status; the reversed row no
longer counts as a use of its invoice.  A booking refunded in part is still a
finding, recovered net of the refund.

A negative row undoes the nearest earlier row with a finding of the same
category and the same payee — the same people however their names are
written (王伟老师 and 王伟; 张三、李四 and 李四、张三), or the grantee by any of its
names — whose invoice number agrees, is blank on one side, or is cited in the
negative row's description (a red-letter invoice has its own number).  A row
of exactly the opposite amount is preferred.  A smaller refund is netted only
when it cannot belong to another row: it names the row's invoice, or the payee
is named and is paid only once in that category (``sole``).  Each row is undone
at most once in full.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal

from ..models import Entry, EntryRecord
from ..values import ZERO
from .state import EntryTable


@dataclass(frozen=True, slots=True)
class Reversal:
    """A negative row, as much of it as pairing needs."""

    ordinal: int
    category: str
    payee: str  # the payee's identity (see ProjectParties.identity)
    invoice: str  # cleaned code, "" when none
    amount: Decimal  # negative
    description: str = ""

    def moved(self, by: int) -> Reversal:
        return Reversal(self.ordinal + by, self.category, self.payee, self.invoice, self.amount, self.description)


@dataclass(slots=True)
class Undoing:
    """What negative rows took back from one row: how much, and which rows did it."""

    amount: Decimal
    rows: list[int]  # ordinals of the negative rows
    full: bool = False


def pair_reversals(
    reversals: Iterable[Reversal],
    candidates: Mapping[int, Entry | EntryRecord],
    table: EntryTable,
    identity: Callable[[str], str],
    sole: Callable[[str, str], bool] = lambda category, payee: False,
) -> dict[int, Undoing]:
    """Which candidate rows negative rows undid, in full or in part: positive ordinal -> :class:`Undoing`."""
    left = {o: e.amount for o, e in candidates.items() if e.amount > 0}
    by_key: dict[tuple[str, str], list[int]] = {}
    for ordinal in left:
        key = (table.category(ordinal), identity(candidates[ordinal].payee or ""))
        by_key.setdefault(key, []).append(ordinal)
    undone: dict[int, Undoing] = {}
    for reversal in sorted(reversals, key=lambda r: table.order_key(r.ordinal)):
        back = -reversal.amount
        when = table.order_key(reversal.ordinal)
        earlier = [o for o in by_key.get((reversal.category, reversal.payee), ())
                   if left[o] > 0 and table.order_key(o) < when
                   and _same_invoice(candidates[o].invoice_no or "", reversal)]
        exact = [o for o in earlier if left[o] == back]
        named_once = bool(reversal.payee) and sole(reversal.category, reversal.payee)
        partial = [o for o in earlier if left[o] > back
                   and (named_once or _cites_invoice(candidates[o].invoice_no or "", reversal))]
        pick = max(exact or partial, key=table.order_key, default=None)
        if pick is None:
            continue
        left[pick] -= back
        done = undone.setdefault(pick, Undoing(ZERO, []))
        done.amount += back
        done.rows.append(reversal.ordinal)
        done.full = left[pick] == 0
    return undone


def _same_invoice(original: str, reversal: Reversal) -> bool:
    return not original or not reversal.invoice or _cites_invoice(original, reversal)


def _cites_invoice(original: str, reversal: Reversal) -> bool:
    """The negative row names the original's invoice: as its own number, or in its description."""
    return bool(original) and (original == reversal.invoice or original in reversal.description)
