"""Regular expressions in rule files must not be able to hang a check.

A pattern is refused when it is too long, or when a repeated group contains
another unbounded repetition — ``(a+)+``, ``(.*)*``, ``(\\w+\\s?)+`` — the shape
that makes backtracking explode on a long, almost-matching description.
"""

from __future__ import annotations

import re
from typing import Any

try:  # Python 3.11+
    from re import _parser as sre_parse  # type: ignore[attr-defined]
    from re._constants import BRANCH, LITERAL, MAX_REPEAT, MAXREPEAT, MIN_REPEAT, SUBPATTERN  # type: ignore[attr-defined]
except ImportError:  # pragma: no cover - Python 3.10
    import sre_parse  # type: ignore[no-redef]
    from sre_constants import BRANCH, LITERAL, MAX_REPEAT, MAXREPEAT, MIN_REPEAT, SUBPATTERN  # type: ignore[no-redef]

MAX_PATTERN = 500


def regex_problem(pattern: str) -> str | None:
    """None when ``pattern`` is safe to run on ledger text, else why not (in Chinese)."""
    if len(pattern) > MAX_PATTERN:
        return f"正则表达式过长（{len(pattern)} 个字符，上限 {MAX_PATTERN}）"
    try:
        parsed = sre_parse.parse(pattern)
    except re.error as exc:
        return f"正则表达式无效: {exc}"
    if _nested_repeat(parsed):
        return "正则表达式中有嵌套的重复（如 (a+)+ 或 (.*)*），遇到较长的摘要可能运行极慢"
    return None


def _variable_repeats(parsed: Any) -> bool:
    """Whether anything in ``parsed`` repeats a variable number of times."""
    for op, value in parsed:
        if op in (MAX_REPEAT, MIN_REPEAT):
            if value[0] != value[1] or _variable_repeats(value[2]):
                return True
        elif op == SUBPATTERN and _variable_repeats(value[-1]):
            return True
        elif op == BRANCH and any(_variable_repeats(b) for b in value[1]):
            return True
    return False


def _body(sub: Any) -> list[Any]:
    items = list(sub)
    while len(items) == 1 and items[0][0] == SUBPATTERN:
        items = list(items[0][1][-1])
    return items


def _nested_repeat(parsed: Any, inside: bool = False) -> bool:
    """An unbounded repeat over a body that can itself match in several ways, without a literal to anchor it."""
    for op, value in parsed:
        if op in (MAX_REPEAT, MIN_REPEAT):
            low, high, sub = value
            body = _body(sub)
            if high == MAXREPEAT and body and body[0][0] != LITERAL and _variable_repeats(body):
                return True
            if _nested_repeat(sub):
                return True
        elif op == SUBPATTERN:
            if _nested_repeat(value[-1]):
                return True
        elif op == BRANCH:
            if any(_nested_repeat(branch) for branch in value[1]):
                return True
    return False
