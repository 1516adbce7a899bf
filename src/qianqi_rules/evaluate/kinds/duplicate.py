"""``kind: duplicate`` — one ``key`` (an invoice number) shared by several entries.

Every entry the rule looks at is recorded under its key; at the end each key
held by more than one entry (not counting bookings reversed in full) is one
finding, the first use (earliest date) being the legitimate one.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ...models import Entry, EntryRecord
from ...rules.kind_spec import PROJECT_FIELDS, KindSpec
from ...rules.pack import Rule
from ...rules.templates import render
from ...values import ZERO, format_money_cn
from ..findings import Finding
from ..state import Table
from .common import applies, row_list, run


def _validate(spec: Any) -> None:
    if not spec.key:
        raise ValueError("重复规则（kind: duplicate）必须有 key")
    extra = [f for f in ("when", "group_by", "limit") if getattr(spec, f)]
    if extra:
        raise ValueError(f"重复规则不使用 {', '.join(extra)}（过滤条件写在 where）")


SPEC = KindSpec(
    name="duplicate",
    doc="重复规则：按 key（如发票号）记录每一条，同一个键出现在多条记录上时报告，首次使用之后的为重复。",
    expressions=frozenset({"where", "key"}),
    group_expressions=frozenset(),
    clawbacks=("none", "repeats", "amount"),
    template_fields=frozenset({"key", "total", "repeats", "count", "rows", "first_row"}) | PROJECT_FIELDS,
    example="""\
- id: KD0004
  name: example-duplicate
  title: 示例：凭证号重复
  citation: {article: 13, item: 1}
  severity: warning
  kind: duplicate
  key: voucher_no
  where: voucher_no != ""
  message: 凭证号 {key} 在第 {rows} 行出现 {count} 次
  rationale: 第十三条第（一）项：同一凭证不应入账两次。
  examples:
    violating: [[{voucher_no: 记-001}, {voucher_no: 记-001}]]
    compliant: [[{voucher_no: 记-001}, {voucher_no: 记-002}]]
""",
    validate=_validate,
)


class DuplicateKind:
    """Which keys an entry holds, and the finding of a key held by several entries."""

    spec = SPEC

    def __init__(self, rules: Sequence[Rule], project_values: Mapping[str, str]) -> None:
        self.rules = tuple(rules)
        self.project_values = project_values

    def memberships(self, entry: Entry | EntryRecord, ctx: Mapping[str, Any]) -> list[tuple[Rule, str]]:
        """(rule, key) for every duplicate rule this entry has a non-empty key for."""
        keys = []
        for rule in self.rules:
            if not applies(rule, ctx, entry, rule.refunds):
                continue
            assert rule.key is not None
            key = str(run(rule, rule.key, ctx, entry))
            if key:
                keys.append((rule, key))
        return keys

    def finding(
        self, rule: Rule, key: str, ordinals: list[int], held: Mapping[int, Entry | EntryRecord], table: Table
    ) -> Finding:
        ordered = sorted(ordinals, key=table.order_key)
        first, repeats = ordered[0], ordered[1:]
        repeat_total = sum((table.amount(o) for o in repeats), ZERO)
        total = sum((table.amount(o) for o in ordered), ZERO)
        if rule.clawback == "repeats":
            claims = {o: table.amount(o) for o in repeats}
        elif rule.clawback == "amount":
            claims = {o: table.amount(o) for o in ordered}
        else:
            claims = {}
        rows = sorted(table.rows[o] for o in ordered)
        values = {
            "key": key,
            "count": str(len(ordered)),
            "rows": row_list(rows),
            "first_row": str(table.rows[first]),
            "total": format_money_cn(total),
            "repeats": format_money_cn(repeat_total),
            **self.project_values,
        }
        evidence = {"key": key, "first_row": table.rows[first], "count": len(ordered)}
        entries = {o: held[o] for o in ordered if o in held}
        return Finding(rule, tuple(ordered), render(rule.message, values), repeat_total, claims, evidence, entries)
