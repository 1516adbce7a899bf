"""What every tabular ledger format shares: finding the header, numbering and classifying rows.

A format (CSV, xlsx, xls) only says how to read its records — lists of cell
text, one per spreadsheet row; this base finds the header among the opening
rows (:mod:`.layout`), maps it to fields, and classifies every later row
exactly once as an entry, a skipped line or a rejected row.  Skipped lines are
those that are never spending, whatever else they carry: blank lines, the
title above the header, subtotal and balance lines (本月合计, 期初余额 …),
carry-forward lines (期末结转), the header printed again on a new page,
footers, and in a two-sided journal the counter-entry lines (银行存款 …).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass

from ..errors import LedgerFileError, Position
from ..models import InputError
from ..values import ZERO, parse_amount
from .headers import DATE_PARTS, LAYOUT_FIELDS
from .layout import Header, HeaderMiss, LedgerLayout, account_heading
from .lines import (
    FOOTER_MARKERS,
    PAGE_NUMBER,
    SKIP_REASONS,
    SUBTOTAL_MARKERS,
    TEXT_ONLY,
    cell_texts,
    aux_project_code,
    cells_text,
    is_blank,
    never_spending,
)
from .rows import RawRow, SkippedRow
from .span import Span

Row = RawRow | SkippedRow | InputError
Records = Iterator[tuple[int, list[str]]]


class TabularLedger:
    """A ledger opened for reading: metadata now, rows streamed on demand."""

    path: str
    sha256: str
    size: int
    encoding: str
    header_row: int
    header_cells: list[str]
    #: entry field -> the column it is read from (a date from 年 | 月 | 日 names the 月 column)
    columns: dict[str, int]
    #: entry field -> the header text used for it, as written in the file
    headers: dict[str, str]
    layout: LedgerLayout
    #: spreadsheets leave a row's empty trailing cells out: pad them, so "too few fields" means what it says in CSV
    pad_short_rows = False

    def _set_header(self, found: Header | HeaderMiss, layout: LedgerLayout) -> None:
        if isinstance(found, HeaderMiss):
            raise found.error(self.path, layout.lookup())
        self.layout = layout
        self.header = found
        analysis = next((c.strip() for c in found.cells if c.strip().endswith("分析") or c.strip() in ("专栏", "多栏")), None)
        if analysis is not None:
            raise LedgerFileError(
                f"第 {found.row} 行表头有“{analysis}”栏：这是多栏账，金额按科目分在多列中，无法逐笔判断科目",
                position=Position(self.path, found.row), code="ledger-multicolumn",
                hint="请从会计软件导出明细账、序时账或凭证明细（每行一个科目、一个金额）后再检查。",
            )
        self.header_row, self.header_cells = found.row, found.cells
        raw = dict(found.columns)
        self._raw_columns = raw
        labels = {f: found.cells[i].strip() for f, i in raw.items()}
        columns = {f: i for f, i in raw.items() if f not in LAYOUT_FIELDS}
        headers = {f: labels[f] for f in columns}
        self._date_parts: tuple[int | None, int, int] | None = None
        if "date" not in raw and "month" in raw and "day" in raw:
            if "year" not in raw and found.year is None:
                raise LedgerFileError(
                    f"第 {found.row} 行表头把日期分成了“月”“日”两列，但表头和标题中都找不到年份",
                    position=Position(self.path, found.row), code="ledger-missing-year",
                    hint="请导出带“年”列的账表，或在标题中写明年度（如“2025年”）。",
                )
            self._date_parts = (raw.get("year"), raw["month"], raw["day"])
            columns["date"] = raw["month"]
            headers["date"] = "/".join(labels[p] for p in DATE_PARTS if p in raw)
        self._voucher_word = raw.get("voucher_word")
        if self._voucher_word is not None and "voucher_no" not in columns:
            columns["voucher_no"] = self._voucher_word
            headers["voucher_no"] = labels["voucher_word"]
        self._aux = raw.get("project_aux") if "project_code" not in raw else None
        if self._aux is not None:
            columns["project_code"] = self._aux
            headers["project_code"] = labels["project_aux"]
        # a single amount column with 借/贷 beside it; with separate 借方 and 贷方 columns, 方向 is the balance's
        self._direction = raw.get("direction") if "credit" not in raw else None
        if self._direction is not None:
            headers["credit"] = f"{labels['amount']}（{labels['direction']}为贷）"
        self._account_code = raw.get("account_code")
        self.columns, self.headers = columns, headers
        self._plain = (self._date_parts is None and self._voucher_word is None and self._aux is None
                       and self._direction is None)
        self._counter_cache: dict[tuple[str, str], tuple[str, bool] | None] = {}
        voucher = [raw[f] for f in ("voucher_word", "voucher_no") if f in raw]
        self._voucher_index: tuple[int, ...] | None = tuple(voucher) if voucher else None
        self._date_index = tuple(raw[f] for f in ("date", *DATE_PARTS) if f in raw)
        self._fill_index = self._date_index + (self._voucher_index or ())
        self._amount_index = raw["amount"]
        self._plain_voucher = False
        #: the header rows as written, to recognise the header printed again on a new page
        self._header_lines = {cell_texts(cells) for cells in found.lines}
        self._title_lines = {t for cells in found.above if (t := cell_texts(cells))}
        self._header_first = {t[0] for cells in found.lines if (t := cell_texts(cells))}

    def _repeats_header(self, cells: list[str]) -> bool:
        return cell_texts(self._written(cells)) in self._header_lines

    def _written(self, cells: list[str]) -> list[str]:
        """The cells as the file has them: without the virtual category of a single-account ledger."""
        return cells[:-1] if self.header.account is not None else cells

    def _furniture(self, cells: list[str]) -> tuple[str] | None:
        """The kind of a page's furniture — a footer, a page number, the title or header printed again on a
        new page — for a line with no money; None for anything else."""
        texts = cell_texts(self._written(cells))
        if not texts:
            return None
        if texts in self._header_lines:  # its 借方 / 贷方 are words, not money
            return ("header_repeat",)
        if any(m.strip() for m in self._money(cells)):
            return None
        if any(texts[0].startswith(m) for m in FOOTER_MARKERS):
            return ("footer",)
        if any(PAGE_NUMBER.fullmatch(t) for t in texts):
            return ("page",)
        if texts in self._title_lines:
            return ("title_repeat",)
        return None

    def _records(self, progress: Callable[[int], None] | None = None,
                 span: Span | None = None) -> AbstractContextManager[Records]:
        """Every record of the file (or of ``span``) as (spreadsheet row, cell texts); ``progress`` gets bytes read."""
        raise NotImplementedError

    def rows(self, progress: Callable[[int], None] | None = None, span: Span | None = None) -> Iterator[Row]:
        """Every row after the header (or those of ``span``), in file order, each classified exactly once.

        A line on a counter-entry account (other than cash) waits for the rest of
        its voucher — the lines below with the same voucher number and date — and
        is skipped as a counter-entry only if the voucher balances.
        """
        width = len(self.header_cells)
        category_index = self.columns["category"]
        description_index = self.columns.get("description")
        first = self.header.first_row
        voucher: list[tuple[Row | _Pending, list[str]]] = []
        voucher_key: tuple[str, str] | None = None
        with self._records(progress) if span is None else self._records(span=span) as records:
            for row, cells, skipped in self._shaped(records):
                if row < first:
                    yield SkippedRow(row, SKIP_REASONS["title"], "title")  # text above the header holds no money
                    continue
                if row <= self.header_row:
                    continue
                item = skipped or self._classify(row, cells, width, category_index, description_index)
                key = self._voucher_of(cells) if not isinstance(item, SkippedRow) else None
                if voucher and key != voucher_key:
                    yield from self._settle(voucher)
                    voucher = []
                if key is None:
                    yield from self._settle([(item, cells)])
                else:
                    voucher.append((item, cells))
                    voucher_key = key
            yield from self._settle(voucher)

    def _shaped(self, records: Records) -> Iterator[tuple[int, list[str], SkippedRow | None]]:
        """Records with what the export leaves implicit made explicit.

        A single-account 明细账 names its account only in a title line (科目：660204 管理费用-差旅费,
        again above each account's block): that account becomes the category of the rows below it.
        A voucher export writes the date and voucher number on a voucher's first line only: its other
        lines (a category and no date or number) take them from the line above.
        """
        account = self.header.account
        fill = self._voucher_index is not None and not self._plain_voucher
        last: dict[int, str] = {}
        for row, cells in records:
            if row <= self.header_row:
                yield row, cells, None
                continue
            if account is not None:
                heading = next((found for c in cells[:3] if (found := account_heading(c))), None)
                if heading:
                    account = heading
                    yield row, cells, SkippedRow(row, f"{SKIP_REASONS['title']}（科目：{heading}）", "title")
                    continue
                real = len(self.header_cells) - 1
                if is_blank(cells):
                    yield row, cells, None
                    continue
                cells = (cells + [""] * (real - len(cells)) if len(cells) < real else cells[:real]) + [account]
            elif fill:
                wanted = self._fill_index
                if all(i >= len(cells) or not cells[i].strip() for i in wanted):
                    category = self.columns["category"]
                    if last and category < len(cells) and cells[category].strip() and any(self._money(cells)):
                        cells = list(cells)
                        for i, text in last.items():
                            if i < len(cells):
                                cells[i] = text
                elif any(i < len(cells) and cells[i].strip() for i in self._voucher_index or ()):
                    last = {i: cells[i] for i in wanted if i < len(cells)}
            yield row, cells, None

    def _voucher_of(self, cells: list[str]) -> tuple[str, str] | None:
        """(date, voucher) a line belongs to, or None where the ledger has no voucher numbers."""
        if self._voucher_index is None:
            return None
        number = "-".join(cells[i].strip() for i in self._voucher_index if i < len(cells))
        if not number.strip("-"):
            return None
        return "|".join(cells[i].strip() for i in self._date_index if i < len(cells)), number

    def _settle(self, lines: list[tuple[Row | _Pending, list[str]]]) -> Iterator[Row]:
        """The lines of one voucher, their counter-entry lines decided by whether the voucher balances."""
        balanced: bool | None = None
        for item, cells in lines:
            if not isinstance(item, _Pending):
                yield item
                continue
            if balanced is None:
                balanced = self._balances([c for _, c in lines])
            if item.cash or balanced:
                yield self._skip(item.row, "counter_entry", cells, item.account)
            else:
                yield item.entry

    def _balances(self, lines: list[list[str]]) -> bool:
        debit = credit = ZERO
        for cells in lines:
            for text, side in zip(self._money(cells), ("debit", "credit"), strict=True):
                if not text:
                    continue
                try:
                    value = parse_amount(text)
                except (ValueError, ArithmeticError):
                    return False
                if side == "debit":
                    debit += value
                else:
                    credit += value
        return len(lines) > 1 and debit != ZERO and debit == credit

    def cells_at(self, wanted: set[int], span: Span | None = None) -> Iterator[RawRow]:
        """The rows numbered in ``wanted`` (of ``span``), as raw rows, reading no further than the last of them."""
        remaining = set(wanted)
        if not remaining:
            return
        with self._records() if span is None else self._records(span=span) as records:
            for row, cells, _ in self._shaped(records):
                if row in remaining:
                    remaining.discard(row)
                    padded = cells + [""] * (len(self.header_cells) - len(cells))
                    yield RawRow(row, self._values(padded))
                    if not remaining:
                        return

    def _values(self, cells: list[str]) -> dict[str, str]:
        """Cell text by entry field, with the export's shape undone (年|月|日, 凭证字|号, 借/贷, 核算项目)."""
        values = {field: cells[index] for field, index in self.columns.items()}
        if self._plain:
            return values
        if self._date_parts is not None:
            year_index, month_index, day_index = self._date_parts
            year = cells[year_index].strip() if year_index is not None else self.header.year or ""
            month, day = cells[month_index].strip(), cells[day_index].strip()
            values["date"] = f"{year}-{month}-{day}" if (month or day) else ""
        if self._voucher_word is not None:
            word = cells[self._voucher_word].strip()
            number = values.get("voucher_no", "").strip() if "voucher_no" in self._raw_columns else ""
            values["voucher_no"] = f"{word}-{number}" if word and number else word or number
        if self._aux is not None:
            values["project_code"] = aux_project_code(cells[self._aux])
        if self._direction is not None and cells[self._direction].strip().startswith("贷"):
            values["credit"], values["amount"] = values["amount"], ""
        return values

    def _money(self, cells: list[str]) -> tuple[str, str]:
        """The debit and credit text of a row, for the money reconciliation."""
        def cell(field: str) -> str:
            index = self._raw_columns.get(field)
            return cells[index].strip() if index is not None and index < len(cells) else ""

        debit, credit = cell("amount"), cell("credit")
        if self._direction is not None and cell("direction").startswith("贷"):
            debit, credit = "", debit
        return debit, credit

    def _entry_or_reject(self, row: int, cells: list[str], width: int) -> Row:
        """A counter-entry line kept as an entry: the row it would be without the counter-entry test."""
        if len(cells) == width:
            return RawRow(row, self._values(cells))
        return self._shape_error(row, cells, width) or RawRow(row, self._values(cells))

    def _counter_entry(self, cells: list[str], category: str) -> tuple[str, bool] | None:
        accounts = self.layout.counter_accounts
        if not accounts:
            return None
        code = cells[self._account_code] if self._account_code is not None else ""
        key = (category, code)
        if key not in self._counter_cache:
            if len(self._counter_cache) > 50_000:
                self._counter_cache.clear()
            self._counter_cache[key] = accounts.match(category, code)
        return self._counter_cache[key]

    def _skip(self, row: int, kind: str, cells: list[str], detail: str) -> SkippedRow:
        reason = f"{SKIP_REASONS[kind]}（{detail}）" if detail else SKIP_REASONS[kind]
        if kind in TEXT_ONLY:  # a header printed again, or a footer: its cells are words, not money
            return SkippedRow(row, reason, kind)
        return SkippedRow(row, reason, kind, *self._money(cells))

    def _classify(
        self, row: int, cells: list[str], width: int, category_index: int, description_index: int | None
    ) -> Row:
        if isinstance(cells, UnreadableRecord):
            return InputError(row=row, column=None, value=cells[0][:200], code=cells.code, message=cells.message)
        if self.pad_short_rows and len(cells) < width:
            cells = cells + [""] * (width - len(cells))
        category = cells[category_index].strip() if category_index < len(cells) else ""
        if category:
            label = cells[description_index] if description_index is not None and description_index < len(cells) else ""
            if label and (kind := never_spending(label)):
                return self._skip(row, kind, cells, label.strip())
            if (account := self._counter_entry(cells, category)) is not None:
                cash = account[1]
                if cash and self._voucher_index is None:
                    return self._skip(row, "counter_entry", cells, category)
                return _Pending(row, category, cash, self._entry_or_reject(row, cells, width))
            if cells and cells[0].strip() in self._header_first and self._repeats_header(cells):
                return self._skip(row, "header_repeat", cells, "")
            amount = cells[self._amount_index] if self._amount_index < len(cells) else ""
            if not amount.strip() and (furniture := self._furniture(cells)):
                return self._skip(row, *furniture, cells, cells_text(cells))
            if len(cells) == width:  # the common case: a full row with a category
                return RawRow(row, self._values(cells))
        if is_blank(cells):
            return SkippedRow(row, SKIP_REASONS["blank"], "blank")
        if not category:
            label = ""
            if description_index is not None and description_index < len(cells):
                label = cells[description_index].strip()
            first = next((c.strip() for c in cells if c.strip()), "")
            for text in (label, first):
                if kind := never_spending(text):
                    return self._skip(row, kind, cells, text)
                if any(m in text for m in SUBTOTAL_MARKERS):
                    return self._skip(row, "subtotal", cells, text)
            if furniture := self._furniture(cells):
                return self._skip(row, *furniture, cells, first)
        return self._shape_error(row, cells, width) or RawRow(row, self._values(cells))

    def _shape_error(self, row: int, cells: list[str], width: int) -> InputError | None:
        if len(cells) < width:
            missing = self.header_cells[len(cells)].strip()
            return InputError(
                row=row,
                column=missing,
                value=None,
                code="row-too-few-fields",
                message=f"该行只有 {len(cells)} 个字段，表头有 {width} 列（从“{missing}”列起缺失）",
            )
        if len(cells) > width and not is_blank(cells[width:]):
            return InputError(
                row=row,
                column=None,
                value=",".join(cells[width:])[:200],
                code="row-too-many-fields",
                message=f"该行有 {len(cells)} 个字段，多于表头的 {width} 列（金额中的逗号是否未加引号？）",
            )
        return None


class UnreadableRecord(list):
    """A record a format could not split into cells (an unclosed quote): rejected as a row, with why.

    It holds one cell, the record's text as written.
    """

    code = "row-unreadable"
    message = "这一行无法读取"


@dataclass(frozen=True, slots=True)
class _Pending:
    """A line on a counter-entry account, waiting for the rest of its voucher."""

    row: int
    account: str
    cash: bool
    entry: Row  # what the line is if the voucher does not balance
