"""Article 15: the ledger against the 产业特派员 service records.

What is checked (with ``--services FILE``, or ``services=`` in the library):

- **QQ1500** (Article 15, warning): an expert consulting fee, labour fee or travel cost paid to a 特派员 who has no
  service record on its service day.  The service day is a date the description writes (2025-05-12, 5月12日), else
  the entry's date; a record on that day or in the :data:`WINDOW_DAYS` days before it counts (money is paid after
  the service).
- **QQ1312** (Article 13(1), error): the same, *systematic* for one person — at least :data:`SYSTEMATIC_DAYS`
  service days without a record, or at least two making :data:`SYSTEMATIC_SHARE` or more of that person's paid
  days.  One finding lists the rows; it replaces that person's QQ1500 warnings.  Nothing is recovered by it alone:
  the records are evidence to confirm first (提供虚假资料 is then recovered under 13(1)).
- **QQ1501** (Article 15, warning): a service record with no evaluation.
- **QQ1502** (Article 15, warning): travel of a 特派员 to a place none of their services in that window is at.

A 特派员 is anyone the file names; a ledger row is theirs when its payee is that name (spaces, dots, width ignored).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any

from ..models import Citation, Entry, EntryRecord, Report, Violation, as_entry
from ..ledger.services import ServiceRecord, ServiceRecords
from ..rules.pack import RulePack
from ..values import format_money_cn, name_key
from ..waivers import Waiver, waiver_problems
from .findings import SEVERITY_RANK, order, waive
from .folding import fold_warnings

#: a service record this many days before the service day still counts
WINDOW_DAYS = 7
#: systematic: this many service days without a record …
SYSTEMATIC_DAYS = 3
#: … or (with at least two) this share of the person's paid days
SYSTEMATIC_SHARE = Decimal("0.5")
#: the categories paid to a 特派员 for a service
CATEGORIES = ("专家咨询费", "劳务费", "差旅费")

RULES = {
    "QQ1500": ("service-day-without-record", "特派员在没有服务记录的日子领取费用", Citation(article=15), "warning"),
    "QQ1312": ("systematic-days-without-record", "特派员多次在没有服务记录的日子领取费用（提供虚假资料嫌疑）",
               Citation(article=13, item=1), "error"),
    "QQ1501": ("service-without-evaluation", "服务记录没有企业评价", Citation(article=15), "warning"),
    "QQ1502": ("travel-without-service-there", "特派员出差的目的地没有服务记录", Citation(article=15), "warning"),
}

_FULL_DATE = re.compile(r"(20\d\d)[-/.年](\d{1,2})[-/.月](\d{1,2})")
_MONTH_DAY = re.compile(r"(?<![\d.])(\d{1,2})月(\d{1,2})日")
_DESTINATION = re.compile(r"(?:赴|前往|去|到|至|抵)([\u4e00-\u9fff]{2,8}?)(?:市|县|区|省|调研|出差|服务|开展|参加|现场|企业|公司|，|,|。|\s|$)")


def stated_days(entry: Entry | EntryRecord) -> list[dt.date]:
    """Dates the description writes (a month and day take the entry's year)."""
    text = entry.description or ""
    days = []
    for y, m, d in _FULL_DATE.findall(text):
        try:
            days.append(dt.date(int(y), int(m), int(d)))
        except ValueError:
            continue
    if not days:
        for m, d in _MONTH_DAY.findall(text):
            try:
                days.append(dt.date(entry.date.year, int(m), int(d)))
            except ValueError:
                continue
    return days


def destinations(description: str) -> list[str]:
    """Places a travel description says the trip went to (赴天津调研 → 天津)."""
    return [m for m in _DESTINATION.findall(description or "") if not m.startswith(("本", "企业", "公司", "现场"))]


def _violation(rule_id: str, rows: list[int], message: str, amount: Decimal, evidence: dict[str, Any],
               entries: Sequence[Entry | EntryRecord], files: list[str] | None) -> Violation:
    name, title, citation, severity = RULES[rule_id]
    return Violation(rule_id=rule_id, rule_name=name, title=title, severity=severity, citation=citation, rows=rows,
                     message=message, amount=amount, clawback=None, entries=[as_entry(e) for e in entries],
                     evidence=evidence, files=files)


def service_findings(entries: Iterable[Entry | EntryRecord], records: ServiceRecords, pack: RulePack) -> list[Violation]:
    """The Article 15 findings of ``entries`` against ``records`` (see the module's docstring)."""
    people = records.people()
    by_person: dict[str, list[ServiceRecord]] = {}
    for r in records.records:
        by_person.setdefault(r.key, []).append(r)
    out: list[Violation] = []
    for r in records.records:
        if not r.evaluated:
            out.append(_violation(
                "QQ1501", [], f"服务记录第 {r.row} 行：特派员 {r.commissioner} {r.date.isoformat()} 在{r.enterprise}的服务"
                f"（{r.topic or '未写主题'}）没有企业评价：第十五条要求服务完成后由企业评价",
                Decimal("0"), {"services_file": records.path, "services_row": r.row, "commissioner": r.commissioner,
                               "enterprise": r.enterprise, "date": r.date.isoformat()}, [], None))
    unmatched: dict[str, list[tuple[Entry | EntryRecord, dt.date]]] = {}
    paid_days: dict[str, set[dt.date]] = {}
    for entry in entries:
        category = pack.categories.canonical(entry.category) or entry.category
        if category not in CATEGORIES or entry.amount <= 0:
            continue
        person = name_key(entry.payee or "")
        if person not in people:
            continue
        days = stated_days(entry) or [entry.date]
        paid_days.setdefault(person, set()).update(days)
        theirs = by_person[person]
        near = [r for r in theirs if any(dt.timedelta(0) <= d - r.date <= dt.timedelta(days=WINDOW_DAYS) for d in days)]
        if not near:
            unmatched.setdefault(person, []).append((entry, days[0]))
            continue
        if category == "差旅费":
            places = " ".join(f"{r.place} {r.enterprise}" for r in near)
            away = [d for d in destinations(entry.description or "") if d[:2] not in places]
            if away:
                out.append(_violation(
                    "QQ1502", [entry.row], f"{entry.payee} 的差旅费“{entry.description}”去的是{'、'.join(away)}，"
                    f"但这几天的服务记录在{'、'.join(sorted({r.enterprise for r in near}))}：请核实出差与服务的关系"
                    f"（{format_money_cn(entry.amount)} 元）", entry.amount,
                    {"destination": away, "services": [r.row for r in near], "services_file": records.path},
                    [entry], None))
    for person, missed in unmatched.items():
        days = sorted({d for _, d in missed})
        share = Decimal(len(days)) / Decimal(len(paid_days[person]))
        name = missed[0][0].payee or person
        if len(days) >= SYSTEMATIC_DAYS or (len(days) >= 2 and share >= SYSTEMATIC_SHARE):
            rows = sorted(e.row for e, _ in missed)
            total = sum((e.amount for e, _ in missed), Decimal("0"))
            out.append(_violation(
                "QQ1312", rows, f"特派员 {name} 有 {len(days)} 个领取费用的日子（占其 {len(paid_days[person])} 个中的"
                f" {share:.0%}）没有服务记录（第 {'、'.join(map(str, rows))} 行，共 {format_money_cn(total)} 元）："
                "多次没有签到记录却领取费用，可能是提供虚假资料；核实属实的按第十三条第（一）项追回（核实前不计入应追回金额）",
                total, {"commissioner": name, "days": [d.isoformat() for d in days], "paid_days": len(paid_days[person]),
                        "services_file": records.path}, [e for e, _ in missed], None))
            continue
        for entry, day in missed:
            out.append(_violation(
                "QQ1500", [entry.row], f"特派员 {name} 在 {day.isoformat()}（及之前 {WINDOW_DAYS} 天）没有服务记录，"
                f"却有{entry.category}“{entry.description or ''}”（{format_money_cn(entry.amount)} 元）：请核实是否提供了服务",
                entry.amount, {"commissioner": name, "service_day": day.isoformat(), "services_file": records.path},
                [entry], None))
    return out


def with_services(
    report: Report, entries: Iterable[Entry | EntryRecord], records: ServiceRecords, pack: RulePack, *,
    waivers: Sequence[Waiver] = (), today: dt.date | None = None,
) -> Report:
    """``report`` with the Article 15 findings added, waived and folded like the others, and counted."""
    found = service_findings(entries, records, pack)
    day = today or dt.date.today()
    used: set[int] = set()
    found = waive(found, waivers, day, used)
    # the checker did not know these rules: their waivers' problems are judged here
    problems = [p for p in report.waiver_problems if p.rule not in RULES]
    problems += [p for p in waiver_problems(list(waivers), used, day, set(RULES)) if p.rule in RULES]
    row_rules = {r.id for r in pack.rules if r.kind in ("entry", "standard")} | {"QQ1500", "QQ1502"}
    violations = fold_warnings(sorted([*report.violations, *found], key=order), row_rules)
    active = [v for v in violations if v.waiver is None and not v.reversed_by]
    counts = {s: sum(1 for v in active if v.severity == s) for s in SEVERITY_RANK}
    summary = report.summary.model_copy(update={"errors": counts["error"], "warnings": counts["warning"],
                                                "infos": counts["info"],
                                                "waived": sum(1 for v in violations if v.waiver is not None)})
    return report.model_copy(update={"violations": violations, "summary": summary, "waiver_problems": problems})


def ledger_entries(paths: Sequence[str], sheet: str | None, layout: Any) -> Iterable[Entry | EntryRecord]:
    """The entries of ledger files, read again (a check streams its files and keeps no entries)."""
    from ..ledger import RawRow, read_ledger
    from ..normalise import RowNormaliser

    for name in paths:
        ledger = read_ledger(name, sheet, layout)
        normalise_row = RowNormaliser(ledger.headers)
        for item in ledger.rows(None):
            if isinstance(item, RawRow):
                entry = normalise_row(item)
                if not isinstance(entry, list):
                    yield entry


def as_records(services: ServiceRecords | str | Any) -> ServiceRecords:
    """Records given as records, or as the path of a service-records file."""
    from ..ledger.services import read_services

    return services if isinstance(services, ServiceRecords) else read_services(services)
