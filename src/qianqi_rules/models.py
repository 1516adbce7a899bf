"""The typed data that flows through the pipeline and out of the public API.

read → normalise produces :class:`Entry`; the project file becomes
:class:`Project`; evaluation produces :class:`Violation`; the check as a whole
produces :class:`Report`, whose JSON form is the contract's report.
Money is ``Decimal`` (written in JSON as a string with two places) and dates
are ``datetime.date``.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any, Literal, NamedTuple

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, PlainSerializer, computed_field

from .citations import citation_text
from .fields import of_kind
from .values import format_money, sub_cent, to_decimal, whole_cents

Money = Annotated[Decimal, PlainSerializer(format_money, return_type=str, when_used="json")]
#: a non-money decimal (days, hours, a rate), written in JSON as its exact decimal text
DecimalText = Annotated[Decimal, PlainSerializer(str, return_type=str, when_used="json")]


def _input_amount(value: Any) -> Decimal:
    """Money coming in (an entry's amount, a budget): Decimal, int or ledger text, exact to the cent, under the cap.

    A float is refused rather than converted: ``88.1`` is not exactly 88.10 in binary.
    """
    amount = to_decimal(value)
    if not whole_cents(amount):
        raise ValueError(sub_cent(value))
    return amount


def _no_float(value: Any) -> Any:
    if isinstance(value, float):
        raise ValueError(f"不能是浮点数（{value!r}）：请用 Decimal、整数或字符串")
    return value


#: money accepted from outside (see :data:`~qianqi_rules.values.MAX_AMOUNT`); results use :data:`Money`
InputMoney = Annotated[Decimal, BeforeValidator(_input_amount),
                       PlainSerializer(format_money, return_type=str, when_used="json")]
#: days or hours given to an entry: exact, never float
InputDecimal = Annotated[Decimal, BeforeValidator(_no_float), PlainSerializer(str, return_type=str, when_used="json")]
Severity = Literal["error", "warning", "info"]
SEVERITIES: tuple[Severity, ...] = ("error", "warning", "info")

#: The ledger fields an entry can carry (the contract's field names), from the one catalogue in :mod:`.fields`.
LEDGER_FIELDS = of_kind("required", "id", "money", "text", "standard")
REQUIRED_FIELDS = of_kind("required")
#: Text fields an entry may lack; a rule needing a missing one does not run.
OPTIONAL_TEXT_FIELDS = of_kind("text")
#: Fields the Article 6 standards read (a standard check runs only where they are filled).
STANDARD_FIELDS = of_kind("standard")
OPTIONAL_FIELDS = OPTIONAL_TEXT_FIELDS + STANDARD_FIELDS


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)  # built on first use: a check never uses the programme's


class Entry(_Frozen):
    """One normalised ledger entry: the unit every per-entry rule judges.

    ``row`` is the spreadsheet row (header = row 1) or, for entries handed
    over in Python, their 1-based position unless given.  ``amount`` is the
    net amount (debit − credit): negative for a refund.  An optional field is
    ``None`` when the ledger has no such column and ``""`` when the cell is empty.
    """

    row: int
    entry_id: str
    date: dt.date
    category: str
    amount: InputMoney
    description: str | None = None
    payee: str | None = None
    voucher_no: str | None = None
    invoice_no: str | None = None
    project_code: str | None = None
    persons: int | None = None
    days: InputDecimal | None = None
    title: str | None = None
    consult_mode: str | None = None
    conference_class: str | None = None
    training_class: str | None = None
    city: str | None = None
    hours: InputDecimal | None = None


class EntryRecord(NamedTuple):
    """An entry as the evaluator carries it internally: the fields of :class:`Entry`, cheaply.

    Reading a large ledger makes one of these per row; only entries that end
    up in a finding become :class:`Entry` models (:meth:`to_entry`).
    """

    row: int
    entry_id: str
    date: dt.date
    category: str
    amount: Decimal
    description: str | None = None
    payee: str | None = None
    voucher_no: str | None = None
    invoice_no: str | None = None
    project_code: str | None = None
    persons: int | None = None
    days: Decimal | None = None
    title: str | None = None
    consult_mode: str | None = None
    conference_class: str | None = None
    training_class: str | None = None
    city: str | None = None
    hours: Decimal | None = None

    def to_entry(self) -> Entry:
        # Every field is given and already typed, so no validation; the "fields set" is one shared set
        # (a model's own copy of it costs more than its values; pydantic copies it before changing it).
        return Entry.model_construct(_fields_set=_ENTRY_FIELDS_SET, **self._asdict())


_ENTRY_FIELDS_SET = set(EntryRecord._fields)


def as_entry(entry: Entry | EntryRecord) -> Entry:
    return entry if isinstance(entry, Entry) else entry.to_entry()


class Citation(_Frozen):
    """Article and item of the regulation: 第十条第（一）项 is ``{article: 10, item: 1}``."""

    article: int
    item: int | None = None

    @computed_field  # type: ignore[prop-decorator]
    @property
    def text(self) -> str:
        return citation_text(self.article, self.item)


class BudgetAdjustment(_Frozen):
    """An approved move of budget from one category to another (预算调剂)."""

    from_category: str
    to_category: str
    amount: InputMoney
    approved_on: dt.date
    reference: str = ""


class Project(_Frozen):
    """The project file: who is funded, when, with which budget and rosters.

    ``budget``, ``staff`` and ``fiscal_funded`` are ``None`` when the file does
    not give them; the rules that need them then do not run (and say so).
    ``budget`` is the approved budget; :attr:`effective_budget` applies the
    approved adjustments.
    """

    code: str
    name: str = ""
    grantee: str
    period_start: dt.date
    period_end: dt.date
    budget: dict[str, InputMoney] | None = None
    budget_adjustments: tuple[BudgetAdjustment, ...] = ()
    staff: tuple[str, ...] | None = None
    fiscal_funded: tuple[str, ...] | None = None
    #: the office's own ledger headers: field -> headers (``columns: {amount: 借方发生额}``)
    columns: dict[str, tuple[str, ...]] = Field(default_factory=dict)

    @property
    def effective_budget(self) -> dict[str, Decimal] | None:
        """The approved budget with every approved adjustment applied."""
        if self.budget is None:
            return None
        budget = {k: Decimal(v) for k, v in self.budget.items()}
        for move in self.budget_adjustments:
            budget[move.from_category] = budget.get(move.from_category, Decimal(0)) - move.amount
            budget[move.to_category] = budget.get(move.to_category, Decimal(0)) + move.amount
        return budget


class WaiverRef(_Frozen):
    """The approved exception a finding is waived by."""

    reason: str
    approved_by: str
    until: dt.date | None = None
    source: str = ""


class WaiverProblem(_Frozen):
    """A waiver that did not apply: it matched nothing, has expired or names no rule."""

    rule: str
    source: str
    code: str
    message: str


class Violation(_Frozen):
    """A finding: one rule fired on one entry, or on a group of entries.

    A finding with a ``waiver`` is an approved exception, one with ``reversed_by`` was
    booked and then reversed in full: both are still reported, but not counted in the
    exit status or the money to recover.
    """

    rule_id: str
    rule_name: str
    title: str
    severity: Severity
    citation: Citation
    rows: list[int]
    message: str
    amount: Money
    clawback: Money | None = None
    #: of ``clawback``, the money counted in ``summary.clawback_total``: each yuan once, so when several findings
    #: claim one row, the first with the largest claim counts it (and a total's excess only what the rows left).
    #: The findings' counted amounts add up to the total exactly; waived and reversed findings count nothing.
    clawback_counted: Money | None = None
    #: the Article 13 item the money is recovered under (with ``clawback``); ``report.clawback`` sums by it
    recover_under: Citation | None = None
    entries: list[Entry] = Field(default_factory=list)
    evidence: dict[str, Any] = Field(default_factory=dict)
    waiver: WaiverRef | None = None
    #: the rows of the negative entries that reversed this finding's entry in full (红字冲回): still reported,
    #: with severity ``info`` and nothing to recover, not counted in the summary's counts or the exit status
    reversed_by: list[int] | None = None
    #: further articles the finding rests on (a standard overrun: Article 6 and the category's Article 10 item)
    see_also: list[Citation] = Field(default_factory=list)
    #: when several ledger files are checked as one: the file of each row in ``rows``
    files: list[str] | None = None


class InputError(_Frozen):
    """A ledger row that could not be read; the row is rejected, the rest is checked."""

    file: str | None = None  # set when several ledger files are checked as one
    row: int
    column: str | None = None
    field: str | None = None
    value: str | None = None
    code: str
    message: str


class RuleNotRun(_Frozen):
    """A rule that could not run on this ledger or project, and why."""

    rule_id: str
    title: str
    reason: str


class StandardGap(_Frozen):
    """Entries a standards check could not judge, and why (never a guessed default)."""

    rule_id: str
    title: str
    reason: str
    rows: list[int]
    files: list[str] | None = None


class MoneyBucket(_Frozen):
    """The money of one kind of row: checked, rejected, or skipped for one reason."""

    outcome: Literal["checked", "rejected", "skipped"]
    reason: str | None = None  # for skipped rows: subtotal, counter_entry, carry_forward, blank, title …
    label: str  # in Chinese, for the reader of the report
    rows: int
    debit: Money
    credit: Money
    #: rows of this kind whose money could not be read (their amount is not in debit/credit)
    rows_unread: int = 0


class Reconciliation(_Frozen):
    """Where every yuan of the file went: the file's debit and credit totals split by what became of each row.

    ``debit_total`` is the sum of every amount the file holds that could be
    read, whatever the row; the buckets add up to it exactly.  A row whose
    amount could not be read is counted in its bucket's ``rows_unread``, and
    named under ``input_errors`` when it was rejected.
    """

    debit_total: Money
    credit_total: Money
    buckets: list[MoneyBucket]

    @computed_field  # type: ignore[prop-decorator]
    @property
    def checked_net(self) -> Money:
        """Debits minus credits of the rows that were checked: the spending the report is about."""
        return sum((b.debit - b.credit for b in self.buckets if b.outcome == "checked"), Decimal(0))


class InputSummary(_Frozen):
    """Where the entries came from and how every row was accounted for.

    ``rows_total = rows_checked + rows_rejected + rows_skipped`` always holds.
    """

    path: str | None = None
    sha256: str | None = None
    encoding: str | None = None
    #: the worksheet read, for a workbook (the first visible sheet unless one was named)
    sheet: str | None = None
    columns: dict[str, str] = Field(default_factory=dict)
    rows_total: int
    rows_checked: int
    rows_rejected: int
    rows_skipped: int
    #: the file's money, split by what became of each row (``None`` only for entries handed over without amounts)
    money: Reconciliation | None = None


class BudgetLine(_Frozen):
    """One category's budget execution (Article 14): approved, adjusted, spent and what was flagged."""

    category: str
    fundable: bool
    approved: Money | None = None
    adjusted: Money | None = None  # the budget after approved adjustments
    spent: Money  # net of refunds
    flagged: Money  # of which money to recover
    balance: Money | None = None
    execution_rate: DecimalText | None = None  # spent ÷ adjusted budget, four places

    @computed_field  # type: ignore[prop-decorator]
    @property
    def execution_percent(self) -> str | None:
        return None if self.execution_rate is None else f"{self.execution_rate * 100:.2f}%"


class ClawbackLine(_Frozen):
    """Money to recover under one Article 13 trigger, and the rows it comes from."""

    trigger: Citation
    amount: Money
    rows: list[int]
    rule_ids: list[str]


class ProjectRef(_Frozen):
    code: str
    name: str
    grantee: str


class PackLayerRef(_Frozen):
    """One folder of rule files used by the check, and the digest of what it held."""

    name: str
    version: str
    path: str
    sha256: str


class PackRef(_Frozen):
    """The rules a report was made with: trace any finding to the exact files."""

    name: str
    version: str
    rules: int
    sha256: str
    layers: list[PackLayerRef]


class Summary(_Frozen):
    """Counts by severity (waived and reversed findings apart) and the money to recover, each yuan counted once."""

    errors: int
    warnings: int
    infos: int
    waived: int = 0
    #: findings on entries reversed in full by a later negative entry (not counted above)
    reversed: int = 0
    clawback_total: Money
    spent_total: Money


class Report(_Frozen):
    """The result of a check: the contract's JSON report as a typed object."""

    input: InputSummary
    #: when several ledger files are checked as one: each file's own accounting (``input`` adds them up)
    inputs: list[InputSummary] = Field(default_factory=list)
    project: ProjectRef
    pack: PackRef
    violations: list[Violation]
    input_errors: list[InputError]
    rules_not_run: list[RuleNotRun]
    standards_unchecked: list[StandardGap] = Field(default_factory=list)
    waiver_problems: list[WaiverProblem] = Field(default_factory=list)
    #: budget execution per category (Article 14), when the project file gives a budget
    budget: list[BudgetLine] = Field(default_factory=list)
    #: money to recover per Article 13 trigger (each yuan once; adds up to ``summary.clawback_total``)
    clawback: list[ClawbackLine] = Field(default_factory=list)
    summary: Summary

    @property
    def exit_code(self) -> int:
        """0 when clean, 1 with any error-severity finding or rejected row (the CLI's status)."""
        return 1 if self.summary.errors or self.input_errors else 0

    def to_json(self) -> str:
        """The report as one JSON document (UTF-8 text, Chinese kept readable)."""
        return self.model_dump_json(indent=2)
