"""Feeding a ledger's rows into a checker, accounting for each row exactly once — here, or on several cores.

:func:`feed` reads, normalises and judges in this process.  :func:`feed_parallel`
does the same on several cores.  A CSV file that can be cut where nothing reaches
across the cut (:mod:`qianqi_rules.ledger.split`) is read in spans, each by a process
of its own from its byte offset, which sends back only its checker's state and its
rows' accounting.  Any other file — a workbook, a file with no provable cut — is read
in this process (unclosed quotes, fill-down dates and voucher numbers, voucher
balancing and page furniture depend on the lines around a row) and its rows are sent
in batches to worker processes to be judged.  The states merge in row order
(:meth:`Checker.merge`, as several files' states do), so the report is the same byte
for byte whatever ``jobs`` is.  All paths account for rows through one
:class:`_Accounts`, so the row counts and the money add up the same way.
"""

from __future__ import annotations

import os
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .engines import worker_cache
from .evaluate import Checker
from .evaluate.checker import CheckerState
from .ledger import RawRow, SkippedRow, TabularLedger, split
from .ledger.span import Span
from .ledger.tabular import Row
from .models import InputError, InputSummary, Project, Reconciliation
from .normalise import RowNormaliser
from .reconcile import MoneyTally, merge
from .rules.pack import RulePack

if TYPE_CHECKING:
    from concurrent.futures import Future

#: rows per batch: large enough that sending a batch costs little next to judging it
BATCH = 5_000
#: where batches are judged: worker processes when None (imported only then); the tests run the same path on threads
EXECUTOR: type | None = None
BATCH_ROWS = [BATCH]  # what feed_parallel uses (a list, so a test can make batches tiny)


@dataclass
class _Accounts:
    """Where every row went: skipped, rejected (unreadable, or not normalised) or checked, and its money."""

    errors: list[InputError] = field(default_factory=list)
    rejected: set[int] = field(default_factory=set)
    money: MoneyTally = field(default_factory=MoneyTally)
    total: int = 0
    skipped: int = 0

    def take(self, item: SkippedRow | InputError | RawRow) -> RawRow | None:
        """Account for a skipped or unreadable row; a row to normalise is handed back."""
        self.total += 1
        if isinstance(item, SkippedRow):
            self.skipped += 1
            self.money.add_text("skipped", item.debit, item.credit, item.kind)
            return None
        if isinstance(item, InputError):
            self.errors.append(item)
            self.rejected.add(item.row)
            self.money.add_unread("rejected")
            return None
        return item

    def judge(self, item: RawRow, normalise_row: RowNormaliser, checker: Checker) -> None:
        """Normalise a row: rejected with its errors, or added to ``checker``."""
        result = normalise_row(item)
        values = item.values
        if isinstance(result, list):
            self.errors.extend(result)
            self.rejected.add(item.row)
            self.money.add_text("rejected", values.get("amount", ""), values.get("credit", ""))
        else:
            checker.add(result)
            self.money.add_text("checked", values.get("amount", ""), values.get("credit", ""))

    def summary(self, ledger: TabularLedger, money: Reconciliation | None = None) -> InputSummary:
        return InputSummary(
            path=ledger.path,
            sha256=ledger.sha256,
            encoding=ledger.encoding,
            sheet=getattr(ledger, "sheet_read", None),
            columns=dict(ledger.headers),
            rows_total=self.total,
            rows_checked=self.total - self.skipped - len(self.rejected),
            rows_rejected=len(self.rejected),
            rows_skipped=self.skipped,
            money=money if money is not None else self.money.result(),
        )


def _executor() -> type:
    if EXECUTOR is not None:
        return EXECUTOR
    from concurrent.futures import ProcessPoolExecutor  # a check on one core never starts the machinery

    return ProcessPoolExecutor


def feed(
    ledger: TabularLedger, checker: Checker, progress: Callable[[int, int], None] | None = None
) -> tuple[InputSummary, list[InputError]]:
    """Stream every row of ``ledger`` into ``checker``; account for each row exactly once."""
    report_progress = (lambda done: progress(done, ledger.size)) if progress is not None else None
    accounts = _feed_rows(ledger.rows(report_progress), ledger, checker)
    return accounts.summary(ledger), accounts.errors


def _feed_rows(items: Iterable[Row], ledger: TabularLedger, checker: Checker) -> _Accounts:
    accounts = _Accounts()
    normalise_row = RowNormaliser(ledger.headers)
    for item in items:
        row = accounts.take(item)
        if row is not None:
            accounts.judge(row, normalise_row, checker)
    return accounts


# ----------------------------------------------------------------------------- worker processes


@dataclass(frozen=True)
class Sources:
    """Where a worker process loads the pack and the project from: paths, never the objects.

    Every kind of worker — a ``--jobs`` pool's, a Dask worker — loads them through
    :func:`~qianqi_rules.engines.worker_cache`, once per process; :meth:`seed` puts this
    process's objects there first, so that forked workers start with them.
    """

    rule_paths: tuple[str, ...] | None
    project_path: str

    @classmethod
    def of(cls, rule_paths: Sequence[str | Path] | None, project_path: str | Path) -> Sources:
        return cls(tuple(str(p) for p in rule_paths) if rule_paths else None, str(project_path))

    def _key(self) -> tuple[Any, ...]:
        try:
            found = os.stat(self.project_path)
            stamp: tuple[int, int] | None = (found.st_mtime_ns, found.st_size)
        except OSError:
            stamp = None
        return ("check", self.rule_paths, self.project_path, stamp)

    def load(self) -> tuple[RulePack, Project]:
        """The pack and the project, loaded the first time this process asks (the pack from the pack cache)."""

        def build() -> tuple[RulePack, Project]:
            from .ledger.csv_reader import allow_large_fields
            from .project import load_project
            from .rules.cache import cached_rules

            allow_large_fields()  # a spawned worker reads ledgers it did not open (a forked one inherits it)
            pack = cached_rules(list(self.rule_paths) if self.rule_paths else None)
            return pack, load_project(self.project_path, pack.categories)

        return worker_cache(self._key(), build)

    def seed(self, pack: RulePack, project: Project) -> None:
        """This process's pack and project as what :meth:`load` gives here, and in workers forked from here."""
        worker_cache(self._key(), lambda: (pack, project), fresh=True)


@dataclass
class _Done:
    """What a worker sends back for its rows: the checker's state and the rows' accounting."""

    state: CheckerState
    errors: list[InputError]
    rejected: set[int]
    money: Reconciliation | None
    total: int = 0
    skipped: int = 0

    def into(self, checker: Checker, accounts: _Accounts, parts: list[Reconciliation | None]) -> None:
        checker.merge(self.state)
        accounts.errors.extend(self.errors)
        accounts.rejected.update(self.rejected)
        accounts.total += self.total
        accounts.skipped += self.skipped
        parts.append(self.money)


def _judge(rows: list[RawRow], headers: dict[str, str], columns: set[str], sources: Sources) -> _Done:
    pack, project = sources.load()
    checker = Checker(project, pack, columns=columns, retain_entries=False)
    accounts = _Accounts()
    normalise_row = RowNormaliser(headers)
    for item in rows:
        accounts.judge(item, normalise_row, checker)
    return _Done(checker.state(), accounts.errors, accounts.rejected, accounts.money.result() if rows else None)


def _read_span(ledger: TabularLedger, span: Span, columns: set[str], sources: Sources) -> _Done:
    """One span of the file read, classified, normalised and judged here: a worker's whole share."""
    pack, project = sources.load()
    checker = Checker(project, pack, columns=columns, retain_entries=False)
    accounts = _feed_rows(ledger.rows(span=span), ledger, checker)
    return _Done(checker.state(), accounts.errors, accounts.rejected, accounts.money.result(),
                 accounts.total, accounts.skipped)


def even_cuts(size: int, parts: int) -> list[int]:
    """Byte offsets that cut ``size`` bytes into ``parts`` equal stretches (each moved to a record boundary)."""
    return [size * k // parts for k in range(1, parts)]


#: where feed_parallel tries to cut a file (a list, so a test can choose the cuts)
CUT_AT: list[Callable[[int, int], list[int]]] = [even_cuts]


RowsAt = Callable[[set[int]], Iterable[RawRow]]


def feed_parallel(
    ledger: TabularLedger, checker: Checker, columns: set[str], *, jobs: int, sources: Sources,
    progress: Callable[[int, int], None] | None = None,
) -> tuple[InputSummary, list[InputError], RowsAt]:
    """:func:`feed` on ``jobs`` cores; the same result, and how to read rows again for the report.

    A CSV file that :func:`~qianqi_rules.ledger.split.plan` can cut is read in spans, each by a
    process of its own (this one reads the first); any other file is read here and judged in batches
    by worker processes.  Either way the states merge in row order (:meth:`Checker.merge`).  The rows
    the report reads again (``ledger.cells_at``) are read span by span on the same cores.
    """
    sources.seed(checker.pack, checker.project)
    spans = split.plan(ledger, CUT_AT[0](ledger.size, jobs))
    if spans is None:
        return (*_feed_batches(ledger, checker, columns, jobs=jobs, sources=sources, progress=progress),
                ledger.cells_at)
    summary, errors = _feed_spans(ledger, checker, columns, spans, jobs=jobs, sources=sources, progress=progress)
    return summary, errors, lambda wanted: _rows_at(ledger, spans, wanted, jobs)


def _rows_at(ledger: TabularLedger, spans: list[Span], wanted: set[int], jobs: int) -> list[RawRow]:
    """``ledger.cells_at(wanted)``, each span's rows read by a process of its own (this one reads the first)."""
    bounds = [span.row for span in spans[1:]] + [max(wanted, default=0)]
    shares = [(span, {r for r in wanted if span.row < r <= bound}) for span, bound in zip(spans, bounds, strict=True)]
    shares = [(span, rows) for span, rows in shares if rows]
    if len(shares) <= 1:
        return list(ledger.cells_at(wanted))
    with _executor()(max_workers=max(min(jobs - 1, len(shares) - 1), 1)) as pool:
        pending = [pool.submit(_cells_in, ledger, span, rows) for span, rows in shares[1:]]
        found = _cells_in(ledger, *shares[0])
        for future in pending:
            found.extend(future.result())
    return found


def _cells_in(ledger: TabularLedger, span: Span, wanted: set[int]) -> list[RawRow]:
    return list(ledger.cells_at(wanted, span))


def _feed_spans(
    ledger: TabularLedger, checker: Checker, columns: set[str], spans: list[Span], *, jobs: int, sources: Sources,
    progress: Callable[[int, int], None] | None,
) -> tuple[InputSummary, list[InputError]]:
    parts: list[Reconciliation | None] = []
    with _executor()(max_workers=max(min(jobs - 1, len(spans) - 1), 1)) as pool:
        pending = [pool.submit(_read_span, ledger, span, columns, sources) for span in spans[1:]]
        accounts = _feed_rows(ledger.rows(span=spans[0]), ledger, checker)
        parts.append(accounts.money.result())
        if progress is not None:
            progress(spans[0].end, ledger.size)
        for span, future in zip(spans[1:], pending, strict=True):
            future.result().into(checker, accounts, parts)  # a span that failed fails as the whole reading would
            if progress is not None:
                progress(span.end, ledger.size)
    return accounts.summary(ledger, merge(parts)), accounts.errors


def _feed_batches(
    ledger: TabularLedger, checker: Checker, columns: set[str], *, jobs: int, sources: Sources,
    progress: Callable[[int, int], None] | None,
) -> tuple[InputSummary, list[InputError]]:
    """Read here — the rows depend on the lines around them — and judged in batches by worker processes."""
    accounts = _Accounts()  # this process accounts for the skipped and unreadable rows itself
    parts: list[Reconciliation | None] = []
    headers = dict(ledger.headers)
    report_progress = (lambda done: progress(done, ledger.size)) if progress is not None else None
    pending: deque[Future[_Done]] = deque()
    with _executor()(max_workers=jobs) as pool:
        batch: list[RawRow] = []
        for item in ledger.rows(report_progress):
            row = accounts.take(item)
            if row is None:
                continue
            batch.append(row)
            if len(batch) >= BATCH_ROWS[0]:
                pending.append(pool.submit(_judge, batch, headers, columns, sources))
                batch = []
                while len(pending) > 2 * jobs:  # bounded: rows in flight, not the whole file
                    pending.popleft().result().into(checker, accounts, parts)
        if batch:
            pending.append(pool.submit(_judge, batch, headers, columns, sources))
        while pending:
            pending.popleft().result().into(checker, accounts, parts)
    return accounts.summary(ledger, merge([accounts.money.result(), *parts])), accounts.errors
