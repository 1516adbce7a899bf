"""Settling findings: reversals, waivers, money to recover and budget, in one pure pass.

The full report and the single-claim preview (``Checker.check(commit=False)``)
both come here, with what they judge: the report all recorded findings,
repeated keys and groups; a preview the claim's own findings, the keys it
repeats and the groups it joins.  Nothing here reads or writes a checker.

Order matters and is the same for both: refunds net the findings they undo in
part; a key's bookings reversed in full are not uses of it; findings become
violations, those undone in full are marked ``reversed_by`` (information only);
waivers are applied; row claims are settled (the largest unwaived error claim
on a row); then group totals are judged, each claiming only what the row
claims have not already recovered from its entries.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from decimal import Decimal

from ..models import BudgetLine, ClawbackLine, Entry, EntryRecord, Violation
from ..rules.pack import Rule
from ..values import ZERO, format_money, format_money_cn
from ..waivers import Waiver
from .findings import (
    EntryLookup,
    Finding,
    budget_lines,
    clawback_lines,
    counted,
    order,
    row_claims,
    to_violations,
    waive,
)
from .kinds.aggregate import AggregateKind
from .kinds.duplicate import DuplicateKind
from .reversals import Undoing
from .state import Table

#: (aggregate rule, group key, net total, ordinals of the group's entries)
GroupTotal = tuple[Rule, str, Decimal, Sequence[int]]
#: (duplicate rule, key, ordinals of the entries holding it)
RepeatedKey = tuple[Rule, str, list[int]]


@dataclass
class Settlement:
    """Settled findings: the violations (in report order) and the money they recover."""

    violations: list[Violation]
    claims: dict[int, Decimal]  # ordinal -> money to recover from that entry
    owners: dict[int, Rule]  # ordinal -> the rule whose claim it is
    pooled: list[tuple[Rule, Decimal, tuple[int, ...]]]  # group claims not tied to one row
    used: set[int]  # indexes of the waivers that matched

    @property
    def clawback(self) -> Decimal:
        return sum(self.claims.values(), ZERO) + sum((p[1] for p in self.pooled), ZERO)


def _reversed_finding(v: Violation, by_rows: list[int]) -> Violation:
    """A finding whose entry later entries reversed in full: kept for the record, as information only."""
    return v.model_copy(update={
        "reversed_by": by_rows,
        "severity": "info",
        "message": f"{v.message}（已由第 {'、'.join(str(r) for r in by_rows)} 行整笔冲回，不计追回）",
        "clawback": ZERO if v.clawback is not None else None,
        "clawback_counted": ZERO if v.clawback is not None else None,
    })


def _net_of_refunds(f: Finding, undone: Undoing, table: Table) -> Finding:
    """A finding whose entry was refunded in part: recovered net of the refund, which the message names."""
    rows = "、".join(str(table.rows[o]) for o in undone.rows)
    return replace(
        f,
        message=f"{f.message}（第 {rows} 行已退回 {format_money_cn(undone.amount)} 元，按净额追回）",
        claims={o: max(c - undone.amount, ZERO) for o, c in f.claims.items()},
        evidence={**f.evidence, "refunded": format_money(undone.amount),
                  "refunded_by": [table.rows[o] for o in undone.rows]},
    )


def _single(f: Finding, undone: Mapping[int, Undoing]) -> Undoing | None:
    return undone.get(f.ordinals[0]) if len(f.ordinals) == 1 else None


def settle(
    findings: Sequence[Finding],
    repeated: Iterable[RepeatedKey],
    groups: Iterable[GroupTotal],
    *,
    duplicates: DuplicateKind,
    aggregates: AggregateKind,
    table: Table,
    held: Mapping[int, Entry | EntryRecord],
    fetch: EntryLookup | None,
    sources: Sequence[str],
    waivers: Sequence[Waiver],
    today: dt.date,
    undone: Mapping[int, Undoing],
    group_cap: Decimal | None = None,
) -> Settlement:
    """Settle ``findings`` (those of single entries), the ``repeated`` keys and the group ``totals``.

    ``group_cap`` (a preview) caps each group's claim at the claim's own amount: the share of a
    group's excess that the claim causes.
    """
    settled = [
        _net_of_refunds(f, u, table) if (u := _single(f, undone)) is not None and not u.full else f
        for f in findings
    ]
    for rule, key, ordinals in repeated:
        kept = [o for o in ordinals if o not in undone or not undone[o].full]  # a reversed booking is no use
        if len(kept) > 1:
            settled.append(duplicates.finding(rule, key, kept, held, table))
    violations = to_violations(settled, table, fetch, sources)
    if undone:
        violations = [
            _reversed_finding(v, [table.rows[o] for o in u.rows])
            if (u := _single(f, undone)) is not None and u.full else v
            for f, v in zip(settled, violations, strict=True)
        ]
    used: set[int] = set()
    violations = waive(violations, waivers, today, used)
    claims, holders = row_claims(settled, violations, table)
    owners = {o: settled[i].rule for o, i in holders.items()}
    shares = [ZERO] * len(settled)
    for ordinal, i in holders.items():
        shares[i] += claims[ordinal]
    violations = counted(violations, shares)  # the part of the total each finding accounts for
    totals: list[Finding] = []
    for rule, key, total, ordinals in groups:
        recovered = sum((claims.get(o, ZERO) for o in ordinals), ZERO)
        found = aggregates.finding(rule, key, total, ordinals, recovered, table)
        if found is not None:
            if group_cap is not None and found.pooled_claim is not None:
                found.pooled_claim = min(found.pooled_claim, group_cap)
            totals.append(found)
    total_violations = waive(to_violations(totals, table, None, sources), waivers, today, used)
    pooled = [
        (f.rule, f.pooled_claim, f.ordinals) for f, v in zip(totals, total_violations, strict=True)
        if f.pooled_claim is not None and f.rule.severity == "error" and v.waiver is None
    ]
    total_violations = counted(total_violations, [
        f.pooled_claim if f.pooled_claim is not None and f.rule.severity == "error" and v.waiver is None else ZERO
        for f, v in zip(totals, total_violations, strict=True)
    ])
    return Settlement(sorted(violations + total_violations, key=order), claims, owners, pooled, used)


def money_lines(
    settlement: Settlement, table: Table, budget: Mapping[str, Decimal] | None, approved: Mapping[str, Decimal] | None,
    spent_by: Mapping[str, Decimal], fundable: Sequence[str],
) -> tuple[list[ClawbackLine], list[BudgetLine]]:
    """Money to recover per Article 13 trigger, and budget execution with what was flagged per category."""
    flagged: dict[str, Decimal] = {}
    for ordinal, amount in settlement.claims.items():
        category = table.category(ordinal)
        flagged[category] = flagged.get(category, ZERO) + amount
    for _, amount, members in settlement.pooled:
        if amount and members:
            category = table.category(members[0])  # a group's entries share its category
            flagged[category] = flagged.get(category, ZERO) + amount
    lines = clawback_lines(settlement.claims, settlement.owners, settlement.pooled, table)  # type: ignore[arg-type]
    return lines, budget_lines(budget, approved, spent_by, flagged, fundable)
