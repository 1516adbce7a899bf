"""The checker: one project's running state under one rule pack.

A platform checks each new claim against everything recorded before it
(:meth:`Checker.check`, optionally without recording it); a batch check is
the same checker fed every entry (:meth:`Checker.add`) and then asked for its
:meth:`Checker.report`.  The checker routes each entry to the rule kinds
(:mod:`.kinds`): the entry and standard kinds judge it on its own, the
aggregate and duplicate kinds note the groups and keys it joins.  Everything
it records is one :class:`~.state.CheckerState`; findings are settled
(reversals, waivers, money, budget) by the one pure pass of :mod:`.settle`,
for the report and for a preview alike.
"""

from __future__ import annotations

import datetime as dt
import re
import threading
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from ..errors import EntryError
from ..models import OPTIONAL_FIELDS, Entry, EntryRecord, InputError, InputSummary, Project, Report, Violation
from ..normalise import normalise_mapping
from ..rules.cache import default_pack
from ..rules.pack import Rule, RulePack
from ..values import ZERO
from ..waivers import Waiver, waiver_problems
from .assemble import ReportStream, assemble, standard_gaps
from .context import EntryContext
from .findings import EntryLookup, Finding
from .emit import Emission
from .kinds.aggregate import AggregateKind
from .kinds.common import row_list
from .kinds.duplicate import DuplicateKind
from .kinds.entry import EntryKind
from .kinds.standard import StandardKind
from .plan import RulePlan
from .reversals import Reversal, Undoing, pair_reversals
from .settle import GroupTotal, RepeatedKey, Settlement, money_lines, settle
from .state import CheckerState, EntryTable, GroupTable, KeyTable, TableView

__all__ = ["Checker", "CheckerState", "row_list"]


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
    earlier: list[RepeatedKey]  # (duplicate rule, key, ordinals recorded under it)
    groups: list[tuple[Rule, str, Decimal, list[int]]]  # (aggregate rule, key, total, ordinals)
    undone: dict[int, Undoing]  # recorded entries that recorded refunds undo
    entries: list[Entry | EntryRecord] | None  # the checker's containers, which only grow
    held: Mapping[int, Entry | EntryRecord]

    def lookup(self, ordinals: Sequence[int]) -> dict[int, Entry | EntryRecord]:
        found = {o: self.held[o] for o in ordinals if o < self.length and o in self.held}
        if self.entries is not None:
            found.update({o: self.entries[o] for o in ordinals if o < self.length})
        return found


#: what people type between an invoice number's digit groups (a red-letter row may cite the original's)
_CODE_SEPARATORS = re.compile(r"[\s\-_.—]")


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
    its invoice, the totals of its groups and the entries recorded refunds
    undo), settles the claim against that snapshot outside the lock and never
    writes to the checker: previews run alongside commits and each other, and
    whatever they interleave with, the report holds exactly the committed
    entries, with the findings a sequential run of them would give.
    :meth:`state` returns the checker's own containers, so take it when no
    thread is recording any more (a finished part of a ledger).
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
        self._row_rules = frozenset(r.id for r in (*self.plan.entry_rules, *self.plan.standard_rules))  # what folds
        self.not_run = self.plan.not_run
        self.context = EntryContext(self.pack, project)
        # the kinds, each with the runnable rules of its kind (see .kinds)
        self.entry_kind = EntryKind(self.pack, self.plan, self.context)
        self.standard_kind = StandardKind(self.pack, self.plan, self.context)
        self.aggregates = AggregateKind(self.plan.aggregate_rules, self.context.project, self.context.project_values)
        self.duplicates = DuplicateKind(self.plan.duplicate_rules, self.context.project_values)
        self._rules = {rule.id: rule for rule in self.pack.rules}
        self._state = CheckerState(
            groups={rule.id: GroupTable() for rule in self.plan.aggregate_rules},
            keys={rule.id: KeyTable() for rule in self.plan.duplicate_rules},
            entries=[] if retain_entries else None,
        )
        #: the ledger files being checked as one (empty: one file, or entries from Python)
        self.sources: list[str] = []
        self._lock = threading.RLock()  # held while recording, merging and reporting

    @property
    def table(self) -> EntryTable:
        """Row, date, amount, file and category of every recorded entry, by ordinal."""
        return self._state.table

    # ------------------------------------------------------------------ reading one entry
    def _item(self, entry: Entry | EntryRecord | Mapping[str, Any]) -> Entry | EntryRecord:
        """Models pass through; a mapping is parsed, and raises :class:`EntryError` naming its fields."""
        if isinstance(entry, (Entry, EntryRecord)):
            return entry
        result = normalise_mapping(entry, len(self.table) + 1)
        if isinstance(result, list):
            detail = "；".join(f"{e.field or e.column}: {e.message}" for e in result)
            raise EntryError(f"条目无法读取: {detail}", code="entry-invalid")
        return result

    def _read(self, item: Entry | EntryRecord) -> _Read:
        """What judging ``item`` needs that does not depend on the recorded state."""
        ctx, matched = self.context.build(item)
        return _Read(item, ctx, matched, self.aggregates.memberships(item, ctx), self.duplicates.memberships(item, ctx))

    def _entry_findings(self, read: _Read, ordinal: int, gaps: dict[tuple[str, str], list[int]] | None) -> list[Finding]:
        """What the entry and standard kinds find on one entry on its own."""
        findings = self.entry_kind.on_entry(read.item, ordinal, read.ctx, read.matched) if self.plan.entry_rules else []
        if self.plan.standard_rules:
            findings.extend(self.standard_kind.on_entry(read.item, ordinal, read.ctx, gaps))
        return findings

    # ------------------------------------------------------------------ recording entries
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
        item, ctx, state = read.item, read.ctx, self._state
        ordinal = len(state.table)
        gaps: dict[tuple[str, str], list[int]] = {}
        findings = self._entry_findings(read, ordinal, gaps)
        category = ctx["category"]
        state.table.append(item.row, item.date, item.amount, category=category)
        state.spent += item.amount
        state.spent_by[category] = state.spent_by.get(category, ZERO) + item.amount
        if item.amount > 0:
            paid = (category, item.payee or "")  # as written: who it is is worked out only if a refund needs it
            state.payments[paid] = state.payments.get(paid, 0) + 1
        elif item.amount < 0:
            state.reversals.append(Reversal(
                ordinal, category, self.context.parties.identity(item.payee or ""), ctx["invoice_no"],
                item.amount, _CODE_SEPARATORS.sub("", item.description or "").upper(),
            ))
        if state.entries is not None:
            state.entries.append(item)
        state.findings.extend(findings)
        for gap, ordinals in gaps.items():
            state.gaps.setdefault(gap, []).extend(ordinals)
        for rule, key in read.groups:
            state.groups[rule.id].add(key, ordinal, item.amount)
        for rule, key in read.keys:
            if state.keys[rule.id].add(key, ordinal) and state.entries is None:
                state.held[ordinal] = item

    # ------------------------------------------------------------------ one claim
    def check(self, entry: Entry | EntryRecord | Mapping[str, Any], *, commit: bool = True) -> list[Violation]:
        """The findings a new claim causes against everything recorded before it, settled as in the report.

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
        state = self._state
        earlier = [(rule, key, state.keys[rule.id].get(key)) for rule, key in read.keys]
        groups = []
        for rule, key in read.groups:
            group = state.groups[rule.id].groups.get(key)
            groups.append((rule, key, group.total if group else ZERO, list(group.ordinals) if group else []))
        undone = self._undone([r for r in earlier if r[2]], self._fetch(None)) if state.reversals and earlier else {}
        return _Snapshot(len(state.table), earlier, groups, undone, state.entries, state.held)

    def _judge_claim(self, read: _Read, snapshot: _Snapshot) -> list[Violation]:
        """The settled findings of a claim placed after the entries of ``snapshot``; reads the checker, never writes."""
        item, ctx = read.item, read.ctx
        ordinal = snapshot.length
        table = TableView(self.table, ordinal, item.row, item.date, item.amount, category=ctx["category"])
        repeated = [(rule, key, earlier + [ordinal]) for rule, key, earlier in snapshot.earlier if earlier]
        groups: list[GroupTotal] = [(rule, key, total + item.amount, ordinals + [ordinal])
                                    for rule, key, total, ordinals in snapshot.groups]
        settlement = settle(
            self._entry_findings(read, ordinal, None), repeated, groups,
            duplicates=self.duplicates, aggregates=self.aggregates, table=table, held={ordinal: item},
            fetch=snapshot.lookup, sources=self.sources, waivers=self.waivers, today=self.today,
            undone=snapshot.undone, group_cap=max(item.amount, ZERO),
        )
        return Emission.of(settlement, self._row_rules).collected()

    # ------------------------------------------------------------------ merging
    def state(self) -> CheckerState:
        """Everything this checker has recorded, picklable: to merge into a checker in another process."""
        with self._lock:
            return self._state.portable()

    def merge(self, other: Checker | CheckerState, *, file: int | None = None) -> None:
        """Add another checker's state (same project and pack): another part of the same ledger.

        ``file`` is the index, in :attr:`sources`, of the ledger file the other state came from.
        """
        with self._lock:
            state = other.state() if isinstance(other, Checker) else other
            self._state.merge(state, file, lambda wire, offset: Finding.from_wire(wire, self._rules, offset))

    # ------------------------------------------------------------------ settling and reporting
    def _fetch(self, lookup: EntryLookup | None) -> EntryLookup:
        """Entries by ordinal: those the checker keeps, then ``lookup`` for the others."""
        state = self._state

        def fetch(ordinals: Sequence[int]) -> dict[int, Entry | EntryRecord]:
            found = {o: state.held[o] for o in ordinals if o in state.held}
            if state.entries is not None:
                found.update({o: state.entries[o] for o in ordinals if o < len(state.entries)})
            missing = [o for o in ordinals if o not in found]
            if missing and lookup is not None:
                found.update(lookup(missing))
            return found

        return fetch

    def _undone(self, repeated: Sequence[RepeatedKey], fetch: EntryLookup) -> dict[int, Undoing]:
        """Entries with a finding (or a repeated key) that recorded negative entries undid, in full or in part."""
        state = self._state
        if not state.reversals:
            return {}
        singles = [f for f in state.findings if len(f.ordinals) == 1]
        candidates = {o: e for f in singles for o, e in f.entries.items()}
        wanted = {o for f in singles for o in f.ordinals} | {o for _, _, ordinals in repeated for o in ordinals}
        candidates.update(fetch([o for o in wanted if o not in candidates]))  # one lookup for all that is not held
        identity = self.context.parties.identity
        refunded = {r.category for r in state.reversals}
        paid: dict[tuple[str, str], int] = {}  # (category, payee identity) -> positive entries
        for (category, payee), count in state.payments.items():
            if category in refunded:
                who = (category, identity(payee))
                paid[who] = paid.get(who, 0) + count
        return pair_reversals(state.reversals, candidates, state.table, identity,
                              lambda category, payee: paid.get((category, payee), 0) == 1)

    def _settle(self, lookup: EntryLookup | None) -> Settlement:
        """Every recorded finding, repeated key and group, settled; the caller holds the lock."""
        state = self._state
        fetch = self._fetch(lookup)
        repeated = [(rule, key, ordinals) for rule in self.plan.duplicate_rules
                    for key, ordinals in state.keys[rule.id].repeated()]
        groups = [(rule, key, group.total, group.ordinals) for rule in self.plan.aggregate_rules
                  for key, group in state.groups[rule.id].groups.items()]
        return settle(
            state.findings, repeated, groups, duplicates=self.duplicates, aggregates=self.aggregates,
            table=state.table, held=state.held, fetch=fetch, sources=self.sources, waivers=self.waivers,
            today=self.today, undone=self._undone(repeated, fetch),
        )

    def findings(self, lookup: EntryLookup | None = None) -> list[Violation]:
        """All findings over the recorded entries, in a stable order.

        Warnings on a row in error are listed here on their own; the report folds them into the error.
        """
        with self._lock:
            return Emission.of(self._settle(lookup), None).collected()

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
            return self._stream(input, input_errors, lookup, inputs, release=False).report()

    def report_stream(
        self,
        *,
        input: InputSummary | None = None,
        input_errors: Iterable[InputError] = (),
        lookup: EntryLookup | None = None,
        inputs: Sequence[InputSummary] = (),
    ) -> ReportStream:
        """The report as :meth:`report` makes it, its violations made while they are written.

        For the last use of a checker (a file check): what settling no longer needs (the invoice
        index, the groups, the entries kept for repeated keys) is let go, and nothing may be
        recorded any more.
        """
        with self._lock:
            return self._stream(input, input_errors, lookup, inputs, release=True)

    def _stream(
        self, input: InputSummary | None, input_errors: Iterable[InputError], lookup: EntryLookup | None,
        inputs: Sequence[InputSummary], *, release: bool,
    ) -> ReportStream:
        if getattr(self, "_released", False):
            raise RuntimeError("this checker has made its last report (report_stream)")
        state = self._state
        settlement = self._settle(lookup)
        gaps = standard_gaps(state.gaps, self.pack, state.table, self.sources)
        if release:
            self._release()
        clawback, budget = money_lines(settlement, state.table, self.project.effective_budget,
                                       self.project.budget, state.spent_by, self.pack.categories.names)
        return assemble(
            pack=self.pack, project=self.project, input=input, inputs=inputs, input_errors=input_errors,
            entries=len(state.table), emission=Emission.of(settlement, self._row_rules),
            not_run=self.not_run, gaps=gaps,
            problems=waiver_problems(list(self.waivers), settlement.used, self.today, set(self._rules)),
            budget=budget, clawback=clawback, clawback_total=settlement.clawback, spent_total=state.spent,
        )

    def _release(self) -> None:
        """Let go of what settling has used up: a checker that has made its last report."""
        state = self._state
        state.keys.clear()
        state.groups.clear()
        state.held.clear()
        state.gaps.clear()
        state.reversals.clear()
        state.payments.clear()
        state.findings = []
        if state.entries is not None:
            state.entries = []
        self._released = True
