"""One large ledger on several cores: this process reads, worker processes normalise and judge.

The reader stays one pass in this process, so everything that depends on the
lines around a row (unclosed quotes, fill-down dates and voucher numbers, voucher
balancing, page furniture) is exactly as in a one-process check.  Its rows go in
batches to workers, each of which judges its batch with a checker of its own and
sends back the checker's state, the rejected rows and the money tally; the states
are merged in row order (:meth:`Checker.merge`, as for several files), so the
report is the same byte for byte whatever ``jobs`` is.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
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
class _Done:
    """What a worker sends back for one batch."""

    state: CheckerState
    errors: list[InputError]
    rejected: list[int]
    money: Reconciliation | None


_WORKER: dict[str, Any] = {}


def start_worker(rule_paths: list[str] | None, project_path: str) -> None:
    """Each worker loads the pack (from the pack cache) and the project itself once."""
    from .project import load_project
    from .rules.cache import cached_rules

    pack = cached_rules(rule_paths)
    _WORKER.update(pack=pack, project=load_project(project_path, pack.categories))


def _judge(rows: list[RawRow], headers: dict[str, str], columns: set[str]) -> _Done:
    checker = Checker(_WORKER["project"], _WORKER["pack"], columns=columns, retain_entries=False)
    return judge_batch(checker, rows, headers)


def judge_batch(checker: Checker, rows: list[RawRow], headers: dict[str, str]) -> _Done:
    """Normalise and judge one batch of rows into ``checker`` (a fresh one per batch)."""
    normalise_row = RowNormaliser(headers)
    errors: list[InputError] = []
    rejected: list[int] = []
    money = MoneyTally()
    for item in rows:
        result = normalise_row(item)
        values = item.values
        if isinstance(result, list):
            errors.extend(result)
            rejected.append(item.row)
            money.add_text("rejected", values.get("amount", ""), values.get("credit", ""))
        else:
            checker.add(result)
            money.add_text("checked", values.get("amount", ""), values.get("credit", ""))
    return _Done(checker.state(), errors, rejected, money.result() if rows else None)


def feed_parallel(
    ledger: TabularLedger, checker: Checker, columns: set[str], *, jobs: int, rule_paths: list[str] | None,
    project_path: str, progress: Callable[[int, int], None] | None = None,
) -> tuple[InputSummary, list[InputError]]:
    """:func:`~qianqi_rules.pipeline.feed` with the judging in ``jobs`` worker processes; the same result."""
    errors: list[InputError] = []
    rejected: set[int] = set()
    money = MoneyTally()  # the rows this process accounts for itself: skipped and unreadable
    parts: list[Reconciliation | None] = []
    total = skipped = 0
    headers = dict(ledger.headers)
    report_progress = (lambda done: progress(done, ledger.size)) if progress is not None else None
    pending: deque[Future[_Done]] = deque()

    def settle_oldest() -> None:
        done = pending.popleft().result()
        checker.merge(done.state)
        errors.extend(done.errors)
        rejected.update(done.rejected)
        parts.append(done.money)

    with EXECUTOR(max_workers=jobs, initializer=start_worker, initargs=(rule_paths, project_path)) as pool:
        batch: list[RawRow] = []
        for item in ledger.rows(report_progress):
            total += 1
            if isinstance(item, SkippedRow):
                skipped += 1
                money.add_text("skipped", item.debit, item.credit, item.kind)
            elif isinstance(item, InputError):
                errors.append(item)
                rejected.add(item.row)
                money.add_unread("rejected")
            else:
                batch.append(item)
                if len(batch) >= BATCH_ROWS[0]:
                    pending.append(pool.submit(_judge, batch, headers, columns))
                    batch = []
                    while len(pending) > 2 * jobs:  # bounded: rows in flight, not the whole file
                        settle_oldest()
        if batch:
            pending.append(pool.submit(_judge, batch, headers, columns))
        while pending:
            settle_oldest()
    summary = InputSummary(
        path=ledger.path,
        sha256=ledger.sha256,
        encoding=ledger.encoding,
        sheet=getattr(ledger, "sheet_read", None),
        columns=headers,
        rows_total=total,
        rows_checked=total - skipped - len(rejected),
        rows_rejected=len(rejected),
        rows_skipped=skipped,
        money=merge([money.result(), *parts]),
    )
    return summary, errors
