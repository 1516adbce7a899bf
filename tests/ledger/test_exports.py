"""Ledgers shaped the way 用友 U8/NC and 金蝶 K3/KIS/EAS export them: every yuan read right.

Each fixture under tests/data/exports/ is one export shape.  For each, the
spending per category is asserted to the cent, the skipped rows by reason,
and the money reconciliation (the file's debit and credit totals = checked +
skipped by reason + rejected).
"""

from __future__ import annotations

from collections import Counter
from decimal import Decimal
from pathlib import Path

import pytest

from qianqi_rules import check_ledger, load_project, load_rules
from qianqi_rules.ledger import RawRow, SkippedRow, read_ledger
from qianqi_rules.models import Report
from qianqi_rules.pipeline import ledger_layout

EXPORTS = Path(__file__).parent.parent / "data" / "exports"
D = Decimal


@pytest.fixture(scope="module")
def pack():
    return load_rules()


@pytest.fixture(scope="module")
def project(pack):
    return load_project(EXPORTS / "project.yaml", pack)


def spent(report: Report) -> dict[str, Decimal]:
    return {line.category: line.spent for line in report.budget if line.spent}


def skipped(report: Report) -> dict[str, int]:
    money = report.input.money
    assert money is not None
    return {b.reason: b.rows for b in money.buckets if b.outcome == "skipped"}


def assert_reconciles(report: Report) -> None:
    money = report.input.money
    assert money is not None
    assert money.debit_total == sum((b.debit for b in money.buckets), D(0))
    assert money.credit_total == sum((b.credit for b in money.buckets), D(0))
    assert sum(b.rows for b in money.buckets) == report.input.rows_total
    assert money.checked_net == report.summary.spent_total
    inp = report.input
    assert inp.rows_total == inp.rows_checked + inp.rows_skipped + inp.rows_rejected


def test_u8_detail_ledger_gbk_two_row_header_with_year_above_month_and_day(pack, project) -> None:
    report = check_ledger(EXPORTS / "u8_mingxi_gbk.csv", project, pack)
    assert report.input.encoding == "gb18030"
    assert spent(report) == {"专家咨询费": D("2400.00"), "差旅费": D("966.00")}  # not 7,200: subtotals skipped
    assert skipped(report) == {"title": 3, "subtotal": 6, "carry_forward": 1}
    money = report.input.money
    assert money is not None
    assert (money.debit_total, money.credit_total) == (D("10638.00"), D("1506.00"))
    assert_reconciles(report)
    rows = {v.rows[0] for v in report.violations}
    assert not rows & {9, 10, 13, 14, 15, 16}  # no finding on a subtotal or carry-forward line


def test_u8_dates_are_joined_from_the_year_cell_and_month_day_columns(pack, project) -> None:
    ledger = read_ledger(EXPORTS / "u8_mingxi_gbk.csv", None, ledger_layout(pack, project))
    assert (ledger.header.first_row, ledger.header_row) == (4, 5)
    first = next(r for r in ledger.rows() if isinstance(r, RawRow))
    assert first.values["date"] == "2025-03-05"
    assert first.values["voucher_no"] == "记-0012"


def test_kingdee_detail_ledger_subtotals_with_a_category_are_not_spending(pack, project) -> None:
    report = check_ledger(EXPORTS / "kingdee_mingxi_gb18030.csv", project, pack)
    assert report.input.encoding == "gb18030"  # 𬌗 is outside GBK
    assert spent(report) == {"劳务费": D("5500.00"), "会议费": D("4800.00")}
    # 结转本期损益 is not a refund of 其他费用
    assert "其他费用" not in spent(report)
    assert skipped(report) == {"title": 2, "subtotal": 6, "carry_forward": 1}
    assert_reconciles(report)


def test_two_sided_journal_keeps_only_expense_lines(pack, project) -> None:
    report = check_ledger(EXPORTS / "journal_two_sided.csv", project, pack)
    assert spent(report) == {
        "专家咨询费": D("3000.00"),  # 3,600 less the 600 refunded on the expense account
        "劳务费": D("2000.00"),
        "差旅费": D("860.00"),
        "其他应收款-北京精塑模具有限公司": D("20000.00"),  # a loan booked alone is not a counter-entry
    }
    assert "银行存款-工商银行" not in spent(report) and "应付职工薪酬-劳务费" not in spent(report)
    assert skipped(report) == {"title": 4, "subtotal": 1, "counter_entry": 6, "header_repeat": 1}
    assert report.summary.spent_total == D("25860.00")
    assert {v.rule_id for v in report.violations if v.rows == [17]} >= {"QQ1000"}
    assert_reconciles(report)


def test_journal_project_code_is_read_from_the_auxiliary_column(pack, project) -> None:
    ledger = read_ledger(EXPORTS / "journal_two_sided.csv", None, ledger_layout(pack, project))
    assert ledger.headers["project_code"] == "核算项目"
    codes = {r.values["project_code"] for r in ledger.rows() if isinstance(r, RawRow)}
    assert codes == {"BJKX-QQ-2025-E01"}


def test_year_month_day_columns_and_a_debit_credit_direction(pack, project) -> None:
    report = check_ledger(EXPORTS / "year_month_day.csv", project, pack)
    assert spent(report) == {"会议费": D("420.00"), "其他费用": D("36.50")}  # 620 less the 200 marked 贷
    money = report.input.money
    assert money is not None
    assert (money.debit_total, money.credit_total) == (D("656.50"), D("200.00"))
    assert_reconciles(report)


def test_xls_from_u8_header_on_row_seven_with_voucher_word_and_number(pack, project) -> None:
    report = check_ledger(EXPORTS / "u8_mingxi.xls", project, pack)
    assert report.input.encoding == "xls"
    assert spent(report) == {"会议费": D("2500.00"), "专家咨询费": D("1500.50")}
    assert skipped(report) == {"title": 6, "subtotal": 3, "footer": 1}
    assert_reconciles(report)
    ledger = read_ledger(EXPORTS / "u8_mingxi.xls", None, ledger_layout(pack, project))
    assert (ledger.header.first_row, ledger.header_row) == (7, 8)
    entries = [r for r in ledger.rows() if isinstance(r, RawRow)]
    assert [(e.row, e.values["date"], e.values["voucher_no"]) for e in entries] == [
        (10, "2025-09-02", "记-7"), (11, "2025-09-16", "记-22"), (12, "2025-09-28", "记-40")]


def test_xlsx_voucher_export_skips_counter_entries_and_the_hidden_first_sheet(pack, project) -> None:
    report = check_ledger(EXPORTS / "eas_journal.xlsx", project, pack)
    assert spent(report) == {"专家咨询费": D("2400.00"), "差旅费": D("735.80")}
    assert skipped(report) == {"title": 3, "subtotal": 1, "counter_entry": 3}
    money = report.input.money
    assert money is not None
    assert money.debit_total == money.credit_total == D("6271.60")
    assert_reconciles(report)


def test_counter_entry_lines_are_named_with_their_account(pack, project) -> None:
    ledger = read_ledger(EXPORTS / "journal_two_sided.csv", None, ledger_layout(pack, project))
    reasons = {r.row: r.reason for r in ledger.rows() if isinstance(r, SkippedRow) and r.kind == "counter_entry"}
    assert reasons[7] == "对方科目行（银行存款-工商银行）"
    assert reasons[9] == "对方科目行（应付职工薪酬-劳务费）"


def test_without_the_pack_layout_counter_entries_are_entries(pack, project) -> None:
    """The reader decides nothing on its own: counter-entry accounts come from the pack."""
    ledger = read_ledger(EXPORTS / "journal_two_sided.csv")
    kinds = Counter(getattr(r, "kind", "entry") for r in ledger.rows())
    assert "counter_entry" not in kinds


def test_an_office_extends_the_counter_accounts_in_its_pack(tmp_path: Path, pack, project) -> None:
    layer = tmp_path / "office"
    layer.mkdir()
    (layer / "pack.yaml").write_text("pack: {name: office, version: '1', extends: qianqi-bundled}\n"
                                     "ledger:\n  counter_accounts:\n    cash_names: [内部往来]\n", encoding="utf-8")
    ledger_file = tmp_path / "l.csv"
    ledger_file.write_text("日期,科目,摘要,金额\n2025-03-01,内部往来-总部,划转,500\n2025-03-02,会议费,会场,300\n",
                           encoding="utf-8")
    report = check_ledger(ledger_file, project, load_rules([layer]))
    assert report.summary.spent_total == D("300")
    assert skipped(report) == {"counter_entry": 1}
    report = check_ledger(ledger_file, project, pack)
    assert report.summary.spent_total == D("800")


def test_unbalanced_voucher_keeps_its_liability_lines_as_entries(tmp_path: Path, pack, project) -> None:
    path = tmp_path / "l.csv"
    path.write_text("日期,凭证号,科目,摘要,借方,贷方\n"
                    "2025-03-01,记-1,应付职工薪酬-工资,发放本单位员工工资,8000,\n"
                    "2025-03-02,记-2,会议费,会场,300,\n"
                    "2025-03-02,记-2,银行存款,会场,,300\n", encoding="utf-8")
    report = check_ledger(path, project, pack)
    assert spent(report) == {"应付职工薪酬-工资": D("8000"), "会议费": D("300")}
    assert skipped(report) == {"counter_entry": 1}


def _odd_header_ledger(tmp_path: Path) -> Path:
    path = tmp_path / "odd.csv"
    path.write_bytes(("北京精塑智造科技有限公司\n期间：2025年\n\n"
                      "日期,科目名称,摘要,本期发生借方数\n2025-03-01,会议费,会场,300\n").encode("gbk"))
    return path


def test_unrecognised_header_names_the_row_the_columns_found_and_the_closest_header(tmp_path: Path, pack) -> None:
    from qianqi_rules.errors import LedgerFileError

    with pytest.raises(LedgerFileError) as caught:
        read_ledger(_odd_header_ledger(tmp_path), None, ledger_layout(pack))
    error = caught.value
    assert error.position.line == 4  # the row with 日期 and 科目名称, not the company name on row 1
    assert "第 4 行被当作表头" in error.message
    assert "日期→date" in error.message and "科目名称→category" in error.message
    assert "“本期发生借方数”是不是amount" in error.message
    assert "columns: {amount: 本期发生借方数}" in error.message


def test_project_file_maps_an_offices_own_header_once(tmp_path: Path, pack) -> None:
    project_file = tmp_path / "p.yaml"
    project_file.write_text((EXPORTS / "project.yaml").read_text(encoding="utf-8")
                            + "columns: {amount: 本期发生借方数}\n", encoding="utf-8")
    project = load_project(project_file, pack)
    assert project.columns == {"amount": ("本期发生借方数",)}
    report = check_ledger(_odd_header_ledger(tmp_path), project, pack)
    assert spent(report) == {"会议费": D("300")}


def test_project_file_columns_must_name_a_field(tmp_path: Path, pack) -> None:
    from qianqi_rules.errors import ProjectFileError

    project_file = tmp_path / "p.yaml"
    project_file.write_text((EXPORTS / "project.yaml").read_text(encoding="utf-8")
                            + "columns: {amonut: 借方}\n", encoding="utf-8")
    with pytest.raises(ProjectFileError) as caught:
        load_project(project_file, pack)
    assert caught.value.position.line == 13  # the line after project.yaml's twelve
    assert "amount" in (caught.value.hint or "")


def test_pack_columns_are_used_and_checked(tmp_path: Path, project) -> None:
    from qianqi_rules.errors import RulePackError

    layer = tmp_path / "office"
    layer.mkdir()
    (layer / "pack.yaml").write_text("pack: {name: office, version: '1', extends: qianqi-bundled}\n"
                                     "ledger:\n  columns: {amount: [本期发生借方数]}\n", encoding="utf-8")
    report = check_ledger(_odd_header_ledger(tmp_path), project, load_rules([layer]))
    assert spent(report) == {"会议费": D("300")}
    (layer / "pack.yaml").write_text("pack: {name: office, version: '1', extends: qianqi-bundled}\n"
                                     "ledger:\n  columns: {amonut: [本期发生借方数]}\n", encoding="utf-8")
    with pytest.raises(RulePackError) as caught:
        load_rules([layer])
    assert any(e.position.line == 3 and e.code == "unknown-field" for e in caught.value.errors)


def test_html_saved_as_xls_and_workbook_named_csv(tmp_path: Path, pack, project) -> None:
    from qianqi_rules.errors import LedgerFileError

    html = tmp_path / "u8.xls"
    html.write_text("<html><body><table><tr><td>日期</td></tr></table></body></html>", encoding="utf-8")
    with pytest.raises(LedgerFileError) as caught:
        read_ledger(html)
    assert caught.value.code == "ledger-html"
    renamed = tmp_path / "book.csv"
    renamed.write_bytes((EXPORTS / "eas_journal.xlsx").read_bytes())
    report = check_ledger(renamed, project, pack)  # read as the workbook it is, not as text
    assert spent(report) == {"专家咨询费": D("2400.00"), "差旅费": D("735.80")}


def test_tab_separated_text_named_xls_is_read_as_text(tmp_path: Path, pack, project) -> None:
    path = tmp_path / "export.xls"
    path.write_bytes("日期\t科目\t借方\n2025-03-01\t会议费\t1,200.00\n".encode("gbk"))
    report = check_ledger(path, project, pack)
    assert spent(report) == {"会议费": D("1200.00")}
