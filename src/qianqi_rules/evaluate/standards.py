"""Applying an Article 6 standard to one entry: within it, above it (by how much, before tax), or not checkable.

The standard itself is data (:class:`~qianqi_rules.rules.standards.Standard`);
this is how the ``standard`` kind judges an entry by it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from ..rules.standards import BASIS_TEXT, FIELD_LABELS, Standard
from ..tax import after_tax, gross_for_net, withholding
from ..values import CENT, ZERO, format_money_cn, normalise_name


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
