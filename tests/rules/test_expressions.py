import datetime as dt
from decimal import Decimal

import pytest
from rule_engine import DataType

from qianqi_rules.rules.expressions import ExpressionError, compile_expression
from qianqi_rules.rules.symbols import ENTRY_SYMBOLS

TERMS = {"业务招待": object()}


def compile_(text: str, **kw):
    return compile_expression(text, ENTRY_SYMBOLS, expect=DataType.BOOLEAN, terms=TERMS, **kw)


def test_symbols_attributes_and_terms_are_collected() -> None:
    e = compile_('"业务招待" in mentions and payee in project.staff and amount > 10')
    assert e.symbols == {"mentions", "payee", "project", "amount"}
    assert e.project_attributes == {"staff"}
    assert e.terms == {"业务招待"}


def test_payee_families_are_checked_and_evaluated_like_description_families() -> None:
    e = compile_('"业务招待" in payee_mentions and not "业务招待" in mentions')
    assert e.symbols == {"payee_mentions", "mentions"} and e.terms == {"业务招待"}
    thing = {"payee_mentions": frozenset({"业务招待"}), "mentions": frozenset()}
    assert e.evaluate(thing) and e.evaluate_reference(thing)
    assert e.triggers is None  # a payee family does not narrow which description families must be present
    with pytest.raises(ExpressionError) as info:
        compile_('"业务招代" in payee_mentions')
    assert info.value.code == "unknown-term"


def test_evaluation_uses_decimal_and_dates() -> None:
    e = compile_("amount > 0.1 and date >= project.start")
    thing = {"amount": Decimal("0.10000001"), "date": dt.date(2025, 1, 1),
             "project": {"start": dt.date(2025, 1, 1)}}
    assert e.matches(thing)


@pytest.mark.parametrize(
    ("text", "code", "offset"),
    [
        ("payye == 'x'", "unknown-symbol", 0),
        ("amount > 1 and payye == 'x'", "unknown-symbol", 15),
        ("payee in project.staf", "unknown-attribute", 17),
        ('amount > "x"', "type-mismatch", 0),
        ('payee =~ "(unclosed"', "bad-regex", 10),
        ("amount > 1 and and", "expression-syntax", 15),
        ("amount >", "expression-syntax", 8),
        ('"业务招代" in mentions', "unknown-term", 0),
        ("amount", "wrong-result-type", 0),
        ("", "expression-empty", 0),
    ],
)
def test_errors_have_codes_and_offsets(text: str, code: str, offset: int) -> None:
    with pytest.raises(ExpressionError) as info:
        compile_(text)
    assert info.value.code == code
    assert info.value.offset == offset


def test_suggestions_for_misspellings() -> None:
    with pytest.raises(ExpressionError) as info:
        compile_("payye == 'x'")
    assert "payee" in (info.value.hint or "")
    with pytest.raises(ExpressionError) as info:
        compile_('"业务招代" in mentions')
    assert "业务招待" in (info.value.hint or "")


def test_python_internals_are_not_reachable() -> None:
    with pytest.raises(ExpressionError):
        compile_("payee.__class__ == 'x'")


@pytest.mark.parametrize(
    "text",
    [
        "not " * 500 + "true",
        "amount > " + "-" * 1500 + "1",
        "not " * 150 + "amount > 1",
        "amount > 1" + " or amount > 1" * 250,
    ],
    ids=["not-500", "minus-1500", "not-150", "or-250"],
)
def test_deep_nesting_is_a_coded_error_with_a_position(text: str) -> None:
    with pytest.raises(ExpressionError) as info:
        compile_(text)
    assert info.value.code == "expression-too-deep"
    assert info.value.offset == 0
    assert "嵌套" in info.value.message


def test_nesting_a_person_would_write_is_fine() -> None:
    compile_("not " * 20 + "amount > " + "-" * 20 + "1")


@pytest.mark.parametrize(
    ("text", "code", "offset"),
    [
        ('description =~ "(a)\\\\1"', "regex-unsupported", 19),
        ('amount > 1 and description =~~ "x(?=a)"', "regex-unsupported", 33),
        ('description =~ "(.*){1,32000}[bc]"', "unsafe-regex", 20),
        ('description =~ "[招待"', "bad-regex", 16),
    ],
)
def test_pattern_problems_point_into_the_pattern(text: str, code: str, offset: int) -> None:
    with pytest.raises(ExpressionError) as info:
        compile_(text)
    assert (info.value.code, info.value.offset) == (code, offset)


def test_patterns_keep_pythons_unicode_classes() -> None:
    e = compile_(r'description =~ r"^\s*\d+\w$"')
    assert e.matches({"description": "\u3000１２汉"})
    assert e.evaluate_reference({"description": "\u3000１２汉"})
    assert compile_(r'description =~~ r"\p{Han}{2}"').matches({"description": "ab招待"})


def test_a_comparison_of_two_literals_is_reduced_with_re2() -> None:
    # rule-engine evaluates this while parsing; on Python's re it would not finish
    e = compile_('"' + "a" * 200 + '!" =~~ "(a|aa)+$"')
    assert e.matches({}) is False
