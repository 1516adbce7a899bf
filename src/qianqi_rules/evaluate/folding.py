"""Warnings that repeat an error: folded into the error's evidence.

A warning on a row that already carries an error asks the officer to look at a
row they must correct anyway, and names the same money again (含早餐 on a
lodging row over its standard, 项目编号 in the description of a row paid to
the grantee itself).  Such a warning is not reported on its own: it goes into
``evidence.folded_warnings`` of the first error on that row, so nothing is
lost and every row appears once per error.

Only findings about one entry fold (entry and standard rules, named in ``row_rules``; a total
or a repeated invoice is about more than its row), and only into an error that stands: a waived or
reversed error folds nothing (its row's warnings are then the officer's
business again), and a waived warning stays where it is, marked.
"""

from __future__ import annotations

from collections.abc import Container, Sequence
from typing import Any

from ..models import Violation

#: the evidence key holding the folded warnings (rule id, title, citation as text and as article/item, message)
FOLDED = "folded_warnings"

#: where a single-row finding is (its file, if named, and its row), or ``None`` for one that spans rows
Place = tuple[tuple[str, ...], tuple[int, ...]]
#: what folding looks at: (place, severity, standing: neither waived nor reversed, rule id)
Facet = tuple[Place | None, str, bool, str]


def _place(v: Violation) -> Place | None:
    """Where a single-row finding is (file and row), or ``None`` for one that spans rows."""
    if len(v.rows) != 1:
        return None
    return (tuple(v.files or ()), tuple(v.rows))


def _standing(v: Violation) -> bool:
    return v.waiver is None and not v.reversed_by


def facet(v: Violation) -> Facet:
    return (_place(v), v.severity, _standing(v), v.rule_id)


def folded_entry(warning: Violation) -> dict[str, Any]:
    """What an error's evidence keeps of a folded warning."""
    return {
        "rule_id": warning.rule_id,
        "title": warning.title,
        "citation": warning.citation.text,
        "article": warning.citation.article,
        "item": warning.citation.item,
        "message": warning.message,
    }


def fold_plan(facets: Sequence[Facet], row_rules: Container[str]) -> dict[int, list[int]]:
    """Which findings fold into which: the index of each receiving error -> the indexes of its warnings.

    Every standing warning of a ``row_rules`` rule on a row in error folds into the first standing
    error of a ``row_rules`` rule on that row, in the order of ``facets``; the plan is all the
    folding there is, whether the findings are violations (:func:`fold_warnings`) or settled
    findings about to become violations one at a time (:mod:`.emit`).
    """
    target: dict[Place, int] = {}
    for index, (place, severity, standing, rule_id) in enumerate(facets):
        if place is not None and severity == "error" and standing and place not in target \
                and rule_id in row_rules:
            target[place] = index
    plan: dict[int, list[int]] = {}
    if not target:
        return plan
    for index, (place, severity, standing, rule_id) in enumerate(facets):
        if severity == "warning" and place in target and standing and rule_id in row_rules:
            plan.setdefault(target[place], []).append(index)  # type: ignore[index]
    return plan


def with_folded(error: Violation, warnings: Sequence[Violation]) -> Violation:
    """``error`` with ``warnings`` added to its evidence."""
    extra = [folded_entry(w) for w in warnings]
    evidence = {**error.evidence, FOLDED: [*error.evidence.get(FOLDED, ()), *extra]}
    return error.model_copy(update={"evidence": evidence})


def fold_warnings(violations: Sequence[Violation], row_rules: Container[str]) -> list[Violation]:
    """``violations`` with every standing warning of a ``row_rules`` rule on a row in error folded into that error.

    The order of what remains is kept; the error that receives a row's warnings is the first
    standing error on that row in that order.
    """
    plan = fold_plan([facet(v) for v in violations], row_rules)
    if not plan:
        return list(violations)
    folded = {j for warnings in plan.values() for j in warnings}
    return [
        with_folded(v, [violations[j] for j in plan[index]]) if index in plan else v
        for index, v in enumerate(violations) if index not in folded
    ]


def folded_note(v: Violation) -> str:
    """The folded warnings as a line under an error's message in tables: rule, article and title, no money again."""
    folded = v.evidence.get(FOLDED) or ()
    if not folded:
        return ""
    return "\n同一行的提示：" + "；".join(f"{w['rule_id']} {w['citation']} {w['title']}" for w in folded)
