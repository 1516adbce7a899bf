"""The project file as an Excel workbook: what finance officers already hold from the 任务书.

Sheets 项目信息 (label | value), 预算 (科目 | 批复预算), 预算调整 and 人员名单
(姓名 | 身份) are read into the same mapping a YAML project file gives, with
each value's sheet, row and column, and then go through the one project
validation (:func:`~qianqi_rules.project.project_from_document`): the same
checks, the same error codes, positions that name the cell.  The layout is
defined here once; :mod:`.project_template` writes it.
"""

from __future__ import annotations

import stat
import unicodedata
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from difflib import get_close_matches
from pathlib import Path
from typing import Any

from .errors import Position, ProjectFileError
from .yamlsafe import PathKey

INFO_SHEET, BUDGET_SHEET, ADJUSTMENT_SHEET, STAFF_SHEET, GUIDE_SHEET = "项目信息", "预算", "预算调整", "人员名单", "填写说明"
#: 项目信息: label in column A -> (path in the project mapping, note shown in the template)
INFO_FIELDS: dict[str, tuple[PathKey, str]] = {
    "项目编号": (("code",), "必填。任务书上的项目编号，如 BJKX-QQ-2025-009；台账中别的项目编号的行会被列为问题"),
    "项目名称": (("name",), "选填"),
    "受资助单位": (("grantee",), "必填。受资助单位（申报单位）全称"),
    "执行期开始": (("period", "start"), "必填。日期，如 2025-04-01"),
    "执行期结束": (("period", "end"), "必填。日期，如 2026-03-31"),
}
INFO_HEADERS = ["项目", "内容", "说明"]
BUDGET_HEADERS = {"科目": "category", "批复预算": "amount"}
ADJUSTMENT_HEADERS = {"调出科目": "from", "调入科目": "to", "金额": "amount", "批准日期": "approved_on",
                      "批准文号": "reference"}
ADJUSTMENT_REQUIRED = ("from", "to", "amount", "approved_on")
STAFF_HEADERS = {"姓名": "name", "身份": "kind"}
#: the two rosters of the project file, by the words an officer writes in 身份
KINDS = {"本单位工作人员": "staff", "财政供养人员": "fiscal_funded"}
KIND_VARIANTS = {"受资助单位工作人员": "staff", "单位工作人员": "staff", "工作人员": "staff", "本单位": "staff",
                 "财政供养": "fiscal_funded"}
HEADER_SEARCH_ROWS = 10
MAX_COLUMNS = 50  # where a table's header is looked for
MAX_BYTES = 5 * 1024 * 1024

MISSING_READER = "读取 Excel 项目文件需要 openpyxl：请运行 pip install 'qianqi-rules[excel]'"


def _key(text: Any) -> str:
    """A label or header as compared: NFKC, no white space, no unit in brackets (批复预算（元） is 批复预算)."""
    value = unicodedata.normalize("NFKC", str(text))
    value = "".join(value.split())
    for unit in ("(元)", "(人民币元)"):
        value = value.replace(unit, "")
    return value


@dataclass
class SheetDocument:
    """The workbook as the project mapping, and the cell each value came from (like a YAML document)."""

    path: str
    data: dict[str, Any] = field(default_factory=dict)
    cells: dict[PathKey, Position] = field(default_factory=dict)
    key_cells: dict[PathKey, Position] = field(default_factory=dict)
    sheet: str | None = None  # the sheet a position without a cell falls back to

    def position(self, path: PathKey = (), *, key: bool = False) -> Position:
        probe = tuple(path)
        while True:
            found = (self.key_cells.get(probe) if key else None) or self.cells.get(probe)
            if found is not None:
                return found
            if not probe:
                return Position(self.path, sheet=self.sheet)
            probe = probe[:-1]


class _Book:
    """Cell values of a workbook; a formula Excel never calculated is an error, not an empty cell."""

    def __init__(self, path: str) -> None:
        try:
            import openpyxl
        except ImportError:
            raise ProjectFileError(MISSING_READER, position=Position(path), code="excel-missing-reader",
                                   hint="或者把项目写成 YAML 文件（见 docs/ledger.md）") from None
        self.path = path
        try:
            info = Path(path).stat()
            if not stat.S_ISREG(info.st_mode) and not stat.S_ISDIR(info.st_mode):  # a pipe would block for ever
                raise ProjectFileError("这不是普通文件（是设备、管道或套接字），无法读取", position=Position(path),
                                       code="file-not-regular", hint="请指定磁盘上的 .xlsx 项目文件。")
            if info.st_size > MAX_BYTES:
                raise ProjectFileError("项目文件超过 5 MB", position=Position(path), code="file-too-large",
                                       hint="项目文件应是小文件：检查是否选错了文件")
            self.values = openpyxl.load_workbook(path, data_only=True)
            formulas = openpyxl.load_workbook(path, data_only=False)
        except FileNotFoundError:
            raise ProjectFileError("项目文件不存在", position=Position(path), code="project-not-found") from None
        except OSError as exc:
            raise ProjectFileError(f"无法读取项目文件: {exc.strerror or exc}", position=Position(path),
                                   code="project-unreadable") from None
        except (zipfile.BadZipFile, KeyError, ValueError, TypeError) as exc:
            raise ProjectFileError(f"项目文件不是可以读取的 Excel 工作簿（{type(exc).__name__}）",
                                   position=Position(path), code="project-unreadable",
                                   hint="用 Excel 打开后另存为 .xlsx，或用 qianqi-rules init 重新生成模板") from None
        #: (sheet, row, column) of formulas with no saved result (a workbook written by a program, never by Excel)
        self.uncalculated: dict[tuple[str, int, int], str] = {}
        for sheet in formulas.worksheets:
            saved = self.values[sheet.title]
            for row in sheet.iter_rows():
                for cell in row:
                    if cell.data_type == "f" and saved.cell(row=cell.row, column=cell.column).value is None:
                        text = cell.value if isinstance(cell.value, str) else getattr(cell.value, "text", "")
                        self.uncalculated[(sheet.title, cell.row, cell.column)] = str(text)

    def sheet(self, name: str) -> Any | None:
        return self.values[name] if name in self.values.sheetnames else None

    def at(self, sheet: Any, row: int, column: int | None = None) -> Position:
        return Position(self.path, row, column, sheet=sheet.title)

    def rows(self, sheet: Any, start: int, width: int) -> Iterator[tuple[int, list[Any]]]:
        """(row number, the first ``width`` cells) from ``start`` on: text stripped, empty text as ``None``."""
        for row, values in enumerate(sheet.iter_rows(min_row=start, max_col=width, values_only=True), start=start):
            cells = list(values) + [None] * (width - len(values))
            for column, value in enumerate(cells, start=1):
                if value is None and (sheet.title, row, column) in self.uncalculated:
                    raise ProjectFileError(
                        f"单元格是公式 {self.uncalculated[(sheet.title, row, column)]}，但工作簿中没有它的计算结果",
                        position=self.at(sheet, row, column), code="project-field",
                        hint="在 Excel 中打开并保存一次（保存时会写入计算结果），或直接填写数值")
            yield row, [(v.strip() or None) if isinstance(v, str) else v for v in cells]


def _date(value: Any) -> Any:
    """A date cell as a date: Excel's serial numbers and 20250301 typed as a number included."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return value
    if float(value).is_integer() and 19000101 <= value <= 29991231:
        return str(int(value))
    if 1 <= value < 2958466:
        from openpyxl.utils.datetime import from_excel

        return from_excel(value)
    return value


def _table(book: _Book, sheet: Any, headers: dict[str, str], required: tuple[str, ...]
           ) -> tuple[int, dict[str, int]] | None:
    """(header row, field -> column) of a table sheet; None when the sheet is empty."""
    width = min(sheet.max_column or 0, MAX_COLUMNS)
    wanted = {_key(h): f for h, f in headers.items()}
    filled = False
    for row, cells in book.rows(sheet, 1, width):
        if row > HEADER_SEARCH_ROWS:
            break
        filled = filled or any(c is not None for c in cells)
        found = {wanted[_key(c)]: i + 1 for i, c in enumerate(cells) if c is not None and _key(c) in wanted}
        if all(f in found for f in required):
            return row, found
    if not filled:
        return None
    names = [h for h, f in headers.items() if f in required]
    raise ProjectFileError(f"工作表“{sheet.title}”中找不到表头 {'、'.join(names)}", position=book.at(sheet, 1),
                           code="project-bad-header",
                           hint=f"第一行写表头：{'、'.join(headers)}（可用 qianqi-rules init 生成模板）")


def read_project_book(path: str | Path) -> SheetDocument:
    """The workbook as the project mapping with each value's cell; raises :class:`ProjectFileError`."""
    name = str(path)
    book = _Book(name)
    doc = SheetDocument(name, sheet=INFO_SHEET)
    info = book.sheet(INFO_SHEET)
    if info is None:
        raise ProjectFileError(f"工作簿中没有“{INFO_SHEET}”工作表（有: {'、'.join(book.values.sheetnames)}）",
                               position=Position(name), code="project-missing-sheet",
                               hint="用 qianqi-rules init 项目.xlsx 生成模板，再把内容填进去")
    _read_info(book, info, doc)
    readers: list[tuple[str, Callable[[_Book, Any, SheetDocument], None]]] = [
        (BUDGET_SHEET, _read_budget), (ADJUSTMENT_SHEET, _read_adjustments), (STAFF_SHEET, _read_staff)]
    for sheet_name, read in readers:
        sheet = book.sheet(sheet_name)
        if sheet is not None:
            read(book, sheet, doc)
    return doc


def _read_info(book: _Book, sheet: Any, doc: SheetDocument) -> None:
    labels = {_key(label): label for label in INFO_FIELDS}
    seen: dict[str, int] = {}
    for row, (label, value) in book.rows(sheet, 1, 2):
        if label is None or _key(label) in (INFO_HEADERS[0], "字段"):  # the header row
            continue
        canonical = labels.get(_key(label))
        if canonical is None:
            close = get_close_matches(_key(label), list(labels), n=1)
            raise ProjectFileError(
                f"“{INFO_SHEET}”中有不认识的项目 {label!r}", position=book.at(sheet, row, 1),
                code="project-unknown-field",
                hint=f"是不是想写 {labels[close[0]]}？" if close else f"A 列可以写: {'、'.join(INFO_FIELDS)}")
        if canonical in seen:
            raise ProjectFileError(f"“{canonical}”写了两次（另一处在第 {seen[canonical]} 行）",
                                   position=book.at(sheet, row, 1), code="project-field")
        seen[canonical] = row
        target, _ = INFO_FIELDS[canonical]
        if target[0] == "period":
            doc.cells.setdefault(("period",), book.at(sheet, row, 1))
        doc.cells[target] = book.at(sheet, row, 2)
        doc.key_cells[target] = book.at(sheet, row, 1)
        if value is None:
            continue
        if target[0] == "period":
            doc.data.setdefault("period", {})[target[1]] = _date(value)
        else:
            doc.data[target[0]] = value
    for label, (target, note) in INFO_FIELDS.items():
        filled = doc.data.get(target[0])
        if len(target) > 1:
            filled = (filled or {}).get(target[1])
        if note.startswith("必填") and filled is None:
            where = doc.cells.get(target) or Position(doc.path, sheet=INFO_SHEET)
            raise ProjectFileError(f"没有填写{label}", position=where, code="project-missing-field",
                                   hint=f"在“{INFO_SHEET}”的 A 列写“{label}”，B 列写{note[3:] or '内容'}")


def _read_budget(book: _Book, sheet: Any, doc: SheetDocument) -> None:
    table = _table(book, sheet, BUDGET_HEADERS, ("category", "amount"))
    if table is None:
        return
    header, columns = table
    budget: dict[str, Any] = {}
    seen: dict[str, int] = {}
    width = max(columns.values())
    for row, cells in book.rows(sheet, header + 1, width):
        category, amount = cells[columns["category"] - 1], cells[columns["amount"] - 1]
        if amount is None:
            continue  # a category listed without an amount is not budgeted
        if category is None:
            raise ProjectFileError(f"第 {row} 行有预算金额，但没有写科目", position=book.at(sheet, row, columns["category"]),
                                   code="project-missing-field")
        key = str(category)
        if _key(key) in seen:
            raise ProjectFileError(f"科目 {key} 写了两次（另一处在第 {seen[_key(key)]} 行）",
                                   position=book.at(sheet, row, columns["category"]), code="project-field")
        seen[_key(key)] = row
        budget[key] = amount
        doc.cells[("budget", key)] = book.at(sheet, row, columns["amount"])
        doc.key_cells[("budget", key)] = book.at(sheet, row, columns["category"])
    doc.cells[("budget",)] = book.at(sheet, header)
    if budget:
        doc.data["budget"] = budget


def _read_adjustments(book: _Book, sheet: Any, doc: SheetDocument) -> None:
    table = _table(book, sheet, ADJUSTMENT_HEADERS, ADJUSTMENT_REQUIRED)
    if table is None:
        return
    header, columns = table
    labels = {f: h for h, f in ADJUSTMENT_HEADERS.items()}
    moves: list[dict[str, Any]] = []
    for row, cells in book.rows(sheet, header + 1, max(columns.values())):
        values = {f: cells[c - 1] for f, c in columns.items()}
        if all(v is None for v in values.values()):
            continue
        where: PathKey = ("budget_adjustments", len(moves))
        doc.cells[where] = book.at(sheet, row)
        for f, c in columns.items():
            doc.cells[where + (f,)] = book.at(sheet, row, c)
        for f in ADJUSTMENT_REQUIRED:
            if values[f] is None:
                raise ProjectFileError(f"第 {row} 行的预算调整没有填写{labels[f]}", position=book.at(sheet, row, columns[f]),
                                       code="project-missing-field")
        values["approved_on"] = _date(values["approved_on"])
        moves.append({f: v for f, v in values.items() if v is not None})
    doc.cells[("budget_adjustments",)] = book.at(sheet, header)
    if moves:
        doc.data["budget_adjustments"] = moves


def _kind(text: Any) -> str | None:
    key = _key(text)
    for words in (KINDS, KIND_VARIANTS):
        for word, kind in words.items():
            if key == _key(word):
                return kind
    return None


def _read_staff(book: _Book, sheet: Any, doc: SheetDocument) -> None:
    table = _table(book, sheet, STAFF_HEADERS, ("name", "kind"))
    if table is None:
        return
    header, columns = table
    rosters: dict[str, list[Any]] = {kind: [] for kind in KINDS.values()}
    for row, cells in book.rows(sheet, header + 1, max(columns.values())):
        name, kind_text = cells[columns["name"] - 1], cells[columns["kind"] - 1]
        if name is None:
            continue
        if kind_text is None:
            raise ProjectFileError(f"{name} 没有填写身份（{' 或 '.join(KINDS)}）",
                                   position=book.at(sheet, row, columns["kind"]), code="project-missing-field")
        kind = _kind(kind_text)
        if kind is None:
            raise ProjectFileError(f"身份“{kind_text}”不认识，应是 {' 或 '.join(KINDS)}",
                                   position=book.at(sheet, row, columns["kind"]), code="project-field")
        doc.cells[(kind, len(rosters[kind]))] = book.at(sheet, row, columns["name"])
        rosters[kind].append(name if isinstance(name, str) else str(name))
    for kind, names in rosters.items():
        doc.cells[(kind,)] = book.at(sheet, header)
        if names:  # no name of a kind: the roster is not given, and the rules needing it say they did not run
            doc.data[kind] = names


def is_workbook(path: str | Path) -> bool:
    """A project file given as a workbook (.xlsx / .xlsm), told by its name."""
    return Path(path).suffix.lower() in (".xlsx", ".xlsm")


__all__ = ["SheetDocument", "is_workbook", "read_project_book"]
