"""Rendering a whole programme: one summary line per project, then the details in the chosen format."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable
from typing import Any

from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

from ..programme_models import ProgrammeReport
from ..values import format_money_cn
from .cells import (
    BUDGET_HEADERS,
    CLAWBACK_HEADERS,
    FINDING_HEADERS,
    INPUT_ERROR_HEADERS,
    budget_rows,
    clawback_rows,
    finding_rows,
    input_error_rows,
    SEVERITY_TEXT,
    money,
)
from .csv_report import csv_bytes
from .json_report import json_document
from .pdf_report import render_programme_pdf
from .plain import plain

SUMMARY_HEADERS = ["项目编号", "项目名称", "行数", "错误", "警告", "拒收", "应追回", "支出合计", "预算合计", "执行率"]
UNMATCHED_HEADERS = ["台账", "项目编号", "行", "原因"]
CROSS_HEADERS = ["规则", "标题", "条款", "严重程度", "项目编号", "文件", "行", "凭证号", "日期", "科目", "收款人", "发票号",
                 "金额", "说明", "应追回"]


def _cross_rows(programme: ProgrammeReport) -> list[list[Any]]:
    """One row per claim of every cross-project finding; the money to recover on the finding's first row."""
    rows = []
    for f in programme.cross_project:
        for i, c in enumerate(f.claims):
            rows.append([f.rule_id, f.title, f.citation.text, SEVERITY_TEXT[f.severity], c.project,
                         c.file or "", c.row, c.voucher_no or "", c.date, c.category, c.payee or "",
                         c.invoice_no or "", money(c.amount), f.message if i == 0 else "",
                         (money(f.clawback) if i == 0 else None)])
    return rows


def _cross_csv_rows(programme: ProgrammeReport) -> list[list[Any]]:
    """Cross-project findings in the findings CSV: one line per finding, its rows written 项目:行."""
    out = []
    for f in programme.cross_project:
        by_header = {
            "文件": "、".join(dict.fromkeys(c.file or "" for c in f.claims)),
            "行": "、".join(f"{c.project}:{c.row}" for c in f.claims),
            "凭证号": "、".join(dict.fromkeys(c.voucher_no for c in f.claims if c.voucher_no)),
            "条款": f.citation.text, "规则": f.rule_id, "标题": f.title,
            "严重程度": SEVERITY_TEXT[f.severity], "说明": f.message, "涉及金额": money(f.amount),
            "应追回": money(f.clawback), "计入追回": money(f.clawback),  # cross-project money: 另应追回, counted once
        }
        out.append(["、".join(f.projects), *[by_header.get(h, "") for h in FINDING_HEADERS]])
    return out


def _summary_rows(programme: ProgrammeReport) -> list[list[Any]]:
    return [
        [p.code, p.name, p.rows, p.errors, p.warnings, p.rejected, p.clawback_total, p.spent_total,
         p.budget_total, p.execution_rate]
        for p in programme.projects
    ]


def _unmatched_rows(programme: ProgrammeReport) -> list[list[Any]]:
    return [[u.path, u.project_code or "", "、".join(str(r) for r in u.rows), u.reason]
            for u in programme.unmatched]


def _about_rows(programme: ProgrammeReport, today: dt.date) -> list[list[Any]]:
    s = programme.summary
    rows: list[list[Any]] = [["项目数", s.projects], ["台账文件", "、".join(a.path for a in programme.ledgers)]]
    if programme.reports:
        pack = programme.reports[0].pack
        rows += [["规则包", f"{pack.name}（版本 {pack.version}，{pack.rules} 条规则）"], ["规则包 SHA-256", pack.sha256]]
    rows += [["报告日期", today], ["错误", s.errors], ["警告", s.warnings], ["未匹配的台账行", s.rows_unmatched],
             ["支出合计（扣除退款）", money(s.spent_total)], ["应追回合计", money(s.clawback_total)]]
    return rows


def _sections(programme: ProgrammeReport) -> list[Any]:
    """Each project's sections of the 说明 sheet, a project column in front."""
    from .xlsx_report import report_sections

    merged: dict[str, tuple[list[str], list[list[Any]], str]] = {}
    for report in programme.reports:
        for heading, headers, rows, empty in report_sections(report):
            _, found, _ = merged.setdefault(heading, (["项目编号", *headers], [], empty))
            found.extend([report.project.code, *row] for row in rows)
    return [(heading, headers, rows, empty) for heading, (headers, rows, empty) in merged.items()]


def _per_project(programme: ProgrammeReport, rows_of: Any) -> list[list[Any]]:
    return [[report.project.code, *row] for report in programme.reports for row in rows_of(report)]


def render_programme_table(programme: ProgrammeReport, *, color: bool = False, width: int | None = None) -> str:
    buffer = io.StringIO()
    console = Console(file=buffer, force_terminal=color, no_color=not color, width=width or 140, highlight=False)
    table = Table(title=Text(f"项目汇总：{programme.summary.projects} 个项目", style="bold"), box=box.SIMPLE_HEAD,
                  title_justify="left")
    for column in SUMMARY_HEADERS:
        table.add_column(column, justify="left" if column in ("项目编号", "项目名称") else "right", overflow="fold")
    for p in programme.projects:
        table.add_row(
            plain(p.code), plain(p.name), str(p.rows), Text(str(p.errors), style="red" if p.errors else ""), str(p.warnings),
            str(p.rejected), format_money_cn(p.clawback_total), format_money_cn(p.spent_total),
            format_money_cn(p.budget_total) if p.budget_total is not None else "",
            f"{p.execution_rate * 100:.2f}%" if p.execution_rate is not None else "",
        )
    console.print(table)
    if programme.unmatched:
        console.print(Text("没有对应项目文件的台账行（未检查）：", style="bold magenta"))
        for u in programme.unmatched:
            rows = "、".join(str(r) for r in u.rows[:12]) + (f" 等共 {len(u.rows)} 行" if len(u.rows) > 12 else "")
            console.print(plain(f"  {u.path}：{u.reason}，第 {rows} 行", lines=False), overflow="fold")
    if programme.projects_without_ledger:
        console.print(plain("没有台账的项目：" + "、".join(programme.projects_without_ledger), style="yellow",
                            lines=False), overflow="fold")
    if programme.cross_project:
        console.print(Text(f"跨项目发现：{len(programme.cross_project)} 项", style="bold red"))
        for f in programme.cross_project:
            money = f"，应追回 {format_money_cn(f.clawback)} 元" if f.clawback else ""
            console.print(plain(f"  [{SEVERITY_TEXT[f.severity]}] {f.rule_id} {f.citation.text} {f.message}{money}",
                                lines=False), overflow="fold")
    s = programme.summary
    cross = (f"；跨项目错误 {s.cross_project_errors} 项、警告 {s.cross_project_warnings} 项，"
             f"另应追回 {format_money_cn(s.cross_project_clawback)} 元") if programme.cross_project else ""
    console.print(Text(f"合计：错误 {s.errors} 项，警告 {s.warnings} 项，未匹配 {s.rows_unmatched} 行；"
                       f"支出合计 {format_money_cn(s.spent_total)} 元，应追回 {format_money_cn(s.clawback_total)} 元"
                       + cross, style="bold"))
    return buffer.getvalue()


def render_programme_json(programme: ProgrammeReport, *, color: bool = False, width: int | None = None) -> str:
    return json_document(programme) + "\n"


def render_programme_csv(programme: ProgrammeReport, *, color: bool = False, width: int | None = None) -> bytes:
    return csv_bytes(["项目编号", *FINDING_HEADERS], [*_per_project(programme, finding_rows), *_cross_csv_rows(programme)])


def render_programme_xlsx(programme: ProgrammeReport, *, color: bool = False, width: int | None = None,
                          today: dt.date | None = None) -> bytes:
    from .xlsx_report import _sheet, about_sheet, report_sections, workbook

    book = workbook()
    today = today or dt.date.today()
    header = f"项目汇总｜{today}"
    _sheet(book, "项目汇总", SUMMARY_HEADERS, _summary_rows(programme), widths={"项目编号": 20, "项目名称": 36},
           page_header=header)
    about_sheet(book, _about_rows(programme, today), _sections(programme), header)
    _sheet(book, "违规发现", ["项目编号", *FINDING_HEADERS], _per_project(programme, finding_rows),
           widths={"项目编号": 20, "说明": 60}, page_header=header)
    _sheet(book, "预算执行", ["项目编号", *BUDGET_HEADERS], _per_project(programme, budget_rows),
           widths={"项目编号": 20, "科目": 36}, page_header=header)
    _sheet(book, "追回汇总", ["项目编号", *CLAWBACK_HEADERS], _per_project(programme, clawback_rows), page_header=header)
    _sheet(book, "无法读取的行", ["项目编号", *INPUT_ERROR_HEADERS], _per_project(programme, input_error_rows),
           page_header=header)
    _sheet(book, "跨项目发现", CROSS_HEADERS, _cross_rows(programme), widths={"说明": 60}, page_header=header)
    _sheet(book, "未匹配的台账", UNMATCHED_HEADERS, _unmatched_rows(programme), widths={"台账": 40, "原因": 50},
           page_header=header)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


PROGRAMME_RENDERERS: dict[str, Callable[..., str | bytes]] = {
    "table": render_programme_table,
    "json": render_programme_json,
    "csv": render_programme_csv,
    "xlsx": render_programme_xlsx,
    "pdf": render_programme_pdf,
}
