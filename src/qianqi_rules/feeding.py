"""Feeding a ledger's rows into a checker, accounting for each row exactly once — here, or on several cores.

:func:`feed` reads, normalises and judges in this process.  :func:`feed_parallel`
keeps the reading in this process — unclosed quotes, fill-down dates and voucher
numbers, voucher balancing and page furniture depend on the lines around a row —
and sends the rows in batches to worker processes, each of which judges its batch
with a checker of its own; the states come back and merge in row order
(:meth:`Checker.merge`, as several files' states do), so the report is the same
byte for byte whatever ``jobs`` is.  Both account for rows through one
:class:`_Accounts`, so the row counts and the money add up the same way.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from .evaluate import Checker
from .evaluate.checker import CheckerState
from .ledger import RawRow, SkippedRow, TabularLedger
from .models import InputError, InputSummary, Reconciliation
from .normalise import RowNormaliser
from .reconcile import MoneyTally, merge

#: rows per batch: large enough that sending a batch costs little next to judging it
BATCH = 5_000
#: where batches are judged (worker processes; the tests also run the same path on threads)
EXECUTOR: type = ProcessPoolExecutor
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


def feed(
    ledger: TabularLedger, checker: Checker, progress: Callable[[int, int], None] | None = None
) -> tuple[InputSummary, list[InputError]]:
    """Stream every row of ``ledger`` into ``checker``; account for each row exactly once."""
    accounts = _Accounts()
    normalise_row = RowNormaliser(ledger.headers)
    report_progress = (lambda done: progress(done, ledger.size)) if progress is not None else None
    for item in ledger.rows(report_progress):
        row = accounts.take(item)
        if row is not None:
            accounts.judge(row, normalise_row, checker)
    return accounts.summary(ledger), accounts.errors


# ----------------------------------------------------------------------------- worker processes

#: what a worker process loaded once: the pack, the project and the sheet to read
WORKER: dict[str, Any] = {}


def start_worker(rule_paths: list[str] | None, project_path: str, sheet: str | None = None) -> None:
    """Each worker process loads the pack (from the pack cache, as ``check`` does) and the project itself."""
    from .project import load_project
    from .rules.cache import cached_rules

    pack = cached_rules(rule_paths)
    WORKER.update(pack=pack, project=load_project(project_path, pack.categories), sheet=sheet)


@dataclass
class _Done:
    """What a worker sends back for one batch."""

    state: CheckerState
    errors: list[InputError]
    rejected: set[int]
    money: Reconciliation | None


def _judge(rows: list[RawRow], headers: dict[str, str], columns: set[str]) -> _Done:
    checker = Checker(WORKER["project"], WORKER["pack"], columns=columns, retain_entries=False)
    accounts = _Accounts()
    normalise_row = RowNormaliser(headers)
    for item in rows:
        accounts.judge(item, normalise_row, checker)
    return _Done(checker.state(), accounts.errors, accounts.rejected, accounts.money.result() if rows else None)


def feed_parallel(
    ledger: TabularLedger, checker: Checker, columns: set[str], *, jobs: int, rule_paths: list[str] | None,
    project_path: str, progress: Callable[[int, int], None] | None = None,
) -> tuple[InputSummary, list[InputError]]:
    """:func:`feed` with the judging in ``jobs`` worker processes; the same result."""
    accounts = _Accounts()  # this process accounts for the skipped and unreadable rows itself
    parts: list[Reconciliation | None] = []
    headers = dict(ledger.headers)
    report_progress = (lambda done: progress(done, ledger.size)) if progress is not None else None
    pending: deque[Future[_Done]] = deque()

    def settle_oldest() -> None:
        done = pending.popleft().result()
        checker.merge(done.state)
        accounts.errors.extend(done.errors)
        accounts.rejected.update(done.rejected)
        parts.append(done.money)

    with EXECUTOR(max_workers=jobs, initializer=start_worker, initargs=(rule_paths, project_path)) as pool:
        batch: list[RawRow] = []
        for item in ledger.rows(report_progress):
            row = accounts.take(item)
            if row is None:
                continue
            batch.append(row)
            if len(batch) >= BATCH_ROWS[0]:
                pending.append(pool.submit(_judge, batch, headers, columns))
                batch = []
                while len(pending) > 2 * jobs:  # bounded: rows in flight, not the whole file
                    settle_oldest()
        if batch:
            pending.append(pool.submit(_judge, batch, headers, columns))
        while pending:
            settle_oldest()
    return accounts.summary(ledger, merge([accounts.money.result(), *parts])), accounts.errors
