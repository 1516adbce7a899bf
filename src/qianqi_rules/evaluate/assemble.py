"""The :class:`~qianqi_rules.models.Report` of a settled check: counts, the pack and project, standards not judged."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from decimal import Decimal

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
    SEVERITIES,
    RuleNotRun,
    StandardGap,
    Summary,
    Violation,
    WaiverProblem,
)
from ..rules.pack import RulePack
from .findings import in_row_order
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


def assemble(
    *,
    pack: RulePack,
    project: Project,
    input: InputSummary | None,
    inputs: Sequence[InputSummary],
    input_errors: Iterable[InputError],
    entries: int,
    violations: list[Violation],
    not_run: list[RuleNotRun],
    gaps: list[StandardGap],
    problems: list[WaiverProblem],
    budget: list[BudgetLine],
    clawback: list[ClawbackLine],
    clawback_total: Decimal,
    spent_total: Decimal,
) -> Report:
    """The report; without ``input`` (entries handed over in Python) the rows are counted from the entries."""
    errors = list(input_errors)
    if input is None:
        rejected = len({e.row for e in errors})
        input = InputSummary(rows_total=entries + rejected, rows_checked=entries, rows_rejected=rejected,
                             rows_skipped=0)
    active = [v for v in violations if v.waiver is None and not v.reversed_by]
    counts = {s: sum(1 for v in active if v.severity == s) for s in SEVERITIES}
    return Report(
        input=input,
        inputs=list(inputs),
        project=ProjectRef(code=project.code, name=project.name, grantee=project.grantee),
        pack=pack_ref(pack),
        violations=violations,
        input_errors=sorted(errors, key=lambda e: (e.file or "", e.row, e.column or "")),
        rules_not_run=not_run,
        standards_unchecked=gaps,
        waiver_problems=problems,
        budget=budget,
        clawback=clawback,
        summary=Summary(
            errors=counts["error"],
            warnings=counts["warning"],
            infos=counts["info"],
            waived=sum(1 for v in violations if v.waiver is not None),
            reversed=sum(1 for v in violations if v.reversed_by and v.waiver is None),
            clawback_total=clawback_total,
            spent_total=spent_total,
        ),
    )
