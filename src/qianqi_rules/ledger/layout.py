"""How an export is laid out: where its header is, which column is which, what its rows are.

Accounting software does not write a tidy one-row header at the top: 用友 and
金蝶 start with a title and the period, split the date into 月 | 日 under a
``2025年`` cell, put 字 | 号 under a merged ``凭证`` cell, and print the header
again on every page.  This module finds the header (one row, or two joined),
and, when it cannot, says which row looked most like one, which columns it
found and which header present comes closest to the missing field.

:class:`LedgerLayout` is what an office tells the reader about its own exports:
headers of its own (``columns: {amount: 借方发生额}``) and the counter-entry
accounts of a two-sided journal (银行存款, 库存现金 …, from the rule pack).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from difflib import SequenceMatcher

from ..errors import LedgerFileError, Position
from .headers import DATE_PARTS, HEADER_ALIASES, REQUIRED_COLUMNS, alias_lookup, map_headers, missing_required, normalise_header

HEADER_SEARCH_ROWS = 20
#: cells that appear only in the second row of a two-row header
_SUBHEADER_TOKENS = frozenset({"年", "月", "日", "字", "号", "号数", "借", "贷", "本币", "原币", "数量", "单价", "金额"})
_YEAR = re.compile(r"((?:19|20)\d{2})\s*年")
_YEAR_IN_DATE = re.compile(r"((?:19|20)\d{2})[-./]\d{1,2}")
_CODE_PREFIX = re.compile(r"^\s*([0-9][0-9.\-_ ]*)")
_SEGMENTS = re.compile(r"[-_—–:>|\\/·\s]+")


@dataclass(frozen=True)
class CounterAccounts:
    """Accounts whose lines in a two-sided journal are the other side of a payment, never spending.

    Matched by the account's first segment (``银行存款-工商银行`` is 银行存款) or by
    the leading digits of its code (``100201`` is under 1002).  *Cash* accounts
    (库存现金, 银行存款 …) are the money itself: a line on one is never spending.
    The others (应付职工薪酬, 其他应收款 …) are the other side of a voucher only
    when the voucher balances; alone, a debit on one is project money paid out
    (wages, a loan) and is checked like any entry.
    """

    names: tuple[str, ...] = ()
    codes: tuple[str, ...] = ()
    cash_names: tuple[str, ...] = ()
    cash_codes: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "_names", {_clean(n): False for n in self.names} | {_clean(n): True for n in self.cash_names})
        codes = {c.strip(): False for c in self.codes if c.strip()} | {c.strip(): True for c in self.cash_codes if c.strip()}
        object.__setattr__(self, "_codes", sorted(codes.items(), key=lambda kv: -len(kv[0])))

    def __bool__(self) -> bool:
        return bool(self.names or self.codes or self.cash_names or self.cash_codes)

    def match(self, account: str, code: str = "") -> tuple[str, bool] | None:
        """(the counter-entry account ``account`` or ``code`` is under, whether it is cash), or None."""
        text = _clean(account)
        digits = ""
        if found := _CODE_PREFIX.match(code) or _CODE_PREFIX.match(text):
            digits = re.sub(r"\D", "", found.group(1))
        if digits:
            for prefix, cash in self._codes:  # type: ignore[attr-defined]
                if digits.startswith(prefix):
                    return prefix, cash
        first = next((s for s in _SEGMENTS.split(_CODE_PREFIX.sub("", text)) if s), "")
        names: dict[str, bool] = self._names  # type: ignore[attr-defined]
        if first in names:
            return first, names[first]
        # 银行存款工行 with no separator: a name of four characters or more begins the segment
        return next(((n, cash) for n, cash in names.items() if len(n) >= 4 and first.startswith(n)), None)


def _clean(text: str) -> str:
    return unicodedata.normalize("NFKC", text).strip()


@dataclass(frozen=True)
class LedgerLayout:
    """What an office tells the reader about its exports (from its project file and rule pack)."""

    #: field -> headers of the office's own exports, tried before the built-in aliases
    columns: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    counter_accounts: CounterAccounts = field(default_factory=CounterAccounts)

    def lookup(self) -> dict[str, tuple[str, int]]:
        return alias_lookup(self.columns)


@dataclass(frozen=True)
class Header:
    """The header as found: its rows, one label per column, and field -> column."""

    first_row: int
    row: int  # the last header row; data starts below it
    cells: list[str]
    columns: dict[str, int]
    #: the year of a date given as 月 | 日 columns, from the header (2025年) or the title rows
    year: str | None = None
    #: the header's rows as written (one, or two for a two-row header)
    lines: tuple[list[str], ...] = ()
    #: the rows above the header (title, unit, period), to recognise them printed again on a new page
    above: tuple[list[str], ...] = ()
    #: a single-account ledger's account, named only in a title line (科目：660204 管理费用-差旅费);
    #: the header then has one more, virtual, category column holding it
    account: str | None = None


@dataclass(frozen=True)
class HeaderMiss:
    """No header named the required columns: the row that came closest, for the message."""

    row: int | None
    cells: list[str]
    columns: dict[str, int]

    @property
    def score(self) -> int:
        return len(self.columns)

    def error(self, path: str, lookup: Mapping[str, tuple[str, int]] | None = None) -> LedgerFileError:
        missing = missing_required(self.columns)
        names = "、".join(f"{f}（{'/'.join(HEADER_ALIASES[f][1:5])}…）" for f in missing)
        present = [c.strip() for c in self.cells if c.strip()]
        if self.row is None or not self.columns:
            return LedgerFileError(
                f"找不到表头：前 {HEADER_SEARCH_ROWS} 行中没有一行写着必需的列 {names}；"
                f"第一行是: {'、'.join(present) if present else '（无）'}",
                position=Position(path, self.row or 1),
                code="ledger-missing-column",
                hint="台账必须有日期、科目和金额（或借方）三列，表头名称见 docs/ledger.md 的表头对照表；"
                     "本单位导出的表头不同时，可在项目文件中写 columns: {amount: 借方发生额}。",
            )
        found = "、".join(f"{self.cells[i].strip()}→{f}" for f, i in sorted(self.columns.items(), key=lambda x: x[1])
                         if f not in ("balance",))
        used = set(self.columns.values())
        guesses = []
        for f in missing:
            close = _closest(f, [c for i, c in enumerate(self.cells) if i not in used and c.strip()])
            if close:
                guesses.append(f"“{close}”是不是{f}？如是，请在项目文件中写 columns: {{{f}: {close}}}")
        return LedgerFileError(
            f"第 {self.row} 行被当作表头（找到: {found}），但缺少必需的列: {names}"
            + (f"；{'；'.join(guesses)}" if guesses else f"；该行其余的表头: {'、'.join(present)}"),
            position=Position(path, self.row),
            code="ledger-missing-column",
            hint="表头名称见 docs/ledger.md 的表头对照表；本单位导出的表头不同时，在项目文件中写 columns: 指明即可，"
                 "不必手工改表头。",
        )


def _closest(field_name: str, cells: list[str]) -> str | None:
    best: tuple[float, str] | None = None
    aliases = [normalise_header(a) for a in HEADER_ALIASES[field_name][1:]]
    for cell in cells:
        text = normalise_header(cell)
        if not text:
            continue
        score = max(
            (1.0 if (a in text or text in a) else SequenceMatcher(None, a, text).ratio()) for a in aliases
        )
        if score >= 0.5 and (best is None or score > best[0]):
            best = (score, cell.strip())
    return best[1] if best else None


def find_header(
    records: Iterable[tuple[int, list[str]]], lookup: Mapping[str, tuple[str, int]] | None = None
) -> Header | HeaderMiss:
    """The first opening row (or pair of rows) that names the required columns, or the closest miss."""
    table = alias_lookup() if lookup is None else lookup
    opening: list[tuple[int, list[str]]] = []
    for row, cells in records:
        opening.append((row, cells))
        if row > HEADER_SEARCH_ROWS:
            break
    miss = HeaderMiss(None, next((c for _, c in opening if any(x.strip() for x in c)), []), {})
    for i, (row, cells) in enumerate(opening):
        if row > HEADER_SEARCH_ROWS:
            break
        mapping = map_headers(cells, table)
        below = opening[i + 1] if i + 1 < len(opening) else None
        if mapping and below is not None and _is_subheader(below[1], table):
            joined = join_header_rows(cells, below[1], table)
            joined_map = map_headers(joined, table)
            if found := _complete(row, below[0], joined, joined_map, opening[:i], opening[:i + 1], (cells, below[1])):
                return found
            if len(joined_map) > miss.score:
                miss = HeaderMiss(row, joined, joined_map)
        if found := _complete(row, row, cells, mapping, opening[:i], opening[:i], (cells,)):
            return found
        if len(mapping) > miss.score:
            miss = HeaderMiss(row, cells, mapping)
    return miss


_ACCOUNT_HEADING = re.compile(r"^\s*(?:会计)?科目(?:名称)?\s*[:：]\s*(\S.*?)\s*$")


def account_heading(text: str) -> str | None:
    """The account a title line such as ``科目：660204 管理费用-差旅费`` names, or None."""
    found = _ACCOUNT_HEADING.match(text) if text else None
    return found.group(1) if found else None


def _complete(first: int, last: int, cells: list[str], columns: dict[str, int], titles: list[tuple[int, list[str]]],
              above: list[tuple[int, list[str]]], lines: tuple[list[str], ...]) -> Header | None:
    """The header, if these columns name every required field — the category perhaps in a title line."""
    missing = missing_required(columns)
    if not missing:
        return _header(first, last, cells, columns, above, lines, titles)
    if missing == ["category"]:
        account = next((a for _, texts in reversed(titles) for t in texts if (a := account_heading(t))), None)
        if account is not None:
            virtual = list(cells) + ["科目"]
            return replace(_header(first, last, virtual, {**columns, "category": len(cells)}, above, lines, titles),
                           account=account)
    return None


def _header(first: int, last: int, cells: list[str], columns: dict[str, int],
            above: list[tuple[int, list[str]]], lines: tuple[list[str], ...],
            titles: list[tuple[int, list[str]]] = ()) -> Header:  # type: ignore[assignment]
    year = None
    if "date" not in columns and "year" not in columns:  # 月 | 日 only: the year is written above them
        for _, texts in reversed(above):
            for text in texts:
                if found := _YEAR.search(text) or _YEAR_IN_DATE.search(text):
                    year = found.group(1)
                    break
            if year:
                break
    return Header(first, last, cells, columns, year, lines, tuple(c for _, c in titles))


def _is_subheader(cells: list[str], lookup: Mapping[str, tuple[str, int]]) -> bool:
    """Whether a row is the second row of a two-row header (月 | 日 | 字 | 号 …), not data."""
    texts = [normalise_header(c) for c in cells if c.strip()]
    return bool(texts) and any(t in _SUBHEADER_TOKENS for t in texts) and all(
        t in _SUBHEADER_TOKENS or t in lookup for t in texts
    )


def join_header_rows(top: list[str], bottom: list[str], lookup: Mapping[str, tuple[str, int]]) -> list[str]:
    """One label per column from a two-row header; a top cell spans the empty cells to its right."""
    out: list[str] = []
    spanning = ""
    for j in range(max(len(top), len(bottom))):
        t = top[j].strip() if j < len(top) else ""
        b = bottom[j].strip() if j < len(bottom) else ""
        if t:
            spanning = t
        elif not b:
            spanning = ""
        above = t or spanning
        out.append(_label(above, b, lookup) if b else t)
    return out


def _label(top: str, bottom: str, lookup: Mapping[str, tuple[str, int]]) -> str:
    b = normalise_header(bottom)
    top_field = lookup.get(normalise_header(top), ("", 0))[0]
    if b in DATE_PARTS_TEXT:
        return bottom
    if "凭证" in top and b in ("字", "类别"):
        return "凭证字"
    if "凭证" in top and b in ("号", "号数", "编号"):
        return "凭证号"
    if top_field in ("amount", "credit") and b in ("金额", "本币", "本币金额", "原币", "原币金额"):
        return top  # 借方 | 金额 in a quantity-and-amount ledger is the debit
    if top_field == "balance":
        return bottom if lookup.get(b, ("", 0))[0] == "direction" else f"{top}{bottom}"
    if top_field in ("amount", "credit") and b in ("数量", "单价"):
        return f"{top}{bottom}"
    if b in lookup:
        return bottom
    return f"{top}{bottom}"


DATE_PARTS_TEXT = frozenset({"年", "月", "日"})

__all__ = [
    "DATE_PARTS", "REQUIRED_COLUMNS", "CounterAccounts", "Header", "HeaderMiss", "LedgerLayout", "find_header",
    "join_header_rows",
]
