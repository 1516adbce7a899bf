"""The schema of rule-pack files, as pydantic models.

A pack is a folder of YAML files; each file is a mapping whose top-level keys
are some of ``pack``, ``example_project``, ``categories``, ``terms`` and
``rules``.  These models say what each key holds; :mod:`.pack` adds the
checks that need more than one field (conditions, templates, citations).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from ..models import Severity
from ..values import to_date
from .kind_spec import KIND_SPECS

ClawbackKind = Literal["none", "amount", "excess", "repeats"]

#: the bundled pack uses QQ; an office pack uses its own prefix (e.g. HD1126) so ids never collide
RULE_ID_PATTERN = r"^[A-Z]{2,6}\d{4}$"
RULE_NAME_PATTERN = r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$"

#: top-level keys of a pack file; ``shared`` holds lists reused elsewhere through YAML anchors
FILE_KEYS = (
    "pack", "example_project", "example_defaults", "categories", "category_groups", "terms", "masks", "shared",
    "definitions", "rules", "overrides", "standards", "aliases", "ledger",
)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, defer_build=True)


class EffectiveSpec(_Strict):
    """When rules are in force: an entry is judged by the rules in force on its date."""

    start: dt.date | None = Field(default=None, alias="from")
    end: dt.date | None = Field(default=None, alias="until")

    @field_validator("start", "end", mode="before")
    @classmethod
    def _date(cls, value: Any) -> Any:
        return to_date(value) if isinstance(value, str) else value

    @model_validator(mode="after")
    def _ordered(self) -> EffectiveSpec:
        if self.start and self.end and self.start > self.end:
            raise ValueError(f"生效日期 {self.start} 晚于失效日期 {self.end}")
        return self


class PackMeta(_Strict):
    name: str = Field(min_length=1, pattern=r"^[A-Za-z0-9_.\-\u4e00-\u9fff]+$")
    version: str = Field(min_length=1)
    source: str = ""
    description: str = ""
    #: the pack this one is layered over (by name); without it the pack is complete on its own
    extends: str | None = None
    effective: EffectiveSpec | None = None
    #: the regulation's text, relative to the pack folder (shown by ``explain``)
    regulation: str | None = None


class OverrideSpec(_Strict):
    """What a layered pack may change about a rule of the packs below it."""

    severity: Severity | None = None
    disabled: bool = False
    reason: str = ""


class TermSpec(_Strict):
    description: str = ""
    #: the family's words; ``words_add`` instead adds words to a family of the packs below (an overlay)
    words: list[str] | None = Field(default=None, min_length=1)
    words_add: list[str] | None = Field(default=None, min_length=1)
    excepts: list[str] = Field(default_factory=list, alias="except")
    not_followed_by: list[str] = Field(default_factory=list)
    qualifier: bool = False

    @field_validator("words", "words_add", "excepts", "not_followed_by", mode="before")
    @classmethod
    def _flatten(cls, value: Any) -> Any:
        """``[*subjects, *places]`` in YAML is a list of lists: join them into one list."""
        if isinstance(value, list):
            return [w for item in value for w in (item if isinstance(item, list) else [item])]
        return value

    @field_validator("words", "words_add", "excepts", "not_followed_by")
    @classmethod
    def _non_empty_words(cls, value: list[str] | None) -> list[str] | None:
        for word in value or ():
            if not isinstance(word, str) or not word.strip():
                raise ValueError("词不能为空")
        return [w.strip() for w in value] if value is not None else None

    @model_validator(mode="after")
    def _words_or_words_add(self) -> TermSpec:
        if self.words is None and self.words_add is None:
            raise ValueError("词族要写 words（词表），或在叠加的规则包中写 words_add（给下层的同名词族加词）")
        if self.words is not None and self.words_add is not None:
            raise ValueError("words 与 words_add 只能写一个：words 重新定义整个词族，words_add 只加词")
        return self


#: a named condition's name: what conditions refer to it by
DEFINITION_NAME_PATTERN = r"^[a-z][a-z0-9_]*$"


class DefinitionSpec(_Strict):
    """A named condition: defined once, used by name in the conditions of many rules."""

    description: str = Field(min_length=1)
    when: str = Field(min_length=1)


class CounterAccountsSpec(_Strict):
    """Accounts whose lines in a two-sided journal are the other side of a payment (银行存款 …)."""

    names: list[str] = Field(default_factory=list)
    codes: list[str] = Field(default_factory=list)
    cash_names: list[str] = Field(default_factory=list)
    cash_codes: list[str] = Field(default_factory=list)


class LedgerSpec(_Strict):
    """What the pack tells the ledger reader: counter-entry accounts and the office's own headers."""

    counter_accounts: CounterAccountsSpec = Field(default_factory=CounterAccountsSpec)
    #: field -> the office's own header(s) for it
    columns: dict[str, str | list[str]] = Field(default_factory=dict)


class MaskSpec(_Strict):
    """A regular expression for text that is blanked before word families are searched."""

    pattern: str = Field(min_length=1, max_length=200)
    description: str = ""


class EstimateSpec(_Strict):
    """How a standard is estimated from a description (rules with ``estimate: true``)."""

    #: people when the text states none: ``one`` (a traveller's own costs), ``payee`` (one if the payee is an
    #: individual, else no estimate) or ``stated`` (no estimate: a meeting's cost is for many)
    persons: Literal["one", "payee", "stated"] = "payee"
    #: the title/class/city when the text names none: the ``highest`` rate, or ``skip`` (the list is not complete)
    unstated_key: Literal["highest", "skip"] = "highest"
    #: with ``skip``: estimate anyway at this rate, the highest the standard allows anywhere (元)
    unlisted_cap: Decimal | None = Field(default=None, gt=0)


class StandardSpec(_Strict):
    """One Article 6 standard (see rules/standards/)."""

    title: str = Field(min_length=1)
    source: str = Field(min_length=1)
    unit: str = Field(min_length=1)
    effective: EffectiveSpec | None = None
    basis: Literal["person_day", "person_hour", "person_night"]
    after_tax: bool = False
    key: Literal["title", "conference_class", "training_class", "city"] | None = None
    rates: dict[str, Decimal] | None = None
    rate: Decimal | None = None
    default: Decimal | None = None
    half_day_share: Decimal | None = Field(default=None, gt=0, le=1)
    full_rate_days: int | None = Field(default=None, ge=0)
    later_day_share: Decimal | None = Field(default=None, gt=0, le=1)
    mode_shares: dict[str, Decimal] = Field(default_factory=dict)
    max_hours_per_half_day: int | None = Field(default=None, gt=0)
    estimate: EstimateSpec = Field(default_factory=EstimateSpec)

    @field_validator("rates", "mode_shares", mode="before")
    @classmethod
    def _money_values(cls, value: Any) -> Any:
        if isinstance(value, dict):
            return {str(k): (str(v) if isinstance(v, float) else v) for k, v in value.items()}
        return value

    @field_validator("rate", "default", "half_day_share", "later_day_share", mode="before")
    @classmethod
    def _exact(cls, value: Any) -> Any:
        return str(value) if isinstance(value, float) else value  # YAML 0.6 → Decimal("0.6"), not a float

    @model_validator(mode="after")
    def _rates(self) -> StandardSpec:
        if self.key is None and self.rate is None:
            raise ValueError("没有 key 的标准要写 rate（单一标准金额）")
        if self.key is not None and not self.rates:
            raise ValueError(f"按 {self.key} 区分的标准要写 rates（各{self.key}的标准金额）")
        for name, value in (self.rates or {}).items():
            if value <= 0:
                raise ValueError(f"rates 中 {name} 的金额应大于 0")
        return self


class CitationSpec(_Strict):
    article: int
    item: int | None = None


Example = dict[str, Any] | list[dict[str, Any]]


class ExamplesSpec(_Strict):
    violating: list[Example] = Field(min_length=1)
    compliant: list[Example] = Field(min_length=1)


class RuleSpec(_Strict):
    id: str = Field(pattern=RULE_ID_PATTERN)
    name: str = Field(pattern=RULE_NAME_PATTERN)
    title: str = Field(min_length=1)
    citation: CitationSpec
    severity: Severity
    kind: str = "entry"
    categories: list[str] | None = None
    refunds: bool = False
    when: str | None = None
    #: a long condition split into named cases (``{节日福利: …, 集体娱乐: …}``): the rule fires when any holds,
    #: and the finding's evidence names the first case that did
    when_any: dict[str, str] | None = Field(default=None, min_length=1)
    where: str | None = None
    group_by: str | None = None
    limit: str | None = None
    key: str | None = None
    standard: str | None = None
    #: a standard rule that reads persons, days and hours from the description where the ledger lacks them
    estimate: bool = False
    see_also: list[CitationSpec] = Field(default_factory=list)
    #: the Article 13 trigger money recovered for this rule is reported under (default by article)
    recover_under: CitationSpec | None = None
    message: str = Field(min_length=1)
    clawback: ClawbackKind = "none"
    rationale: str = Field(min_length=1)
    examples: ExamplesSpec
    retired: bool = False
    effective: EffectiveSpec | None = None

    @field_validator("kind")
    @classmethod
    def _known_kind(cls, value: str) -> str:
        if value not in KIND_SPECS:
            raise ValueError(f"kind 只能是 {'、'.join(KIND_SPECS)}")
        return value

    @model_validator(mode="after")
    def _kind_fields(self) -> RuleSpec:
        """What the kind requires and forbids is the kind's own (qianqi_rules.evaluate.kinds)."""
        kind = self.kind
        spec = KIND_SPECS[kind]
        if self.when_any is not None:
            if "when_any" not in spec.expressions:
                raise ValueError(f"{kind} 规则不使用 when_any（分情况写的条件只用于逐条规则）")
            if self.when:
                raise ValueError("when 与 when_any 只能写一个：when_any 的各情况之间是“或”")
            for name, text in self.when_any.items():
                if not str(name).strip() or not isinstance(text, str) or not text.strip():
                    raise ValueError("when_any 的每个情况要有名称和条件，如 when_any: {节日福利: '\"福利奖金\" in mentions'}")
        spec.validate(self)
        if self.estimate and kind != "standard":
            raise ValueError("estimate 只用于标准规则（kind: standard）")
        if self.estimate and self.clawback != "none":
            raise ValueError("按摘要估算的标准规则（estimate: true）只提示核实，clawback 只能是 none")
        if self.clawback not in spec.clawbacks:
            allowed = "、".join(spec.clawbacks)
            raise ValueError(f"{kind} 规则的 clawback 只能是 {allowed}")
        if self.clawback != "none" and self.severity != "error":
            raise ValueError("只有 severity: error 的规则才能有追回金额（clawback）")
        return self
