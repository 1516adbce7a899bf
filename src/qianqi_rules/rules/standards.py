"""Article 6 standards as data: caps per person and day (or hour, or night), with their sources.

A :class:`Standard` says what a fee may be — by title, class or city — and
how to count days (half days, later days at a lower rate, correspondence
consultations per occasion) or hours.  :func:`judge` applies one to one entry
and says whether the entry is within it, above it (and by how much, in money
paid before tax), or cannot be checked for lack of data.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from ..tax import after_tax, gross_for_net, withholding
from ..values import CENT, ZERO, format_money_cn, normalise_name


#: which entry fields each basis needs, besides the standard's key column
BASIS_FIELDS = {
    "person_day": ("persons", "days"),
    "person_hour": ("persons", "hours"),
    "person_night": ("persons", "days"),
}
FIELD_LABELS = {
    "persons": "人数", "days": "天数", "hours": "学时", "title": "职称", "conference_class": "会议类别",
    "training_class": "培训类别", "city": "出差地点", "consult_mode": "咨询方式",
}
BASIS_TEXT = {"person_day": "每人每天", "person_hour": "每人每学时", "person_night": "每人每晚"}


@dataclass(frozen=True)
class Standard:
    id: str
    title: str
    source: str
    unit: str
    basis: str
    after_tax: bool = False
    key: str | None = None
    rates: Mapping[str, Decimal] = field(default_factory=dict)
    rate: Decimal | None = None
    default: Decimal | None = None
    effective_from: dt.date | None = None
    effective_until: dt.date | None = None
    half_day_share: Decimal | None = None
    full_rate_days: int | None = None
    later_day_share: Decimal | None = None
    mode_shares: Mapping[str, Decimal] = field(default_factory=dict)
    max_hours_per_half_day: int | None = None
    aliases: Mapping[str, str] = field(default_factory=dict)  # written value (normalised) -> rates key
    #: estimates from a description: people when none are stated (one / payee / stated) and, when no
    #: title/class/city is named, the highest rate or no estimate (highest / skip)
    estimate_persons: str = "payee"
    estimate_unstated_key: str = "highest"
    #: for estimates: the rate when the text names no listed title/class/city (the highest anywhere)
    estimate_unlisted_cap: Decimal | None = None
    #: the aliases of two or more characters as one alternation, longest first, for finding them in a text
    alias_pattern: re.Pattern[str] = field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        """Build :attr:`alias_pattern` from the standard's word list.

        It stays on Python's ``re`` because it is only a plain alternation of escaped literals
        (``re.escape`` of every alias, joined by ``|``; ``(?!)`` when there are none): no repeat, no
        group, nothing an officer writes as a pattern, so matching cannot backtrack beyond the
        length of the longest alias.  Patterns officers write go through :mod:`.regex_safety` (RE2).
        """
        aliases = sorted((a for a in self.aliases if len(a) >= 2), key=lambda a: (-len(a), a))
        object.__setattr__(self, "alias_pattern", re.compile("|".join(re.escape(a) for a in aliases) or "(?!)"))

    @property
    def fields(self) -> tuple[str, ...]:
        """Entry fields this standard cannot be judged without."""
        return BASIS_FIELDS[self.basis] + ((self.key,) if self.key else ())

    def in_force(self, day: dt.date) -> bool:
        if self.effective_from is not None and day < self.effective_from:
            return False
        return self.effective_until is None or day <= self.effective_until

    def rate_for(self, value: str | None, fallback: Decimal | None = None) -> tuple[Decimal | None, str]:
        """(the rate, the key it was found under) for a title/class/city as written in the ledger;
        ``fallback`` (an estimate's ceiling) stands in for a missing default."""
        if self.key is None:
            return self.rate, ""
        written = normalise_name(value or "")
        key = self.aliases.get(written, written)
        if key in self.rates:
            return self.rates[key], key
        return (self.default if self.default is not None else fallback), key


@dataclass(frozen=True)
class Judgement:
    """The outcome of applying a standard to an entry."""

    over: bool = False
    gap: str | None = None  # why the entry could not be checked
    excess: Decimal = ZERO  # money paid (before tax) above the cap
    values: dict[str, str] = field(default_factory=dict)  # for the message template
    evidence: dict[str, Any] = field(default_factory=dict)


def _money(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def _allowed_days(standard: Standard, days: Decimal) -> Decimal:
    """How many days' worth of the rate ``days`` of work may be paid."""
    if standard.half_day_share is None and standard.full_rate_days is None:
        return days
    full = int(days)
    partial = days - full
    full_rate = standard.full_rate_days if standard.full_rate_days is not None else full
    later = standard.later_day_share if standard.later_day_share is not None else Decimal(1)
    worth = Decimal(min(full, full_rate)) + Decimal(max(full - full_rate, 0)) * later
    if partial:
        share = standard.half_day_share if standard.half_day_share is not None else Decimal(1)
        worth += share * (partial / Decimal("0.5")) if partial <= Decimal("0.5") else partial
    return worth


def judge(standard: Standard, entry: Any, fallback: Decimal | None = None) -> Judgement:
    """Apply ``standard`` to an entry (an :class:`~qianqi_rules.models.Entry` or record).

    ``fallback`` is the rate for a title/class/city the standard does not list, used only by
    estimates (:mod:`.estimates`); the exact check never guesses one.
    """
    missing = [FIELD_LABELS[f] for f in standard.fields if getattr(entry, f) in (None, "")]
    if missing:
        return Judgement(gap=f"缺少{'、'.join(missing)}")
    if not standard.in_force(entry.date):
        return Judgement(gap=f"{entry.date} 没有有效的“{standard.title}”标准")
    rate, key = standard.rate_for(getattr(entry, standard.key) if standard.key else None, fallback)
    if rate is None:
        return Judgement(gap=f"“{standard.title}”标准中没有 {FIELD_LABELS.get(standard.key or '', '')}“{key}”")
    persons = Decimal(entry.persons)
    gross = entry.amount / persons  # paid to (or spent on) each person
    compared = after_tax(gross) if standard.after_tax else gross
    mode = normalise_name(getattr(entry, "consult_mode", None) or "")
    if standard.basis == "person_hour":
        hours = entry.hours
        if standard.max_hours_per_half_day and entry.days:
            hours = min(hours, Decimal(standard.max_hours_per_half_day * 2) * entry.days)
        units, per = hours, entry.hours
        allowed = rate * hours
    elif mode in standard.mode_shares:
        # consulting by correspondence is paid per occasion; the days column counts the occasions
        occasions = entry.days if entry.days else Decimal(1)
        units, per = occasions, occasions
        allowed = rate * standard.mode_shares[mode] * occasions
    elif standard.basis == "person_day":
        units, per = _allowed_days(standard, entry.days), entry.days
        allowed = rate * units
    else:  # person_night
        units, per = entry.days, entry.days
        allowed = rate * units
    allowed = _money(allowed)
    figure = _money(compared / per)
    note = "按劳务报酬预扣个人所得税换算为税后金额比较" if standard.after_tax else "含税支付额直接比较"
    values = {
        "standard": standard.title,
        "source": standard.source,
        "unit": standard.unit,
        "figure": format_money_cn(figure),
        "per_person": format_money_cn(_money(compared)),
        "cap": format_money_cn(rate),
        "allowed": format_money_cn(allowed),
        "persons": str(entry.persons),
        "days": str(entry.days or ""),
        "hours": str(entry.hours or ""),
        "key": key,
        "tax_note": note,
    }
    evidence: dict[str, Any] = {
        "standard": standard.id,
        "source": standard.source,
        "unit": standard.unit,
        "rate": str(_money(rate)),
        "per_person_paid": str(_money(gross)),
        "per_person_compared": str(_money(compared)),
        "per_person_allowed": str(allowed),
        "figure": str(figure),
        "basis": BASIS_TEXT[standard.basis],
    }
    if standard.key:
        evidence[standard.key] = key
    if standard.after_tax:
        evidence["per_person_tax"] = str(withholding(gross))
    if compared <= allowed:
        return Judgement(values=values, evidence=evidence)
    allowed_gross = gross_for_net(allowed) if standard.after_tax else allowed
    excess = _money((gross - allowed_gross) * persons)
    values["excess"] = format_money_cn(excess)
    evidence["excess"] = str(excess)
    return Judgement(over=True, excess=excess, values=values, evidence=evidence)
