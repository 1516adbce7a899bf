"""The checker: one project's running state under one rule pack.

A platform checks each new claim against everything recorded before it
(:meth:`Checker.check`, optionally without recording it); a batch check is
the same checker fed every entry (:meth:`Checker.add`) and then asked for its
:meth:`Checker.report`.  What one entry causes on its own is judged in
:mod:`.entry_rules`; the checker keeps what entries cause together —
``aggregate`` rules (net totals per group against a limit) and ``duplicate``
rules (a key shared by several entries) — and makes the report.
"""

from __future__ import annotations

import datetime as dt
import re
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any

from ..errors import EntryError
from ..models import (
    OPTIONAL_FIELDS,
    BudgetLine,
    ClawbackLine,
    Entry,
    EntryRecord,
    InputError,
    InputSummary,
    PackLayerRef,
    PackRef,
    Project,
    ProjectRef,
    Report,
    StandardGap,
    Summary,
    Violation,
    WaiverProblem,
)
from ..normalise import normalise_mapping
from ..rules.pack import Rule, RulePack, default_pack
from ..values import ZERO, format_money, format_money_cn
from ..waivers import Waiver, waiver_problems
from .context import EntryContext
from .kinds.aggregate import AggregateKind
from .kinds.common import row_list
from .kinds.duplicate import DuplicateKind
from .kinds.entry import EntryKind
from .kinds.standard import StandardKind
from .findings import (
    SEVERITY_RANK,
    EntryLookup,
    Finding,
    budget_lines,
    clawback_lines,
    in_row_order,
    order,
    row_claims,
    to_violations,
    waive,
)
from .plan import RulePlan
from .reversals import Reversal, Undoing, pair_reversals
from .state import EntryTable, GroupTable, KeyTable, Table, TableView


@dataclass
class _Outcome:
    violations: list[Violation]
    clawback: Decimal
    problems: list[WaiverProblem]
    clawback_lines: list[ClawbackLine]
    budget_lines: list[BudgetLine]


@dataclass
class _Read:
    """An entry with what judging it needs that does not depend on the recorded state."""

    item: Entry | EntryRecord
    ctx: dict[str, Any]
    matched: Mapping[str, tuple[str, ...]]
    groups: list[tuple[Rule, str]]
    keys: list[tuple[Rule, str]]


@dataclass
class _Snapshot:
    """The recorded state a claim is judged against, noted under the lock; the lists are copies."""

    length: int  # entries recorded: the claim's ordinal
    earlier: list[tuple[Rule, str, list[int]]]  # (duplicate rule, key, ordinals recorded under it)
    groups: list[tuple[Rule, str, Decimal, list[int]]]  # (aggregate rule, key, total, ordinals)
    entries: list[Entry | EntryRecord] | None  # the checker's containers, which only grow
    held: Mapping[int, Entry | EntryRecord]

    def lookup(self, ordinals: Sequence[int]) -> dict[int, Entry | EntryRecord]:
        found = {o: self.held[o] for o in ordinals if o < self.length and o in self.held}
        if self.entries is not None:
            found.update({o: self.entries[o] for o in ordinals if o < self.length})
        return found


@dataclass
class CheckerState:
    """A checker's recorded state in picklable form (findings carry rule ids, not rules)."""

    table: EntryTable
    findings: list[tuple[Any, ...]]
    groups: dict[str, GroupTable]
    keys: dict[str, KeyTable]
    held: dict[int, Entry | EntryRecord]
    entries: list[Entry | EntryRecord] | None
    spent: Decimal
    spent_by: dict[str, Decimal]
    gaps: dict[tuple[str, str], list[int]]
    reversals: list[Reversal] = field(default_factory=list)
    payments: dict[tuple[str, str], int] = field(default_factory=dict)


#: what people type between an invoice number's digit groups (a red-letter row may cite the original's)
_CODE_SEPARATORS = re.compile(r"[\s\-_.—]")


def _reversed_finding(v: Violation, by_rows: list[int]) -> Violation:
    """A finding whose entry later entries reversed in full: kept for the record, as information only."""
    return v.model_copy(update={
        "reversed_by": by_rows,
        "severity": "info",
        "message": f"{v.message}（已由第 {'、'.join(str(r) for r in by_rows)} 行整笔冲回，不计追回）",
        "clawback": ZERO if v.clawback is not None else None,
    })


def _net_of_refunds(f: Finding, undone: Undoing, table: EntryTable) -> Finding:
    """A finding whose entry was refunded in part: recovered net of the refund, which the message names."""
    rows = "、".join(str(table.rows[o]) for o in undone.rows)
    return replace(
        f,
        message=f"{f.message}（第 {rows} 行已退回 {format_money_cn(undone.amount)} 元，按净额追回）",
        claims={o: max(c - undone.amount, ZERO) for o, c in f.claims.items()},
        evidence={**f.evidence, "refunded": format_money(undone.amount),
                  "refunded_by": [table.rows[o] for o in undone.rows]},
    )


class Checker:
    """Checks one project's entries against a rule pack, keeping running state.

    ``columns`` are the optional ledger columns the entries carry (by default
    all of them); rules that need a column outside it, or a project field the
    project file leaves out, do not run and are listed in the report.
    ``waivers`` are approved exceptions, judged as of ``today`` (default: the
    current date).  With ``retain_entries=False`` the checker keeps only the
    entries its findings need; the caller then passes a ``lookup`` to
    :meth:`report` for the few it must fetch again (a streaming file check does).

    Thread safety: one checker may be shared by several threads.  :meth:`add`,
    :meth:`check` with ``commit=True``, :meth:`merge`, :meth:`report`,
    :meth:`findings` and :meth:`state` take the checker's lock, so entries are
    recorded one at a time and a committed claim is judged against exactly the
    entries recorded before it.  A preview (``commit=False``) takes the lock
    only to note what was recorded so far (how many entries, the ordinals of
    its invoice and the totals of its groups), judges the claim against that
    snapshot outside the lock and never writes to the checker: previews run
    alongside commits and each other, and whatever they interleave with, the
    report holds exactly the committed entries, with the findings a sequential
    run of them would give.  :meth:`state` returns the checker's own containers,
    so take it when no thread is recording any more (a finished part of a ledger).
    """

    def __init__(
        self,
        project: Project,
        pack: RulePack | None = None,
        *,
        columns: Iterable[str] | None = None,
        waivers: Sequence[Waiver] = (),
        today: dt.date | None = None,
        retain_entries: bool = True,
    ) -> None:
        self.pack = pack if pack is not None else default_pack()
        self.project = project
        self.columns = frozenset(OPTIONAL_FIELDS if columns is None else columns)
        self.waivers = tuple(waivers)
        self.today = today or dt.date.today()
        self.plan = RulePlan(self.pack, project, self.columns)
        self.not_run = self.plan.not_run
        self.context = EntryContext(self.pack, project)
        # the kinds, each with the runnable rules of its kind (see .kinds)
        self.entry_kind = EntryKind(self.pack, self.plan, self.context)
        self.standard_kind = StandardKind(self.pack, self.plan, self.context)
        self.aggregates = AggregateKind(self.plan.aggregate_rules, self.context.project, self.context.project_values)
        self.duplicates = DuplicateKind(self.plan.duplicate_rules, self.context.project_values)
        self.table = EntryTable()
        self._entries: list[Entry | EntryRecord] | None = [] if retain_entries else None
        self._held: dict[int, Entry | EntryRecord] = {}  # entries in duplicate groups, when not retaining all
        self._findings: list[Finding] = []
        self._groups = {rule.id: GroupTable() for rule in self.plan.aggregate_rules}
        self._keys = {rule.id: KeyTable() for rule in self.plan.duplicate_rules}
        self._spent = ZERO
        self._spent_by: dict[str, Decimal] = {}  # net spending per category (canonical, or as written)
        self._gaps: dict[tuple[str, str], list[int]] = {}  # (rule id, reason) -> ordinals not judged
        self._reversals: list[Reversal] = []  # negative entries, which may undo an earlier entry
        self._payments: dict[tuple[str, str], int] = {}  # (category, payee as written) -> positive entries
        #: the ledger files being checked as one (empty: one file, or entries from Python)
        self.sources: list[str] = []
        self._lock = threading.RLock()  # held while recording, merging and reporting

    # ------------------------------------------------------------------ evaluating one entry
    def _item(self, entry: Entry | EntryRecord | Mapping[str, Any]) -> Entry | EntryRecord:
        """Models pass through; a mapping is parsed, and raises :class:`EntryError` naming its fields."""
        if isinstance(entry, (Entry, EntryRecord)):
            return entry
        result = normalise_mapping(entry, len(self.table) + 1)
        if isinstance(result, list):
            detail = "；".join(f"{e.field or e.column}: {e.message}" for e in result)
            raise EntryError(f"条目无法读取: {detail}", code="entry-invalid")
        return result

    # ------------------------------------------------------------------ recording entries
    def _read(self, item: Entry | EntryRecord) -> _Read:
        """What judging ``item`` needs that does not depend on the recorded state."""
        ctx, matched = self.context.build(item)
        return _Read(item, ctx, matched, self.aggregates.memberships(item, ctx), self.duplicates.memberships(item, ctx))

    def add(self, entry: Entry | EntryRecord | Mapping[str, Any]) -> None:
        """Record an entry (a model or a mapping) as part of the project's spending."""
        read = self._read(self._item(entry))
        with self._lock:
            self._record(read)

    def _record(self, read: _Read) -> None:
        """Record a read entry; the caller holds the lock.

        The entry is judged before anything is written, so a rule failing on it
        (:class:`RuleRuntimeError`) leaves the state as it was.
        """
        item, ctx = read.item, read.ctx
        ordinal = len(self.table)
        gaps: dict[tuple[str, str], list[int]] = {}
        findings = self._entry_findings(read, ordinal, gaps)
        self.table.append(item.row, item.date, item.amount, category=ctx["category"])
        self._spent += item.amount
        self._spent_by[ctx["category"]] = self._spent_by.get(ctx["category"], ZERO) + item.amount
        if item.amount > 0:
            paid = (ctx["category"], item.payee or "")  # as written: who it is is worked out only if a refund needs it
            self._payments[paid] = self._payments.get(paid, 0) + 1
        elif item.amount < 0:
            self._reversals.append(Reversal(
                ordinal, ctx["category"], self.context.parties.identity(item.payee or ""), ctx["invoice_no"],
                item.amount, _CODE_SEPARATORS.sub("", item.description or "").upper(),
            ))
        if self._entries is not None:
            self._entries.append(item)
        self._findings.extend(findings)
        for gap, ordinals in gaps.items():
            self._gaps.setdefault(gap, []).extend(ordinals)
        for rule, key in read.groups:
            self._groups[rule.id].add(key, ordinal, item.amount)
        for rule, key in read.keys:
            if self._keys[rule.id].add(key, ordinal) and self._entries is None:
                self._held[ordinal] = item

    def _entry_findings(self, read: _Read, ordinal: int, gaps: dict[tuple[str, str], list[int]] | None) -> list[Finding]:
        """What the entry and standard kinds find on one entry on its own."""
        findings = self.entry_kind.on_entry(read.item, ordinal, read.ctx, read.matched) if self.plan.entry_rules else []
        if self.plan.standard_rules:
            findings.extend(self.standard_kind.on_entry(read.item, ordinal, read.ctx, gaps))
        return findings

    def check(self, entry: Entry | EntryRecord | Mapping[str, Any], *, commit: bool = True) -> list[Violation]:
        """The findings a new claim causes against everything recorded before it.

        With ``commit=False`` the claim is only previewed: nothing is written, so a
        platform can decide before paying (and previews may run in other threads
        while claims are recorded); with ``commit=True`` it is recorded.
        """
        read = self._read(self._item(entry))
        if not commit:
            with self._lock:
                snapshot = self._snapshot(read)
            return self._judge_claim(read, snapshot)
        with self._lock:
            violations = self._judge_claim(read, self._snapshot(read))
            self._record(read)
        return violations

    def _snapshot(self, read: _Read) -> _Snapshot:
        """What a claim is judged against: the recorded state its keys and groups see; the caller holds the lock."""
        earlier = [(rule, key, self._keys[rule.id].get(key)) for rule, key in read.keys]
        groups = []
        for rule, key in read.groups:
            group = self._groups[rule.id].groups.get(key)
            groups.append((rule, key, group.total if group else ZERO, list(group.ordinals) if group else []))
        return _Snapshot(len(self.table), earlier, groups, self._entries, self._held)

    def _judge_claim(self, read: _Read, snapshot: _Snapshot) -> list[Violation]:
        """The findings of a claim placed after the entries of ``snapshot``; reads the checker, never writes it."""
        item, ctx = read.item, read.ctx
        ordinal = snapshot.length
        table = TableView(self.table, ordinal, item.row, item.date, item.amount, category=ctx["category"])
        findings = self._entry_findings(read, ordinal, None)
        held = {ordinal: item}
        for rule, key, earlier in snapshot.earlier:
            if earlier:
                findings.append(self.duplicates.finding(rule, key, earlier + [ordinal], held, table))
        for rule, key, total, ordinals in snapshot.groups:
            found = self.aggregates.finding(rule, key, total + item.amount, ordinals + [ordinal], ZERO, table)
            if found is not None:
                if found.pooled_claim is not None:
                    found.pooled_claim = min(found.pooled_claim, max(item.amount, ZERO))
                findings.append(found)
        return sorted(to_violations(findings, table, snapshot.lookup, self.sources), key=order)

    # ------------------------------------------------------------------ merging and reporting
    def state(self) -> CheckerState:
        """Everything this checker has recorded, picklable: to merge into a checker in another process."""
        with self._lock:
            return CheckerState(
                table=self.table,
                findings=[f.to_wire() for f in self._findings],
                groups=self._groups,
                keys=self._keys,
                held=self._held,
                entries=self._entries,
                spent=self._spent,
                spent_by=self._spent_by,
                gaps=self._gaps,
                reversals=self._reversals,
                payments=self._payments,
            )

    def merge(self, other: Checker | CheckerState, *, file: int | None = None) -> None:
        """Add another checker's state (same project and pack): another part of the same ledger.

        ``file`` is the index, in :attr:`sources`, of the ledger file the other state came from.
        """
        with self._lock:
            state = other.state() if isinstance(other, Checker) else other
            offset = self.table.extend(state.table, file)
            self._spent += state.spent
            for category, amount in state.spent_by.items():
                self._spent_by[category] = self._spent_by.get(category, ZERO) + amount
            if self._entries is not None:
                if state.entries is None:
                    self._entries = None
                else:
                    self._entries.extend(state.entries)
            self._held.update({o + offset: e for o, e in state.held.items()})
            rules = {rule.id: rule for rule in self.pack.rules}
            self._findings.extend(Finding.from_wire(w, rules, offset) for w in state.findings)
            for key, ordinals in state.gaps.items():
                self._gaps.setdefault(key, []).extend(o + offset for o in ordinals)
            self._reversals.extend(r.moved(offset) for r in state.reversals)
            for who, count in state.payments.items():
                self._payments[who] = self._payments.get(who, 0) + count
            for rule_id, groups in state.groups.items():
                self._groups.setdefault(rule_id, GroupTable()).merge(groups, offset)
            for rule_id, keys in state.keys.items():
                self._keys.setdefault(rule_id, KeyTable()).merge(keys, offset)

    def _lookup_entries(self, ordinals: Sequence[int]) -> dict[int, Entry | EntryRecord]:
        found = {o: self._held[o] for o in ordinals if o in self._held}
        if self._entries is not None:
            found.update({o: self._entries[o] for o in ordinals if o < len(self._entries)})
        return found

    def _outcome(self, lookup: EntryLookup | None) -> _Outcome:
        def fetch(ordinals: Sequence[int]) -> dict[int, Entry | EntryRecord]:
            found = self._lookup_entries(ordinals)
            missing = [o for o in ordinals if o not in found]
            if missing and lookup is not None:
                found.update(lookup(missing))
            return found

        repeated = [(rule, key, ordinals) for rule in self.plan.duplicate_rules
                    for key, ordinals in self._keys[rule.id].repeated()]
        undone = self._reversed(repeated, fetch)
        findings = [_net_of_refunds(f, undone[f.ordinals[0]], self.table)
                    if len(f.ordinals) == 1 and f.ordinals[0] in undone and not undone[f.ordinals[0]].full else f
                    for f in self._findings]
        for rule, key, ordinals in repeated:
            # a booking reversed in full is not a use of its invoice
            kept = [o for o in ordinals if o not in undone or not undone[o].full]
            if len(kept) > 1:
                findings.append(self.duplicates.finding(rule, key, kept, self._held, self.table))
        used: set[int] = set()
        violations = to_violations(findings, self.table, fetch, self.sources)
        if undone:
            violations = [
                _reversed_finding(v, [self.table.rows[o] for o in undone[f.ordinals[0]].rows])
                if len(f.ordinals) == 1 and f.ordinals[0] in undone and undone[f.ordinals[0]].full else v
                for f, v in zip(findings, violations, strict=True)
            ]
        violations = waive(violations, self.waivers, self.today, used)
        claims, owners = row_claims(findings, violations, self.table)
        totals: list[Finding] = []
        for rule in self.plan.aggregate_rules:
            for key, group in self._groups[rule.id].groups.items():
                recovered = sum((claims.get(o, ZERO) for o in group.ordinals), ZERO)
                found = self.aggregates.finding(rule, key, group.total, group.ordinals, recovered, self.table)
                if found is not None:
                    totals.append(found)
        total_violations = waive(to_violations(totals, self.table, None, self.sources), self.waivers, self.today, used)
        pooled = [
            (f.rule, f.pooled_claim, f.ordinals) for f, v in zip(totals, total_violations, strict=True)
            if f.pooled_claim is not None and f.rule.severity == "error" and v.waiver is None
        ]
        flagged: dict[str, Decimal] = {}
        for ordinal, amount in claims.items():
            category = self.table.category(ordinal)
            flagged[category] = flagged.get(category, ZERO) + amount
        for _, amount, members in pooled:
            if amount and members:
                category = self.table.category(members[0])  # a group's entries share its category
                flagged[category] = flagged.get(category, ZERO) + amount
        return _Outcome(
            violations=sorted(violations + total_violations, key=order),
            clawback=sum(claims.values(), ZERO) + sum((p[1] for p in pooled), ZERO),
            problems=waiver_problems(list(self.waivers), used, self.today, {r.id for r in self.pack.rules}),
            clawback_lines=clawback_lines(claims, owners, pooled, self.table),
            budget_lines=budget_lines(self.project.effective_budget, self.project.budget, self._spent_by, flagged,
                                      self.pack.categories.names),
        )

    def _reversed(
        self, repeated: Sequence[tuple[Rule, str, list[int]]], fetch: Callable[[Sequence[int]], Mapping[int, Any]]
    ) -> dict[int, Undoing]:
        """Entries with a finding (or an invoice used twice) that later negative entries undid, in full or in part."""
        if not self._reversals:
            return {}
        singles = [f for f in self._findings if len(f.ordinals) == 1]
        candidates = {o: e for f in singles for o, e in f.entries.items()}
        wanted = {o for f in singles for o in f.ordinals} | {o for _, _, ordinals in repeated for o in ordinals}
        candidates.update(fetch([o for o in wanted if o not in candidates]))  # one lookup for all that is not held
        identity = self.context.parties.identity
        refunded = {r.category for r in self._reversals}
        paid: dict[tuple[str, str], int] = {}  # (category, payee identity) -> positive entries
        for (category, payee), count in self._payments.items():
            if category in refunded:
                who = (category, identity(payee))
                paid[who] = paid.get(who, 0) + count
        return pair_reversals(self._reversals, candidates, self.table, identity,
                              lambda category, payee: paid.get((category, payee), 0) == 1)

    def _standard_gaps(self) -> list[StandardGap]:
        rules = {rule.id: rule for rule in self.pack.rules}
        table = self.table
        out = []
        for (rule_id, reason), ordinals in sorted(self._gaps.items()):
            ordered = in_row_order(ordinals, table)
            out.append(StandardGap(
                rule_id=rule_id, title=rules[rule_id].title, reason=reason,
                rows=[table.rows[o] for o in ordered],
                files=[self.sources[table.files[o]] for o in ordered] if len(self.sources) > 1 else None,
            ))
        return out

    def findings(self, lookup: EntryLookup | None = None) -> list[Violation]:
        """All findings over the recorded entries, in a stable order."""
        with self._lock:
            return self._outcome(lookup).violations

    def report(
        self,
        *,
        input: InputSummary | None = None,
        input_errors: Iterable[InputError] = (),
        lookup: EntryLookup | None = None,
        inputs: Sequence[InputSummary] = (),
    ) -> Report:
        """The report over everything recorded; ``input`` describes the source (a file, or entries)."""
        with self._lock:
            outcome = self._outcome(lookup)
            violations = outcome.violations
            errors = list(input_errors)
            if input is None:
                rejected = len({e.row for e in errors})
                input = InputSummary(
                    rows_total=len(self.table) + rejected,
                    rows_checked=len(self.table),
                    rows_rejected=rejected,
                    rows_skipped=0,
                )
            active = [v for v in violations if v.waiver is None and not v.reversed_by]
            counts = {s: sum(1 for v in active if v.severity == s) for s in SEVERITY_RANK}
            return Report(
                input=input,
                inputs=list(inputs),
                project=ProjectRef(code=self.project.code, name=self.project.name, grantee=self.project.grantee),
                pack=PackRef(
                    name=self.pack.name,
                    version=self.pack.version,
                    rules=len(self.pack.active_rules),
                    sha256=self.pack.sha256,
                    layers=[
                        PackLayerRef(name=layer.name, version=layer.version, path=layer.path, sha256=layer.sha256)
                        for layer in self.pack.layers
                    ],
                ),
                violations=violations,
                input_errors=sorted(errors, key=lambda e: (e.file or "", e.row, e.column or "")),
                rules_not_run=self.not_run,
                standards_unchecked=self._standard_gaps(),
                waiver_problems=outcome.problems,
                budget=outcome.budget_lines,
                clawback=outcome.clawback_lines,
                summary=Summary(
                    errors=counts["error"],
                    warnings=counts["warning"],
                    infos=counts["info"],
                    waived=sum(1 for v in violations if v.waiver is not None),
                    reversed=sum(1 for v in violations if v.reversed_by and v.waiver is None),
                    clawback_total=outcome.clawback,
                    spent_total=self._spent,
                ),
            )
