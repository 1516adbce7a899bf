"""The report's tables as rows of typed cells: shared by the workbook, the CSV and the PDF.

Renderers present these rows and never recompute a total: every figure is one
the :class:`~qianqi_rules.models.Report` carries (the money each finding counts
towards the total is ``Violation.clawback_counted``).  Cells are typed — rows
and counts ``int``, dates ``datetime.date``, money ``Decimal`` with two places,
text ``str`` exactly as the ledger has it — and each renderer makes text safe
for its medium: the CSV prefixes an apostrophe (:func:`safe_text`), the
workbook stores text cells as text, the PDF escapes its markup.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator, Sequence
from decimal import Decimal
from typing import Union

from ..evaluate.folding import folded_note
from ..models import Citation, Report, Violation
from ..values import format_money

Cell = Union[str, int, Decimal, dt.date, None]
Row = list[Cell]

DANGEROUS_STARTS = ("=", "+", "-", "@", "\t", "\r")

SEVERITY_TEXT = {"error": "错误", "warning": "警告", "info": "提示"}

FINDING_HEADERS = ["文件", "行", "序号", "日期", "凭证号", "科目", "摘要", "收款人", "金额", "条款", "规则", "标题",
                   "严重程度", "说明", "涉及金额", "应追回", "计入追回", "豁免或冲回"]
BUDGET_HEADERS = ["科目", "是否九类之一", "批复预算", "调整后预算", "支出（扣除退款）", "其中应追回", "结余", "执行率"]
CLAWBACK_HEADERS = ["情形", "金额", "涉及行", "规则"]
RECOVERY_HEADERS = ["情形", "文件", "行", "凭证号", "规则", "说明", "计入追回"]
INPUT_ERROR_HEADERS = ["文件", "行", "列", "值", "问题"]
RECONCILIATION_HEADERS = ["去向", "行数", "借方", "贷方", "借方−贷方", "金额无法读取的行"]
NOT_RUN_HEADERS = ["规则", "标题", "原因"]
GAP_HEADERS = ["规则", "标题", "原因", "涉及行"]
WAIVER_PROBLEM_HEADERS = ["规则", "位置", "代码", "问题"]
WAIVED_HEADERS = ["行", "规则", "说明", "豁免理由", "批准人", "期限"]

#: why the two clawback columns of the findings differ; shown wherever both are
CLAWBACK_NOTE = ("“应追回”是每项发现各自的追回金额：同一行被几项发现计入时会重复。“计入追回”每一元只计一次"
                 "（一行由追回金额最大的发现计入，超预算只计其他发现未追回的部分），其合计等于应追回合计。")


def safe_text(value: object) -> str:
    """Text that a spreadsheet opening a CSV will show, never run (OWASP: a leading apostrophe)."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(DANGEROUS_STARTS) else text


def looks_like_formula(text: str) -> bool:
    return text.startswith(DANGEROUS_STARTS)


def money(value: Decimal | None) -> Decimal | None:
    """Money with exactly two places (a cell shows what the JSON report says)."""
    return None if value is None else Decimal(format_money(value))


def rows_cell(rows: Sequence[int]) -> int | str:
    """One row as a number; several as text (``3、5、9``)."""
    return rows[0] if len(rows) == 1 else "、".join(str(r) for r in rows)


def id_cell(text: str) -> int | str:
    """An entry id as a number when it is a plain number (``12``), else as written (``007``, ``记-3``)."""
    if text.isascii() and text.isdigit() and len(text) < 16 and (text == "0" or not text.startswith("0")):
        return int(text)
    return text


def _joined(values: Iterable[str | None]) -> str:
    seen: list[str] = []
    for value in values:
        if value and value not in seen:
            seen.append(value)
    return "、".join(seen)


def files_of(report: Report, files: list[str] | None) -> str:
    """The ledger file(s) a finding's rows are in: named per row with several files, else the one file."""
    return _joined(files) if files else (report.input.path or "")


def vouchers_of(v: Violation) -> str:
    return _joined(e.voucher_no for e in v.entries)


def finding_rows(report: Report) -> list[Row]:
    """One row per finding; entry columns filled when the finding is about a single entry."""
    return list(iter_finding_rows(report))


def iter_finding_rows(report: Report, violations: Iterable[Violation | tuple[Violation, Sequence[int]]] | None = None
                      ) -> Iterator[Row]:
    """:func:`finding_rows` one at a time (the streamed CSV); ``violations`` instead of the report's (a
    stream's, each made as it is read; a ``(violation, rows)`` pair has its rows apart)."""
    for item in report.violations if violations is None else violations:
        yield _finding_row(report, *item) if isinstance(item, tuple) else _finding_row(report, item)


def _finding_row(report: Report, v: Violation, rows: Sequence[int] | None = None) -> Row:
    entry = v.entries[0] if len(v.entries) == 1 else None
    rows = v.rows if rows is None else rows
    return [
        files_of(report, v.files),
        rows_cell(rows) if rows else None,
        id_cell(entry.entry_id) if entry else _joined(e.entry_id for e in v.entries),
        entry.date if entry else None,
        vouchers_of(v),
        entry.category if entry else _joined(e.category for e in v.entries),
        entry.description if entry else "",
        entry.payee if entry else "",
        money(entry.amount) if entry else None,
        v.citation.text,
        v.rule_id,
        v.title,
        SEVERITY_TEXT[v.severity],
        v.message + folded_note(v),
        money(v.amount),
        money(v.clawback),
        money(v.clawback_counted),
        set_aside(v),
    ]


def set_aside(v: Violation) -> str:
    """Why a finding is not counted: an approved waiver, or a later entry that reversed it in full."""
    if v.waiver:
        return f"已豁免：{v.waiver.reason}（{v.waiver.approved_by}）"
    if v.reversed_by:
        return f"已由第 {'、'.join(str(r) for r in v.reversed_by)} 行冲回"
    return ""


def budget_rows(report: Report) -> list[Row]:
    return [
        [line.category, "是" if line.fundable else "否", money(line.approved), money(line.adjusted),
         money(line.spent), money(line.flagged), money(line.balance), line.execution_rate]
        for line in report.budget
    ]


def clawback_rows(report: Report) -> list[Row]:
    return [
        [line.trigger.text, money(line.amount), "、".join(str(r) for r in line.rows), "、".join(line.rule_ids)]
        for line in report.clawback
    ]


def recoveries(report: Report) -> list[tuple[Citation, Decimal, list[Violation]]]:
    """Per Article 13 item (``report.clawback``): its amount and the findings whose counted money makes it up."""
    by_trigger: dict[tuple[int, int | None], list[Violation]] = {}
    for v in report.violations:
        if v.clawback_counted and v.recover_under is not None:
            by_trigger.setdefault((v.recover_under.article, v.recover_under.item), []).append(v)
    return [(line.trigger, line.amount, by_trigger.get((line.trigger.article, line.trigger.item), []))
            for line in report.clawback]


def recovery_rows(report: Report) -> list[Row]:
    """One row per finding that counts money towards the total, by Article 13 item: they add up to it."""
    return [
        [trigger.text, files_of(report, v.files), rows_cell(v.rows), vouchers_of(v), v.rule_id, v.message,
         money(v.clawback_counted)]
        for trigger, _, found in recoveries(report) for v in found
    ]


def input_error_rows(report: Report) -> list[Row]:
    return [[e.file or report.input.path or "", e.row, e.column or "", e.value or "", e.message]
            for e in report.input_errors]


def reconciliation_rows(report: Report) -> list[Row]:
    """The file's money by what became of each row, then the file's totals (they add up exactly)."""
    money_ = report.input.money
    if money_ is None:
        return []
    rows: list[Row] = [
        [b.label, b.rows, money(b.debit), money(b.credit), money(b.debit - b.credit), b.rows_unread]
        for b in money_.buckets
    ]
    rows.append(["文件合计", sum(b.rows for b in money_.buckets), money(money_.debit_total), money(money_.credit_total),
                 money(money_.debit_total - money_.credit_total), sum(b.rows_unread for b in money_.buckets)])
    return rows


def not_run_rows(report: Report) -> list[Row]:
    return [[r.rule_id, r.title, r.reason] for r in report.rules_not_run]


def gap_rows(report: Report) -> list[Row]:
    return [[g.rule_id, g.title, g.reason, "、".join(str(r) for r in g.rows)] for g in report.standards_unchecked]


def waiver_problem_rows(report: Report) -> list[Row]:
    return [[p.rule, p.source, p.code, p.message] for p in report.waiver_problems]


def waived_rows(report: Report) -> list[Row]:
    return [[rows_cell(v.rows), v.rule_id, v.message, v.waiver.reason, v.waiver.approved_by, v.waiver.until or "长期"]
            for v in report.violations if v.waiver is not None]


def about_rows(report: Report, today: dt.date) -> list[Row]:
    """The header of every document: project, ledger, rule pack, date and the totals, as (label, value) rows."""
    return header_rows(report, today) + total_rows(report)


def header_rows(report: Report, today: dt.date) -> list[Row]:
    """Project, ledger, rule pack and date, as (label, value) rows."""
    inp, pack = report.input, report.pack
    rows: list[Row] = [
        ["项目编号", report.project.code],
        ["项目名称", report.project.name],
        ["受资助单位", report.project.grantee],
        ["台账文件", "、".join(i.path or "" for i in report.inputs) if report.inputs else (inp.path or "（程序传入）")],
        ["台账 SHA-256", inp.sha256 or ""],
        ["台账行数", f"共 {inp.rows_total} 行：检查 {inp.rows_checked} 行，拒收 {inp.rows_rejected} 行，"
                     f"跳过 {inp.rows_skipped} 行"],
        ["规则包", f"{pack.name}（版本 {pack.version}，{pack.rules} 条规则）"],
        ["规则包 SHA-256", pack.sha256],
    ]
    if len(pack.layers) > 1:
        rows += [[f"  其中 {layer.name}", f"版本 {layer.version}，SHA-256 {layer.sha256}"] for layer in pack.layers]
    rows.append(["报告日期", today])
    return rows


def total_rows(report: Report) -> list[Row]:
    """The counts and the money, as (label, value) rows."""
    s = report.summary
    return [
        ["错误", s.errors],
        ["警告", s.warnings],
        ["提示", s.infos],
        ["已豁免", s.waived],
        ["已整笔冲回", s.reversed],
        ["无法读取的行", len(report.input_errors)],
        ["支出合计（扣除退款）", money(s.spent_total)],
        ["应追回合计", money(s.clawback_total)],
    ]
