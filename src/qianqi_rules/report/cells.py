"""Rows of cells for spreadsheet reports (CSV and xlsx), and their protection against formula injection.

Ledger text ends up in the report; a cell that begins with ``=``, ``+``, ``-``,
``@``, a tab or a carriage return would be run as a formula by Excel.  Every
text cell is neutralised with a leading apostrophe (OWASP's advice); money,
counts and rates are written as numbers.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from ..evaluate.folding import folded_note
from ..models import Report, Violation
from ..values import format_money

DANGEROUS_STARTS = ("=", "+", "-", "@", "\t", "\r")

SEVERITY_TEXT = {"error": "错误", "warning": "警告", "info": "提示"}

FINDING_HEADERS = ["文件", "行", "序号", "日期", "科目", "摘要", "收款人", "金额", "条款", "规则", "标题", "严重程度",
                   "说明", "涉及金额", "应追回", "豁免或冲回"]
BUDGET_HEADERS = ["科目", "是否九类之一", "批复预算", "调整后预算", "支出（扣除退款）", "其中应追回", "结余", "执行率"]
CLAWBACK_HEADERS = ["情形", "金额", "涉及行", "规则"]
INPUT_ERROR_HEADERS = ["文件", "行", "列", "值", "问题"]
RECONCILIATION_HEADERS = ["去向", "行数", "借方", "贷方", "借方−贷方", "金额无法读取的行"]


def safe_text(value: Any) -> str:
    """Text that a spreadsheet will show, never run."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(DANGEROUS_STARTS) else text


def _money(value: Decimal | None) -> Decimal | None:
    return None if value is None else Decimal(format_money(value))


def finding_rows(report: Report) -> list[list[Any]]:
    """One row per finding; entry columns filled when the finding is about a single entry."""
    rows = []
    for v in report.violations:
        rows.append(_finding_row(v))
    return rows


def _finding_row(v: Violation) -> list[Any]:
    entry = v.entries[0] if len(v.entries) == 1 else None
    files = sorted(set(v.files)) if v.files else []
    return [
        safe_text("、".join(files)),
        safe_text("、".join(str(r) for r in v.rows)),
        safe_text(entry.entry_id if entry else ""),
        entry.date.isoformat() if entry else "",
        safe_text(entry.category if entry else ""),
        safe_text(entry.description if entry else ""),
        safe_text(entry.payee if entry else ""),
        _money(entry.amount) if entry else None,
        v.citation.text,
        v.rule_id,
        safe_text(v.title),
        SEVERITY_TEXT[v.severity],
        safe_text(v.message + folded_note(v)),
        _money(v.amount),
        _money(v.clawback),
        _set_aside(v),
    ]


def _set_aside(v: Violation) -> str:
    """Why a finding is not counted: an approved waiver, or a later entry that reversed it in full."""
    if v.waiver:
        return safe_text(f"{v.waiver.reason}（{v.waiver.approved_by}）")
    if v.reversed_by:
        return f"已由第 {'、'.join(str(r) for r in v.reversed_by)} 行冲回"
    return ""


def budget_rows(report: Report) -> list[list[Any]]:
    return [
        [safe_text(line.category), "是" if line.fundable else "否", _money(line.approved), _money(line.adjusted),
         _money(line.spent), _money(line.flagged), _money(line.balance), line.execution_rate]
        for line in report.budget
    ]


def clawback_rows(report: Report) -> list[list[Any]]:
    return [
        [line.trigger.text, _money(line.amount), "、".join(str(r) for r in line.rows), "、".join(line.rule_ids)]
        for line in report.clawback
    ]


def input_error_rows(report: Report) -> list[list[Any]]:
    return [[safe_text(e.file or ""), e.row, safe_text(e.column or ""), safe_text(e.value or ""), safe_text(e.message)]
            for e in report.input_errors]


def reconciliation_rows(report: Report) -> list[list[Any]]:
    """The file's money by what became of each row, then the file's totals (they add up exactly)."""
    money = report.input.money
    if money is None:
        return []
    rows: list[list[Any]] = [
        [b.label, b.rows, _money(b.debit), _money(b.credit), _money(b.debit - b.credit), b.rows_unread]
        for b in money.buckets
    ]
    rows.append(["文件合计", sum(b.rows for b in money.buckets), _money(money.debit_total), _money(money.credit_total),
                 _money(money.debit_total - money.credit_total), sum(b.rows_unread for b in money.buckets)])
    return rows
