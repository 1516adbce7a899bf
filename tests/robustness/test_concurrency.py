"""One Checker shared by several threads: previews never touch what others record."""

from __future__ import annotations

import sys
import threading
from decimal import Decimal as D

import pytest

from qianqi_rules import Checker

from ..helpers import entry

THREADS = 6
PER_THREAD = 120


@pytest.fixture
def fast_switching():
    """Switch threads as often as possible, so interleavings the GIL would hide happen."""
    old = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    yield
    sys.setswitchinterval(old)


def claim(thread: int, i: int) -> dict:
    """Distinct rows; some invoices repeat across threads, some descriptions break a rule, 差旅费 runs over budget."""
    row = 10 + thread * PER_THREAD + i
    kind = i % 4
    if kind == 0:
        return entry(row, "差旅费", "90.00", invoice_no=f"INV{i % 7}", description="高铁票")
    if kind == 1:
        return entry(row, "其他费用", "35.50", description="员工生日蛋糕", payee="北京好利来")
    if kind == 2:
        return entry(row, "会议费", "12.34", invoice_no=f"M{thread}-{i}", description="会议场地费")
    return entry(row, "委托业务费", "100.00", invoice_no="BASE", description="委托检测")


def test_concurrent_commits_and_previews_keep_exactly_the_committed_entries(project, pack, fast_switching) -> None:
    checker = Checker(project, pack)
    base = entry(2, "委托业务费", "100.00", invoice_no="BASE", description="委托检测")
    checker.add(base)
    committed: list[list[dict]] = [[] for _ in range(THREADS)]
    previews_missing_base: list[int] = []
    failures: list[BaseException] = []
    start = threading.Barrier(THREADS)

    def work(thread: int) -> None:
        try:
            start.wait()
            for i in range(PER_THREAD):
                item = claim(thread, i)
                commit = (i + thread) % 2 == 0
                found = checker.check(item, commit=commit)
                if commit:
                    committed[thread].append(item)
                elif item["invoice_no"] == "BASE" and not any(2 in v.rows for v in found):
                    previews_missing_base.append(item["row"])  # every preview sees what was recorded before it
        except BaseException as exc:  # noqa: BLE001 - reported below, in the test's thread
            failures.append(exc)

    threads = [threading.Thread(target=work, args=(t,)) for t in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not failures, failures
    assert not previews_missing_base

    kept = [base] + [item for items in committed for item in items]
    report = checker.report()  # raised IndexError when previews truncated committed entries
    assert report.input.rows_checked == len(kept) == 1 + THREADS * PER_THREAD // 2
    assert sorted(checker.table.rows) == sorted(item["row"] for item in kept)

    sequential = Checker(project, pack)
    for item in sorted(kept, key=lambda e: e["row"]):
        sequential.add(item)
    expected = sequential.report()
    assert report.violations == expected.violations
    assert report.summary == expected.summary
    assert report.budget == expected.budget
    assert report.summary.spent_total == sum((D(item["amount"]) for item in kept), D(0))


def test_a_preview_leaves_the_shared_table_untouched(project, pack) -> None:
    checker = Checker(project, pack)
    checker.add(entry(2, "差旅费", "3000", invoice_no="T1", description="高铁票"))
    before = (list(checker.table.rows), list(checker.table.cents), dict(checker.table.exact))
    appended = []
    original = checker.table.append
    checker.table.append = lambda *a, **k: appended.append(a) or original(*a, **k)  # type: ignore[method-assign]
    found = checker.check(entry(3, "差旅费", "2500", invoice_no="T1", description="高铁票"), commit=False)
    assert {v.rule_id for v in found} == {"QQ1310", "QQ1340"}
    assert appended == []  # not appended and then truncated: never written at all
    assert (list(checker.table.rows), list(checker.table.cents), dict(checker.table.exact)) == before
