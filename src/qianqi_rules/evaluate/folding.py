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


def _place(v: Violation) -> tuple[tuple[str, ...], tuple[int, ...]] | None:
    """Where a single-row finding is (file and row), or ``None`` for one that spans rows."""
    if len(v.rows) != 1:
        return None
    return (tuple(v.files or ()), tuple(v.rows))


def _standing(v: Violation) -> bool:
    return v.waiver is None and not v.reversed_by


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


def fold_warnings(violations: Sequence[Violation], row_rules: Container[str]) -> list[Violation]:
    """``violations`` with every standing warning of a ``row_rules`` rule on a row in error folded into that error.

    The order of what remains is kept; the error that receives a row's warnings is the first
    standing error on that row in that order.
    """
    target: dict[tuple[tuple[str, ...], tuple[int, ...]], int] = {}
    for index, v in enumerate(violations):
        place = _place(v)
        if place is not None and v.severity == "error" and _standing(v) and place not in target \
                and v.rule_id in row_rules:
            target[place] = index
    if not target:
        return list(violations)
    folded: dict[int, list[dict[str, Any]]] = {}
    kept: list[int] = []
    for index, v in enumerate(violations):
        place = _place(v)
        if v.severity == "warning" and place in target and _standing(v) and v.rule_id in row_rules:
            folded.setdefault(target[place], []).append(folded_entry(v))  # type: ignore[index]
        else:
            kept.append(index)
    out = []
    for index in kept:
        v = violations[index]
        extra = folded.get(index)
        if extra:
            v = v.model_copy(update={"evidence": {**v.evidence, FOLDED: [*v.evidence.get(FOLDED, ()), *extra]}})
        out.append(v)
    return out


def folded_note(v: Violation) -> str:
    """The folded warnings as a line under an error's message in tables: rule, article and title, no money again."""
    folded = v.evidence.get(FOLDED) or ()
    if not folded:
        return ""
    return "\n同一行的提示：" + "；".join(f"{w['rule_id']} {w['citation']} {w['title']}" for w in folded)
