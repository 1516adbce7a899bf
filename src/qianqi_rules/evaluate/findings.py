"""Findings before they are reported, and how they become violations.

A finding knows its entries by ordinal; it becomes a
:class:`~qianqi_rules.models.Violation` (rows, entries, money) only when the
report is made.  Money to recover is counted once per yuan: a row's claim is
the largest claim any unwaived error makes on it, capped at the row's amount,
and a group's excess over its limit is claimed only for what the row claims
have not already recovered.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from ..models import Entry, EntryRecord, Violation, as_entry
from ..rules.pack import Rule
from ..values import format_money
from ..waivers import Waiver
from .state import ZERO, EntryTable

SEVERITY_RANK = {"error": 0, "warning": 1, "info": 2}

EntryLookup = Callable[[Sequence[int]], Mapping[int, Entry | EntryRecord]]


@dataclass(slots=True)
class Finding:
    """One rule firing on one entry or on a group of entries."""

    rule: Rule
    ordinals: tuple[int, ...]
    message: str
    amount: Decimal
    claims: dict[int, Decimal] = field(default_factory=dict)  # ordinal -> money to recover from that entry
    evidence: dict[str, Any] = field(default_factory=dict)
    entries: dict[int, Entry | EntryRecord] = field(default_factory=dict)  # entries this finding holds
    pooled_claim: Decimal | None = None  # an aggregate's claim, not tied to one row
    with_entries: bool = True  # totals list their rows, not every entry in them

    def to_wire(self, by: int = 0) -> tuple[Any, ...]:
        """A picklable form (the rule by id), ordinals moved by ``by``: for sending between processes."""
        return (
            self.rule.id, tuple(o + by for o in self.ordinals), self.message, self.amount,
            {o + by: c for o, c in self.claims.items()}, self.evidence,
            {o + by: e for o, e in self.entries.items()}, self.pooled_claim, self.with_entries,
        )

    @classmethod
    def from_wire(cls, wire: tuple[Any, ...], rules: Mapping[str, Rule], by: int = 0) -> Finding:
        rule_id, ordinals, message, amount, claims, evidence, entries, pooled, with_entries = wire
        return cls(
            rules[rule_id], tuple(o + by for o in ordinals), message, amount,
            {o + by: c for o, c in claims.items()}, evidence,
            {o + by: e for o, e in entries.items()}, pooled, with_entries,
        )


def display(value: Any) -> Any:
    """Evidence values as JSON-friendly text: money with two places, dates ISO."""
    if isinstance(value, Decimal):
        return format_money(value)
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, (set, frozenset)):
        return sorted(value)
    return value


def order(v: Violation) -> tuple[Any, ...]:
    return (v.files[0] if v.files else "", v.rows[0] if v.rows else 0, SEVERITY_RANK[v.severity], v.rule_id, v.rows)


def to_violations(
    findings: Sequence[Finding], table: EntryTable, lookup: EntryLookup | None, sources: Sequence[str] = ()
) -> list[Violation]:
    """Violations for ``findings``, fetching (in one go) the entries they do not hold.

    With several ledger files (``sources``), each violation says which file each of its rows is in.
    """
    wanted = sorted({o for f in findings if f.with_entries for o in f.ordinals if o not in f.entries})
    fetched = dict(lookup(wanted)) if lookup is not None and wanted else {}
    out = []
    for f in findings:
        rule = f.rule
        ordered = sorted(f.ordinals, key=lambda o: (table.files[o], table.rows[o], o))
        entries: list[Entry] = []
        if f.with_entries:
            for o in ordered:
                entry = f.entries.get(o) or fetched.get(o)
                if entry is not None:
                    entries.append(as_entry(entry))
        claim: Decimal | None = None
        if rule.clawback != "none":
            claim = f.pooled_claim if f.pooled_claim is not None else sum(f.claims.values(), ZERO)
        out.append(
            Violation(
                rule_id=rule.id,
                rule_name=rule.name,
                title=rule.title,
                severity=rule.severity,
                citation=rule.citation,
                rows=[table.rows[o] for o in ordered],
                message=f.message,
                amount=f.amount,
                clawback=claim,
                entries=entries,
                evidence=f.evidence,
                see_also=list(rule.see_also),
                files=[sources[table.files[o]] for o in ordered] if len(sources) > 1 else None,
            )
        )
    return out


def waive(violations: list[Violation], waivers: Sequence[Waiver], today: dt.date, used: set[int]) -> list[Violation]:
    """Mark the findings an approved, unexpired waiver matches; note which waivers were used."""
    if not waivers:
        return violations
    out = []
    for violation in violations:
        for index, waiver in enumerate(waivers):
            if not waiver.expired(today) and waiver.matches(violation):
                used.add(index)
                violation = violation.model_copy(update={"waiver": waiver.ref()})
                break
        out.append(violation)
    return out


def row_claims(findings: Sequence[Finding], violations: Sequence[Violation], table: EntryTable) -> dict[int, Decimal]:
    """ordinal -> money to recover from it: the largest unwaived error claim, at most the amount spent."""
    claims: dict[int, Decimal] = {}
    for finding, violation in zip(findings, violations, strict=True):
        if finding.rule.severity != "error" or violation.waiver is not None:
            continue
        for ordinal, amount in finding.claims.items():
            cap = max(table.amount(ordinal), ZERO)
            claims[ordinal] = min(cap, max(claims.get(ordinal, ZERO), amount))
    return claims
