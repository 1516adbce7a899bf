"""``kind: entry`` — a condition on one entry: it fires on every entry whose ``when`` holds.

The commonest kind: a banned kind of spending (entertainment, bonuses), a
payee who may not be paid (the grantee's own staff).  Refunds are judged only
by rules with ``refunds: true``; an entry dated outside a rule's ``effective``
period is not judged by it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


from ...fields import of_kind
from ...models import Entry, EntryRecord
from ...rules.compiled import evaluation_errors
from ...rules.kind_spec import PROJECT_FIELDS, KindSpec
from ...rules.pack import Rule, RulePack
from ...rules.symbols import DERIVED_FROM
from ...rules.templates import render
from ..context import EntryContext
from ..findings import Finding, display
from ..memo import PAYEE, ROW, TEXT, TextMemo, scope_of
from ..plan import RulePlan
from .common import run


def _validate(spec: Any) -> None:
    if not spec.when and not spec.when_any:
        raise ValueError("逐条规则（kind: entry）必须有 when 条件（或分情况写的 when_any）")
    extra = [f for f in ("where", "group_by", "limit", "key") if getattr(spec, f)]
    if extra:
        raise ValueError(f"逐条规则不使用 {', '.join(extra)}")


#: message fields of a rule about one entry (the standard kind adds its own)
ENTRY_TEMPLATE_FIELDS = frozenset(
    {"row", "category_raw", "matched", "case", *of_kind("required", "id", "text")}
) | PROJECT_FIELDS

SPEC = KindSpec(
    name="entry",
    doc="逐条规则：对每一条记录判断 when 条件，条件成立即报告该行。",
    expressions=frozenset({"when", "when_any"}),
    group_expressions=frozenset(),
    clawbacks=("none", "amount"),
    template_fields=ENTRY_TEMPLATE_FIELDS,
    example="""\
- id: KD0001
  name: example-entry
  title: 示例：购买礼品
  citation: {article: 11, item: 1}
  severity: error
  categories: [其他费用]
  when: description =~ ".*礼品.*"
  message: “{description}”是礼品支出（{amount} 元）
  clawback: amount
  rationale: 第十一条：不得用于与项目无关的支出。
  examples:
    violating: [{description: 购买礼品}]
    compliant: [{description: 样品快递费}]
""",
    validate=_validate,
)

_RESIDUE_LIMIT = 30_000

#: symbols that are sets of word families or the project: not shown as evidence values
_FAMILY_SYMBOLS = ("project", "mentions", "payee_mentions", "category_groups")


def _named_words(hits: Mapping[str, list[str]], terms: Mapping[str, Any]) -> str:
    """The words a message names: those of non-qualifier families, without one inside another (电脑 in 笔记本电脑)."""
    words = list(dict.fromkeys(w for t, ws in hits.items() if not terms[t].qualifier for w in ws))
    return "、".join(w for w in words if not any(w != other and w in other for other in words))


class EntryKind:
    """The entry rules that fire on one entry."""

    spec = SPEC

    def __init__(self, pack: RulePack, plan: RulePlan, context: EntryContext) -> None:
        self.pack = pack
        self.plan = plan
        self.context = context
        self.definition_names = frozenset(d.name for d in pack.definitions)  # derived: not shown as evidence
        definitions = {d.name: d for d in pack.definitions}
        #: rule id -> which texts its condition depends on (:mod:`..memo`)
        self.scopes = {r.id: scope_of(r.when.symbols, definitions) if r.when is not None else ROW
                       for r in plan.entry_rules}
        self.by_text = TextMemo()
        #: one (rule, known to fire) pair per rule and answer, and one copy of each distinct residue:
        #: 26,000 keys at 200,000 rows share a few hundred residues
        self._pairs = {r.id: ((r, False), (r, True)) for r in plan.entry_rules}
        self._shared: dict[tuple[tuple[str, bool], ...], tuple[tuple[Rule, bool], ...]] = {}
        #: (category as written, description, payee, amount > 0) -> the rules such an entry must still look
        #: at, each with whether it is known to fire (see :meth:`on_entry`)
        self._residues: dict[tuple[str, str, str, bool], tuple[tuple[Rule, bool], ...]] = {}
        #: (category as written, description, amount > 0, the payee's word families) -> the same, coarser
        self._coarse: dict[tuple[str, str, bool, frozenset[str]], tuple[tuple[Rule, bool], ...]] = {}

    def on_entry(
        self, entry: Entry | EntryRecord, ordinal: int, ctx: dict[str, Any], matched: Mapping[str, tuple[str, ...]],
    ) -> list[Finding]:
        """The findings of the entry rules on one entry, in pack order.

        An entry whose category and description (as written), payee and sign were seen before looks
        only at the *residue* those left: the rules that read a per-row value, those with dates in
        force (asked again per row), and those known to fire.  A rule that reads only those texts
        (:mod:`..memo`) and did not fire cannot fire on such an entry, and is left out.  The first
        entry with them starts from the coarser residue of its category, description, sign and the
        word families of its payee's name (which decide the rules that can apply at all), or from
        every rule that can apply; it evaluates them in pack order as always.
        """
        positive = ctx["amount"] > 0
        day = ctx["date"]
        key = (ctx["category_raw"], ctx["description"], entry.payee or "", positive)
        residue = self._residues.get(key)
        if residue is not None:
            findings = []
            for rule, known in residue:
                if rule.dated and not rule.in_force(day):
                    continue
                if known or self._holds(rule, ctx, entry):
                    findings.append(self._finding(rule, entry, ordinal, ctx, matched))
            return findings
        coarse_key = (ctx["category_raw"], ctx["description"], positive, ctx["payee_mentions"])
        coarse = self._coarse.get(coarse_key)
        if coarse is None:
            rules = self.plan.entry_rules_for(ctx["category"], ctx["mentions"], ctx["payee_mentions"])
            candidates: tuple[tuple[Rule, bool], ...] = tuple((r, False) for r in rules if positive or r.refunds)
        else:
            candidates = coarse
        findings = []
        fine: list[tuple[Rule, bool]] = []  # the residue of this key
        rough: list[tuple[Rule, bool]] = []  # and of the coarse one
        scopes = self.scopes
        pairs = self._pairs
        for rule, known in candidates:
            unknown, fires = pairs[rule.id]
            if rule.dated and not rule.in_force(day):
                fine.append(fires if known else unknown)
                rough.append(fires if known else unknown)
                continue
            hit = known or self._holds(rule, ctx, entry)
            scope = scopes[rule.id]
            if scope == ROW:
                fine.append(unknown)
                rough.append(unknown)
            elif scope == PAYEE:
                rough.append(unknown)
                if hit:
                    fine.append(fires)
            elif hit:
                fine.append(fires)
                rough.append(fires)
            if hit:
                findings.append(self._finding(rule, entry, ordinal, ctx, matched))
        if coarse is None:
            if len(self._coarse) >= _RESIDUE_LIMIT:
                self._coarse.clear()
            self._coarse[coarse_key] = self._share(tuple(rough))
        if len(self._residues) >= _RESIDUE_LIMIT:
            self._residues.clear()
        self._residues[key] = self._share(tuple(fine))
        return findings

    def _share(self, residue: tuple[tuple[Rule, bool], ...]) -> tuple[tuple[Rule, bool], ...]:
        """The one copy of this residue (keyed by rule ids: a rule itself is not hashed)."""
        if len(self._shared) >= _RESIDUE_LIMIT:
            self._shared.clear()
        return self._shared.setdefault(tuple((rule.id, known) for rule, known in residue), residue)

    def _holds(self, rule: Rule, ctx: dict[str, Any], entry: Entry | EntryRecord) -> bool:
        """Whether the rule's condition holds; answered from the memo where it reads only texts."""
        assert rule.when is not None
        scope = self.scopes[rule.id]
        # a rule reading the payee is answered once per (texts, payee, sign) by the residue instead: a memo
        # of its own would hold a dict per such triple for little gain
        answers = self.by_text.answers((ctx["category_raw"], ctx["description"])) if scope == TEXT else None
        hit = answers.get(rule.id) if answers is not None else None
        if hit is None:
            try:
                hit = bool(rule.when.evaluate(ctx))
            except evaluation_errors():
                hit = bool(run(rule, rule.when, ctx, entry))  # raises the explained error
            if answers is not None:
                answers[rule.id] = hit
        return hit

    def _finding(
        self, rule: Rule, entry: Entry | EntryRecord, ordinal: int, ctx: dict[str, Any],
        matched: Mapping[str, tuple[str, ...]],
    ) -> Finding:
        assert rule.when is not None
        shown = {DERIVED_FROM.get(s, s) for s in rule.when.symbols} | rule.when.symbols
        evidence: dict[str, Any] = {
            s: display(ctx[s]) for s in sorted(shown)
            if s not in _FAMILY_SYMBOLS and s not in self.definition_names
        }
        case = ""
        if rule.cases:  # the first named case that holds: the officer's own name for why it fired
            case = next((name for name, expression in rule.cases if expression.evaluate(ctx)), "")
            evidence["case"] = case
        hits = {t: list(matched[t]) for t in sorted(rule.entry_terms) if t in matched}
        if hits:
            evidence["matched"] = hits
        if "payee_mentions" in rule.when.symbols:
            in_payee = self.context.scan(entry.payee or "")[0]
            evidence["payee_matched"] = {t: list(in_payee[t]) for t in sorted(rule.entry_terms) if t in in_payee}
        words = _named_words(hits, self.pack.terms)
        values = self.context.message_values(entry, ctx, words)
        if rule.cases:
            values["case"] = case
        return Finding(
            rule=rule,
            ordinals=(ordinal,),
            message=render(rule.message, values),
            amount=entry.amount,
            claims={ordinal: entry.amount} if rule.clawback == "amount" else {},
            evidence=evidence,
            entries={ordinal: entry},
        )
