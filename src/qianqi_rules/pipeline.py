"""The whole check, end to end: read → normalise → evaluate → report.

These functions are the library's front door; the CLI is a thin shell over
:func:`check_ledger`.  Each stage is its own module and none reaches into
another's job: the reader never sees rules, the rules never see CSV.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .evaluate import Checker
from .evaluate.assemble import ReportStream
from .evaluate.findings import EntryLookup
from .feeding import Sources, feed, feed_parallel
from .ledger import CounterAccounts, LedgerLayout, RawRow, TabularLedger, read_ledger
from .models import OPTIONAL_FIELDS, Entry, EntryRecord, InputError, InputSummary, Project, Report
from .normalise import RowNormaliser, normalise_mapping
from .orchestrate import Part, checker_part, merge_parts, read_all
from .project import load_project as _load_project
from .reconcile import MoneyTally, merge
from .rules.cache import default_pack
from .rules.pack import RulePack
from .waivers import Waiver

if TYPE_CHECKING:
    from .ledger.services import ServiceRecords


def load_rules(paths: str | Path | Sequence[str | Path] | None = None) -> RulePack:
    """The bundled rule pack, or the pack folder(s) given, layered in order.

    A folder whose ``pack`` declares ``extends: qianqi-bundled`` is layered over
    the bundled pack; later folders are layered over the ones before them.
    """
    if paths is None:
        return default_pack()
    if isinstance(paths, (str, Path)):
        paths = [paths]
    if not paths:
        return default_pack()
    from .rules.loader import load_packs

    return load_packs(list(paths))


def load_project(path: str | Path, pack: RulePack | None = None) -> Project:
    """Read a project file; budget keys are checked against the pack's categories."""
    return _load_project(path, (pack or default_pack()).categories)


def check_ledger(
    path: str | Path,
    project: Project,
    pack: RulePack | None = None,
    *,
    waivers: Sequence[Waiver] = (),
    today: dt.date | None = None,
    progress: Callable[[int, int], None] | None = None,
    sheet: str | None = None,
    services: ServiceRecords | str | Path | None = None,
    jobs: int = 1,
    sources: tuple[Sequence[str | Path] | None, str | Path] | None = None,
) -> Report:
    """Check a ledger file (CSV, or .xlsx with the ``excel`` extra); raises a
    :class:`~qianqi_rules.errors.QianqiError` if it cannot run.

    ``services`` (records, or the path of the platform's export) adds the Article 15 checks
    against the 产业特派员 service records (:mod:`qianqi_rules.evaluate.services`).

    The file is streamed: memory grows with the findings and the groups rules
    keep totals for, not with the file.  ``progress(bytes_read, bytes_total)``
    is called now and then.  With ``jobs`` > 1 and ``sources = (rule folders or
    None, project file)``, rows are judged in that many worker processes (they
    load the pack and project from ``sources``); the report does not change.
    """
    pack = pack if pack is not None else default_pack()
    ledger = read_ledger(path, sheet, ledger_layout(pack, project))
    records = _records(services)  # a bad file fails before the long part
    report = _stream_ledger(ledger, project, pack, waivers=waivers, today=today, progress=progress,
                            jobs=jobs, sources=sources).report()
    if records is None:
        return report
    from .evaluate.services import ledger_entries, with_services

    entries = ledger_entries([str(path)], sheet, ledger_layout(pack, project))
    return with_services(report, entries, records, pack, waivers=waivers, today=today)


def _stream_ledger(
    ledger: TabularLedger, project: Project, pack: RulePack, *, waivers: Sequence[Waiver], today: dt.date | None,
    progress: Callable[[int, int], None] | None, jobs: int,
    sources: tuple[Sequence[str | Path] | None, str | Path] | None,
) -> ReportStream:
    """A read ledger checked: the report as a stream."""
    checker = Checker(project, pack, columns=ledger_columns(ledger), waivers=waivers, today=today,
                      retain_entries=False)
    rows_at = None
    if jobs > 1 and sources is not None:  # on several cores: the same report
        summary, errors, rows_at = feed_parallel(ledger, checker, ledger_columns(ledger), jobs=jobs,
                                                 progress=progress, sources=Sources.of(*sources))
    else:
        summary, errors = feed(ledger, checker, progress)
    return checker.report_stream(input=summary, input_errors=errors, lookup=refetch([ledger], checker, [rows_at]))


def _records(services: ServiceRecords | str | Path | None) -> ServiceRecords | None:
    """The service records asked for (Article 15 is imported only when they are)."""
    if services is None:
        return None
    from .evaluate.services import as_records

    return as_records(services)


def ledger_layout(pack: RulePack, project: Project | None = None) -> LedgerLayout:
    """What the reader is told about the office's exports: the pack's counter-entry accounts and the
    headers the pack and the project file name (the project's first)."""
    settings = pack.ledger
    columns = {f: tuple(h) for f, h in settings.columns.items()}
    for field, headers in (project.columns if project is not None else {}).items():
        columns[field] = tuple(dict.fromkeys((*headers, *columns.get(field, ()))))
    return LedgerLayout(columns=columns, counter_accounts=CounterAccounts(**settings.counter_accounts))


def ledger_columns(ledger: TabularLedger) -> set[str]:
    """The optional fields the ledger has columns for."""
    return set(ledger.columns) & set(OPTIONAL_FIELDS)


def refetch(ledgers: Sequence[TabularLedger], checker: Checker,
            rows_at: Sequence[Callable[[set[int]], Iterable[RawRow]] | None] = ()) -> EntryLookup:
    """Read the few entries a report needs again from the files, rather than keep every entry.

    ``ledgers`` are the files in the order the checker numbered them (``checker.table.files``); ``rows_at``
    may give, for a file, how to read its rows other than ``ledger.cells_at`` (span by span on several cores).
    """

    def lookup(ordinals: Sequence[int]) -> dict[int, Entry | EntryRecord]:
        found: dict[int, Entry | EntryRecord] = {}
        table = checker.table
        for index, ledger in enumerate(ledgers):
            wanted = {table.rows[o]: o for o in ordinals if table.files[o] == index}
            if not wanted:
                continue
            normalise_row = RowNormaliser(ledger.headers)
            read = rows_at[index] if index < len(rows_at) and rows_at[index] is not None else ledger.cells_at
            for item in read(set(wanted)):
                entry = normalise_row(item)
                if not isinstance(entry, list):
                    found[wanted[item.row]] = entry
        return found

    return lookup


def check_ledgers(
    paths: Sequence[str | Path],
    project: Project,
    pack: RulePack | None = None,
    *,
    waivers: Sequence[Waiver] = (),
    today: dt.date | None = None,
    jobs: int = 1,
    sources: tuple[Sequence[str | Path] | None, str | Path] | None = None,
    progress: Callable[[int, int], None] | None = None,
    sheet: str | None = None,
    services: ServiceRecords | str | Path | None = None,
) -> Report:
    """Check several CSV files as one ledger of ``project`` (e.g. one export per month).

    Totals and repeated invoices are judged across all files; each finding says
    which file each of its rows is in.  With ``jobs`` > 1 the files are read in
    that many processes, which load the pack and project themselves from
    ``sources = (rule folders or None, project file)``.  The result does not
    depend on ``jobs``.
    """
    names = [str(p) for p in paths]
    if len(names) == 1:
        return check_ledger(names[0], project, pack, waivers=waivers, today=today, progress=progress, sheet=sheet,
                            services=services, jobs=jobs, sources=sources)
    records = _records(services)
    report = stream_ledgers(names, project, pack, waivers=waivers, today=today, jobs=jobs, sources=sources,
                            progress=progress, sheet=sheet).report()
    if records is None:
        return report
    pack = pack if pack is not None else default_pack()
    layout = ledger_layout(pack, project)
    from .evaluate.services import ledger_entries, with_services

    return with_services(report, ledger_entries(names, sheet, layout), records, pack, waivers=waivers, today=today)


def stream_ledgers(
    paths: Sequence[str | Path],
    project: Project,
    pack: RulePack | None = None,
    *,
    waivers: Sequence[Waiver] = (),
    today: dt.date | None = None,
    jobs: int = 1,
    sources: tuple[Sequence[str | Path] | None, str | Path] | None = None,
    progress: Callable[[int, int], None] | None = None,
    sheet: str | None = None,
) -> ReportStream:
    """:func:`check_ledgers` (without service records) as a :class:`ReportStream`: the report's violations
    are made while it is written, so memory follows the findings' number, not the report's size.
    ``stream.report()`` is :func:`check_ledgers`'s report."""
    names = [str(p) for p in paths]
    pack = pack if pack is not None else default_pack()
    layout = ledger_layout(pack, project)
    if len(names) == 1:
        return _stream_ledger(read_ledger(names[0], sheet, layout), project, pack, waivers=waivers, today=today,
                              progress=progress, jobs=jobs, sources=sources)
    ledgers = [read_ledger(name, sheet, layout) for name in names]
    columns = set().union(*(ledger_columns(ledger) for ledger in ledgers))
    checker = Checker(project, pack, columns=columns, waivers=waivers, today=today, retain_entries=False)
    total = sum(ledger.size for ledger in ledgers) or 1
    offsets = [sum(ledger.size for ledger in ledgers[:i]) for i in range(len(ledgers) + 1)]

    def read(index: int, name: str) -> Part:
        report = (lambda n: progress(offsets[index] + n, total)) if progress is not None else None
        return _part(ledgers[index], project, pack, report)

    worker_read = None
    if sources is not None:
        setup = Sources.of(*sources)
        setup.seed(pack, project)
        worker_read = functools.partial(_worker_part, sources=setup, sheet=sheet)
    parts = read_all(names, read, jobs=jobs, worker_read=worker_read,
                     progress=(lambda done, _n, _p: progress(offsets[done], total)) if progress is not None else None)
    errors = merge_parts(checker, parts)
    summaries = [part.summary for part in parts if part.summary is not None]
    combined = InputSummary(
        path="; ".join(names),
        sha256=hashlib.sha256("".join(s.sha256 or "" for s in summaries).encode()).hexdigest(),
        encoding=None,
        columns={},
        rows_total=sum(s.rows_total for s in summaries),
        rows_checked=sum(s.rows_checked for s in summaries),
        rows_rejected=sum(s.rows_rejected for s in summaries),
        rows_skipped=sum(s.rows_skipped for s in summaries),
        money=merge(s.money for s in summaries),
    )

    return checker.report_stream(input=combined, input_errors=errors, lookup=refetch(ledgers, checker),
                                 inputs=summaries)


def _part(
    ledger: TabularLedger, project: Project, pack: RulePack, progress: Callable[[int], None] | None = None
) -> Part:
    checker = Checker(project, pack, columns=ledger_columns(ledger), retain_entries=False)
    summary, errors = feed(ledger, checker, (lambda n, _t: progress(n)) if progress is not None else None)
    return checker_part(ledger.path, checker, errors, summary)


def _worker_part(path: str, *, sources: Sources, sheet: str | None) -> Part:
    pack, project = sources.load()
    return _part(read_ledger(path, sheet, ledger_layout(pack, project)), project, pack)


def check_entries(
    entries: Iterable[Entry | Mapping[str, Any]],
    project: Project,
    pack: RulePack | None = None,
    *,
    columns: Iterable[str] | None = None,
    waivers: Sequence[Waiver] = (),
    today: dt.date | None = None,
    services: ServiceRecords | str | Path | None = None,
) -> Report:
    """Check entries handed over in Python (models or mappings); ``services`` as for :func:`check_ledger`.

    A mapping that cannot be read is rejected and listed under
    ``input_errors``, like a bad ledger row; the others are still checked.
    ``columns`` says which optional fields the source has; by default, those
    that any entry gives.
    """
    items = list(entries)
    parsed: list[Entry] = []
    errors: list[InputError] = []
    rejected = 0
    for position, item in enumerate(items, start=1):
        result = normalise_mapping(item, position)
        if isinstance(result, list):
            errors.extend(result)
            rejected += 1
        else:
            parsed.append(result)
    if columns is None:
        columns = {f for f in OPTIONAL_FIELDS if any(getattr(e, f) is not None for e in parsed)}
    checker = Checker(project, pack, columns=columns, waivers=waivers, today=today)
    money = MoneyTally()
    for entry in parsed:
        checker.add(entry)
        money.add_amount("checked", entry.amount)
    for _ in range(rejected):
        money.add_unread("rejected")
    summary = InputSummary(
        rows_total=len(items), rows_checked=len(parsed), rows_rejected=rejected, rows_skipped=0,
        money=money.result(),
    )
    report = checker.report(input=summary, input_errors=errors)
    if services is None:
        return report
    from .evaluate.services import as_records, with_services

    return with_services(report, parsed, as_records(services), checker.pack, waivers=waivers, today=today)
