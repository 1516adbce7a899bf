"""Lowering rule-engine ASTs into closure plans, once, at load time.

rule-engine evaluates a rule by walking its AST and coercing every value it
touches (about 14 µs per rule per entry); a closure doing the same test costs
well under a microsecond.  The compiler works on the *parsed and type-checked*
AST — never on the rule's text — so nothing here evaluates user text as
Python.  It lowers the node kinds conditions use (logic, comparisons, regular
expressions, membership, symbols, ``project.…`` attributes, mapping lookups,
literals, arithmetic) into a plan of plain tuples (:mod:`.compiled` builds the
closure from it, and the pack cache stores it); for anything else it returns
``None`` and the rule falls back to rule-engine itself, which is slower but
always right.  A differential property test checks that closure and
rule-engine agree.
"""

from __future__ import annotations

import decimal
from typing import Any

from rule_engine.ast import ExpressionBase
from rule_engine.ast.binary.arithmetic import AddExpression, ArithmeticExpression, SubtractExpression
from rule_engine.ast.binary.comparison import (
    ArithmeticComparisonExpression,
    ComparisonExpression,
    FuzzyComparisonExpression,
    LogicExpression,
)
from rule_engine.ast.expression.access import ContainsExpression, GetAttributeExpression, GetItemExpression
from rule_engine.ast.expression.control import TernaryExpression, UnaryExpression
from rule_engine.ast.expression.resolution import SymbolExpression
from rule_engine.ast.literal import (
    ArrayExpression,
    BooleanExpression,
    FloatExpression,
    NullExpression,
    SetExpression,
    StringExpression,
)

from .compiled import ARITHMETIC_OPERATORS, ORDER_OPERATORS, STRING_ATTRIBUTES, Closure, Plan, build_closure


class _Unsupported(Exception):
    """A node kind the compiler does not handle; the rule uses rule-engine instead."""


def compile_closure(node: ExpressionBase, decimal_context: decimal.Context | None = None) -> Closure | None:
    """A closure equivalent to evaluating ``node`` with rule-engine, or None if unsupported.

    (Arithmetic always runs in :data:`.compiled.DECIMAL_CONTEXT`, the context every expression is parsed with.)
    """
    plan = lower(node)
    return build_closure(plan) if plan is not None else None


def lower(node: ExpressionBase) -> Plan | None:
    """The plan of a closure equivalent to evaluating ``node`` with rule-engine, or None if unsupported."""
    try:
        return _lower(node)
    except _Unsupported:
        return None


def _literal_values(node: ExpressionBase) -> tuple[Any, ...] | None:
    if isinstance(node, (ArrayExpression, SetExpression)):
        values = []
        for member in node.value:
            if not isinstance(member, (StringExpression, FloatExpression, BooleanExpression, NullExpression)):
                return None
            values.append(member.value)
        return tuple(values)
    return None


def _lower(node: ExpressionBase) -> Plan:  # noqa: C901 - one branch per node kind
    if isinstance(node, (StringExpression, FloatExpression, BooleanExpression, NullExpression)):
        return ("const", node.value)

    if isinstance(node, SymbolExpression):
        if node.scope is not None:
            raise _Unsupported(node)
        return ("symbol", node.name)

    if isinstance(node, (ArrayExpression, SetExpression)):
        values = _literal_values(node)
        if values is None:
            raise _Unsupported(node)
        return ("const", tuple(values) if isinstance(node, ArrayExpression) else frozenset(values))

    if isinstance(node, GetAttributeExpression):
        if node.safe:
            raise _Unsupported(node)
        obj = node.object
        name = node.name
        if isinstance(obj, SymbolExpression) and obj.name == "project" and obj.scope is None:
            return ("project", name)
        if name not in STRING_ATTRIBUTES or getattr(obj.result_type, "name", None) != "STRING":
            raise _Unsupported(node)
        return ("text", name, _lower(obj))

    if isinstance(node, GetItemExpression):
        if node.safe or getattr(node.container.result_type, "name", None) != "MAPPING":
            raise _Unsupported(node)
        return ("item", _lower(node.container), _lower(node.item))

    if isinstance(node, ContainsExpression):
        member, container = _lower(node.member), _lower(node.container)
        values = _literal_values(node.container)
        if values is not None:
            return ("in_fixed", member, frozenset(values))
        return ("in", member, container)

    if isinstance(node, UnaryExpression):
        right = _lower(node.right)
        if node.type == "not":
            return ("not", right)
        if node.type == "uminus":
            return ("neg", right)
        raise _Unsupported(node)

    if isinstance(node, LogicExpression):
        if node.type not in ("and", "or"):
            raise _Unsupported(node)
        return (node.type, _lower(node.left), _lower(node.right))

    if isinstance(node, FuzzyComparisonExpression):
        if not isinstance(node.right, StringExpression):
            raise _Unsupported(node)
        # the pattern was compiled by RE2 when the node was built (expressions.LinearFuzzyComparison)
        return ("regex", _lower(node.left), node._right, node.type.endswith("fzm"), not node.type.startswith("eq"))

    if isinstance(node, ArithmeticComparisonExpression):
        if node.type not in ORDER_OPERATORS:
            raise _Unsupported(node)
        return ("order", node.type, _lower(node.left), _lower(node.right))

    if isinstance(node, ComparisonExpression):  # after its subclasses above
        if node.type not in ("eq", "ne"):
            raise _Unsupported(node)
        return (node.type, _lower(node.left), _lower(node.right))

    if isinstance(node, (AddExpression, SubtractExpression, ArithmeticExpression)):
        if getattr(node.result_type, "name", None) != "FLOAT":
            raise _Unsupported(node)
        op = "add" if isinstance(node, AddExpression) else ("sub" if isinstance(node, SubtractExpression) else node.type)
        if op not in ARITHMETIC_OPERATORS:
            raise _Unsupported(node)
        return ("arith", op, _lower(node.left), _lower(node.right))

    if isinstance(node, TernaryExpression):
        return ("if", _lower(node.condition), _lower(node.case_true), _lower(node.case_false))

    raise _Unsupported(node)
