"""Rule expressions: parsed and type-checked by rule-engine, once, at load time.

Nothing here evaluates user text as Python: rule-engine parses the text into
its own AST against typed symbol tables (:mod:`.symbols`), with Asia/Shanghai
as the time zone and ``Decimal`` arithmetic.  The AST is then inspected to
learn which symbols, project attributes and word families a rule uses, and
which regular expressions it holds.  Problems come back as
:class:`ExpressionError` with an offset into the text; the pack loader turns
that into file:line:col.
"""

from __future__ import annotations

import codecs
import copy
import re
from collections.abc import Iterator, Mapping
from typing import Any

import dateutil.tz
import rule_engine
from rule_engine import DataType
from rule_engine import errors as re_errors
from rule_engine.ast.binary.comparison import FuzzyComparisonExpression
from rule_engine.ast.expression.access import ContainsExpression, GetAttributeExpression
from rule_engine.ast.expression.resolution import SymbolExpression
from rule_engine.ast.literal import StringExpression
from rule_engine.parser import Parser, _DeferredAstNode

from .ast_walk import depth, required_terms, walk
from .compiled import DECIMAL_CONTEXT, FAMILY_SETS, FROZEN_SETS, Expression, build_closure

from .compiler import lower
from .regex_safety import PatternError, compile_pattern
from .symbols import SYMBOL_HELP

__all__ = ["DECIMAL_CONTEXT", "FAMILY_SETS", "FROZEN_SETS", "Expression", "ExpressionError", "compile_expression"]

TIMEZONE = dateutil.tz.gettz("Asia/Shanghai")
MAX_EXPRESSION_LENGTH = 4000
#: how deeply operators may nest (``not not …``, ``- - 1``, ``a or b or …`` each add a level); far above
#: what a readable condition needs, far below what Python's stack allows for parsing and evaluation
MAX_EXPRESSION_DEPTH = 100

_TYPE_NAMES = {
    "STRING": "文字", "FLOAT": "数值", "BOOLEAN": "真/假", "DATETIME": "日期",
    "SET": "集合", "ARRAY": "列表", "MAPPING": "映射", "OBJECT": "对象", "NULL": "空值",
}


def type_name(dt: Any) -> str:
    return _TYPE_NAMES.get(getattr(dt, "name", ""), getattr(dt, "name", str(dt)))


class ExpressionError(Exception):
    """An expression that does not parse or type-check; ``offset`` is 0-based into the text."""

    def __init__(self, code: str, message: str, offset: int | None = None, hint: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.offset = offset
        self.hint = hint


class _RejectedPattern(re_errors.RegexSyntaxError):
    """A pattern :func:`.regex_safety.compile_pattern` refused, raised from inside rule-engine's parser."""

    def __init__(self, problem: PatternError, value: str) -> None:
        super().__init__(problem.message, error=problem, value=value)
        self.problem = problem


class LinearFuzzyComparison(FuzzyComparisonExpression):
    """rule-engine's ``=~`` / ``=~~`` / ``!~`` / ``!~~`` with the pattern compiled by RE2 instead of ``re``.

    rule-engine compiles a literal pattern when it builds the node (and evaluates a comparison of two
    literals right away); with this class both use RE2, so rule-engine's own evaluator, the compiled
    closures (:mod:`.compiler` takes the node's compiled pattern) and parse-time reduction all match
    in linear time.  No officer-written pattern ever reaches Python's backtracking ``re``.
    """

    def _compile_regex(self, regex: str) -> Any:
        try:
            return compile_pattern(regex)
        except PatternError as exc:
            raise _RejectedPattern(exc, regex) from None


class _LinearParser(Parser):
    """rule-engine's parser, building :class:`LinearFuzzyComparison` for the regular-expression operators.

    Generating the grammar tables takes most of a second, so the lexer and tables of rule-engine's
    own parser are reused, their actions bound to this instance (rule-engine is pinned below 6).
    """

    def __init__(self) -> None:
        template = rule_engine.Rule.parser
        try:
            lexer = template._lexer.clone(self)
            parser = copy.copy(template._parser)
            productions = [copy.copy(p) for p in template._parser.productions]
            for production in productions:
                if production.func:
                    production.callable = getattr(self, production.func)
        except AttributeError:  # pragma: no cover - a rule-engine whose internals moved: build the tables
            super().__init__()
            return
        parser.productions = productions
        parser.errorfunc = self.p_error
        self.debug = False
        self.context = None
        self._lexer = lexer
        self._parser = parser

    def p_expression_fuzzy_comparison(self, p: Any) -> None:
        left, op, right = p[1:4]
        p[0] = _DeferredAstNode(LinearFuzzyComparison, args=(self.context, self.op_names[op], left, right))

    p_expression_fuzzy_comparison.__doc__ = Parser.p_expression_fuzzy_comparison.__doc__


class _Rule(rule_engine.Rule):
    parser = _LinearParser()


def _string_literals(text: str) -> Iterator[tuple[int, str, str]]:
    """(offset of the body, body as written, value) for each string literal of an expression."""
    for m in re.finditer(r"""(?P<prefix>[rs]?)(?P<quote>["'])(?P<body>(?:[^\\\n]|\\.)*?)(?P=quote)""", text):
        body = m.group("body")
        yield m.start("body"), body, _decoded(body, m.group("prefix"))


def _decoded(body: str, prefix: str = "") -> str:
    """A literal's value, decoded the way rule-engine's parser decodes it."""
    if prefix == "r":
        return body
    try:
        return codecs.decode(codecs.encode(body, "unicode_escape").decode().replace("\\\\", "\\"), "unicode_escape")
    except UnicodeError:
        return body


def _pattern_offset(text: str, pattern: str, within: int | None = None) -> int | None:
    """Where ``pattern`` (a literal's value) is written in ``text``; ``within`` is an offset into the pattern."""
    for start, body, value in _string_literals(text):
        if value != pattern:
            continue
        if not within:
            return start
        for length in range(len(body) + 1):  # the shortest source prefix that decodes as far as ``within``
            if len(_decoded(body[:length])) >= within:
                return start + length
        return start
    found = text.find(pattern)
    return found if found >= 0 else None


def _find_word(text: str, word: str) -> int | None:
    m = re.search(rf"(?<![\w$]){re.escape(word)}(?!\w)", text)
    return m.start() if m else None


def _offset_of(text: str, token: Any) -> int | None:
    return getattr(token, "lexpos", None) if token is not None else None


def compile_expression(
    text: str,
    symbols: Mapping[str, Any],
    *,
    expect: Any = None,
    terms: Mapping[str, Any] | None = None,
    groups: Mapping[str, Any] | None = None,
    what: str = "条件",
) -> Expression:
    """Parse ``text`` against ``symbols``; check its result type and the word families and category groups it names."""
    if not isinstance(text, str) or not text.strip():
        raise ExpressionError("expression-empty", f"{what}为空", 0)
    if len(text) > MAX_EXPRESSION_LENGTH:
        raise ExpressionError("expression-too-long", f"{what}过长（{len(text)} 字符，上限 {MAX_EXPRESSION_LENGTH}）", 0)
    context = rule_engine.Context(
        type_resolver=rule_engine.type_resolver_from_dict(dict(symbols)),
        default_timezone=TIMEZONE,
        decimal_context=DECIMAL_CONTEXT,
        mapping_attribute_lookup=False,
    )
    too_deep = ExpressionError(
        "expression-too-deep",
        f"{what}嵌套过深（运算符或括号嵌套超过 {MAX_EXPRESSION_DEPTH} 层）",
        0,
        "把条件拆开：用命名条件（definitions）或几条规则，不要连写几百个 not、负号或括号。",
    )
    try:
        rule = _Rule(text, context=context)
    except RecursionError:
        raise too_deep from None
    except _RejectedPattern as exc:
        problem = exc.problem
        raise ExpressionError(problem.code, f"{what}中的{problem.message}",
                              _pattern_offset(text, exc.value, problem.offset), problem.hint) from None
    except re_errors.SymbolResolutionError as exc:
        hint = f"是不是想写 {exc.suggestion}？" if exc.suggestion else None
        names = "、".join(sorted(k for k in symbols if k != "project"))
        raise ExpressionError(
            "unknown-symbol",
            f"{what}中的名称 {exc.symbol_name!r} 不存在（可用: {names}, project.…）",
            _find_word(text, exc.symbol_name),
            hint,
        ) from None
    except (re_errors.AttributeResolutionError, re_errors.ObjectAttributeError) as exc:
        hint = f"是不是想写 {exc.suggestion}？" if getattr(exc, "suggestion", None) else None
        raise ExpressionError(
            "unknown-attribute",
            f"{what}中的属性 {exc.attribute_name!r} 不存在",
            _find_word(text, exc.attribute_name),
            hint,
        ) from None
    except re_errors.RegexSyntaxError as exc:  # pragma: no cover - every pattern goes through compile_pattern
        value = getattr(exc, "value", "") or ""
        raise ExpressionError("bad-regex", f"{what}中的正则表达式 {value!r} 无效", _pattern_offset(text, value)) from None
    except re_errors.RuleSyntaxError as exc:
        offset = _offset_of(text, exc.token)
        where = "末尾不完整" if offset is None else f"在“{text[offset:offset + 12]}”处"
        raise ExpressionError(
            "expression-syntax",
            f"{what}语法错误（{where}）",
            len(text) if offset is None else offset,
            "检查括号、引号是否成对，and/or/not 两边是否都有内容；文字要用双引号括起来。",
        ) from None
    except re_errors.ArithmeticError as exc:
        raise ExpressionError(
            "expression-arithmetic", f"{what}中的算式无法计算: {exc.message}", 0, "检查除以零或过大的乘方。"
        ) from None
    except re_errors.EvaluationError as exc:  # type mismatches and the like, found while parsing
        used = [n for n in symbols if _find_word(text, n) is not None]
        types = "，".join(f"{n} 是{type_name(symbols[n])}" for n in used if n in SYMBOL_HELP)
        raise ExpressionError(
            "type-mismatch",
            f"{what}的类型不匹配: {exc.message}" + (f"（{types}）" if types else ""),
            0,
            "文字要和文字比较、数值和数值比较；“in” 的右边应是集合或文字。",
        ) from None
    except re_errors.EngineError as exc:
        raise ExpressionError("expression-invalid", f"{what}无效: {exc.message}", 0) from None

    if depth(rule.statement.expression) > MAX_EXPRESSION_DEPTH:
        raise too_deep
    result = rule.statement.expression.result_type
    if expect is not None and not DataType.is_compatible(result, expect):
        raise ExpressionError(
            "wrong-result-type",
            f"{what}的结果是{type_name(result)}，应当是{type_name(expect)}",
            0,
        )
    used_symbols: set[str] = set()
    attributes: set[str] = set()
    used_terms: dict[str, int] = {}
    used_groups: dict[str, int] = {}
    for node in walk(rule.statement.expression):
        if isinstance(node, FuzzyComparisonExpression):
            if not isinstance(node.right, StringExpression):
                raise ExpressionError(
                    "regex-not-literal",
                    f"{what}中 =~ / =~~ 右边的正则表达式必须直接写成文字（用双引号括起来）",
                    _find_word(text, "=~"),
                    "不能拿台账里的内容当作正则表达式。",
                )
        if isinstance(node, SymbolExpression) and node.scope is None:
            used_symbols.add(node.name)
        elif isinstance(node, GetAttributeExpression):
            obj = node.object
            if isinstance(obj, SymbolExpression) and obj.name == "project":
                attributes.add(node.name)
        elif isinstance(node, ContainsExpression):
            container, member = node.container, node.member
            if (
                isinstance(container, SymbolExpression)
                and container.name in FAMILY_SETS
                and isinstance(member, StringExpression)
            ):
                used_terms[member.value] = text.find(f'"{member.value}"')
            elif (
                isinstance(container, SymbolExpression)
                and container.name == "category_groups"
                and isinstance(member, StringExpression)
            ):
                used_groups[member.value] = text.find(f'"{member.value}"')
    if groups is not None:
        for group, offset in used_groups.items():
            if group not in groups:
                raise ExpressionError(
                    "unknown-category-group",
                    f"科目组 {group!r} 没有在 categories.yaml 的 category_groups 中定义",
                    offset if offset >= 0 else None,
                    f"已定义的科目组: {'、'.join(groups) or '（无）'}",
                )
    if terms is not None:
        for term, offset in used_terms.items():
            if term not in terms:
                from difflib import get_close_matches

                close = get_close_matches(term, list(terms), n=1)
                raise ExpressionError(
                    "unknown-term",
                    f"词族 {term!r} 没有在 terms 中定义",
                    offset if offset >= 0 else None,
                    f"是不是想写 {close[0]!r}？" if close else "先在 terms.yaml 中定义这个词族。",
                )
    plan = lower(rule.statement.expression)
    return Expression(
        text=text,
        rule=rule,
        symbols=frozenset(used_symbols),
        project_attributes=frozenset(attributes),
        terms=frozenset(used_terms),
        closure=build_closure(plan) if plan is not None else None,
        triggers=required_terms(rule.statement.expression),
        payee_triggers=required_terms(rule.statement.expression, "payee_mentions"),
        plan=plan,
    )
