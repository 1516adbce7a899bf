"""``kind: aggregate`` — net totals per group (``group_by``) against a ``limit``, or a condition on a group.

Every entry the rule looks at (refunds included: totals are net) joins the
group its ``group_by`` names; at the end each group whose total is over its
limit (or whose ``when`` holds) is one finding.  The excess claimed is what
row claims have not already recovered from the group's entries.
"""

from __future__ import annotations

from array import array
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from ...models import Entry, EntryRecord
from ...rules.kind_spec import PROJECT_FIELDS, KindSpec
from ...rules.pack import Rule
from ...rules.templates import render
from ...values import ZERO, format_money, format_money_cn
from ..findings import Finding
from ..state import Table
from ..memo import TextMemo
from .common import applies, row_list, run, text_scoped


def _validate(spec: Any) -> None:
    if not spec.group_by:
        raise ValueError("汇总规则（kind: aggregate）必须有 group_by")
    if not spec.when and not spec.limit:
        raise ValueError("汇总规则需要 limit（上限）或 when（分组条件）")
    if spec.key:
        raise ValueError("汇总规则不使用 key（那是 duplicate 规则的字段）")
    if spec.clawback == "excess" and not spec.limit:
        raise ValueError("clawback: excess 需要 limit")


SPEC = KindSpec(
    name="aggregate",
    doc="汇总规则：按 group_by 分组累计净额（退款冲减），合计超过 limit 或分组满足 when 时报告该组。",
    expressions=frozenset({"where", "group_by", "limit", "when"}),
    group_expressions=frozenset({"limit", "when"}),
    clawbacks=("none", "excess", "amount"),
    template_fields=frozenset({"key", "total", "limit", "excess", "count", "rows"}) | PROJECT_FIELDS,
    example="""\
- id: KD0003
  name: example-aggregate
  title: 示例：会议费合计超过一万元
  citation: {article: 13, item: 4}
  severity: warning
  kind: aggregate
  group_by: category
  where: category == "会议费"
  limit: "10000"
  message: “{key}”合计 {total} 元，超过 {limit} 元（第 {rows} 行）
  rationale: 第十三条第（四）项：支出应按批复的预算执行。
  examples:
    violating:
      - [{category: 会议费, amount: "6000.00"}, {category: 会议费, amount: "5000.00"}]
    compliant:
      - [{category: 会议费, amount: "6000.00"}, {category: 会议费, amount: "4000.00"}]
""",
    validate=_validate,
)


class AggregateKind:
    """Which group an entry joins, and the finding of a group at the end."""

    spec = SPEC

    def __init__(self, rules: Sequence[Rule], project: Any, project_values: Mapping[str, str]) -> None:
        self.rules = tuple(rules)
        self.project = project
        self.project_values = project_values
        #: rules whose filter and group key read only the category and description: answered once per text
        self.by_text = frozenset(r.id for r in self.rules if text_scoped(r.where, r.group_by))
        self.memo = TextMemo()

    def memberships(self, entry: Entry | EntryRecord, ctx: Mapping[str, Any]) -> list[tuple[Rule, str]]:
        """(rule, group key) for every aggregate rule this entry counts towards."""
        groups = []
        answers = None
        for rule in self.rules:
            if rule.id in self.by_text:
                if answers is None:
                    answers = self.memo.answers((ctx["category_raw"], ctx["description"]))
                if not applies(rule, ctx, entry, True, answers):  # totals are net: refunds count
                    continue
                assert rule.group_by is not None
                key = answers.get((rule.id, "group_by"))
                if key is None:
                    key = answers[(rule.id, "group_by")] = str(run(rule, rule.group_by, ctx, entry))
                groups.append((rule, key))
                continue
            if not applies(rule, ctx, entry, True):  # totals are net: refunds count
                continue
            assert rule.group_by is not None
            groups.append((rule, str(run(rule, rule.group_by, ctx, entry))))
        return groups

    def finding(
        self, rule: Rule, key: str, total: Decimal, ordinals: Sequence[int], recovered: Decimal, table: Table
    ) -> Finding | None:
        """The group's finding, if it fires; ``recovered`` is what row claims already take from its entries."""
        ctx = {"key": key, "total": total, "count": Decimal(len(ordinals)), "project": self.project}
        limit = run(rule, rule.limit, ctx, None) if rule.limit is not None else None
        if rule.when is not None:
            fired = bool(run(rule, rule.when, ctx, None))
        else:
            fired = limit is not None and total > limit
        if not fired:
            return None
        excess = total - limit if limit is not None else total
        pooled: Decimal | None = None
        if rule.clawback == "excess" and limit is not None:
            pooled = max(ZERO, total - recovered - limit)
        elif rule.clawback == "amount":
            pooled = max(ZERO, total - recovered)
        rows = sorted(table.rows[o] for o in ordinals)
        values = {
            "key": key,
            "total": format_money_cn(total),
            "limit": format_money_cn(limit) if limit is not None else "",
            "excess": format_money_cn(excess),
            "count": str(len(ordinals)),
            "rows": row_list(rows),
            **self.project_values,
        }
        evidence: dict[str, Any] = {"key": key, "total": format_money(total), "count": len(ordinals)}
        if limit is not None:
            evidence["limit"] = format_money(limit)
            evidence["excess"] = format_money(excess)
        if recovered:
            evidence["already_recovered"] = format_money(recovered)
        # a group can hold every row of a category: its ordinals stay 8 bytes each until the report lists its rows
        return Finding(rule, array("q", ordinals), render(rule.message, values), excess, {}, evidence,  # type: ignore[arg-type]
                       pooled_claim=pooled, with_entries=False)
