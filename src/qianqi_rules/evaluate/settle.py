"""Settling findings: reversals, waivers, money to recover and budget, in one pure pass.

The full report and the single-claim preview (``Checker.check(commit=False)``)
both come here, with what they judge: the report all recorded findings,
repeated keys and groups; a preview the claim's own findings, the keys it
repeats and the groups it joins.  Nothing here reads or writes a checker.

Order matters and is the same for both: refunds net the findings they undo in
part; a key's bookings reversed in full are not uses of it; findings undone in
full are marked reversed (information only); waivers are matched; row claims
are settled (the largest unwaived error claim on a row); then group totals are
judged, each claiming only what the row claims have not already recovered from
its entries.  The result is compact (:class:`~.findings.Settled`, no
violation yet): :mod:`.emit` makes each violation when the report is written.
"""

from __future__ import annotations

import datetime as dt
from array import array
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from decimal import Decimal

from ..models import BudgetLine, ClawbackLine, Entry, EntryRecord
from ..rules.pack import Rule
from ..values import ZERO, format_money, format_money_cn
from ..waivers import Waiver
from .findings import (
    EntryLookup,
    Finding,
    Settled,
    budget_lines,
    clawback_lines,
    row_claims,
    settled,
    waiver_for,
    wanted_entries,
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
    """Settled findings (in report order, not yet violations: :mod:`.emit` makes those) and the money they recover."""

    settled: list[Settled]
    claims: dict[int, Decimal]  # ordinal -> money to recover from that entry
    owners: dict[int, Rule]  # ordinal -> the rule whose claim it is
    pooled: list[tuple[Rule, Decimal, tuple[int, ...]]]  # group claims not tied to one row
    used: set[int]  # indexes of the waivers that matched
    table: Table
    fetched: Mapping[int, Entry | EntryRecord]  # entries the findings list but do not hold, fetched again
    sources: Sequence[str]
    waivers: Sequence[Waiver]

    @property
    def clawback(self) -> Decimal:
        return sum(self.claims.values(), ZERO) + sum((p[1] for p in self.pooled), ZERO)


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


def _waive(found: Sequence[Settled], waivers: Sequence[Waiver], today: dt.date, used: set[int],
           fetched: Mapping[int, Entry | EntryRecord]) -> None:
    """Note on each settled finding the waiver that matches it (on its rule, rows and entries)."""
    if not waivers:
        return
    for s in found:
        f = s.finding
        if f.with_entries:
            source = fetched if s.fetched else {}
            s.entries = [e for o in s.ordered if (e := f.entries.get(o) or source.get(o)) is not None]
        s.waiver = waiver_for(s, waivers, today, used)
        s.entries = ()


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
    netted = [
        _net_of_refunds(f, u, table) if (u := _single(f, undone)) is not None and not u.full else f
        for f in findings
    ]
    for rule, key, ordinals in repeated:
        kept = [o for o in ordinals if o not in undone or not undone[o].full]  # a reversed booking is no use
        if len(kept) > 1:
            netted.append(duplicates.finding(rule, key, kept, held, table))
    wanted = wanted_entries(netted)
    fetched = dict(fetch(wanted)) if fetch is not None and wanted else {}
    singles = [
        settled(f, table, sources, [table.rows[o] for o in u.rows] if (u := _single(f, undone)) is not None and u.full
                else None)
        for f in netted
    ]
    del netted
    used: set[int] = set()
    _waive(singles, waivers, today, used, fetched)
    claims, holders = row_claims(singles, table)
    owners = {o: singles[i].finding.rule for o, i in holders.items()}
    for s in singles:
        s.counted = ZERO
    for ordinal, i in holders.items():
        singles[i].counted += claims[ordinal]  # type: ignore[operator]
    totals: list[Settled] = []
    for rule, key, total, ordinals in groups:
        recovered = sum((claims.get(o, ZERO) for o in ordinals), ZERO)
        found = aggregates.finding(rule, key, total, ordinals, recovered, table)
        if found is not None:
            if group_cap is not None and found.pooled_claim is not None:
                found.pooled_claim = min(found.pooled_claim, group_cap)
            totals.append(settled(found, table, sources, fetched=False))
    _waive(totals, waivers, today, used, {})
    pooled = []
    for s in totals:
        f = s.finding
        counts = f.pooled_claim is not None and f.rule.severity == "error" and s.waiver is None
        s.counted = f.pooled_claim if counts else ZERO
        if counts:
            pooled.append((f.rule, f.pooled_claim, f.ordinals))
    every = singles + totals
    every.sort(key=lambda s: s.key)
    return Settlement(every, claims, owners, pooled, used, table, fetched, sources, waivers)  # type: ignore[arg-type]


def money_lines(
    settlement: Settlement, table: Table, budget: Mapping[str, Decimal] | None, approved: Mapping[str, Decimal] | None,
    spent_by: Mapping[str, Decimal], fundable: Sequence[str],
) -> tuple[list[tuple[ClawbackLine, array]], list[BudgetLine]]:
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
