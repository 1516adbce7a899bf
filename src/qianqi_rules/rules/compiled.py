"""A compiled expression, and the closures it runs, built from a plain intermediate form.

:mod:`.compiler` lowers rule-engine's parsed, type-checked AST into nested
tuples (the *plan* of a closure); this module turns a plan into a Python
closure.  The split exists for the pack cache (:mod:`.cache`): closures do not
pickle, plans do, and rebuilding a closure from its plan needs neither
rule-engine nor any user text — so a warm start skips importing rule-engine
and re-type-checking every condition.  Nothing here evaluates text as Python.

Plan nodes, each a tuple whose first item names it::

    ("const", value)                       a literal, or a fixed tuple/frozenset
    ("symbol", name)                       ctx[name]
    ("project", name)                      ctx["project"][name]
    ("text", attribute, plan)              as_lower / as_upper / length / is_empty of a string
    ("item", container, item)              mapping lookup (rule-engine's LookupError when missing)
    ("in", member, container)              membership; ("in_fixed", member, frozenset) for a literal set
    ("not", plan) / ("neg", plan)
    ("and", left, right) / ("or", left, right)
    ("regex", left, pattern, match, negate)   pattern: a compiled :class:`.regex_safety.LinearPattern`
    ("order", op, left, right)             op: gt / ge / lt / le
    ("eq", left, right) / ("ne", left, right)
    ("arith", op, left, right)             op: add / sub / mul / tdiv / fdiv / mod / pow, in DECIMAL_CONTEXT
    ("if", condition, when_true, when_false)
"""

from __future__ import annotations

import decimal
import operator
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

Closure = Callable[[Mapping[str, Any]], Any]
Plan = tuple[Any, ...]

DECIMAL_CONTEXT = decimal.Context(prec=34, rounding=decimal.ROUND_HALF_EVEN)
#: symbols holding the word families found in a text (the evaluator passes them as frozensets)
FAMILY_SETS = ("mentions", "payee_mentions")
#: every symbol the evaluator passes as a frozenset (rule-engine's own evaluator wants a ``set``)
FROZEN_SETS = FAMILY_SETS + ("category_groups",)

_ORDER = {"gt": operator.gt, "ge": operator.ge, "lt": operator.lt, "le": operator.le}
_ARITHMETIC = {
    "add": operator.add, "sub": operator.sub, "mul": operator.mul, "tdiv": operator.truediv,
    "fdiv": operator.floordiv, "mod": operator.mod, "pow": operator.pow,
}
_STRING_ATTRIBUTES: dict[str, Callable[[str], Any]] = {
    "as_lower": str.lower,
    "as_upper": str.upper,
    "length": lambda s: decimal.Decimal(len(s)),
    "is_empty": lambda s: len(s) == 0,
}
STRING_ATTRIBUTES = frozenset(_STRING_ATTRIBUTES)
ORDER_OPERATORS = frozenset(_ORDER)
ARITHMETIC_OPERATORS = frozenset(_ARITHMETIC)


def evaluation_errors() -> tuple[type[BaseException], ...]:
    """What a failing expression raises: Python's arithmetic/type/value errors, and rule-engine's own
    when rule-engine is loaded (a closure never raises one without importing it first)."""
    base: tuple[type[BaseException], ...] = (ArithmeticError, TypeError, ValueError)
    engine = sys.modules.get("rule_engine.errors")
    return (*base, engine.EngineError) if engine is not None else base


def _missing_key(mapping: Any, key: Any) -> Exception:
    from rule_engine import errors as re_errors  # only on this error path: the same error rule-engine raises

    return re_errors.LookupError(mapping, key)


def build_closure(plan: Plan) -> Closure:  # noqa: C901 - one branch per node kind
    """The closure a plan describes."""
    kind = plan[0]
    if kind == "const":
        value = plan[1]
        return lambda ctx: value
    if kind == "symbol":
        return operator.itemgetter(plan[1])
    if kind == "project":
        name = plan[1]
        return lambda ctx: ctx["project"][name]
    if kind == "text":
        function, inner = _STRING_ATTRIBUTES[plan[1]], build_closure(plan[2])
        return lambda ctx: function(inner(ctx))
    if kind == "item":
        container, item = build_closure(plan[1]), build_closure(plan[2])

        def get_item(ctx: Mapping[str, Any]) -> Any:
            mapping, key = container(ctx), item(ctx)
            try:
                return mapping[key]
            except KeyError:
                raise _missing_key(mapping, key) from None

        return get_item
    if kind == "in_fixed":
        member, fixed = build_closure(plan[1]), plan[2]
        return lambda ctx: member(ctx) in fixed
    if kind == "in":
        member, container = build_closure(plan[1]), build_closure(plan[2])
        return lambda ctx: member(ctx) in container(ctx)
    if kind == "not":
        right = build_closure(plan[1])
        return lambda ctx: not right(ctx)
    if kind == "neg":
        right = build_closure(plan[1])
        return lambda ctx: -right(ctx)
    if kind in ("and", "or"):
        left, right = build_closure(plan[1]), build_closure(plan[2])
        if kind == "and":
            return lambda ctx: bool(left(ctx) and right(ctx))
        return lambda ctx: bool(left(ctx) or right(ctx))
    if kind == "regex":
        left, pattern, match, negate = build_closure(plan[1]), plan[2], plan[3], plan[4]
        matcher = pattern.match if match else pattern.search
        if negate:
            return lambda ctx: matcher(left(ctx)) is None
        return lambda ctx: matcher(left(ctx)) is not None
    if kind == "order":
        compare, left, right = _ORDER[plan[1]], build_closure(plan[2]), build_closure(plan[3])
        return lambda ctx: compare(left(ctx), right(ctx))
    if kind in ("eq", "ne"):
        left, right = build_closure(plan[1]), build_closure(plan[2])
        if kind == "eq":
            return lambda ctx: _equal(left(ctx), right(ctx))
        return lambda ctx: not _equal(left(ctx), right(ctx))
    if kind == "arith":
        op, left, right = _ARITHMETIC[plan[1]], build_closure(plan[2]), build_closure(plan[3])

        def arithmetic(ctx: Mapping[str, Any]) -> Any:
            with decimal.localcontext(DECIMAL_CONTEXT):
                return op(left(ctx), right(ctx))

        return arithmetic
    if kind == "if":
        condition, when_true, when_false = (build_closure(p) for p in plan[1:4])
        return lambda ctx: when_true(ctx) if condition(ctx) else when_false(ctx)
    raise ValueError(f"unknown plan node {kind!r}")


def _equal(a: Any, b: Any) -> bool:
    """rule-engine's equality: values of different types are never equal."""
    return type(a) is type(b) and a == b


@dataclass(frozen=True)
class Expression:
    """A parsed, type-checked expression, its compiled closure, and what it refers to.

    ``evaluate`` runs the closure built from ``plan``; ``evaluate_reference`` runs
    rule-engine's own evaluator — the reference the closure is tested against, and
    the fallback for the rare expression the compiler does not handle.  An expression
    restored from the pack cache has no ``rule`` (the cache only holds packs whose
    every expression has a plan).
    """

    text: str
    rule: Any  # rule_engine.Rule; None when restored from the cache
    symbols: frozenset[str]
    project_attributes: frozenset[str]
    terms: frozenset[str]
    closure: Closure | None = field(default=None, compare=False, repr=False)
    #: word families of which at least one must be mentioned for the expression to be true
    #: (None: no such constraint) — lets the evaluator skip keyword rules cheaply
    triggers: frozenset[str] | None = None
    #: the same for the families found in the payee's name (``payee_mentions``)
    payee_triggers: frozenset[str] | None = None
    #: what the closure was built from (None: the compiler does not handle this expression)
    plan: Plan | None = field(default=None, compare=False, repr=False)

    def __post_init__(self) -> None:
        # the hot path calls ``evaluate``: bind it straight to the closure when there is one
        if self.closure is not None:
            object.__setattr__(self, "evaluate", self.closure)

    def __reduce__(self) -> tuple[Any, ...]:
        if self.plan is None:
            raise TypeError(f"expression {self.text!r} has no plan and cannot be stored")
        return (restore_expression, (self.text, self.symbols, self.project_attributes, self.terms,
                                     self.triggers, self.payee_triggers, self.plan))

    def evaluate(self, thing: Mapping[str, Any]) -> Any:
        return self.evaluate_reference(thing)

    def evaluate_reference(self, thing: Mapping[str, Any]) -> Any:
        """rule-engine's own evaluation (it wants a mutable ``set`` where the evaluator keeps a frozenset)."""
        if self.rule is None:
            raise RuntimeError("this expression was restored from the pack cache: load the pack from its files "
                               "(qianqi_rules.load_rules) to evaluate it with rule-engine")
        frozen = {k: set(v) for k in FROZEN_SETS if isinstance(v := thing.get(k), frozenset)}
        if frozen:  # a copy of the same kind: an entry's context computes its named conditions on first use
            import copy

            changed = copy.copy(thing) if isinstance(thing, dict) else dict(thing)
            changed.update(frozen)
            thing = changed
        return self.rule.evaluate(thing)

    def matches(self, thing: Mapping[str, Any]) -> bool:
        return bool(self.evaluate(thing))


def restore_expression(text: str, symbols: frozenset[str], project_attributes: frozenset[str],
                       terms: frozenset[str], triggers: frozenset[str] | None,
                       payee_triggers: frozenset[str] | None, plan: Plan) -> Expression:
    """An expression read back from the cache: its closure rebuilt from its plan, without rule-engine."""
    return Expression(text=text, rule=None, symbols=symbols, project_attributes=project_attributes, terms=terms,
                      closure=build_closure(plan), triggers=triggers, payee_triggers=payee_triggers, plan=plan)
