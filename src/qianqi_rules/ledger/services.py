"""The Article 15 service records: the platform's export of 产业特派员 sign-ins and evaluations.

Article 15 makes a 产业特派员 and the enterprise sign in for every service and the
enterprise evaluate it afterwards.  The export is a CSV or .xlsx table, one row per
service: date, 特派员, enterprise, topic, evaluation (and optionally the place).  It is
read whole (it is small) and checked strictly: a row that cannot be read is an error
naming file, row and column, never a silently dropped service — a missing record
would turn into a false finding against the ledger.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from ..errors import Position, QianqiError
from ..values import name_key, normalise_text, parse_date
from .headers import normalise_header

#: field -> the headers the platform's exports use for it (compared after normalise_header)
SERVICE_HEADERS: dict[str, tuple[str, ...]] = {
    "date": ("date", "日期", "服务日期", "签到日期", "活动时间", "服务时间", "活动日期"),
    "commissioner": ("commissioner", "特派员", "产业特派员", "特派员姓名", "服务专家", "专家姓名", "姓名"),
    "enterprise": ("enterprise", "企业", "企业名称", "服务企业", "被服务企业", "受服务企业", "单位名称"),
    "topic": ("topic", "服务内容", "服务活动主题", "活动主题", "服务主题", "主题", "拟解决需求"),
    "evaluation": ("evaluation", "评价", "企业评价", "服务评价", "评价结果", "满意度", "评价情况"),
    "place": ("place", "地点", "服务地点", "所在地", "城市", "企业所在地"),
}
REQUIRED = ("date", "commissioner", "enterprise")
_NONE_WORDS = {"", "无", "未评价", "待评价", "暂无", "-", "—", "/", "none", "n/a"}
_MAX_ROWS = 200_000
_MAX_PROBLEMS = 20


class ServicesFileError(QianqiError):
    """The service-records file cannot be read, or some of its rows cannot."""


@dataclass(frozen=True, slots=True)
class ServiceRecord:
    """One signed-in service."""

    row: int
    date: dt.date
    commissioner: str  # as written
    enterprise: str
    topic: str = ""
    evaluation: str = ""
    place: str = ""

    @property
    def key(self) -> str:
        """The 特派员's name as matched against ledger payees (spaces, dots and width ignored)."""
        return name_key(self.commissioner)

    @property
    def evaluated(self) -> bool:
        return normalise_text(self.evaluation).strip().lower() not in _NONE_WORDS


@dataclass(frozen=True)
class ServiceRecords:
    """The records of one file, with what the checks ask of them."""

    path: str
    records: tuple[ServiceRecord, ...]

    def people(self) -> frozenset[str]:
        return frozenset(r.key for r in self.records)

    def days_of(self, person_key: str) -> frozenset[dt.date]:
        return frozenset(r.date for r in self.records if r.key == person_key)

    def places_of(self, person_key: str) -> tuple[str, ...]:
        """What a 特派员's services say about where they were: the place column and the enterprises' names."""
        return tuple(f"{r.place} {r.enterprise}" for r in self.records if r.key == person_key)


def _decode(data: bytes, name: str) -> str:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ServicesFileError("服务记录文件不是 UTF-8、GB18030 或 UTF-16 编码的文本", position=Position(name),
                            code="services-unreadable", hint="请从平台重新导出为 CSV（UTF-8）或 .xlsx")


def _csv_rows(data: bytes, name: str) -> list[list[str]]:
    text = _decode(data, name)
    first = text.splitlines()[0] if text else ""
    delimiter = max(",\t;", key=first.count)
    return [list(r) for r in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)]


def _xlsx_rows(name: str) -> list[list[str]]:
    try:
        from openpyxl import load_workbook
    except ImportError:  # pragma: no cover - the excel extra is part of the test install
        raise ServicesFileError("读取 .xlsx 服务记录需要 excel 扩展", position=Position(name), code="services-unreadable",
                                hint="pip install 'qianqi-rules[excel]'，或把文件另存为 CSV") from None
    try:
        book = load_workbook(name, read_only=True, data_only=True)
    except Exception as exc:  # noqa: BLE001 - any failure of a broken workbook is the file's, explained
        raise ServicesFileError(f"无法打开服务记录工作簿: {type(exc).__name__}", position=Position(name),
                                code="services-unreadable", hint="用 Excel 打开后另存为 .xlsx 或 CSV") from None
    sheet = next((ws for ws in book.worksheets if ws.sheet_state == "visible"), book.worksheets[0])
    rows = []
    for values in sheet.iter_rows(values_only=True):
        rows.append(["" if v is None else (v.date().isoformat() if isinstance(v, dt.datetime) else
                                            v.isoformat() if isinstance(v, dt.date) else str(v)) for v in values])
    book.close()
    return rows


def _header(rows: Sequence[Sequence[str]], name: str) -> tuple[int, dict[str, int]]:
    """(index of the header row, field -> column) among the first ten rows."""
    aliases = {normalise_header(a): f for f, names in SERVICE_HEADERS.items() for a in names}
    best: tuple[int, dict[str, int]] = (0, {})
    for index, row in enumerate(rows[:10]):
        found: dict[str, int] = {}
        for column, cell in enumerate(row):
            field = aliases.get(normalise_header(str(cell)))
            if field is not None and field not in found:
                found[field] = column
        if all(f in found for f in REQUIRED):
            return index, found
        if len(found) > len(best[1]):
            best = (index, found)
    missing = [f for f in REQUIRED if f not in best[1]]
    shown = "、".join(SERVICE_HEADERS[f][1] for f in missing)
    raise ServicesFileError(
        f"服务记录文件的前 10 行中没有找到表头：缺少 {shown} 列", position=Position(name, line=best[0] + 1),
        code="services-missing-column",
        hint="表头应包含 日期、特派员、企业（可选 服务内容、评价、地点）；也认得 服务日期、产业特派员、企业名称、企业评价 等写法",
    )


def read_services(path: str | Path) -> ServiceRecords:
    """Read a service-records export (CSV or .xlsx); raises :class:`ServicesFileError` naming every bad row."""
    name = str(path)
    try:
        data = Path(name).read_bytes()
    except FileNotFoundError:
        raise ServicesFileError("服务记录文件不存在", position=Position(name), code="services-not-found",
                                hint="检查 --services 后的路径") from None
    except OSError as exc:
        raise ServicesFileError(f"无法读取服务记录文件: {exc.strerror or exc}", position=Position(name),
                                code="services-unreadable") from None
    rows = _xlsx_rows(name) if data.startswith(b"PK\x03\x04") else _csv_rows(data, name)
    if len(rows) > _MAX_ROWS:
        raise ServicesFileError(f"服务记录超过 {_MAX_ROWS} 行", position=Position(name), code="services-unreadable")
    start, columns = _header(rows, name)
    headers = rows[start]
    records: list[ServiceRecord] = []
    problems: list[tuple[int, str, str, str]] = []  # row, column header, code, message
    for index in range(start + 1, len(rows)):
        cells = rows[index]
        number = index + 1

        def cell(field: str) -> str:
            column = columns.get(field)
            return normalise_text(str(cells[column])).strip() if column is not None and column < len(cells) else ""

        if not any(str(c).strip() for c in cells):
            continue  # a blank line between services is not a service
        values = {f: cell(f) for f in SERVICE_HEADERS}
        bad = False
        for field in REQUIRED:
            if not values[field]:
                problems.append((number, headers[columns[field]], "services-missing-value", "为空"))
                bad = True
        if values["date"]:
            try:
                day = parse_date(values["date"])
            except ValueError:
                problems.append((number, headers[columns["date"]], "services-bad-date",
                                 f"日期“{values['date'][:40]}”无法识别（可用 2025-03-05、2025/3/5、2025年3月5日）"))
                bad = True
        if bad:
            continue
        records.append(ServiceRecord(row=number, date=day, commissioner=values["commissioner"],
                                     enterprise=values["enterprise"], topic=values["topic"],
                                     evaluation=values["evaluation"], place=values["place"]))
    if problems:
        row, _, code, _ = problems[0]
        listed = "；".join(f"第 {r} 行“{c}”列：{m}" for r, c, _, m in problems[:_MAX_PROBLEMS])
        more = f"（另有 {len(problems) - _MAX_PROBLEMS} 处）" if len(problems) > _MAX_PROBLEMS else ""
        raise ServicesFileError(
            f"服务记录有 {len(problems)} 行无法读取：{listed}{more}", position=Position(name, line=row),
            code=code, hint="改正这些行后重新检查：缺少一条服务记录会让台账上对应的支出被误报为没有服务记录",
        )
    return ServiceRecords(path=name, records=tuple(records))


def records_of(items: Iterable[ServiceRecord], path: str = "") -> ServiceRecords:
    """Service records built in Python (for the library API and tests)."""
    return ServiceRecords(path=path, records=tuple(items))
