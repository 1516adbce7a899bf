"""The terminal report: findings grouped by severity, then input errors and totals."""

from __future__ import annotations

import io
from decimal import Decimal

from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

from ..models import Report, Violation
from ..values import format_money_cn
from .cells import vouchers_of
from .plain import plain

_TITLES = {"error": ("错误（需追回或更正）", "bold red"), "warning": ("警告（需人工复核）", "yellow"),
           "info": ("提示", "cyan")}


def _rows(rows: list[int]) -> str:
    if len(rows) <= 3:
        return ",".join(str(r) for r in rows)
    return ",".join(str(r) for r in rows[:2]) + f"…共{len(rows)}行"


def _vouchers(v: Violation) -> str:
    found = vouchers_of(v).split("、")
    return "、".join(found[:2]) + (f"…共{len(found)}张" if len(found) > 2 else "")


def _money(value: Decimal | None) -> str:
    return "" if value is None else format_money_cn(value)


def reconciliation_line(report: Report) -> str:
    """金额核对 in one line: the file's debit and credit totals and where every part of them went."""
    money = report.input.money
    if money is None:
        return ""
    parts = "；".join(
        f"{b.label} {b.rows} 行 借 {format_money_cn(b.debit)} 贷 {format_money_cn(b.credit)}"
        + (f"（{b.rows_unread} 行金额无法读取）" if b.rows_unread else "")
        for b in money.buckets
    )
    return f"金额核对：文件借方合计 {format_money_cn(money.debit_total)}，贷方合计 {format_money_cn(money.credit_total)} = {parts}"


def render_table(report: Report, *, color: bool = False, width: int | None = None) -> str:
    buffer = io.StringIO()
    console = Console(file=buffer, force_terminal=color, no_color=not color, width=width or 140,
                      highlight=False, soft_wrap=False)
    inp = report.input
    console.print(plain(f"项目 {report.project.code} {report.project.name}（{report.project.grantee}）", style="bold"))
    sheet = f"（工作表“{inp.sheet}”）" if inp.sheet else ""
    console.print(plain(
        f"台账 {inp.path or '（程序传入）'}{sheet}：共 {inp.rows_total} 行，检查 {inp.rows_checked} 行，"
        f"拒收 {inp.rows_rejected} 行，跳过 {inp.rows_skipped} 行；规则包 {report.pack.name} {report.pack.version}"
    ))
    if inp.money is not None:
        console.print(plain(reconciliation_line(report), style="dim"), overflow="fold")
    for severity, (title, style) in _TITLES.items():
        found = [v for v in report.violations if v.severity == severity and v.waiver is None and not v.reversed_by]
        if not found:
            continue
        table = Table(title=Text(f"{title}：{len(found)} 项", style=style), box=box.SIMPLE_HEAD,
                      title_justify="left", show_lines=False)
        table.add_column("行", no_wrap=True)
        table.add_column("凭证号", overflow="fold")
        table.add_column("条款", no_wrap=True)
        table.add_column("规则", no_wrap=True)
        table.add_column("说明", overflow="fold")
        table.add_column("金额", justify="right", no_wrap=True)
        table.add_column("追回", justify="right", no_wrap=True)
        for v in found:
            table.add_row(
                _rows(v.rows),
                plain(_vouchers(v)),
                v.citation.text,
                plain(v.rule_id),
                plain(v.message),
                format_money_cn(v.amount),
                format_money_cn(v.clawback) if v.clawback is not None else "",
            )
        console.print(table)
    waived = [v for v in report.violations if v.waiver is not None]
    if waived:
        table = Table(title=Text(f"已豁免（经批准的例外）：{len(waived)} 项", style="dim"), box=box.SIMPLE_HEAD,
                      title_justify="left")
        for column in ("行", "规则", "说明", "豁免理由", "批准人", "期限"):
            table.add_column(column, overflow="fold")
        for v in waived:
            assert v.waiver is not None
            table.add_row(_rows(v.rows), plain(v.rule_id), plain(v.message), plain(v.waiver.reason),
                          plain(v.waiver.approved_by), str(v.waiver.until or "长期"))
        console.print(table)
    reversed_ = [v for v in report.violations if v.reversed_by and v.waiver is None]
    if reversed_:
        table = Table(title=Text(f"已整笔冲回（不计追回）：{len(reversed_)} 项", style="dim"), box=box.SIMPLE_HEAD,
                      title_justify="left")
        for column in ("行", "规则", "说明", "冲回行"):
            table.add_column(column, overflow="fold")
        for v in reversed_:
            table.add_row(_rows(v.rows), plain(v.rule_id), plain(v.message), _rows(v.reversed_by or []))
        console.print(table)
    if report.waiver_problems:
        console.print(Text("豁免文件中的问题：", style="bold yellow"))
        for p in report.waiver_problems:
            console.print(plain(f"  {p.source}: {p.message}", lines=False), overflow="fold")
    if report.input_errors:
        table = Table(title=Text(f"无法读取的行：{len(report.input_errors)} 处", style="bold magenta"),
                      box=box.SIMPLE_HEAD, title_justify="left")
        table.add_column("行", no_wrap=True)
        table.add_column("列", no_wrap=True)
        table.add_column("值", overflow="fold")
        table.add_column("问题", overflow="fold")
        for e in report.input_errors:
            table.add_row(str(e.row), plain(e.column or ""), plain(e.value or ""), plain(e.message))
        console.print(table)
    if report.standards_unchecked:
        console.print(Text("开支标准未能检查（缺少数据，未按默认值猜测）：", style="bold"))
        for gap in report.standards_unchecked:
            console.print(plain(f"  {gap.rule_id} {gap.title}：{gap.reason}，第 {_rows(gap.rows)} 行", lines=False),
                          overflow="fold")
    if report.budget:
        table = Table(title=Text("预算执行情况（第十四条）", style="bold"), box=box.SIMPLE_HEAD, title_justify="left")
        for column in ("科目", "批复预算", "调整后预算", "支出（扣除退款）", "其中应追回", "结余", "执行率"):
            table.add_column(column, justify="left" if column == "科目" else "right", overflow="fold")
        for line in report.budget:
            table.add_row(
                plain(line.category if line.fundable else f"{line.category}（不属于九类）"),
                _money(line.approved), _money(line.adjusted), _money(line.spent), _money(line.flagged),
                Text(_money(line.balance), style="red" if (line.balance or 0) < 0 else ""),
                line.execution_percent or "",
            )
        console.print(table)
    if report.clawback:
        table = Table(title=Text("应追回资金（按第十三条情形）", style="bold"), box=box.SIMPLE_HEAD, title_justify="left")
        for column in ("情形", "金额", "涉及行", "规则"):
            table.add_column(column, overflow="fold")
        for claim in report.clawback:
            table.add_row(claim.trigger.text, format_money_cn(claim.amount), _rows(claim.rows),
                          plain("、".join(claim.rule_ids)))
        console.print(table)
    if report.rules_not_run:
        console.print(Text("未运行的规则：", style="bold"))
        for r in report.rules_not_run:
            console.print(plain(f"  {r.rule_id} {r.title}：{r.reason}", lines=False), overflow="fold")
    s = report.summary
    console.print(
        Text(
            f"合计：错误 {s.errors} 项，警告 {s.warnings} 项，提示 {s.infos} 项"
            + (f"，已豁免 {s.waived} 项" if s.waived else "")
            + "；"
            f"支出合计 {format_money_cn(s.spent_total)} 元，应追回 {format_money_cn(s.clawback_total)} 元",
            style="bold",
        )
    )
    return buffer.getvalue()
