"""Tools for the people who write rules: lint, run examples, list and explain rules and word families.

These return data (problems, outcomes, listings); :mod:`qianqi_rules.report.authoring`
renders them and the CLI prints them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import RuleFileError, RulePackError
from .regulation import cited_text
from .evaluate.examples import ExampleOutcome, example_entries, run_examples
from .rules.pack import Definition, Rule, RulePack
from .rules.terms import TermFamily
from .values import format_money_cn, parse_amount

CLAWBACK_TEXT = {
    "none": "不追回",
    "amount": "追回该笔金额",
    "excess": "追回超出上限的部分（已因其他违规追回的不重复计算）",
    "repeats": "追回第二次及以后的报销金额",
}
SEVERITY_TEXT = {"error": "违规（error）", "warning": "需人工复核（warning）", "info": "提示（info）"}


def lint(paths: Sequence[str | Path] | None) -> tuple[RulePack | None, list[RuleFileError]]:
    """Load the pack folders (bundled pack when none) and return every problem found."""
    from .pipeline import load_rules

    try:
        return load_rules(list(paths) if paths else None), []
    except RulePackError as exc:
        return None, exc.errors


def test_pack(pack: RulePack, rule_ids: Sequence[str] = ()) -> list[ExampleOutcome]:
    """Run the examples of every active rule (or of the rules named)."""
    wanted = set(rule_ids)
    outcomes: list[ExampleOutcome] = []
    for rule in pack.rules:
        if rule.active and (not wanted or rule.id in wanted):
            outcomes.extend(run_examples(pack, rule))
    return outcomes


test_pack.__test__ = False  # type: ignore[attr-defined]  # not a pytest test despite the name


def rule_status(rule: Rule) -> str:
    if rule.retired:
        return "已废止"
    if rule.disabled:
        return "已停用"
    return "启用"


def rule_listing(pack: RulePack) -> list[dict[str, Any]]:
    """One mapping per rule: what ``qianqi-rules rules --format json`` prints."""
    return [
        {
            "id": r.id,
            "name": r.name,
            "title": r.title,
            "citation": {"article": r.citation.article, "item": r.citation.item, "text": r.citation.text},
            "severity": r.severity,
            "kind": r.kind,
            "categories": sorted(r.categories) if r.categories is not None else None,
            "clawback": r.clawback,
            "active": r.active,
            "retired": r.retired,
            "disabled": r.disabled,
            "layer": r.layer,
            "changes": list(r.changes),
            "effective": {
                "from": r.effective_from.isoformat() if r.effective_from else None,
                "until": r.effective_until.isoformat() if r.effective_until else None,
            },
            "source": str(r.source),
        }
        for r in pack.rules
    ]


@dataclass(frozen=True)
class Explanation:
    """Everything a finance officer needs to understand one rule."""

    rule: Rule
    article_text: str
    violating: list[list[dict[str, Any]]]
    compliant: list[list[dict[str, Any]]]
    cost: str
    #: the named conditions the rule's expressions use, with those they use in turn, in definition order
    definitions: list[Definition]


def explain(pack: RulePack, rule_id: str) -> Explanation:
    """Raises ``KeyError`` when the pack has no such rule."""
    rule = pack.rule(rule_id.strip().upper())
    cost = CLAWBACK_TEXT[rule.clawback] if rule.severity == "error" else "需人工复核，不计入追回金额"
    return Explanation(
        rule=rule,
        article_text=cited_text(dict(pack.regulation), rule.citation.article, rule.citation.item),
        violating=[example_entries(pack, rule, e) for e in rule.examples.violating],
        compliant=[example_entries(pack, rule, e) for e in rule.examples.compliant],
        cost=cost,
        definitions=used_definitions(pack, rule),
    )


def used_definitions(pack: RulePack, rule: Rule) -> list[Definition]:
    """The named conditions a rule reads, directly or through another named condition."""
    by_name = {d.name: d for d in pack.definitions}
    expressions = [e for e in (rule.where, rule.group_by, rule.key, rule.limit, rule.when) if e is not None]
    wanted = {s for e in expressions for s in e.symbols if s in by_name}
    for definition in reversed(pack.definitions):  # a definition only reads earlier ones
        if definition.name in wanted:
            wanted |= {s for s in definition.when.symbols if s in by_name}
    return [d for d in pack.definitions if d.name in wanted]


def example_line(entry: dict[str, Any]) -> str:
    """An example entry in one line: category, description, payee, amount, and any other field."""
    parts = [str(entry.get("category", "")), f"“{entry.get('description', '')}”"]
    if entry.get("payee"):
        parts.append(f"收款人 {entry['payee']}")
    try:
        parts.append(f"{format_money_cn(parse_amount(str(entry.get('amount', '0'))))} 元")
    except ValueError:  # shown as written; `test` reports the example itself
        parts.append(f"{entry.get('amount')} 元")
    for key in ("date", "invoice_no", "project_code"):
        value = entry.get(key)
        if value not in (None, ""):
            parts.append(f"{key}={value}")
    return "，".join(parts)


@dataclass
class TermReach:
    """A word family and everything it reaches: for an officer about to change its words."""

    family: TermFamily
    #: rules whose own conditions name the family
    direct: list[Rule]
    #: named conditions that name it, directly or through another named condition, in definition order
    definitions: list[Definition]
    #: rules that read one of those named conditions (and not the family itself)
    through: list[tuple[Rule, list[str]]]
    #: other families that share words with it (a list written once under ``shared:`` and used in both),
    #: with the shared words and the rules those families reach
    sharing: list[tuple[str, list[str], list[Rule]]]


def _reaching(pack: RulePack, name: str) -> tuple[list[Rule], list[Definition], list[tuple[Rule, list[str]]]]:
    reached: set[str] = set()
    definitions = []
    for definition in pack.definitions:  # a definition reads only earlier ones
        if name in definition.when.terms or definition.when.symbols & reached:
            reached.add(definition.name)
            definitions.append(definition)
    direct = [r for r in pack.rules if name in r.entry_terms]
    through = [(r, sorted(set().union(*(e.symbols for e in r.expressions)) & reached)) for r in pack.rules
               if r not in direct and set().union(*(e.symbols for e in r.expressions)) & reached]
    return direct, definitions, through


def term_reach(pack: RulePack, name: str) -> TermReach:
    """Raises ``KeyError`` when the pack has no such word family."""
    family = pack.terms[name]
    direct, definitions, through = _reaching(pack, name)
    mine = set(family.words) | set(family.excepts) | set(family.not_followed_by)
    sharing = []
    for other, theirs in pack.terms.items():
        common = mine & (set(theirs.words) | set(theirs.excepts) | set(theirs.not_followed_by))
        if other != name and common:
            their_direct, _, their_through = _reaching(pack, other)
            sharing.append((other, sorted(common), their_direct + [r for r, _ in their_through]))
    return TermReach(family, direct, definitions, through, sharing)


def render_term(reach: TermReach) -> str:
    """The ``explain --term`` text: the family's words and every rule it reaches."""
    f = reach.family
    lines = [f"词族 {f.name}" + (f"：{f.description}" if f.description else "")]
    if f.qualifier:
        lines.append("只用于限定其他词族（qualifier），它的词记入证据、不写进消息")
    lines.append(f"词（{len(f.words)} 个）：" + "、".join(f.words))
    if f.excepts:
        lines.append(f"先去掉的短语（except，{len(f.excepts)} 个）：" + "、".join(f.excepts))
    if f.not_followed_by:
        lines.append(f"紧跟其后时不算（not_followed_by，{len(f.not_followed_by)} 个）：" + "、".join(f.not_followed_by))
    lines.append("")
    lines.append("直接用到它的规则：" if reach.direct else "没有规则直接用到它。")
    lines += [f"  {r.id} {r.title}（{r.layer}）" for r in reach.direct]
    if reach.definitions:
        lines.append("用到它的命名条件：" + "、".join(d.name for d in reach.definitions))
        lines += [f"  {r.id} {r.title}（经由 {'、'.join(names)}）" for r, names in reach.through]
    groups: dict[tuple[str, ...], list[tuple[str, list[Rule]]]] = {}
    for other, common, rules in reach.sharing:  # families sharing the same words share one list (shared:)
        groups.setdefault(tuple(common), []).append((other, rules))
    for common, families in groups.items():
        rules = sorted({r.id for _, rs in families for r in rs})
        lines.append(f"与词族 {'、'.join(name for name, _ in families)} 共用 {len(common)} 个词"
                     f"（{'、'.join(common[:8])}{'…' if len(common) > 8 else ''}）"
                     + (f"，改动共用的词表也会影响：{'、'.join(rules)}" if rules else ""))
    return "\n".join(lines) + "\n"
