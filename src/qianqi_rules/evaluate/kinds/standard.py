"""``kind: standard`` — an Article 6 spending standard: per person and day (hour, night) against a rate.

The rule names a standard of rules/standards/; an entry whose persons, days
or title the ledger lacks cannot be judged and is listed under
``standards_unchecked``.  With ``estimate: true`` the figures are read from
the description instead, where the ledger has no column for them (a warning
to verify, never money to recover).
"""

from __future__ import annotations

from typing import Any

from ...models import Entry, EntryRecord
from ...rules.kind_spec import KindSpec
from ...rules.pack import Rule, RulePack
from ...rules.standards import Standard
from ...rules.templates import render
from ..context import EntryContext
from ..estimates import estimate
from ..findings import Finding
from ..plan import RulePlan
from ..standards import judge
from ..memo import TextMemo
from .common import applies, text_scoped
from .entry import ENTRY_TEMPLATE_FIELDS


def _validate(spec: Any) -> None:
    if not spec.standard:
        raise ValueError("标准规则（kind: standard）必须写 standard（用哪个开支标准）")
    extra = [f for f in ("when", "group_by", "limit", "key") if getattr(spec, f)]
    if extra:
        raise ValueError(f"标准规则不使用 {', '.join(extra)}（过滤条件写在 where）")


SPEC = KindSpec(
    name="standard",
    doc="标准规则：按第六条的开支标准（每人每天、每学时、每晚）核对金额，超出部分为超标金额。",
    expressions=frozenset({"where"}),
    group_expressions=frozenset(),
    clawbacks=("none", "excess"),
    template_fields=ENTRY_TEMPLATE_FIELDS | {
        "standard", "source", "unit", "figure", "cap", "allowed", "excess", "persons", "days", "hours", "key",
        "tax_note", "stated", "per_person",
    },
    example="""\
- id: KD0002
  name: example-standard
  title: 示例：专家咨询费超过标准
  citation: {article: 6}
  severity: error
  kind: standard
  standard: expert-consulting
  categories: [专家咨询费]
  message: 专家咨询费每人每天 {figure} 元，超过{standard}标准（{cap} 元），超出部分 {excess} 元
  clawback: excess
  rationale: 第六条：经费参照财政部门的标准使用。
  examples:
    violating: [{amount: "3500.00", persons: 1, days: 1, title: 正高}]
    compliant: [{amount: "2000.00", persons: 1, days: 1, title: 正高}]
""",
    validate=_validate,
)


class StandardKind:
    """The standards rules an entry is over, and the entries they cannot judge (``gaps``)."""

    spec = SPEC

    def __init__(self, pack: RulePack, plan: RulePlan, context: EntryContext) -> None:
        self.plan = plan
        self.context = context
        #: rule id -> the estimates' readings of texts already read (:func:`..estimates.estimate`)
        self.readings: dict[str, dict[Any, Any]] = {r.id: {} for r in plan.standard_rules if r.estimate}
        #: rules whose ``where`` reads only the category and description: answered once per text
        self.by_text = frozenset(r.id for r in plan.standard_rules if text_scoped(r.where))
        self.memo = TextMemo()

    def on_entry(
        self, entry: Entry | EntryRecord, ordinal: int, ctx: dict[str, Any],
        gaps: dict[tuple[str, str], list[int]] | None = None,
    ) -> list[Finding]:
        findings = []
        answers = None
        for rule in self.plan.standard_rules_for(ctx["category"]):
            if rule.id in self.by_text and answers is None:
                answers = self.memo.answers((ctx["category_raw"], ctx["description"]))
            found = self._standard(rule, entry, ordinal, ctx, gaps, answers if rule.id in self.by_text else None)
            if found is not None:
                findings.append(found)
        return findings

    def _standard(
        self, rule: Rule, entry: Entry | EntryRecord, ordinal: int, ctx: dict[str, Any],
        gaps: dict[tuple[str, str], list[int]] | None, answers: dict[Any, Any] | None = None,
    ) -> Finding | None:
        """Apply a standards rule; an entry it cannot judge is noted in ``gaps``."""
        if not applies(rule, ctx, entry, rule.refunds, answers):
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
        reading = estimate(standard, entry, ctx["description"], entry.payee or "", self.readings[rule.id])
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
