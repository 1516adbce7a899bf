"""What every kind's behaviour shares: evaluating a rule's expression, its scope, and row lists in messages."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any


from ...errors import RuleRuntimeError
from ...models import Entry, EntryRecord
from ...rules.compiled import evaluation_errors
from ...rules.pack import Rule
from ..memo import TEXT, scope_of


def run(rule: Rule, expression: Any, ctx: Mapping[str, Any], entry: Entry | EntryRecord | None) -> Any:
    """Evaluate one of a rule's expressions; a failure is the rule's fault, explained as :class:`RuleRuntimeError`."""
    try:
        return expression.evaluate(ctx)
    except evaluation_errors() as exc:
        where = f"第 {entry.row} 行" if entry is not None else f"分组 {ctx.get('key')!r}"
        detail = getattr(exc, "message", None) or type(exc).__name__
        raise RuleRuntimeError(
            f"规则 {rule.id} 在{where}上求值失败: {detail}",
            position=rule.source,
            code="rule-runtime",
            hint="这是规则本身的问题，不是台账的问题：请修改规则的条件（例如用 key in project.budget 先判断）。",
        ) from None


def in_scope(rule: Rule, ctx: Mapping[str, Any], refunds: bool) -> bool:
    """Whether ``rule`` judges this entry: its date (rules in force then) and refunds."""
    return rule.in_force(ctx["date"]) and (refunds or ctx["amount"] > 0)


def applies(rule: Rule, ctx: Mapping[str, Any], entry: Entry | EntryRecord, refunds: bool,
            answers: dict[Any, Any] | None = None) -> bool:
    """Category, date, refunds and the rule's ``where`` filter: whether the rule looks at this entry at all.

    ``answers``: where the ``where`` reads only the category and description, the memo of this entry's
    texts (:class:`..memo.TextMemo`) — the filter is then evaluated once per distinct text.
    """
    if rule.categories is not None and ctx["category"] not in rule.categories:
        return False
    if not in_scope(rule, ctx, refunds):
        return False
    if rule.where is None:
        return True
    if answers is None:
        return bool(run(rule, rule.where, ctx, entry))
    found = answers.get(rule.id)
    if found is None:
        found = answers[rule.id] = bool(run(rule, rule.where, ctx, entry))
    return found


def text_scoped(*expressions: Any) -> bool:
    """Whether these expressions (None: absent) read only the category and the description
    (a named condition counts as reading more: the kinds that call this do not follow them)."""
    symbols = frozenset().union(*(e.symbols for e in expressions if e is not None))
    return scope_of(symbols, {}) == TEXT


def row_list(rows: Sequence[int], shown: int = 12) -> str:
    """Rows for a message: all of a few, or the first ones and how many in all (the finding lists every row).

    Messages say “第 {rows} 行”, so this reads “第 2、3、… 共 40 行”.
    """
    if len(rows) <= shown:
        return "、".join(str(r) for r in rows)
    return "、".join(str(r) for r in rows[:shown]) + f"… 共 {len(rows)}"
