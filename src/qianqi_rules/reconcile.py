"""The money reconciliation: every yuan of a file is checked, skipped for a stated reason, or rejected.

Counting rows is not enough to show that nothing went missing — a subtotal
line skipped is harmless, a voucher's expense line skipped is not — so the
report also adds up the file's debit and credit columns by what became of
each row.  The tally reads the cells as written, the same way the entries are
read; it never decides anything about a row.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from .ledger.tabular import SKIP_REASONS
from .models import MoneyBucket, Reconciliation
from .values import ZERO, parse_amount

OUTCOME_LABELS = {"checked": "已检查", "rejected": "无法读取、已拒收的行"}


class MoneyTally:
    """Adds up debit and credit per outcome (checked, rejected, skipped by reason)."""

    _CACHE_LIMIT = 50_000

    def __init__(self) -> None:
        #: (outcome, reason) -> [rows, debit, credit, rows_unread]
        self._buckets: dict[tuple[str, str | None], list] = {}
        self._parsed: dict[str, Decimal | None] = {}

    def _amount(self, text: str) -> Decimal | None:
        if text in self._parsed:
            return self._parsed[text]
        try:
            value: Decimal | None = parse_amount(text)
        except (ValueError, ArithmeticError):
            value = None
        if len(self._parsed) >= self._CACHE_LIMIT:
            self._parsed.clear()
        self._parsed[text] = value
        return value

    def _bucket(self, outcome: str, reason: str | None) -> list:
        key = (outcome, reason)
        if key not in self._buckets:
            self._buckets[key] = [0, ZERO, ZERO, 0]
        return self._buckets[key]

    def add_text(self, outcome: str, debit: str, credit: str, reason: str | None = None) -> None:
        """One row, its money as written (either cell may be empty)."""
        bucket = self._bucket(outcome, reason)
        bucket[0] += 1
        unread = False
        for index, text in ((1, debit), (2, credit)):
            if text and text.strip():
                value = self._amount(text)
                if value is None:
                    unread = True
                else:
                    bucket[index] += value
        if unread:
            bucket[3] += 1

    def add_amount(self, outcome: str, amount: Decimal, reason: str | None = None) -> None:
        """One row whose net amount is known (an entry handed over in Python): a refund is a credit."""
        bucket = self._bucket(outcome, reason)
        bucket[0] += 1
        if amount >= 0:
            bucket[1] += amount
        else:
            bucket[2] -= amount

    def add_unread(self, outcome: str, reason: str | None = None) -> None:
        """One row whose money cannot be known (too few or too many fields)."""
        bucket = self._bucket(outcome, reason)
        bucket[0] += 1
        bucket[3] += 1

    def result(self) -> Reconciliation:
        return _reconciliation(
            MoneyBucket(outcome=outcome, reason=reason, label=_label(outcome, reason), rows=rows, debit=debit,
                        credit=credit, rows_unread=unread)
            for (outcome, reason), (rows, debit, credit, unread) in self._buckets.items()
        )


def _label(outcome: str, reason: str | None) -> str:
    if outcome == "skipped":
        return f"跳过：{SKIP_REASONS.get(reason or '', reason or '其他')}"
    return OUTCOME_LABELS[outcome]


_ORDER = {"checked": 0, "skipped": 1, "rejected": 2}
_REASON_ORDER = {reason: i for i, reason in enumerate(SKIP_REASONS)}


def _reconciliation(buckets: Iterable[MoneyBucket]) -> Reconciliation:
    ordered = sorted(buckets, key=lambda b: (_ORDER[b.outcome], _REASON_ORDER.get(b.reason or "", 99), b.reason or ""))
    return Reconciliation(
        debit_total=sum((b.debit for b in ordered), ZERO),
        credit_total=sum((b.credit for b in ordered), ZERO),
        buckets=ordered,
    )


def merge(parts: Iterable[Reconciliation | None]) -> Reconciliation | None:
    """Several files' reconciliations as one (bucket by bucket)."""
    tally = MoneyTally()
    seen = False
    for part in parts:
        if part is None:
            continue
        seen = True
        for b in part.buckets:
            got = tally._bucket(b.outcome, b.reason)
            got[0] += b.rows
            got[1] += b.debit
            got[2] += b.credit
            got[3] += b.rows_unread
    return tally.result() if seen else None
