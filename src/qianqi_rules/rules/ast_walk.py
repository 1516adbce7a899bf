"""Walking rule-engine ASTs: every node (without recursion: a tree may be deep), how deep operators nest, and
which word families a condition needs before it can be true.

:func:`required_terms` is what lets the evaluator skip a keyword rule cheaply on an entry that mentions none
of the families the rule needs (``Expression.triggers``).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from rule_engine.ast import ExpressionBase
from rule_engine.ast.binary.comparison import LogicExpression
from rule_engine.ast.expression.access import ContainsExpression
from rule_engine.ast.expression.resolution import SymbolExpression
from rule_engine.ast.literal import StringExpression


def depth(node: Any) -> int:
    """How deeply ``node``'s operators nest (without recursion: the tree may be deep)."""
    deepest, stack = 0, [(node, 1)]
    while stack:
        current, level = stack.pop()
        deepest = max(deepest, level)
        stack.extend((child, level + 1) for child in _children(current))
    return deepest


def _attributes(node: Any) -> Iterator[tuple[str, Any]]:
    """A node's fields, whether it keeps them in ``__slots__`` or in ``__dict__``."""
    seen: set[str] = set()
    for klass in type(node).__mro__:
        for slot in getattr(klass, "__slots__", ()):
            if slot not in seen and hasattr(node, slot):
                seen.add(slot)
                yield slot, getattr(node, slot)
    for name, value in getattr(node, "__dict__", {}).items():
        if name not in seen:
            yield name, value


def _children(node: Any) -> Iterator[Any]:
    for name, value in _attributes(node):
        if name == "context":
            continue
        if isinstance(value, ExpressionBase):
            yield value
        elif isinstance(value, (tuple, list)):
            for item in value:
                if isinstance(item, ExpressionBase):
                    yield item
                elif isinstance(item, (tuple, list)):
                    yield from (i for i in item if isinstance(i, ExpressionBase))


def walk(node: Any) -> Iterator[Any]:
    """Every AST node below ``node`` (inclusive), depth first."""
    stack = [node]
    while stack:
        current = stack.pop()
        yield current
        stack.extend(_children(current))


def required_terms(node: Any, symbol: str = "mentions") -> frozenset[str] | None:
    """Families one of which must be in ``symbol`` (``mentions``) for ``node`` to be true, or None if none must.

    ``"A" in mentions`` needs A; ``x and y`` needs what either side needs; ``x or y``
    needs A-or-B only when both sides need something; ``not x`` needs nothing.
    """
    if isinstance(node, ContainsExpression):
        container, member = node.container, node.member
        if (isinstance(container, SymbolExpression) and container.name == symbol
                and isinstance(member, StringExpression)):
            return frozenset([member.value])
        return None
    if isinstance(node, LogicExpression):
        left, right = required_terms(node.left, symbol), required_terms(node.right, symbol)
        if node.type == "and":
            candidates = [t for t in (left, right) if t is not None]
            return min(candidates, key=len) if candidates else None
        if node.type == "or" and left is not None and right is not None:
            return left | right
    return None
