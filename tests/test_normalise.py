import datetime as dt
from decimal import Decimal

from qianqi_rules.ledger.rows import RawRow
from qianqi_rules.models import Entry, InputError
from qianqi_rules.normalise import normalise_mapping, normalise_row

HEADERS = {"date": "日期", "category": "科目", "amount": "借方金额", "credit": "贷方金额", "payee": "收款人"}


def row(**values: str) -> RawRow:
    return RawRow(7, values)


def test_debit_minus_credit_is_the_net_amount() -> None:
    entry = normalise_row(row(date="2025-01-02", category=" 会议费 ", amount="100", credit="30", payee=" 张　三 "), HEADERS)
    assert isinstance(entry, Entry)
    assert entry.amount == Decimal("70")
    assert entry.category == "会议费"
    assert entry.payee == "张 三"  # display text keeps one space; matching removes it
    assert entry.entry_id == "7"
    assert entry.description is None  # the ledger has no such column


def test_empty_debit_with_credit_is_a_refund() -> None:
    entry = normalise_row(row(date="2025-01-02", category="差旅费", amount="", credit="¥50.00"), HEADERS)
    assert isinstance(entry, Entry) and entry.amount == Decimal("-50.00")


def test_unreadable_cells_are_reported_with_row_and_header_text() -> None:
    errors = normalise_row(row(date="2025-02-30", category="", amount="abc", credit=""), HEADERS)
    assert isinstance(errors, list)
    by_field = {e.field: e for e in errors}
    assert set(by_field) == {"date", "category", "amount"}
    assert by_field["amount"].column == "借方金额" and by_field["amount"].value == "abc" and by_field["amount"].row == 7
    assert by_field["date"].code == "bad-date"
    assert by_field["category"].code == "missing-category"


def test_both_amounts_empty_is_a_missing_amount() -> None:
    errors = normalise_row(row(date="2025-01-02", category="会议费", amount=" ", credit=""), HEADERS)
    assert [e.code for e in errors] == ["missing-amount"]


def test_codes_are_cleaned() -> None:
    entry = normalise_mapping(
        {"date": "2025-01-02", "category": "会议费", "amount": "1", "invoice_no": " 'ab 12 ", "project_code": "bjkx-qq-1"}, 1
    )
    assert isinstance(entry, Entry)
    assert entry.invoice_no == "AB12" and entry.project_code == "BJKX-QQ-1"


def test_mappings_accept_typed_values_and_refuse_floats_and_unknown_keys() -> None:
    entry = normalise_mapping({"date": dt.date(2025, 1, 2), "category": "会议费", "amount": Decimal("12.30")}, 3)
    assert isinstance(entry, Entry) and entry.row == 3 and entry.amount == Decimal("12.30")
    errors = normalise_mapping({"date": "2025-01-02", "category": "会议费", "amount": 12.3}, 4)
    assert isinstance(errors, list) and errors[0].field == "amount" and "浮点" in errors[0].message
    errors = normalise_mapping({"date": "2025-01-02", "category": "会议费", "amount": 1, "colour": "red"}, 5)
    assert isinstance(errors, list) and errors[0].code == "unknown-field" and errors[0].row == 5


def test_an_entry_model_passes_through_unchanged() -> None:
    model = Entry(row=9, entry_id="x", date=dt.date(2025, 1, 2), category="会议费", amount=Decimal(1))
    assert normalise_mapping(model, 1) is model


def test_input_error_values_are_clipped() -> None:
    errors = normalise_mapping({"date": "x" * 1000, "category": "会议费", "amount": "1"}, 1)
    assert isinstance(errors[0], InputError) and len(errors[0].value) == 200
