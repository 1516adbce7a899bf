"""The :class:`~qianqi_rules.models.Report` of a settled check: counts, the pack and project, standards not judged.

:func:`assemble` makes a :class:`ReportStream`: the report's envelope (everything but its
violations and the rows of its Article 13 lines) and the means to make those while they are
written.  :meth:`ReportStream.report` collects them: the library's report.
"""

from __future__ import annotations

from array import array
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from ..models import (
    BudgetLine,
    ClawbackLine,
    InputError,
    InputSummary,
    PackLayerRef,
    PackRef,
    Project,
    ProjectRef,
    Report,
    RuleNotRun,
    StandardGap,
    Summary,
    WaiverProblem,
)
from ..rules.pack import RulePack
from .emit import Emission
from .findings import in_row_order, with_rows
from .state import EntryTable


def standard_gaps(
    gaps: dict[tuple[str, str], list[int]], pack: RulePack, table: EntryTable, sources: Sequence[str]
) -> list[StandardGap]:
    """The entries each standards rule could not judge, by reason, in row order."""
    rules = {rule.id: rule for rule in pack.rules}
    out = []
    for (rule_id, reason), ordinals in sorted(gaps.items()):
        ordered = in_row_order(ordinals, table)
        out.append(StandardGap(
            rule_id=rule_id, title=rules[rule_id].title, reason=reason,
            rows=[table.rows[o] for o in ordered],
            files=[sources[table.files[o]] for o in ordered] if len(sources) > 1 else None,
        ))
    return out


def pack_ref(pack: RulePack) -> PackRef:
    return PackRef(
        name=pack.name,
        version=pack.version,
        rules=len(pack.active_rules),
        sha256=pack.sha256,
        layers=[PackLayerRef(name=layer.name, version=layer.version, path=layer.path, sha256=layer.sha256)
                for layer in pack.layers],
    )


@dataclass
class ReportStream:
    """A settled check's report, its long lists made while they are written.

    ``envelope`` is the report with no violations and its clawback lines without rows; the
    violations come from ``emission`` one at a time and the lines' rows from ``clawback``.
    """

    envelope: Report
    emission: Emission
    clawback: list[tuple[ClawbackLine, array]]

    @property
    def summary(self) -> Summary:
        return self.envelope.summary

    @property
    def input(self) -> InputSummary:
        return self.envelope.input

    @property
    def exit_code(self) -> int:
        return self.envelope.exit_code

    def lists(self, long_rows: int | None = None) -> dict[str, Iterable[Any]]:
        """The lists the envelope leaves empty, made as they are read; an element with more than
        ``long_rows`` rows is ``(model with its rows empty, rows)``."""

        def lines() -> Iterator[Any]:
            for line, rows in self.clawback:
                apart = long_rows is not None and len(rows) > long_rows
                yield (line, rows) if apart else with_rows(line, rows)

        return {"violations": self.emission.violations(long_rows), "clawback": lines()}

    def report(self) -> Report:
        """The whole report (the library's): the same lists, collected."""
        lists = self.lists()
        return self.envelope.model_copy(update={name: list(items) for name, items in lists.items()})


def assemble(
    *,
    pack: RulePack,
    project: Project,
    input: InputSummary | None,
    inputs: Sequence[InputSummary],
    input_errors: Iterable[InputError],
    entries: int,
    emission: Emission,
    not_run: list[RuleNotRun],
    gaps: list[StandardGap],
    problems: list[WaiverProblem],
    budget: list[BudgetLine],
    clawback: list[tuple[ClawbackLine, array]],
    clawback_total: Decimal,
    spent_total: Decimal,
) -> ReportStream:
    """The report; without ``input`` (entries handed over in Python) the rows are counted from the entries."""
    errors = list(input_errors)
    if input is None:
        rejected = len({e.row for e in errors})
        input = InputSummary(rows_total=entries + rejected, rows_checked=entries, rows_rejected=rejected,
                             rows_skipped=0)
    counts = emission.counts()
    envelope = Report(
        input=input,
        inputs=list(inputs),
        project=ProjectRef(code=project.code, name=project.name, grantee=project.grantee),
        pack=pack_ref(pack),
        violations=[],
        input_errors=sorted(errors, key=lambda e: (e.file or "", e.row, e.column or "")),
        rules_not_run=not_run,
        standards_unchecked=gaps,
        waiver_problems=problems,
        budget=budget,
        clawback=[],
        summary=Summary(
            errors=counts["error"],
            warnings=counts["warning"],
            infos=counts["info"],
            waived=counts["waived"],
            reversed=counts["reversed"],
            clawback_total=clawback_total,
            spent_total=spent_total,
        ),
    )
    return ReportStream(envelope, emission, clawback)
