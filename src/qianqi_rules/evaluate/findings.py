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
from itertools import compress
from typing import Any, Protocol

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


@dataclass(slots=True)
class Settled:
    """A settled finding before it is a :class:`Violation`: what the report says of it, compactly.

    The report of a large ledger has tens of thousands of findings; their violations (with their
    entries, ~3 kB each) are made one at a time while the report is written (:mod:`.emit`).
    """

    finding: Finding
    ordered: array  # its ordinals in row order
    key: tuple[Any, ...]  # its place in the report: :func:`order` of its violation (``key[4]``: its rows)
    reversed_by: list[int] | None = None  # rows of the entries that reversed it in full
    waiver: int | None = None  # the index of the waiver that matched it
    counted: Decimal | None = None  # the part of its claim the report's total counts
    fetched: bool = True  # may list entries fetched again (a group total never does)
    entries: Sequence[Entry | EntryRecord] = ()  # only while waivers are matched

    @property
    def rule_id(self) -> str:
        return self.finding.rule.id

    @property
    def rows(self) -> array:
        return self.key[4]  # type: ignore[no-any-return]

    @property
    def severity(self) -> str:
        return "info" if self.reversed_by else self.finding.rule.severity

    @property
    def standing(self) -> bool:
        return self.waiver is None and not self.reversed_by


def settled(f: Finding, table: Table, sources: Sequence[str], reversed_by: list[int] | None = None,
            fetched: bool = True) -> Settled:
    """``f`` settled, reversed in full by the rows ``reversed_by`` (or not), with its place in the report."""
    ordered = array("q", in_row_order(f.ordinals, table))
    rows = array("q", map(table.rows.__getitem__, ordered))
    first_file = sources[table.files[ordered[0]]] if len(sources) > 1 and ordered else ""
    severity = "info" if reversed_by else f.rule.severity
    return Settled(f, ordered, report_key(first_file, rows, severity, f.rule.id), reversed_by, fetched=fetched)


def display(value: Any) -> Any:
    """Evidence values as JSON-friendly text: money with two places, dates ISO."""
    if isinstance(value, Decimal):
        return format_money(value)
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, (set, frozenset)):
        return sorted(value)
    return value


def report_key(first_file: str, rows: Sequence[int], severity: str, rule_id: str) -> tuple[Any, ...]:
    """A finding's place in the report: by file, first row, severity, rule, then its rows."""
    return (first_file, rows[0] if rows else 0, SEVERITY_RANK[severity], rule_id, rows)


def order(v: Violation) -> tuple[Any, ...]:
    """:func:`report_key` of a violation (settled findings carry theirs in ``Settled.key``)."""
    return report_key(v.files[0] if v.files else "", v.rows, v.severity, v.rule_id)


def wanted_entries(findings: Iterable[Finding]) -> list[int]:
    """The ordinals whose entries ``findings`` list but do not hold: fetched again, in one go."""
    return sorted({o for f in findings if f.with_entries for o in f.ordinals if o not in f.entries})


def violation_of(
    f: Finding, ordered: Sequence[int], rows: Sequence[int], table: Table,
    fetched: Mapping[int, Entry | EntryRecord], models: dict[int, Entry], sources: Sequence[str] = (),
) -> Violation:
    """The violation of ``f`` as found (before reversals, waivers and counting), its rows ``rows``.

    ``ordered`` are its ordinals in row order.  One :class:`Entry` per row however many rules fire on
    it (``models``, filled here), and no re-validation of values already typed (:func:`_violation`):
    a large ledger has tens of thousands of findings.  With several ledger files (``sources``) the
    violation says which file each of its rows is in.
    """
    rule = f.rule
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
    return _violation(
        rule_id=rule.id,
        rule_name=rule.name,
        title=rule.title,
        severity=rule.severity,
        citation=rule.citation,
        rows=rows if isinstance(rows, list) else list(rows),
        message=f.message,
        amount=f.amount,
        clawback=claim,
        clawback_counted=claim,  # settled once every finding is known (:class:`Settled` ``counted``)
        recover_under=(rule.recover_under or rule.citation) if claim is not None else None,
        entries=entries,
        evidence=f.evidence,
        see_also=list(rule.see_also),
        files=[sources[table.files[o]] for o in ordered] if len(sources) > 1 else None,
    )


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


class Matchable(Protocol):
    """What a waiver is matched on: a violation, or a settled finding before it is one."""

    rule_id: str
    rows: Sequence[int]
    entries: Sequence[Entry | EntryRecord]


def waiver_for(target: Matchable, waivers: Sequence[Waiver], today: dt.date, used: set[int]) -> int | None:
    """The index of the first approved, unexpired waiver that matches ``target`` (noted in ``used``)."""
    for index, waiver in enumerate(waivers):
        if not waiver.expired(today) and waiver.matches(target):  # type: ignore[arg-type]
            used.add(index)
            return index
    return None


def waive(violations: list[Violation], waivers: Sequence[Waiver], today: dt.date, used: set[int]) -> list[Violation]:
    """Mark the findings an approved, unexpired waiver matches; note which waivers were used."""
    if not waivers:
        return violations
    out = []
    for violation in violations:
        index = waiver_for(violation, waivers, today, used)
        if index is not None:
            violation = violation.model_copy(update={"waiver": waivers[index].ref()})
        out.append(violation)
    return out


def row_claims(settled: Sequence[Settled], table: EntryTable) -> tuple[dict[int, Decimal], dict[int, int]]:
    """(ordinal -> money to recover from it, ordinal -> the index of the finding that claims it).

    A row's claim is the largest unwaived error claim on it, never more than the
    amount spent; the first finding to make that largest claim owns it.
    """
    claims: dict[int, Decimal] = {}
    owners: dict[int, int] = {}
    for index, s in enumerate(settled):
        if s.finding.rule.severity != "error" or not s.standing:
            continue
        for ordinal, amount in s.finding.claims.items():
            cap = max(table.amount(ordinal), ZERO)
            claim = min(cap, amount)
            if claim > claims.get(ordinal, ZERO) or ordinal not in claims:
                claims[ordinal] = claim
                owners[ordinal] = index
    return claims, owners


def clawback_lines(
    claims: Mapping[int, Decimal],
    owners: Mapping[int, Rule],
    pooled: Sequence[tuple[Rule, Decimal, Sequence[int]]],
    table: EntryTable,
) -> list[tuple[ClawbackLine, array]]:
    """Money to recover per Article 13 trigger, the rules claiming it, and (apart, 8 bytes each) its rows.

    Each line's ``rows`` is left empty: a budget overrun brings every row of its category, so the rows
    stay an array until they are written (or put in the line, :func:`with_rows`).
    """
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
        (ClawbackLine(trigger=Citation(article=a, item=i), amount=total, rows=[], rule_ids=sorted(rules)),
         unique_sorted(rows))
        for (a, i), (total, rows, rules) in sorted(lines.items(), key=lambda kv: (kv[0][0], kv[0][1] or 0))
    ]


def with_rows(line: ClawbackLine, rows: array) -> ClawbackLine:
    """A line of :func:`clawback_lines` with its rows put in (the library's report)."""
    return line.model_copy(update={"rows": rows.tolist()})


def unique_sorted(values: array) -> array:
    """``values`` sorted, each once, without a list of them: row numbers are marked in a bytearray
    (a list of a million ints costs ~36 MB, the marks ~1 MB); far apart numbers are sorted as a list."""
    if not values:
        return array("q")
    low, high = min(values), max(values)
    if low < 0 or high > 8 * len(values) + (1 << 16):
        return array("q", sorted(set(values)))
    marks = bytearray(high + 1)
    for v in values:
        marks[v] = 1
    return array("q", compress(range(high + 1), marks))


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
