"""Loading the project file: code, grantee, period, budget and rosters.

Every problem is a :class:`ProjectFileError` naming the file, the line and
the field at fault.  Names are normalised (NFKC, no white space) so that
``谢 婉清`` in a roster matches ``谢婉清`` in a ledger; budget keys are mapped
to the regulation's category names.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from decimal import Decimal
from difflib import get_close_matches
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from .errors import Position, ProjectFileError
from .ledger.headers import COLUMN_FIELDS
from .models import BudgetAdjustment, Project
from .project_xlsx import is_workbook, read_project_book
from .values import clean_code, normalise_name, normalise_text, roster_key, sub_cent, to_date, to_decimal, whole_cents
from .yamlsafe import PathKey, load_document

if TYPE_CHECKING:  # the pack imports this module; only the type is needed here
    from .rules.categories import CategoryTable

PROJECT_KEYS = ("code", "name", "grantee", "period", "budget", "budget_adjustments", "staff", "fiscal_funded",
                "columns")
ADJUSTMENT_KEYS = ("from", "to", "amount", "approved_on", "reference")


class ProjectDocument(Protocol):
    """Loaded project data and where each value came from: a YAML document, or a workbook's cells."""

    data: Any

    def position(self, path: PathKey = (), *, key: bool = False) -> Position: ...


def load_project(path: str | Path, categories: CategoryTable) -> Project:
    """Read a project file — YAML, or an Excel workbook (.xlsx) laid out as ``init`` writes it;
    raises :class:`ProjectFileError`."""
    doc: ProjectDocument
    if is_workbook(path):
        doc = read_project_book(path)
    else:
        doc = load_document(path, ProjectFileError, "项目文件", "project")
    return project_from_document(doc, categories)


def project_from_document(doc: ProjectDocument, categories: CategoryTable, base: PathKey = ()) -> Project:
    """Build a :class:`Project` from loaded data at ``base`` (the pack's example project uses this too)."""
    data: Any = doc.data
    for key in base:
        data = data[key]

    def fail(path: PathKey, message: str, code: str = "project-field", hint: str | None = None) -> ProjectFileError:
        return ProjectFileError(message, position=doc.position(base + path), code=code, hint=hint)

    if not isinstance(data, Mapping):
        raise fail((), "项目文件应是一个映射（code: …, grantee: …, period: …）", "project-shape")
    for key in data:
        if key not in PROJECT_KEYS:
            close = get_close_matches(str(key), PROJECT_KEYS, n=1)
            raise ProjectFileError(
                f"项目文件中有未知字段 {key!r}",
                position=doc.position(base + (key,), key=True),
                code="project-unknown-field",
                hint=f"是不是想写 {close[0]}？" if close else f"可用字段: {', '.join(PROJECT_KEYS)}",
            )

    def text(key: str, required: bool) -> str:
        value = data.get(key)
        if value is None or (isinstance(value, str) and not value.strip()):
            if required:
                raise fail((key,) if key in data else (), f"缺少必填字段 {key}", "project-missing-field")
            return ""
        if not isinstance(value, (str, int)) or isinstance(value, bool):
            raise fail((key,), f"字段 {key} 应是文字")
        return str(value)

    code = clean_code(text("code", True))
    grantee = normalise_name(text("grantee", True))
    title = normalise_text(text("name", False))

    period = data.get("period")
    if not isinstance(period, Mapping):
        raise fail(("period",) if "period" in data else (), "缺少 period（项目执行期: {start: …, end: …}）",
                   "project-missing-field")
    bounds: dict[str, dt.date] = {}
    for key in ("start", "end"):
        if period.get(key) is None:
            raise fail(("period",), f"period 缺少 {key}", "project-missing-field")
        try:
            bounds[key] = to_date(period[key])
        except ValueError as exc:
            raise fail(("period", key), f"period.{key}: {exc}") from None
    if bounds["start"] > bounds["end"]:
        raise fail(("period",), f"执行期开始 {bounds['start']} 晚于结束 {bounds['end']}")

    budget: dict[str, Decimal] | None = None
    if data.get("budget") is not None:
        raw_budget = data["budget"]
        if not isinstance(raw_budget, Mapping):
            raise fail(("budget",), "budget 应是“科目: 金额”的映射")
        budget = {}
        for key, value in raw_budget.items():
            canonical = categories.canonical(str(key))
            if canonical is None:
                close = get_close_matches(str(key), categories.names, n=1)
                raise ProjectFileError(
                    f"budget 中的科目 {key!r} 不是第十条的九类支出之一",
                    position=doc.position(base + ("budget", key), key=True),
                    code="project-unknown-category",
                    hint=f"是不是想写 {close[0]}？" if close else f"可用科目: {'、'.join(categories.names)}",
                )
            if canonical in budget:
                raise fail(("budget", key), f"budget 中科目 {canonical} 出现了两次")
            try:
                amount = to_decimal(str(value) if isinstance(value, float) else value, f"科目 {key} 的预算")
            except ValueError as exc:
                raise fail(("budget", key), str(exc)) from None
            if not whole_cents(amount):
                raise fail(("budget", key), sub_cent(value, f"科目 {key} 的预算"))
            if amount < 0:
                raise fail(("budget", key), f"科目 {key} 的预算不能为负数")
            budget[canonical] = amount

    adjustments: list[BudgetAdjustment] = []
    raw_moves = data.get("budget_adjustments")
    if raw_moves is not None:
        if not isinstance(raw_moves, list):
            raise fail(("budget_adjustments",), "budget_adjustments 应是列表（每项有 from、to、amount、approved_on）")
        if budget is None:
            raise fail(("budget_adjustments",), "有预算调整时必须写 budget（批复预算）")
        running = dict(budget)
        for i, move in enumerate(raw_moves):
            where = ("budget_adjustments", i)
            if not isinstance(move, Mapping):
                raise fail(where, f"第 {i + 1} 项预算调整应是映射")
            for key in move:
                if key not in ADJUSTMENT_KEYS:
                    raise fail(where + (key,), f"预算调整中有未知字段 {key!r}（可用: {', '.join(ADJUSTMENT_KEYS)}）",
                               "project-unknown-field")
            for key in ("from", "to", "amount", "approved_on"):
                if move.get(key) is None:
                    raise fail(where, f"第 {i + 1} 项预算调整缺少 {key}", "project-missing-field")
            ends = []
            for key in ("from", "to"):
                canonical = categories.canonical(str(move[key]))
                if canonical is None:
                    raise fail(where + (key,), f"预算调整的 {key} 科目 {move[key]!r} 不是第十条的九类支出之一",
                               "project-unknown-category")
                ends.append(canonical)
            if ends[0] == ends[1]:
                raise fail(where, "预算调整的调出和调入是同一个科目")
            try:
                amount = to_decimal(str(move["amount"]) if isinstance(move["amount"], float) else move["amount"],
                                    "调整金额")
                approved_on = to_date(move["approved_on"])
            except ValueError as exc:
                raise fail(where, f"第 {i + 1} 项预算调整: {exc}") from None
            if not whole_cents(amount):
                raise fail(where + ("amount",), f"第 {i + 1} 项预算调整: {sub_cent(move['amount'], '调整金额')}")
            if amount <= 0:
                raise fail(where + ("amount",), "调整金额应大于 0")
            running[ends[0]] = running.get(ends[0], Decimal(0)) - amount
            running[ends[1]] = running.get(ends[1], Decimal(0)) + amount
            if running[ends[0]] < 0:
                raise fail(where + ("amount",), f"调出后 {ends[0]} 的预算为负数（{running[ends[0]]}）")
            adjustments.append(BudgetAdjustment(
                from_category=ends[0], to_category=ends[1], amount=amount, approved_on=approved_on,
                reference=str(move.get("reference") or ""),
            ))

    def roster(key: str) -> tuple[str, ...] | None:
        value = data.get(key)
        if value is None:
            return None
        if not isinstance(value, list):
            raise fail((key,), f"{key} 应是姓名列表，如 [张三, 李四]")
        names = []
        for i, item in enumerate(value):
            if not isinstance(item, str) or not item.strip():
                raise fail((key, i), f"{key} 的第 {i + 1} 项应是姓名文字")
            if not any(ch.isalpha() for ch in roster_key(item)):
                # "." or "·" alone matches as "", which every description contains; "-" is in most of them
                raise fail((key, i), f"{key} 的第 {i + 1} 项“{item.strip()}”不是姓名：去掉空格和间隔号后没有文字")
            names.append(normalise_name(item))
        return tuple(names)

    columns: dict[str, tuple[str, ...]] = {}
    raw_columns = data.get("columns")
    if raw_columns is not None:
        if not isinstance(raw_columns, Mapping):
            raise fail(("columns",), "columns 应是“字段: 表头”的映射，如 {amount: 借方发生额}")
        for key, value in raw_columns.items():
            if key not in COLUMN_FIELDS:
                close = get_close_matches(str(key), COLUMN_FIELDS, n=1)
                raise ProjectFileError(
                    f"columns 中的字段 {key!r} 不存在", position=doc.position(base + ("columns", key), key=True),
                    code="project-unknown-field",
                    hint=f"是不是想写 {close[0]}？" if close else f"可用字段: {', '.join(COLUMN_FIELDS)}",
                )
            headers = [value] if isinstance(value, (str, int)) and not isinstance(value, bool) else value
            if not isinstance(headers, list) or not headers or not all(
                    isinstance(h, (str, int)) and not isinstance(h, bool) and str(h).strip() for h in headers):
                raise fail(("columns", key), f"columns.{key} 应是表头文字（或表头文字的列表）")
            columns[str(key)] = tuple(str(h).strip() for h in headers)

    return Project(
        columns=columns,
        code=code,
        name=title,
        grantee=grantee,
        period_start=bounds["start"],
        period_end=bounds["end"],
        budget=budget,
        budget_adjustments=tuple(adjustments),
        staff=roster("staff"),
        fiscal_funded=roster("fiscal_funded"),
    )
