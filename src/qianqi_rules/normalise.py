"""Turning raw cells (or Python mappings) into typed :class:`Entry` objects.

The second stage of the pipeline.  Text becomes ``Decimal`` and ``date``;
the net amount is debit − credit (an empty debit with a credit is a refund);
names and codes are cleaned of full-width characters and stray spaces.  A row
that cannot be read yields :class:`InputError` values naming its row and
column instead of an entry — never an exception, never silence.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any

from .ledger.rows import RawRow
from .models import LEDGER_FIELDS, OPTIONAL_FIELDS, Entry, EntryRecord, InputError
from .values import (
    MAX_AMOUNT, clean_code, clean_invoice, normalise_text, parse_amount, parse_count, parse_quantity, sub_cent, to_date,
    to_decimal, whole_cents,
)

#: code columns and how each is cleaned (codes compare without spaces, case and placeholders)
_CODE_FIELDS: dict[str, Callable[[str], str]] = {
    "voucher_no": clean_code, "invoice_no": clean_invoice, "project_code": clean_code,
}
#: longer cells are refused: no real ledger writes a 4,000-character description, and a bound on
#: every cell keeps the work per row bounded whatever a file holds
MAX_CELL = 4_000


def _count(value: Any) -> int:
    if isinstance(value, int) and not isinstance(value, bool):
        if value <= 0:
            raise ValueError(f"人数 {value} 应大于 0")
        return value
    if isinstance(value, str):
        return parse_count(value)
    raise ValueError(f"人数的类型 {type(value).__name__} 无法识别")


def _quantity(what: str) -> Callable[[Any], Decimal]:
    def parse(value: Any) -> Decimal:
        if isinstance(value, (int, Decimal)) and not isinstance(value, bool):
            number = Decimal(value)
            if not number.is_finite() or number <= 0:
                raise ValueError(f"{what} {value} 应大于 0")
            return number
        if isinstance(value, str):
            return parse_quantity(value, what)
        raise ValueError(f"{what}的类型 {type(value).__name__} 无法识别（不能是浮点数）")

    return parse


#: numeric standards columns and how a cell becomes a value
_NUMBER_FIELDS: dict[str, Callable[[Any], Any]] = {
    "persons": _count,
    "days": _quantity("天数"),
    "hours": _quantity("学时"),
}


def _is_empty(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _build(
    row: int, values: Mapping[str, Any], column: Callable[[str], str], present: set[str]
) -> Entry | list[InputError]:
    errors: list[InputError] = []

    def fail(field: str, code: str, message: str) -> None:
        value = values.get(field)
        errors.append(
            InputError(
                row=row,
                column=column(field),
                field=field,
                value=None if value is None else str(value)[:200],
                code=code,
                message=message,
            )
        )

    for field, value in values.items():
        if isinstance(value, str) and len(value) > MAX_CELL:
            fail(field, "cell-too-long", f"内容过长（{len(value)} 个字符，上限 {MAX_CELL}）")
    if errors:
        return errors

    date = None
    if _is_empty(values.get("date")):
        fail("date", "missing-date", "日期为空")
    else:
        try:
            date = to_date(values["date"])
        except ValueError as exc:
            fail("date", "bad-date", str(exc))

    category = ""
    raw_category = values.get("category")
    if _is_empty(raw_category):
        fail("category", "missing-category", "费用科目为空")
    elif not isinstance(raw_category, str):
        fail("category", "bad-category", f"费用科目应是文字，而不是 {type(raw_category).__name__}")
    else:
        category = normalise_text(raw_category)

    amount: Decimal | None = None
    debit, credit = values.get("amount"), values.get("credit")
    if _is_empty(debit) and _is_empty(credit):
        fail("amount", "missing-amount", "金额为空")
    else:
        total = Decimal(0)
        for field, sign in (("amount", 1), ("credit", -1)):
            if _is_empty(values.get(field)):
                continue
            what = "金额" if field == "amount" else "贷方金额"
            try:
                value = to_decimal(values[field], what)
            except ValueError as exc:
                fail(field, "bad-amount", str(exc))
                total = None  # type: ignore[assignment]
                break
            if not whole_cents(value):  # 1.005 six times would be recovered as 6.03, shown as 6 × 1.01
                fail(field, "sub-cent-amount", sub_cent(values[field], what))
                total = None  # type: ignore[assignment]
                break
            total += sign * value
        amount = total

    optional: dict[str, Any] = {}
    for field in OPTIONAL_FIELDS:
        if field not in present:
            optional[field] = None
            continue
        value = values.get(field)
        if field in _NUMBER_FIELDS:
            if _is_empty(value):
                optional[field] = None
                continue
            try:
                optional[field] = _NUMBER_FIELDS[field](value)
            except ValueError as exc:
                fail(field, "bad-number", str(exc))
            continue
        if value is None:
            optional[field] = ""
        elif not isinstance(value, (str, int)) or isinstance(value, bool):
            fail(field, "bad-text", f"应是文字，而不是 {type(value).__name__}")
        else:
            text = str(value)
            clean = _CODE_FIELDS.get(field)
            optional[field] = clean(text) if clean is not None else normalise_text(text)

    if errors or date is None or amount is None:
        return errors
    entry_id = values.get("entry_id")
    return Entry(
        row=row,
        entry_id=str(row) if _is_empty(entry_id) else normalise_text(str(entry_id)),
        date=date,
        category=category,
        amount=amount,
        **optional,
    )


def normalise_row(raw: RawRow, headers: Mapping[str, str]) -> Entry | list[InputError]:
    """A CSV row: errors name the column by the header text written in the file."""
    return _build(raw.row, raw.values, lambda f: headers.get(f, f), set(raw.values))


def normalise_mapping(data: Mapping[str, Any] | Entry, position: int) -> Entry | list[InputError]:
    """An entry handed over in Python: a model passes through, a mapping is parsed.

    Mapping values may be typed (``Decimal``, ``int``, ``date``) or ledger text;
    float amounts are refused because they are not exact.  ``row`` defaults to
    ``position`` (1-based).  A key that is not a ledger field is an error.
    """
    if isinstance(data, Entry):
        return data
    row = data.get("row", position)
    if not isinstance(row, int) or isinstance(row, bool) or row < 1:
        row = position
    unknown = sorted(k for k in data if k not in LEDGER_FIELDS and k != "row")
    if unknown:
        return [
            InputError(
                row=row, column=k, field=None, value=str(data[k])[:200], code="unknown-field",
                message=f"未知字段“{k}”（可用字段: {', '.join(LEDGER_FIELDS)}）",
            )
            for k in unknown
        ]
    return _build(row, data, lambda f: f, {k for k in data if k in LEDGER_FIELDS})


class RowNormaliser:
    """:func:`normalise_row` for every row of one ledger, fast.

    Ledgers repeat dates, categories, payees and descriptions, so parsed values
    are cached by their text, and a row whose cells all parse becomes a light
    :class:`EntryRecord` without re-validating what was just parsed.  Any row
    with a problem goes through :func:`normalise_row`, the one place error
    messages are made, so both paths always agree.
    """

    _CACHE_LIMIT = 50_000

    def __init__(self, headers: Mapping[str, str]) -> None:
        self.headers = dict(headers)
        self._dates: dict[str, Any] = {}
        self._texts: dict[str, str] = {}
        self._codes: dict[str, dict[str, str]] = {f: {} for f in _CODE_FIELDS}
        self._optional = [(f, _CODE_FIELDS.get(f)) for f in OPTIONAL_FIELDS if f in headers and f not in _NUMBER_FIELDS]
        self._numbers = [f for f in _NUMBER_FIELDS if f in headers]

    def _miss(self, cache: dict[str, Any], text: str, parse: Callable[[str], Any]) -> Any:
        value = parse(text)
        if len(cache) >= self._CACHE_LIMIT:
            cache.clear()
        cache[text] = value
        return value

    def __call__(self, raw: RawRow) -> Entry | EntryRecord | list[InputError]:
        values = raw.values
        texts = self._texts
        if values and max(map(len, values.values())) > MAX_CELL:
            return normalise_row(raw, self.headers)
        try:
            cell = values["date"]
            date = self._dates.get(cell) or self._miss(self._dates, cell, to_date)
            cell = values["category"]
            category = texts.get(cell) or self._miss(texts, cell, normalise_text)
            debit, credit = values["amount"], values.get("credit", "")
            if not category:
                raise ValueError
            if credit and credit.strip():
                amount = (_fast_amount(debit) if debit.strip() else Decimal(0)) - _fast_amount(credit)
            else:
                amount = _fast_amount(debit)
        except (ValueError, KeyError):
            return normalise_row(raw, self.headers)
        fields: dict[str, Any] = {}
        for field, clean in self._optional:
            cell = values[field]
            if clean is not None:
                codes = self._codes[field]
                fields[field] = codes[cell] if cell in codes else self._miss(codes, cell, clean)
            else:
                fields[field] = texts[cell] if cell in texts else self._miss(texts, cell, normalise_text)
        for field in self._numbers:
            cell = values[field]
            if cell.strip():
                try:
                    fields[field] = _NUMBER_FIELDS[field](cell)
                except ValueError:
                    return normalise_row(raw, self.headers)
        entry_id = values.get("entry_id", "")
        if _as_written(entry_id):  # a plain serial number is its own text: not worth a place in the cache
            pass
        elif entry_id.strip():
            entry_id = texts.get(entry_id) or self._miss(texts, entry_id, normalise_text)
        else:
            entry_id = str(raw.row)
        return EntryRecord(
            raw.row,
            entry_id,
            date,
            category,
            amount,
            **fields,
        )


_PLAIN_AMOUNT = re.compile(r"-?\d+(?:\.\d+)?")
_GROUPED_AMOUNT = re.compile(r"-?\d{1,3}(?:,\d{3})+(?:\.\d+)?")
#: what most cells are: up to 15 digits before the point (under MAX_AMOUNT) and up to 2 after (whole cents)
_CENTS_AMOUNT = re.compile(r"-?[0-9]{1,15}(?:\.[0-9]{1,2})?")
_GROUPED_CENTS = re.compile(r"-?[0-9]{1,3}(?:,[0-9]{3}){1,4}(?:\.[0-9]{1,2})?")


def _as_written(text: str) -> bool:
    """Whether :func:`normalise_text` leaves ``text`` as it is and it is not empty (ASCII, no white space)."""
    return bool(text) and text.isascii() and text.isprintable() and " " not in text


def _fast_amount(text: str) -> Decimal:
    """``1234.50`` and ``1,234.50`` straight to Decimal; anything else through :func:`parse_amount`.

    An amount the slow path refuses (over :data:`MAX_AMOUNT`, or finer than a cent) raises, so the
    row goes through :func:`normalise_row`, which says what is wrong.
    """
    if _CENTS_AMOUNT.fullmatch(text):  # nothing to check: it is under the cap and exact to the cent
        return Decimal(text)
    if _GROUPED_CENTS.fullmatch(text):
        return Decimal(text.replace(",", ""))
    if _PLAIN_AMOUNT.fullmatch(text):
        value = Decimal(text)
    elif _GROUPED_AMOUNT.fullmatch(text):
        value = Decimal(text.replace(",", ""))
    else:
        value = parse_amount(text)
    if abs(value) >= MAX_AMOUNT or not whole_cents(value):
        raise ValueError(text)
    return value
