import datetime as dt
from decimal import Decimal

import pytest

from qianqi_rules.values import (
    clean_code,
    clean_invoice,
    format_money,
    format_money_cn,
    name_key,
    parse_amount,
    parse_date,
    to_decimal,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1234.5", "1234.5"),
        ("1,234.50", "1234.50"),
        ("¥1,234.50", "1234.50"),
        ("￥1,234.50", "1234.50"),
        ("1234.50元", "1234.50"),
        ("1，234.50", "1234.50"),
        ("-300.00", "-300.00"),
        ("(300.00)", "-300.00"),
        ("-¥300.00", "-300.00"),
        ("¥-300.00", "-300.00"),
        (" 18500 ", "18500"),
        ("１２３．４５", "123.45"),
        ("人民币100元", "100"),
        ("1,234,567.89", "1234567.89"),
    ],
)
def test_amount_formats_seen_in_exports(text: str, expected: str) -> None:
    value = parse_amount(text)
    assert isinstance(value, Decimal)
    assert value == Decimal(expected)


@pytest.mark.parametrize("text", ["", "n/a", "abc", "12,34", "1.2.3", "--5", "1,2345.00", "¥", "1e5"])
def test_unreadable_amounts_are_refused(text: str) -> None:
    with pytest.raises(ValueError):
        parse_amount(text)


@pytest.mark.parametrize(
    "text",
    ["2025-03-05", "2025/3/5", "2025.3.5", "2025年3月5日", "20250305", "2025-03-05 00:00:00", " 2025 年 3 月 5 日 "],
)
def test_date_formats_seen_in_exports(text: str) -> None:
    assert parse_date(text) == dt.date(2025, 3, 5)


@pytest.mark.parametrize("text", ["2025-06-31", "2025-13-01", "abc", "", "2025-3", "05/03/2025"])
def test_impossible_or_unknown_dates_are_refused(text: str) -> None:
    with pytest.raises(ValueError):
        parse_date(text)


def test_float_money_is_refused_but_int_and_decimal_pass() -> None:
    with pytest.raises(ValueError, match="浮点"):
        to_decimal(0.1)
    assert to_decimal(5) == Decimal(5)
    assert to_decimal(Decimal("0.10")) == Decimal("0.10")
    with pytest.raises(ValueError):
        to_decimal(True)


def test_money_formats_round_half_up_to_cents() -> None:
    assert format_money(Decimal("1200")) == "1200.00"
    assert format_money(Decimal("0.125")) == "0.13"
    assert format_money(Decimal("-3")) == "-3.00"
    assert format_money_cn(Decimal("1234567.5")) == "1,234,567.50"


@pytest.mark.parametrize("text", ["无", " / ", "—", "--", "N/A", "待补", "0", "'"])
def test_placeholders_are_no_code(text: str) -> None:
    assert clean_code(text) == "" and clean_invoice(text) == ""


def test_codes_and_invoices_compare_as_written_by_any_clerk() -> None:
    assert clean_code("'bjkx-qq-2025-031 ") == "BJKX-QQ-2025-031"  # project codes keep their hyphens
    assert clean_invoice("2511-0000-0123-0000-0006") == clean_invoice("25110000012300000006")
    assert clean_invoice("２５１１ ００００") == "25110000"


def test_names_match_whatever_dot_or_case_is_typed() -> None:
    assert name_key("阿依古丽•买买提") == name_key("阿依古丽·买买提") == name_key("阿依古丽.买买提")
    assert name_key("WANG Lei") == name_key("Wang Lei")
    assert name_key("刘振华（北京大学）") == name_key("刘振华")


# ---------------------------------------------------------------------- the fast paths (hot path work, issue 16)
from hypothesis import given  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from qianqi_rules.values import clean_code, clean_invoice, normalise_name, normalise_text  # noqa: E402

_plain = st.from_regex(r"\A[+-]?(?:[0-9]{1,20}|[0-9]{1,3}(?:,[0-9]{3}){1,6}|[0-9]{1,4},[0-9]{1,4})(?:\.[0-9]{1,30})?\Z")


def _outcome(f, text):
    try:
        value = f(text)
        return (repr(value),)
    except ValueError as exc:
        return ("error", str(exc))


@given(_plain)
def test_a_plain_amount_parses_as_the_full_path_parses_it(text: str) -> None:
    # a leading space makes parse_amount take its full path (NFKC, white space, the full pattern)
    assert _outcome(parse_amount, text) == _outcome(parse_amount, " " + text)


@given(st.text(st.characters(max_codepoint=127), max_size=12))
def test_ascii_texts_and_codes_clean_as_the_full_path_cleans_them(text: str) -> None:
    import re
    import unicodedata

    assert normalise_text(text) == re.sub(r"\s+", " ", unicodedata.normalize("NFKC", text)).strip()
    assert normalise_name(text) == re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))
    # a trailing full-width space is removed by the full path, and keeps these off the fast one
    assert clean_code(text) == clean_code(text + "\u3000")
    assert clean_invoice(text) == clean_invoice(text + "\u3000")


@given(st.from_regex(r"\A[0-9]{1,22}\Z"))
def test_an_invoice_number_of_digits_cleans_as_the_full_path_cleans_it(text: str) -> None:
    assert clean_code(text) == clean_code(text + "\u3000")
    assert clean_invoice(text) == clean_invoice(text + "\u3000") == ("" if text == "0" else text)
