"""Parsing the money and date formats that real ledger exports contain.

Money is always :class:`decimal.Decimal` (never float); dates are
:class:`datetime.date`.  Each parser raises :class:`ValueError` with a Chinese
message a finance officer understands; callers attach the row and column.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from decimal import ROUND_HALF_UP, Decimal

#: the one home of these two: money is exact decimals, reported to the cent
ZERO = Decimal(0)
CENT = Decimal("0.01")

_AMOUNT = re.compile(
    r"^(?P<sign1>[+-]?)(?:人民币|RMB|CNY|¥)?(?P<sign2>[+-]?)"
    r"(?P<number>\d[\d,]*(?:\.\d+)?|\.\d+)(?:元|人民币|RMB|CNY)?$",
    re.IGNORECASE,
)
_GROUPED = re.compile(r"^\d{1,3}(?:,\d{3})+(?:\.\d+)?$")
#: The cap on every amount accepted, wherever it comes in: a ledger cell (both readers and the fast
#: path), a mapping or model handed over in Python, a budget or budget adjustment in the project file.
#: A quadrillion yuan is far beyond any project, and far below what two-place money in Decimal's
#: 28 digits can add up without error (1e26 raised InvalidOperation deep inside the report).
MAX_AMOUNT = Decimal("1e15")


def parse_amount(text: str) -> Decimal:
    """Parse ``1,234.50``, ``¥1,234.50``, ``1234.50元``, ``1，234.50``, ``-300.00``, ``(300.00)``.

    Thousands separators must be in the right places: ``12,34`` is refused
    rather than guessed.
    """
    s = re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))
    if not s:
        raise ValueError("金额为空")
    if s.startswith("="):
        raise ValueError(f"金额“{text.strip()}”是公式，文件中没有保存它的计算结果"
                         "（请在 Excel 中打开、重新计算并保存，或把这一列复制为数值后再检查）")
    negative = s.startswith("(") and s.endswith(")")
    if negative:
        s = s[1:-1]
    m = _AMOUNT.match(s)
    if not m or (m["sign1"] and m["sign2"]) or (negative and (m["sign1"] or m["sign2"])):
        raise ValueError(f"无法识别的金额“{text.strip()}”")
    number = m["number"]
    if "," in number:
        if not _GROUPED.match(number):
            raise ValueError(f"无法识别的金额“{text.strip()}”（千分位逗号位置不对）")
        number = number.replace(",", "")
    value = Decimal(number)
    if value >= MAX_AMOUNT:
        raise ValueError(too_large(text.strip()))
    if negative or "-" in (m["sign1"], m["sign2"]):
        value = -value
    return value


def too_large(shown: object, what: str = "金额") -> str:
    return f"{what}“{shown}”过大（不能达到 {MAX_AMOUNT:,.0f} 元）"


def whole_cents(value: Decimal) -> bool:
    """Whether an amount is exact to the cent (``1.00``, ``1.000`` and ``1`` are; ``1.005`` is not)."""
    return value == value.quantize(CENT)


def sub_cent(shown: object, what: str = "金额") -> str:
    return f"{what}精确到分：“{shown}”有不足一分的部分（金额最多两位小数），请核对后改正"


def to_decimal(value: object, what: str = "金额") -> Decimal:
    """Accept Decimal, int or a string in any ledger format; refuse float (inexact) and amounts over :data:`MAX_AMOUNT`."""
    if isinstance(value, bool):
        raise ValueError(f"{what}不能是真/假值")
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise ValueError(f"{what}必须是有限的数")
        if abs(value) >= MAX_AMOUNT:
            raise ValueError(too_large(value, what))
        return value
    if isinstance(value, int):
        if abs(value) >= MAX_AMOUNT:
            raise ValueError(too_large(value, what))
        return Decimal(value)
    if isinstance(value, float):
        raise ValueError(f"{what}不能是浮点数（{value!r}）：请用 Decimal 或字符串以保证金额精确")
    if isinstance(value, str):
        return parse_amount(value)
    raise ValueError(f"{what}的类型 {type(value).__name__} 无法识别")


def format_money(value: Decimal) -> str:
    """Two decimal places, half up, no separators: the JSON report's money format."""
    return str(value.quantize(CENT, rounding=ROUND_HALF_UP))


def format_money_cn(value: Decimal) -> str:
    """Two decimal places with thousands separators, for messages: ``1,200.00``."""
    return f"{value.quantize(CENT, rounding=ROUND_HALF_UP):,}"


_DATE_PATTERNS = (
    re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$"),
    re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})日?$"),
    re.compile(r"^(\d{4})(\d{2})(\d{2})$"),
)


def parse_date(text: str) -> dt.date:
    """Parse ``2025-03-05``, ``2025/3/5``, ``2025.3.5``, ``2025年3月5日``, ``20250305``.

    A time part (``2025-03-05 00:00:00``, as some exports write) is ignored.
    An impossible date such as ``2025-06-31`` is refused.
    """
    s = unicodedata.normalize("NFKC", text).strip()
    if "年" in s:
        s = re.sub(r"\s+", "", s)
    if not s:
        raise ValueError("日期为空")
    for pattern in _DATE_PATTERNS:
        m = pattern.match(s)
        if m:
            y, mo, d = (int(g) for g in m.groups())
            try:
                return dt.date(y, mo, d)
            except ValueError:
                raise ValueError(f"日期“{text.strip()}”不存在（{y}年没有{mo}月{d}日）") from None
    raise ValueError(f"无法识别的日期“{text.strip()}”（可用格式如 2025-03-05、2025/3/5、2025年3月5日、20250305）")


def to_date(value: object) -> dt.date:
    """Accept a ``date`` (not a ``datetime`` with a time zone issue) or a string."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        return parse_date(value)
    raise ValueError(f"日期的类型 {type(value).__name__} 无法识别")


def normalise_text(value: str) -> str:
    """NFKC (full-width → half-width) and collapse runs of white space to one space."""
    return re.sub(r"\s+", " ", unicodedata.normalize("NFKC", value)).strip()


def normalise_name(value: str) -> str:
    """A person's or unit's name for matching: NFKC, all white space removed."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", value))


_BRACKETED = re.compile(r"\([^()]*\)")
#: the dots written inside transliterated names (阿依古丽·买买提): typed as any of these
_NAME_DOTS = re.compile(r"[•‧・･∙⋅·.．]")


def name_key(value: str) -> str:
    """The key a payee is matched on: :func:`normalise_name` without bracketed notes.

    ``刘振华（北京大学）`` and ``刘振华`` are the same person for the rosters; so are
    ``阿依古丽•买买提`` and ``阿依古丽·买买提`` (any dot), and ``WANG Lei`` and ``Wang Lei``.
    """
    name = _NAME_DOTS.sub("·", normalise_name(value)).casefold()
    key = _BRACKETED.sub("", name)
    return key or name


def roster_key(value: str) -> str:
    """The key a roster name is matched on inside payees and descriptions: :func:`name_key` without dots.

    ``阿依古丽·买买提`` is found in ``阿依古丽买买提``; a name of dots alone (``.``, ``·``) has an empty key,
    which every text contains, so the project file refuses it.
    """
    return name_key(value).replace("·", "")


#: what clerks write in a code column when there is no code: no invoice, no project code
CODE_PLACEHOLDERS = frozenset({
    "无", "没有", "暂无", "无票", "无发票", "免票", "待补", "后补", "未开", "不详", "N/A", "NA", "NONE", "NULL", "NIL",
    "0", "X", "XX",
})
_ONLY_PUNCTUATION = re.compile(r"^[\W_]*$")


def clean_code(value: str) -> str:
    """Project, invoice and voucher codes compare without spaces, Excel's apostrophe or case.

    A placeholder (无, /, —, N/A …) is no code at all: two rows without an invoice
    number do not share one.
    """
    code = normalise_name(value).lstrip("'").upper()
    return "" if code in CODE_PLACEHOLDERS or _ONLY_PUNCTUATION.match(code) else code


_INVOICE_SEPARATORS = re.compile(r"[-_.·]")
#: the label printed before an invoice's number (No. 12345678, №, 发票号码：), copied with it into the ledger
_INVOICE_LABEL = re.compile(r"^(?:NO|№|发票号码|发票号|票号)[:：#]?(?=\d{8,}$)")


def clean_invoice(value: str) -> str:
    """An invoice number as :func:`clean_code`, also without the separators some clerks type
    between its groups of digits (``2511-0000-0123`` is ``25110000 0123`` is ``251100000123``)
    and without the label printed before the number (``No.25117000`` is ``25117000``)."""
    return _INVOICE_LABEL.sub("", _INVOICE_SEPARATORS.sub("", clean_code(value)))


_COUNT_UNITS = re.compile(r"(人次|人|名|位)$")
_QUANTITY_UNITS = re.compile(r"(学时|课时|小时|天|日|晚|夜)$")


def parse_count(text: str) -> int:
    """A number of people: ``3``, ``3人``, ``12名``.  Must be a whole number above zero."""
    s = _COUNT_UNITS.sub("", re.sub(r"\s+", "", unicodedata.normalize("NFKC", text)))
    if not s.isdigit() or int(s) <= 0:
        raise ValueError(f"人数“{text.strip()}”应是大于 0 的整数")
    return int(s)


def parse_quantity(text: str, what: str = "数量") -> Decimal:
    """Days or hours: ``2``, ``0.5``, ``2天``, ``半天``, ``4学时``.  Must be above zero."""
    s = _QUANTITY_UNITS.sub("", re.sub(r"\s+", "", unicodedata.normalize("NFKC", text)))
    if s in ("半", "半天"):
        return Decimal("0.5")
    if not re.fullmatch(r"\d+(\.\d+)?", s) or Decimal(s) <= 0:
        raise ValueError(f"{what}“{text.strip()}”应是大于 0 的数")
    return Decimal(s)
