"""Violations made one at a time from a settlement (evaluate/emit.py) are the report's, for every input.

The command line writes a :class:`ReportStream`; the library collects it into a
:class:`Report`.  These properties hold the stream to the report and the
report to what it was before the stream (the warnings folded over the whole
list, the summary counted from the violations).
"""

from __future__ import annotations

import datetime as dt
from array import array
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from qianqi_rules import Checker, load_project, load_rules
from qianqi_rules.evaluate.findings import unique_sorted
from qianqi_rules.evaluate.folding import fold_warnings
from qianqi_rules.models import SEVERITIES
from qianqi_rules.report import json_stream
from qianqi_rules.report.csv_report import csv_chunks, render_csv
from qianqi_rules.report.json_report import escape_json_controls, render_json
from qianqi_rules.waivers import Waiver

PACK = load_rules()
PROJECT = load_project(Path(__file__).parent / "data" / "project.yaml", PACK)
TODAY = dt.date(2026, 1, 15)
ROW_RULES = frozenset(r.id for r in PACK.rules if r.kind in ("entry", "standard"))

CATEGORIES = ["专家咨询费", "劳务费", "差旅费", "会议费", "其他费用", "招待费"]
PHRASES = ["外聘专家咨询费", "含早餐", "赴天津调研高铁票", "招待客户晚餐", "员工年终奖", "购买台式电脑",
           "会议费退回", "BJKX-QQ-T01 项目", ""]
cents = st.integers(min_value=-20_000_00, max_value=300_000_00).map(lambda c: Decimal(c).scaleb(-2))
entry = st.fixed_dictionaries({
    "date": st.dates(min_value=dt.date(2025, 1, 1), max_value=dt.date(2025, 12, 31)),
    "category": st.sampled_from(CATEGORIES),
    "description": st.sampled_from(PHRASES),
    "payee": st.sampled_from(["张三", "李四", "北京测试科技有限公司"]),
    "amount": cents,
    "invoice_no": st.sampled_from(["", "INV1", "INV2"]),
})
rule_ids = st.sampled_from(sorted(r.id for r in PACK.rules))
waiver = st.builds(
    lambda rule, row, invoice, expired: Waiver(rule=rule, row=row, invoice_no=invoice, reason="批准", approved_by="处长",
                                               until=dt.date(2025, 1, 1) if expired else None),
    rule_ids, st.integers(2, 30), st.sampled_from([None, "INV1"]), st.booleans(),
)


def _checker(entries, waivers) -> Checker:
    checker = Checker(PROJECT, PACK, waivers=waivers, today=TODAY)
    for i, e in enumerate(entries):
        checker.add({**e, "row": i + 2, "entry_id": str(i + 1)})
    return checker


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(entry, max_size=25), st.lists(waiver, max_size=4), st.sampled_from([None, 0, 1, 3]))
def test_the_stream_is_the_report(entries, waivers, long_rows) -> None:
    report = _checker(entries, waivers).report()
    stream = _checker(entries, waivers).report_stream()
    assert stream.report() == report
    text = "".join(json_stream.json_pieces(stream.envelope, escape_json_controls, stream.lists(long_rows)))
    assert text == render_json(report) == escape_json_controls(report.model_dump_json(indent=2)) + "\n"
    assert b"".join(csv_chunks(_checker(entries, waivers).report_stream())) == render_csv(report)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(entry, max_size=25), st.lists(waiver, max_size=4))
def test_folding_and_counting_one_at_a_time_is_folding_the_whole_list(entries, waivers) -> None:
    """The report's violations are the findings with warnings folded over the whole list, and its summary
    counts those violations — as the report was made before it was a stream."""
    checker = _checker(entries, waivers)
    report = checker.report()
    assert report.violations == fold_warnings(checker.findings(), ROW_RULES)
    active = [v for v in report.violations if v.waiver is None and not v.reversed_by]
    counts = {s: sum(1 for v in active if v.severity == s) for s in SEVERITIES}
    s = report.summary
    assert (s.errors, s.warnings, s.infos) == (counts["error"], counts["warning"], counts["info"])
    assert s.waived == sum(1 for v in report.violations if v.waiver is not None)
    assert s.reversed == sum(1 for v in report.violations if v.reversed_by and v.waiver is None)
    assert sum(line.amount for line in report.clawback) == s.clawback_total


@given(st.lists(st.integers(0, 3000), max_size=200) | st.lists(st.integers(0, 2**40), max_size=20))
def test_unique_sorted_is_sorted_set(values) -> None:
    assert unique_sorted(array("q", values)).tolist() == sorted(set(values))


def test_a_checker_that_streamed_its_report_makes_no_other() -> None:
    checker = _checker([{"date": dt.date(2025, 3, 1), "category": "招待费", "description": "招待客户晚餐",
                         "payee": "张三", "amount": Decimal("800"), "invoice_no": ""}], [])
    stream = checker.report_stream()
    assert stream.report().summary.errors >= 1
    assert checker.state().keys == {}  # what settling used up is let go
    with pytest.raises(RuntimeError):
        checker.report_stream()
