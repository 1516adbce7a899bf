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
from array import array
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from ..models import SEVERITIES, BudgetLine, Citation, ClawbackLine, Entry, EntryRecord, Violation, as_entry
from ..rules.pack import Rule
from ..values import ZERO, format_money
from ..waivers import Waiver
from .state import EntryTable, Table

#: report order of severities (models.SEVERITIES is their one list)
SEVERITY_RANK = {s: i for i, s in enumerate(SEVERITIES)}

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
    findings: Sequence[Finding], table: Table, lookup: EntryLookup | None, sources: Sequence[str] = ()
) -> list[Violation]:
    """Violations for ``findings``, fetching (in one go) the entries they do not hold.

    With several ledger files (``sources``), each violation says which file each of its rows is in.
    A large ledger can have tens of thousands of findings, so their parts are shared where they
    can be: one :class:`Entry` per row however many rules fire on it, and no re-validation of
    values that are already typed (:func:`_violation`).
    """
    wanted = sorted({o for f in findings if f.with_entries for o in f.ordinals if o not in f.entries})
    fetched = dict(lookup(wanted)) if lookup is not None and wanted else {}
    models: dict[int, Entry] = {}
    out = []
    for f in findings:
        rule = f.rule
        ordered = in_row_order(f.ordinals, table)
        entries: list[Entry] = []
        if f.with_entries:
            for o in ordered:
                model = models.get(o)
                if model is None:
                    entry = f.entries.get(o) or fetched.get(o)
                    if entry is None:
                        continue
                    model = models[o] = as_entry(entry)
                entries.append(model)
        claim: Decimal | None = None
        if rule.clawback != "none":
            claim = f.pooled_claim if f.pooled_claim is not None else sum(f.claims.values(), ZERO)
        out.append(
            _violation(
                rule_id=rule.id,
                rule_name=rule.name,
                title=rule.title,
                severity=rule.severity,
                citation=rule.citation,
                rows=[table.rows[o] for o in ordered],
                message=f.message,
                amount=f.amount,
                clawback=claim,
                clawback_counted=claim,  # settled by :func:`counted` once every finding is known
                recover_under=(rule.recover_under or rule.citation) if claim is not None else None,
                entries=entries,
                evidence=f.evidence,
                see_also=list(rule.see_also),
                files=[sources[table.files[o]] for o in ordered] if len(sources) > 1 else None,
            )
        )
    return out


def in_row_order(ordinals: Iterable[int], table: Table) -> list[int]:
    """Ordinals by file, then row, then the order they were added.

    A budget group can hold every row of a category; sorting by one integer
    per ordinal (rather than a tuple) keeps that cheap.  The sort is stable, so
    sorting the ordinals first settles ties in the order entries were added.
    """
    ordered = sorted(ordinals)
    rows, files = table.rows, table.files
    if any(files[o] for o in ordered):
        ordered.sort(key=lambda o: (files[o] << 40) | rows[o])  # row numbers stay far below 2**40
    else:
        ordered.sort(key=rows.__getitem__)
    return ordered


_VIOLATION_FIELDS_SET = set(Violation.model_fields) - {"waiver", "reversed_by"}


def _violation(**fields: Any) -> Violation:
    """A :class:`Violation` from values the checker has already typed (rule data, Decimals, models).

    Validation would only copy them; with every field but ``waiver`` and ``reversed_by`` given, the
    models share one "fields set" (pydantic copies it before changing it).
    """
    return Violation.model_construct(_fields_set=_VIOLATION_FIELDS_SET, **fields)


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


def row_claims(
    findings: Sequence[Finding], violations: Sequence[Violation], table: EntryTable
) -> tuple[dict[int, Decimal], dict[int, int]]:
    """(ordinal -> money to recover from it, ordinal -> the index of the finding that claims it).

    A row's claim is the largest unwaived error claim on it, never more than the
    amount spent; the first finding to make that largest claim owns it.
    """
    claims: dict[int, Decimal] = {}
    owners: dict[int, int] = {}
    for index, (finding, violation) in enumerate(zip(findings, violations, strict=True)):
        if finding.rule.severity != "error" or violation.waiver is not None or violation.reversed_by:
            continue
        for ordinal, amount in finding.claims.items():
            cap = max(table.amount(ordinal), ZERO)
            claim = min(cap, amount)
            if claim > claims.get(ordinal, ZERO) or ordinal not in claims:
                claims[ordinal] = claim
                owners[ordinal] = index
    return claims, owners


def counted(violations: Sequence[Violation], amounts: Sequence[Decimal]) -> list[Violation]:
    """Each money-bearing violation with the part of its claim the report's total counts (``clawback_counted``)."""
    out = []
    for v, amount in zip(violations, amounts, strict=True):
        if v.clawback is not None and v.clawback_counted != amount:
            v = v.model_copy(update={"clawback_counted": amount})
        out.append(v)
    return out


def clawback_lines(
    claims: Mapping[int, Decimal],
    owners: Mapping[int, Rule],
    pooled: Sequence[tuple[Rule, Decimal, Sequence[int]]],
    table: EntryTable,
) -> list[ClawbackLine]:
    """Money to recover per Article 13 trigger, with the rows it comes from and the rules claiming it."""
    # rows gathered as 8-byte numbers and made a list once, sorted and unique: a budget overrun brings every
    # row of its category, and a set of a million ints cost ~100 MB at once
    lines: dict[tuple[int, int | None], tuple[Decimal, array, set[str]]] = {}

    def add(rule: Rule, amount: Decimal, ordinals: Iterable[int]) -> None:
        trigger = rule.recover_under or rule.citation
        key = (trigger.article, trigger.item)
        total, rows, rules = lines.get(key, (ZERO, array("q"), set()))
        rows.extend(table.rows[o] for o in ordinals)
        rules.add(rule.id)
        lines[key] = (total + amount, rows, rules)

    for ordinal, amount in claims.items():
        if amount > 0:
            add(owners[ordinal], amount, (ordinal,))
    for rule, amount, ordinals in pooled:
        if amount > 0:
            add(rule, amount, ordinals)
    return [
        ClawbackLine(trigger=Citation(article=a, item=i), amount=total, rows=_unique_sorted(rows), rule_ids=sorted(rules))
        for (a, i), (total, rows, rules) in sorted(lines.items(), key=lambda kv: (kv[0][0], kv[0][1] or 0))
    ]


def _unique_sorted(values: array) -> list[int]:
    ordered = sorted(values)
    return [v for i, v in enumerate(ordered) if not i or v != ordered[i - 1]]


def budget_lines(
    budget: Mapping[str, Decimal] | None,
    approved: Mapping[str, Decimal] | None,
    spent: Mapping[str, Decimal],
    flagged: Mapping[str, Decimal],
    fundable: Sequence[str],
) -> list[BudgetLine]:
    """Budget execution per category: the nine in the regulation's order, then any other category spent on."""
    if budget is None:
        return []
    names = [c for c in fundable if c in budget or c in spent]
    names += sorted(c for c in spent if c not in fundable)
    out = []
    for name in names:
        adjusted = budget.get(name, ZERO) if name in fundable else ZERO
        used = spent.get(name, ZERO)
        out.append(BudgetLine(
            category=name,
            fundable=name in fundable,
            approved=(approved or {}).get(name, ZERO) if name in fundable else ZERO,
            adjusted=adjusted,
            spent=used,
            flagged=flagged.get(name, ZERO),
            balance=adjusted - used,
            execution_rate=(used / adjusted).quantize(Decimal("0.0001")) if adjusted > 0 else None,
        ))
    return out
