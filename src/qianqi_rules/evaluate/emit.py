"""Violations made from a settlement one at a time, in report order, while the report is written.

A million-row ledger has tens of thousands of findings; as violations with
their entries (~3 kB each) they were most of a check's memory.  A
:class:`~.settle.Settlement` keeps them compact (:class:`~.findings.Settled`);
here each becomes its violation — reversed, waived, counted and with the
warnings of its row folded in — only when it is asked for.  The library's
report is this generator collected into a list, so the report and the stream
the command line writes are one code path.
"""

from __future__ import annotations

from array import array
from collections.abc import Container, Iterator
from dataclasses import dataclass, field

from ..models import SEVERITIES, Entry, Violation
from ..values import ZERO
from .findings import Settled, violation_of
from .folding import Facet, fold_plan, with_folded
from .settle import Settlement


def reversed_finding(v: Violation, by_rows: list[int]) -> Violation:
    """A finding whose entry later entries reversed in full: kept for the record, as information only."""
    return v.model_copy(update={
        "reversed_by": by_rows,
        "severity": "info",
        "message": f"{v.message}（已由第 {'、'.join(str(r) for r in by_rows)} 行整笔冲回，不计追回）",
        "clawback": ZERO if v.clawback is not None else None,
        "clawback_counted": ZERO if v.clawback is not None else None,
    })


def violation(
    settlement: Settlement, s: Settled, models: dict[int, Entry], *, without_rows: bool = False
) -> Violation:
    """The violation of ``s``; ``without_rows``: its ``rows`` left empty (written from ``s.rows``)."""
    fetched = settlement.fetched if s.fetched else {}
    v = violation_of(s.finding, s.ordered, [] if without_rows else s.rows, settlement.table, fetched, models,
                     settlement.sources)
    if s.reversed_by:
        v = reversed_finding(v, s.reversed_by)
    if s.waiver is not None:
        v = v.model_copy(update={"waiver": settlement.waivers[s.waiver].ref()})
    if v.clawback is not None and v.clawback_counted != s.counted:
        v = v.model_copy(update={"clawback_counted": s.counted})
    return v


def _facet(settlement: Settlement, s: Settled) -> Facet:
    place = None
    if len(s.ordered) == 1:
        sources, table = settlement.sources, settlement.table
        place = ((sources[table.files[s.ordered[0]]],) if len(sources) > 1 else (), (s.rows[0],))
    return (place, s.severity, s.standing, s.rule_id)


@dataclass
class Emission:
    """A settlement's violations as the report lists them: which warnings fold, and what is counted."""

    settlement: Settlement
    plan: dict[int, list[int]] = field(default_factory=dict)  # receiving error -> its folded warnings
    folded: set[int] = field(default_factory=set)

    @classmethod
    def of(cls, settlement: Settlement, row_rules: Container[str] | None) -> Emission:
        """``row_rules``: the rules whose warnings fold into an error on their row (``None``: none fold)."""
        if row_rules is None:
            return cls(settlement)
        plan = fold_plan([_facet(settlement, s) for s in settlement.settled], row_rules)
        return cls(settlement, plan, {j for warnings in plan.values() for j in warnings})

    def counts(self) -> dict[str, int]:
        """The summary's counts: standing findings per severity, waived and reversed ones (folded: none)."""
        out = {s: 0 for s in (*SEVERITIES, "waived", "reversed")}
        for index, s in enumerate(self.settlement.settled):
            if index in self.folded:
                continue
            if s.standing:
                out[s.severity] += 1
            if s.waiver is not None:
                out["waived"] += 1
            elif s.reversed_by:
                out["reversed"] += 1
        return out

    def violations(self, long_rows: int | None = None) -> Iterator[Violation | tuple[Violation, array]]:
        """The violations in report order.  One with more than ``long_rows`` rows comes as ``(violation
        with its rows empty, its rows)``: a budget overrun lists every row of its category."""
        settled = self.settlement.settled
        models: dict[int, Entry] = {}  # one Entry per row among the findings of that row
        place = None
        for index, s in enumerate(settled):
            if index in self.folded:
                continue
            if s.key[:2] != place:
                place, models = s.key[:2], {}
            apart = long_rows is not None and len(s.rows) > long_rows
            v = violation(self.settlement, s, models, without_rows=apart)
            if index in self.plan:
                v = with_folded(v, [violation(self.settlement, settled[j], models) for j in self.plan[index]])
            yield (v, s.rows) if apart else v

    def collected(self) -> list[Violation]:
        return list(self.violations())  # type: ignore[arg-type]
