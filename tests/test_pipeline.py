"""read → normalise → evaluate → report, end to end through the library API."""

import datetime as dt
from decimal import Decimal
from pathlib import Path

from qianqi_rules import Entry, check_entries, check_ledger

from .helpers import flatten

DATA = Path(__file__).parent / "data"
REPO = Path(__file__).parent.parent


def test_bom_ledger_end_to_end(project, pack) -> None:
    report = check_ledger(DATA / "ledger_bom.csv", project, pack)
    assert (report.input.rows_total, report.input.rows_checked, report.input.rows_skipped) == (5, 5, 0)
    assert report.input.encoding == "utf-8-sig" and len(report.input.sha256) == 64
    found = flatten(report)
    assert (3, "QQ1010") in found          # expert fee to staff 张三, on the row with a quoted line break
    assert (4, "QQ1020") in found          # labour fee to fiscally funded 王五
    assert not any(row == 6 and rid == "QQ1120" for row, rid in found)  # a refund is not judged
    assert report.summary.spent_total == Decimal("1200.00") + Decimal("800.00") + Decimal("1234.50") \
        + Decimal("1234.50") - Decimal("300.00")


def test_gbk_export_with_credit_column_and_subtotals(project, pack) -> None:
    report = check_ledger(DATA / "ledger_gbk.csv", project, pack)
    assert (report.input.rows_total, report.input.rows_checked, report.input.rows_skipped) == (6, 3, 3)
    assert report.input.columns["amount"] == "借方金额"
    assert report.summary.spent_total == Decimal("3760.00")  # 210 − 50 + 3600
    assert (4, "QQ1340") in flatten(report)  # 会议费 3600 > 3000


def test_bad_rows_are_rejected_and_the_rest_checked(project, pack) -> None:
    report = check_ledger(DATA / "ledger_bad_rows.csv", project, pack)
    inp = report.input
    assert (inp.rows_total, inp.rows_checked, inp.rows_rejected, inp.rows_skipped) == (5, 1, 4, 0)
    assert {(e.row, e.column) for e in report.input_errors} == {
        (3, "date"), (4, "amount"), (5, "category"), (6, "category")}
    assert report.exit_code == 1


def test_ledger_without_optional_columns_says_which_rules_did_not_run(tmp_path, project, pack) -> None:
    path = tmp_path / "l.csv"
    path.write_text("日期,科目,金额\n2025-03-05,招待费,100\n", encoding="utf-8")
    report = check_ledger(path, project, pack)
    assert {v.rule_id for v in report.violations} == {"QQ1000"}
    not_run = {r.rule_id for r in report.rules_not_run}
    assert {"QQ1010", "QQ1120", "QQ1310", "QQ1200"} <= not_run
    assert "QQ1000" not in not_run and "QQ1340" not in not_run


def test_check_entries_takes_models_and_mappings_and_rejects_bad_ones(project, pack) -> None:
    entries = [
        Entry(row=2, entry_id="a", date=dt.date(2025, 5, 1), category="专家咨询费", amount=Decimal("500"), payee="李四"),
        {"date": "2025-05-02", "category": "其他费用", "amount": "88.00", "description": "员工生日蛋糕"},
        {"date": "2025-05-02", "category": "其他费用", "amount": 1.5},
    ]
    report = check_entries(entries, project, pack)
    assert (report.input.rows_total, report.input.rows_checked, report.input.rows_rejected) == (3, 2, 1)
    assert report.input_errors[0].row == 3
    assert {(2, "QQ1010"), (2, "QQ1110")} <= flatten(report)  # the mapping is row 2 by position


def test_example_in_the_quick_start(pack) -> None:
    from qianqi_rules import load_project

    project = load_project(REPO / "examples" / "project.yaml", pack)
    report = check_ledger(REPO / "examples" / "ledger.csv", project, pack)
    assert report.input.rows_total == report.input.rows_checked + report.input.rows_rejected + report.input.rows_skipped
    cited = {(v.citation.article, v.citation.item) for v in report.violations if v.severity == "error"}
    assert {(6, None), (10, 1), (10, 2), (10, 3), (10, 4), (10, 8), (11, 1), (11, 2), (11, 3), (11, 5), (11, 6),
            (12, None), (13, 1), (13, 4), (13, 5)} <= cited
    legit = [2, 4, 5, 7, 8, 9, 11, 12, 14, 16, 17, 22, 27]
    lecture = next(v for v in report.violations if v.rule_id == "QQ0601")
    assert lecture.rows == [21] and lecture.clawback == Decimal("325.00")  # 2,000 paid for 3 hours at 500 after tax
    assert any(g.rule_id == "QQ0606" and g.rows == [8] for g in report.standards_unchecked)  # 常州 not in the table
    meetings = next(line for line in report.budget if line.category == "会议费")
    assert (meetings.approved, meetings.adjusted) == (Decimal("8000"), Decimal("11000"))
    assert not any(v.rule_id == "QQ1340" and v.evidence["key"] == "会议费" for v in report.violations)
    assert sum((line.amount for line in report.clawback), Decimal(0)) == report.summary.clawback_total
    errors_on = {row for v in report.violations if v.severity == "error" and len(v.rows) == 1 for row in v.rows}
    assert not errors_on & set(legit), errors_on & set(legit)
