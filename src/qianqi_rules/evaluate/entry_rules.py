"""Judging one entry: the entry and standard rules that fire on it, and the groups and keys it joins.

The checker hands every entry to an :class:`EntryJudge` with its evaluation
context; what the entry causes together with others (totals, repeats) is the
checker's business.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from rule_engine import errors as re_errors

from ..errors import RuleRuntimeError
from ..models import Entry, EntryRecord
from ..rules.estimates import estimate
from ..rules.pack import Rule, RulePack
from ..rules.standards import Standard, judge
from ..rules.symbols import DERIVED_FROM
from ..rules.templates import render
from .context import EntryContext
from .findings import Finding, display
from .plan import RulePlan


_FAMILY_SYMBOLS = ("project", "mentions", "payee_mentions", "category_groups")  # not shown as evidence values


def run(rule: Rule, expression: Any, ctx: Mapping[str, Any], entry: Entry | EntryRecord | None) -> Any:
    """Evaluate one of a rule's expressions; a failure is the rule's fault, explained as :class:`RuleRuntimeError`."""
    try:
        return expression.evaluate(ctx)
    except (re_errors.EngineError, ArithmeticError, TypeError, ValueError) as exc:
        where = f"第 {entry.row} 行" if entry is not None else f"分组 {ctx.get('key')!r}"
        detail = getattr(exc, "message", None) or type(exc).__name__
        raise RuleRuntimeError(
            f"规则 {rule.id} 在{where}上求值失败: {detail}",
            position=rule.source,
            code="rule-runtime",
            hint="这是规则本身的问题，不是台账的问题：请修改规则的条件（例如用 key in project.budget 先判断）。",
        ) from None


def in_scope(rule: Rule, ctx: Mapping[str, Any], refunds: bool) -> bool:
    """Whether ``rule`` judges this entry: its date (rules in force then) and refunds."""
    return rule.in_force(ctx["date"]) and (refunds or ctx["amount"] > 0)


def _named_words(hits: Mapping[str, list[str]], terms: Mapping[str, Any]) -> str:
    """The words a message names: those of non-qualifier families, without one inside another (电脑 in 笔记本电脑)."""
    words = list(dict.fromkeys(w for t, ws in hits.items() if not terms[t].qualifier for w in ws))
    return "、".join(w for w in words if not any(w != other and w in other for other in words))


class EntryJudge:
    """The findings one entry causes on its own, and the groups and duplicate keys it belongs to."""

    def __init__(self, pack: RulePack, plan: RulePlan, context: EntryContext) -> None:
        self.pack = pack
        self.plan = plan
        self.context = context
        self.definition_names = frozenset(d.name for d in pack.definitions)  # derived: not shown as evidence

    def findings(
        self, entry: Entry | EntryRecord, ordinal: int, ctx: dict[str, Any], matched: Mapping[str, tuple[str, ...]],
        gaps: dict[tuple[str, str], list[int]] | None = None,
    ) -> list[Finding]:
        findings = []
        positive = ctx["amount"] > 0
        day = ctx["date"]
        for rule in self.plan.entry_rules_for(ctx["category"], ctx["mentions"], ctx["payee_mentions"]):
            if not (positive or rule.refunds) or (rule.dated and not rule.in_force(day)):
                continue
            assert rule.when is not None
            try:
                hit = rule.when.evaluate(ctx)
            except (re_errors.EngineError, ArithmeticError, TypeError, ValueError):
                hit = run(rule, rule.when, ctx, entry)  # raises the explained error
            if not hit:
                continue
            shown = {DERIVED_FROM.get(s, s) for s in rule.when.symbols} | rule.when.symbols
            evidence: dict[str, Any] = {
                s: display(ctx[s]) for s in sorted(shown)
                if s not in _FAMILY_SYMBOLS and s not in self.definition_names
            }
            hits = {t: list(matched[t]) for t in sorted(rule.entry_terms) if t in matched}
            if hits:
                evidence["matched"] = hits
            if "payee_mentions" in rule.when.symbols:
                in_payee = self.context.scan(entry.payee or "")[0]
                evidence["payee_matched"] = {t: list(in_payee[t]) for t in sorted(rule.entry_terms) if t in in_payee}
            words = _named_words(hits, self.pack.terms)
            findings.append(
                Finding(
                    rule=rule,
                    ordinals=(ordinal,),
                    message=render(rule.message, self.context.message_values(entry, ctx, words)),
                    amount=entry.amount,
                    claims={ordinal: entry.amount} if rule.clawback == "amount" else {},
                    evidence=evidence,
                    entries={ordinal: entry},
                )
            )
        for rule in self.plan.standard_rules_for(ctx["category"]):
            found = self._standard(rule, entry, ordinal, ctx, gaps)
            if found is not None:
                findings.append(found)
        return findings

    def _standard(
        self, rule: Rule, entry: Entry | EntryRecord, ordinal: int, ctx: dict[str, Any],
        gaps: dict[tuple[str, str], list[int]] | None,
    ) -> Finding | None:
        """Apply a standards rule; an entry it cannot judge is noted in ``gaps``."""
        if rule.categories is not None and ctx["category"] not in rule.categories:
            return None
        if not in_scope(rule, ctx, rule.refunds):
            return None
        if rule.where is not None and not run(rule, rule.where, ctx, entry):
            return None
        assert rule.standard is not None
        if rule.estimate:
            return self._estimate(rule, rule.standard, entry, ordinal, ctx)
        outcome = judge(rule.standard, entry)
        if outcome.gap is not None:
            if gaps is not None:
                gaps.setdefault((rule.id, outcome.gap), []).append(ordinal)
            return None
        if not outcome.over:
            return None
        values = self.context.message_values(entry, ctx, "")
        values.update(outcome.values)
        return Finding(
            rule=rule,
            ordinals=(ordinal,),
            message=render(rule.message, values),
            amount=outcome.excess,
            claims={ordinal: outcome.excess} if rule.clawback == "excess" else {},
            evidence=outcome.evidence,
            entries={ordinal: entry},
        )

    def _estimate(
        self, rule: Rule, standard: Standard, entry: Entry | EntryRecord, ordinal: int, ctx: dict[str, Any]
    ) -> Finding | None:
        """Apply a standard to what the description states, where the ledger has no column for it."""
        if all(getattr(entry, f) not in (None, "") for f in standard.fields):
            return None  # the exact rule judges this entry
        reading = estimate(standard, entry, ctx["description"], entry.payee or "")
        if reading is None:
            return None
        outcome = judge(standard, reading.entry, reading.fallback)
        if not outcome.over:
            return None
        values = self.context.message_values(entry, ctx, "")
        values.update(outcome.values)
        values.update(stated=reading.stated, key=reading.key_text)
        return Finding(
            rule=rule,
            ordinals=(ordinal,),
            message=render(rule.message, values),
            amount=outcome.excess,
            evidence={**outcome.evidence, **reading.evidence},
            entries={ordinal: entry},
        )

    def memberships(self, entry: Entry | EntryRecord, ctx: Mapping[str, Any]) -> tuple[list[tuple[Rule, str]], list[tuple[Rule, str]]]:
        """(aggregate rule, group key) and (duplicate rule, key) pairs this entry belongs to."""
        groups = []
        for rule in self.plan.aggregate_rules:
            if rule.categories is not None and ctx["category"] not in rule.categories:
                continue
            if not in_scope(rule, ctx, True):  # totals are net: refunds count
                continue
            if rule.where is not None and not run(rule, rule.where, ctx, entry):
                continue
            assert rule.group_by is not None
            groups.append((rule, str(run(rule, rule.group_by, ctx, entry))))
        keys = []
        for rule in self.plan.duplicate_rules:
            if rule.categories is not None and ctx["category"] not in rule.categories:
                continue
            if not in_scope(rule, ctx, rule.refunds):
                continue
            if rule.where is not None and not run(rule, rule.where, ctx, entry):
                continue
            assert rule.key is not None
            key = str(run(rule, rule.key, ctx, entry))
            if key:
                keys.append((rule, key))
        return groups, keys
