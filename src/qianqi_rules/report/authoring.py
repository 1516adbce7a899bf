"""Rendering for the rule-authoring commands: lint problems, example results, rule lists, explanations."""

from __future__ import annotations

import io
import json
from collections.abc import Sequence

from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

from ..authoring import SEVERITY_TEXT, Explanation, example_line, rule_listing, rule_status
from ..errors import RuleFileError
from ..evaluate.examples import ExampleOutcome
from ..rules.pack import RulePack
from .json_report import escape_json_controls
from .plain import plain, visible


def _console(buffer: io.StringIO, color: bool, width: int | None) -> Console:
    return Console(file=buffer, force_terminal=color, no_color=not color, width=width or 140, highlight=False)


def render_lint(pack: RulePack | None, errors: Sequence[RuleFileError]) -> str:
    """``file:line:col: message`` per problem, then a hint line; or a one-line success."""
    if not errors:
        assert pack is not None
        files = sum(len(layer.files) for layer in pack.layers)
        return visible(f"规则包 {pack.name}（{pack.version}）检查通过：{len(pack.rules)} 条规则，{files} 个文件。") + "\n"
    lines = []
    for err in errors:
        lines.append(visible(f"{err.position}: {err.message} [{err.code}]"))
        if err.hint:
            lines.append(visible(f"  提示: {err.hint}"))
    lines.append(f"共 {len(errors)} 个问题。")
    return "\n".join(lines) + "\n"


def render_test(pack: RulePack, outcomes: Sequence[ExampleOutcome], *, color: bool = False,
                width: int | None = None) -> str:
    buffer = io.StringIO()
    console = _console(buffer, color, width)
    table = Table(box=box.SIMPLE_HEAD, title=plain(f"规则示例：{pack.name}（{pack.version}）", style="bold"),
                  title_justify="left")
    for column in ("规则", "标题", "违规示例", "合规示例", "结果"):
        table.add_column(column, overflow="fold")
    by_rule: dict[str, list[ExampleOutcome]] = {}
    for o in outcomes:
        by_rule.setdefault(o.rule_id, []).append(o)
    for rule_id, items in by_rule.items():
        rule = pack.rule(rule_id)
        cells = []
        for expectation in ("violating", "compliant"):
            mine = [o for o in items if o.expectation == expectation]
            cells.append(f"{sum(o.passed for o in mine)}/{len(mine)}")
        ok = all(o.passed for o in items)
        table.add_row(plain(rule_id), plain(rule.title), *cells,
                      Text("通过" if ok else "失败", style="green" if ok else "bold red"))
    console.print(table)
    failed = [o for o in outcomes if not o.passed]
    for o in failed:
        console.print(plain(f"✗ {o.label}: {o.detail}", style="red"), overflow="fold")
    rules = len(by_rule)
    bad_rules = len({o.rule_id for o in failed})
    console.print(plain(f"{rules} 条规则，{len(outcomes)} 个示例；{bad_rules} 条规则失败。", style="bold"))
    return buffer.getvalue()


def render_rules(pack: RulePack, fmt: str, *, color: bool = False, width: int | None = None) -> str:
    if fmt == "json":
        doc = {"pack": {"name": pack.name, "version": pack.version, "sha256": pack.sha256,
                        "layers": [{"name": layer.name, "version": layer.version, "path": layer.path,
                                    "sha256": layer.sha256} for layer in pack.layers]},
               "rules": rule_listing(pack)}
        return escape_json_controls(json.dumps(doc, ensure_ascii=False, indent=2)) + "\n"
    buffer = io.StringIO()
    console = _console(buffer, color, width)
    table = Table(box=box.SIMPLE_HEAD, title=plain(f"规则包 {pack.name}（{pack.version}）", style="bold"),
                  title_justify="left")
    for column in ("编号", "条款", "严重程度", "标题", "状态", "来源"):
        table.add_column(column, overflow="fold")
    for rule in pack.rules:
        table.add_row(*(plain(cell) for cell in (rule.id, rule.citation.text, rule.severity, rule.title,
                                                 rule_status(rule), rule.layer)))
    console.print(table)
    return buffer.getvalue()


def render_explanation(x: Explanation) -> str:
    r = x.rule
    lines = [
        f"{r.id} {r.name}：{r.title}",
        f"依据：{r.citation.text}",
    ]
    if x.article_text:
        lines += ["  " + line for line in x.article_text.splitlines()]
    lines += [
        f"严重程度：{SEVERITY_TEXT[r.severity]}；{x.cost}",
        f"状态：{rule_status(r)}" + (f"（{'；'.join(r.changes)}）" if r.changes else ""),
        f"适用科目：{'、'.join(sorted(r.categories)) if r.categories is not None else '所有科目'}",
    ]
    if r.effective_from or r.effective_until:
        lines.append(f"生效期：{r.effective_from or '不限'} 至 {r.effective_until or '不限'}")
    for label, expression in (("过滤条件", r.where), ("分组", r.group_by), ("键", r.key), ("上限", r.limit),
                              ("条件", r.when)):
        if expression is not None:
            lines.append(f"{label}：{' '.join(expression.text.split())}")
    if x.definitions:
        lines.append("其中的命名条件：")
        for d in x.definitions:
            lines += [f"  {d.name}：{d.description}", f"    条件：{' '.join(d.when.text.split())}",
                      f"    定义位置：{d.source}"]
    lines += [f"消息：{r.message}", f"理由：{' '.join(r.rationale.split())}", "违规示例（应当触发）："]
    for example in x.violating:
        lines += [f"  - {example_line(e)}" for e in example]
    lines.append("合规示例（不应触发）：")
    for example in x.compliant:
        lines += [f"  - {example_line(e)}" for e in example]
    lines.append(f"定义位置：{r.source}（规则包 {r.layer}）")
    return "\n".join(visible(line, lines=False) for line in lines) + "\n"
