"""Approved exceptions: waived findings stay in the report but do not count."""

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest

from qianqi_rules import check_entries
from qianqi_rules.waivers import Waiver, WaiverFileError, load_waivers

TODAY = dt.date(2026, 1, 15)
ENTRIES = [
    {"row": 2, "date": "2025-06-01", "category": "专家咨询费", "amount": "800", "payee": "张三",
     "description": "咨询", "invoice_no": "A1", "entry_id": "E2"},
    {"row": 3, "date": "2025-06-02", "category": "其他费用", "amount": "50", "payee": "赵六",
     "description": "合同违约金", "invoice_no": "A2", "entry_id": "E3"},
]


def waiver(**kw) -> Waiver:
    base = {"rule": "QQ1010", "reason": "经批准", "approved_by": "王会计", "until": dt.date(2026, 12, 31)}
    return Waiver.model_validate({**base, **kw})


@pytest.mark.parametrize("selector", [{"row": 2}, {"entry_id": "E2"}, {"invoice_no": " a1 "}])
def test_a_waived_finding_stays_but_does_not_count(project, pack, selector) -> None:
    report = check_entries(ENTRIES, project, pack, waivers=[waiver(**selector)], today=TODAY)
    waived = next(v for v in report.violations if v.rule_id == "QQ1010")
    assert waived.waiver is not None and waived.waiver.approved_by == "王会计"
    assert report.summary.waived == 1
    assert report.summary.errors == 1  # the fine on row 3 still counts
    assert report.summary.clawback_total == Decimal("50")
    assert report.waiver_problems == []


def test_waiving_every_error_gives_a_clean_exit(project, pack) -> None:
    waivers = [waiver(row=2), waiver(rule="QQ1150", row=3)]
    report = check_entries(ENTRIES, project, pack, waivers=waivers, today=TODAY)
    assert report.exit_code == 0 and report.summary.errors == 0 and report.summary.waived == 2


def test_unmatched_unknown_and_expired_waivers_are_reported(project, pack) -> None:
    waivers = [waiver(row=9), waiver(rule="QQ9999", row=2), waiver(row=2, until=dt.date(2025, 12, 31))]
    report = check_entries(ENTRIES, project, pack, waivers=waivers, today=TODAY)
    assert [p.code for p in report.waiver_problems] == ["unmatched", "unknown-rule", "expired"]
    assert next(v for v in report.violations if v.rule_id == "QQ1010").waiver is None  # expired: not waived


def test_waivers_file(tmp_path: Path) -> None:
    path = tmp_path / "w.yaml"
    path.write_text("waivers:\n  - rule: QQ1010\n    row: 2\n    reason: 同意\n    approved_by: 王\n    until: 2026-12-31\n",
                    encoding="utf-8")
    (w,) = load_waivers(path)
    assert w.until == dt.date(2026, 12, 31) and w.source.endswith(":2:5")


@pytest.mark.parametrize(
    ("text", "line", "fragment"),
    [
        ("waivers:\n  - rule: QQ1010\n    reason: x\n    approved_by: y\n", 2, "row、entry_id 或 invoice_no"),
        ("waivers:\n  - rule: QQ1010\n    row: 2\n    approved_by: y\n", 2, "reason"),
        ("waivers:\n  - rule: QQ1010\n    row: 2\n    reason: x\n    approved_by: y\n    untill: 2026-01-01\n", 6, "untill"),
        ("waivers:\n  - rule: QQ1010\n    row: 2\n    reason: x\n    approved_by: y\n    until: 2026-02-30\n", 6, "until"),
        ("- just a list\n", 1, "waivers:"),
    ],
)
def test_bad_waivers_files_name_the_line(tmp_path: Path, text, line, fragment) -> None:
    path = tmp_path / "w.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(WaiverFileError) as info:
        load_waivers(path)
    assert info.value.position.line == line, str(info.value)
    assert fragment in str(info.value)


@pytest.mark.parametrize("row", ["0", "-1", "true", "false", "abc"])
def test_a_row_that_is_not_a_ledger_row_is_refused_with_its_line(tmp_path: Path, row: str) -> None:
    path = tmp_path / "w.yaml"
    path.write_text(f"waivers:\n  - rule: QQ1010\n    row: {row}\n    reason: 同意\n    approved_by: 王\n", encoding="utf-8")
    with pytest.raises(WaiverFileError) as info:
        load_waivers(path)
    error = info.value
    assert error.code == "waivers-row"
    assert error.position.path == str(path) and error.position.line == 3
    assert "row" in error.message and "Traceback" not in str(error)


def test_a_positive_row_and_a_quoted_number_are_accepted(tmp_path: Path) -> None:
    path = tmp_path / "w.yaml"
    path.write_text("waivers:\n  - {rule: QQ1010, row: 1, reason: r, approved_by: a}\n"
                    "  - {rule: QQ1010, row: '12', reason: r, approved_by: a}\n", encoding="utf-8")
    assert [w.row for w in load_waivers(path)] == [1, 12]
