"""Reversals: a negative entry that undoes an earlier entry in full (红字冲回) takes its finding out of the money."""

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from qianqi_rules import Checker, check_entries
from qianqi_rules.report.table import render_table

from .helpers import entry

D = Decimal
BANQUET = dict(description="招待客户午餐", payee="北京某某饭庄")


def test_a_violation_reversed_in_full_is_reported_but_not_recovered(project, pack) -> None:
    report = check_entries([
        entry(2, "委托业务费", "1800", date="2025-06-01", **BANQUET),
        entry(3, "委托业务费", "-1800", date="2025-06-20", **{**BANQUET, "description": "红字冲回 记-0012"}),
    ], project, pack)
    v = next(v for v in report.violations if v.rule_id == "QQ1120")
    assert v.rows == [2] and v.reversed_by == [3] and v.severity == "info"  # kept for the record only
    assert v.clawback == 0 and "第 3 行整笔冲回" in v.message
    assert report.summary.errors == 0 and report.summary.reversed == 1
    assert report.summary.clawback_total == 0 and report.exit_code == 0
    assert "已整笔冲回" in render_table(report)


def test_only_a_full_reversal_of_the_same_booking_counts(project, pack) -> None:
    def reversed_by(second: dict) -> list[int] | None:
        report = check_entries([entry(2, "委托业务费", "1800", **BANQUET), second], project, pack)
        return next(v for v in report.violations if v.rule_id == "QQ1120").reversed_by

    assert reversed_by(entry(3, "委托业务费", "-1800", **BANQUET)) == [3]
    assert reversed_by(entry(3, "委托业务费", "-800", **BANQUET)) is None            # partial refund
    assert reversed_by(entry(3, "委托业务费", "-1800", description="冲回", payee="另一家饭庄")) is None  # other payee
    assert reversed_by(entry(3, "其他费用", "-1800", **BANQUET)) is None               # other category
    assert reversed_by(entry(3, "委托业务费", "-1800", date="2025-05-01", **BANQUET)) is None  # before the booking
    assert reversed_by(entry(3, "委托业务费", "-1800", invoice_no="X9", **BANQUET)) == [3]  # one invoice blank
    report = check_entries([entry(2, "委托业务费", "1800", invoice_no="A1", **BANQUET),
                            entry(3, "委托业务费", "-1800", invoice_no="B2", **BANQUET)], project, pack)
    assert next(v for v in report.violations if v.rule_id == "QQ1120").reversed_by is None  # other invoice


def test_one_reversal_undoes_one_booking(project, pack) -> None:
    report = check_entries([
        entry(2, "委托业务费", "1800", **BANQUET),
        entry(3, "委托业务费", "1800", **BANQUET),
        entry(4, "委托业务费", "-1800", date="2025-07-01", **BANQUET),
    ], project, pack)
    found = sorted((v.rows[0], v.reversed_by) for v in report.violations if v.rule_id == "QQ1120")
    assert found == [(2, None), (3, [4])]  # the nearest earlier booking
    assert report.summary.clawback_total == D("1800")


def test_a_reversed_and_rebooked_invoice_is_not_used_twice(project, pack) -> None:
    report = check_entries([
        entry(2, "委托业务费", "8800", invoice_no="25110000000000000123", description="付检测费（金额录错）"),
        entry(3, "委托业务费", "-8800", invoice_no="25110000000000000123", description="红字冲回", date="2025-06-02"),
        entry(4, "委托业务费", "8000", invoice_no="25110000000000000123", description="重新入账", date="2025-06-03"),
    ], project, pack)
    assert not [v for v in report.violations if v.rule_id == "QQ1310"]
    assert report.summary.clawback_total == 0


def test_a_reversal_in_another_ledger_file_counts_when_the_files_are_checked_as_one(project, pack) -> None:
    first, second = Checker(project, pack), Checker(project, pack)
    first.add(entry(2, "委托业务费", "1800", **BANQUET))
    second.add(entry(2, "委托业务费", "-1800", date="2025-06-30", **BANQUET))
    combined = Checker(project, pack)
    combined.sources = ["a.csv", "b.csv"]
    combined.merge(first.state(), file=0)
    combined.merge(second.state(), file=1)
    report = combined.report()
    v = next(v for v in report.violations if v.rule_id == "QQ1120")
    assert v.reversed_by == [2] and v.files == ["a.csv"] and report.summary.clawback_total == 0


@given(st.permutations(range(4)))
def test_reversals_do_not_depend_on_the_order_entries_arrive(order) -> None:
    from tests.conftest import DATA
    from qianqi_rules import load_project, load_rules

    pack = load_rules()
    project = load_project(DATA / "project.yaml", pack)
    rows = [
        entry(2, "委托业务费", "1800", date="2025-06-01", **BANQUET),
        entry(3, "委托业务费", "1800", date="2025-06-05", **BANQUET),
        entry(4, "委托业务费", "-1800", date="2025-06-10", **BANQUET),
        entry(5, "委托业务费", "600", date="2025-06-11", invoice_no="Z1"),
    ]
    report = check_entries([rows[i] for i in order], project, pack)
    assert sorted((v.rule_id, tuple(v.rows), tuple(v.reversed_by or ())) for v in report.violations) == sorted(
        (v.rule_id, tuple(v.rows), tuple(v.reversed_by or ())) for v in check_entries(rows, project, pack).violations)
    assert report.summary.clawback_total == D("1800")


def test_the_same_payee_however_it_is_written(project, pack) -> None:
    def reversed_by(payee: str, back: str) -> list[int] | None:
        report = check_entries([entry(2, "专家咨询费", "2000", payee=payee, description="专家咨询费"),
                                entry(3, "专家咨询费", "-2000", payee=back, description="冲回")], project, pack)
        return next(v for v in report.violations if v.rule_id == "QQ1010").reversed_by

    assert reversed_by("张三老师", "张三") == [3]
    assert reversed_by("张三、李四", "李四、张三") == [3]
    assert reversed_by("北京测试科技有限公司", "测试公司") == [3]  # the grantee by its short name
    assert reversed_by("张三", "张三丰") is None


def test_a_red_letter_invoice_citing_the_original_reverses_it(project, pack) -> None:
    report = check_entries([
        entry(2, "委托业务费", "1800", invoice_no="2511-0000-0001", **BANQUET),
        entry(3, "委托业务费", "-1800", invoice_no="25110000009999", date="2025-06-09",
              **{**BANQUET, "description": "红字发票冲回 原发票 2511 0000 0001"}),
    ], project, pack)
    assert next(v for v in report.violations if v.rule_id == "QQ1120").reversed_by == [3]


def test_a_partial_refund_is_netted_only_when_it_cannot_belong_to_another_row(project, pack) -> None:
    report = check_entries([
        entry(2, "劳务费", "5000", payee="王五", description="数据整理劳务费"),
        entry(3, "劳务费", "-2000", payee="王五", description="退回多付劳务费", date="2025-06-20"),
    ], project, pack)
    v = next(v for v in report.violations if v.rule_id == "QQ1020")
    assert v.severity == "error" and v.clawback == D("3000") and v.evidence["refunded_by"] == [3]
    assert "第 3 行已退回 2,000.00 元" in v.message and report.summary.clawback_total == D("3000")
    # the payee was paid twice in that category: the refund may belong to either, so nothing is netted
    twice = check_entries([
        entry(2, "劳务费", "5000", payee="王五", description="数据整理劳务费"),
        entry(3, "劳务费", "4000", payee="王五", description="数据整理劳务费（二期）", date="2025-06-10"),
        entry(4, "劳务费", "-2000", payee="王五", description="退回", date="2025-06-20"),
    ], project, pack)
    assert twice.summary.clawback_total == D("9000")
    # no payee named: a 场地费退回 is not taken off the banquet booked beside it
    blank = check_entries([
        entry(2, "会议费", "2000", payee="", description="研讨会场地费"),
        entry(3, "会议费", "1500", payee="", description="会后宴请"),
        entry(4, "会议费", "-300", payee="", description="场地费退回", date="2025-06-20"),
    ], project, pack)
    assert next(v for v in blank.violations if v.rule_id == "QQ1120").clawback == D("1500")


def test_a_partial_refund_on_the_same_invoice_is_netted_even_for_a_payee_paid_often(project, pack) -> None:
    report = check_entries([
        entry(2, "委托业务费", "20000", payee="测试公司", invoice_no="A1", description="委托测试"),
        entry(3, "委托业务费", "6000", payee="测试公司", invoice_no="A2", description="委托测试二期",
              date="2025-06-05"),
        entry(4, "委托业务费", "-8000", payee="北京测试科技有限公司", invoice_no="A1", description="退回",
              date="2025-06-20"),
    ], project, pack)
    claws = sorted(v.clawback for v in report.violations if v.rule_id == "QQ1030")
    assert claws == [D("6000"), D("12000")]
