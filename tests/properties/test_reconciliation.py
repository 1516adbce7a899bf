"""For any mix of expense, counter-entry and subtotal lines, every yuan of the file is accounted for."""

from __future__ import annotations

import csv
import io
import tempfile
from decimal import Decimal
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from qianqi_rules import check_ledger, load_project, load_rules

PACK = load_rules()
PROJECT = load_project(Path(__file__).parent.parent / "data" / "exports" / "project.yaml", PACK)

EXPENSES = ["管理费用-专家咨询费", "管理费用-劳务费", "管理费用-差旅费", "会议费", "其他费用"]
COUNTERS = ["银行存款-工商银行", "库存现金", "应付职工薪酬-劳务费", "其他应付款-张三", "1002.01 银行存款"]
SUBTOTALS = ["本月合计", "本年累计", "期初余额", "期末余额", "承前页", "过次页", "本期合计", "期末结转", "结转本期损益"]

cents = st.integers(min_value=1, max_value=9_999_999).map(lambda c: Decimal(c).scaleb(-2))

#: one voucher: an expense debit (or a refund credit) balanced by a counter-entry line
voucher = st.tuples(st.sampled_from(EXPENSES), st.sampled_from(COUNTERS), cents, st.booleans())
subtotal = st.tuples(st.sampled_from(EXPENSES + [""]), st.sampled_from(SUBTOTALS), cents, cents)
line = st.one_of(st.tuples(st.just("voucher"), voucher), st.tuples(st.just("subtotal"), subtotal))


def _money(value: Decimal | None) -> str:
    return "" if value is None else f"{value:,}"


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(line, max_size=30))
def test_reconciliation_holds_and_checked_spending_is_expense_debits_minus_credits(lines) -> None:
    rows = [["日期", "凭证号", "科目名称", "摘要", "借方", "贷方"]]
    expense_net = Decimal(0)
    debit_total = credit_total = Decimal(0)
    for number, (kind, data) in enumerate(lines, start=1):
        if kind == "voucher":
            expense, counter, amount, refund = data
            debit, credit = (None, amount) if refund else (amount, None)
            rows.append(["2025-05-06", f"记-{number}", expense, "项目支出", _money(debit), _money(credit)])
            rows.append(["2025-05-06", f"记-{number}", counter, "项目支出", _money(credit), _money(debit)])
            expense_net += -amount if refund else amount
            debit_total += amount
            credit_total += amount
        else:
            account, label, debit, credit = data
            rows.append(["", "", account, label, _money(debit), _money(credit)])
            debit_total += debit
            credit_total += credit
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "journal.csv"
        path.write_bytes(buffer.getvalue().encode("gbk"))
        report = check_ledger(path, PROJECT, PACK)
    money = report.input.money
    assert money is not None
    assert (money.debit_total, money.credit_total) == (debit_total, credit_total)
    assert sum((b.debit for b in money.buckets), Decimal(0)) == debit_total
    assert sum((b.credit for b in money.buckets), Decimal(0)) == credit_total
    assert money.checked_net == report.summary.spent_total == expense_net
    assert sum(b.rows for b in money.buckets) == report.input.rows_total == len(rows) - 1
    vouchers = sum(1 for kind, _ in lines if kind == "voucher")
    by_reason = {b.reason or b.outcome: b.rows for b in money.buckets}
    assert by_reason.get("checked", 0) == vouchers
    assert by_reason.get("counter_entry", 0) == vouchers
    assert by_reason.get("subtotal", 0) + by_reason.get("carry_forward", 0) == len(lines) - vouchers
    assert not report.input_errors


@settings(max_examples=120, deadline=None)
@given(st.lists(st.tuples(st.one_of(st.sampled_from(["会场", "专家费", "高铁票", ""]),
                                    st.text(alphabet='会场x1 ,;"\'\t', max_size=12)),
                          st.sampled_from(["", '"', '""', 'x"', '"a"', '",', '"\t']),
                          st.integers(min_value=0, max_value=99_999)), min_size=1, max_size=40))
def test_no_physical_line_is_swallowed_by_a_stray_quote(lines) -> None:
    """Every line of a file with whole rows is one row (checked or rejected), whatever quotes it holds."""
    text = "日期,科目,摘要,金额\n" + "".join(
        f"2025-03-01,会议费,{quote}{words},{amount}\n" for words, quote, amount in lines)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "l.csv"
        path.write_text(text, encoding="utf-8")
        report = check_ledger(path, PROJECT, PACK)
    inp = report.input
    assert inp.rows_total == len(lines)
    assert inp.rows_checked + inp.rows_rejected == len(lines)
    rejected = {e.row for e in report.input_errors}
    assert len(rejected) == inp.rows_rejected
