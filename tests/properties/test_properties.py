"""What must hold for every input: no row lost, order does not matter, money is exact."""

from __future__ import annotations

import csv
import datetime as dt
import io
import random
from decimal import Decimal
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from qianqi_rules import check_entries, check_ledger, load_project, load_rules
from qianqi_rules.ledger import read_csv

# module-level (not fixtures) so that hypothesis does not print them with every example
PACK = load_rules()
PROJECT = load_project(Path(__file__).parent.parent / "data" / "project.yaml", PACK)

CATEGORIES = ["专家咨询费", "劳务费", "委托业务费", "差旅费", "会议费", "培训费",
              "档案/出版/文献/信息传播/知识产权事务费", "燃料动力费", "其他费用", "招待费", "差旅"]
PHRASES = ["外聘专家咨询费", "临时聘用人员劳务费", "委托第三方检测", "赴天津调研高铁票", "研讨会场地费", "招待客户晚餐",
           "员工年终奖", "购买台式电脑", "单位管理费", "合同违约金", "办公楼电费分摊", "为其他课题购买耗材",
           "经费转拨至母公司", "", "杂费", "国际合作交流费", "伙食补助费"]
PAYEES = ["张三", "李四", "王五", "赵六", "北京测试科技有限公司", "北京材料分析测试中心"]
CODES = ["BJKX-QQ-T01", "BJKX-QQ-OTHER", ""]

cents = st.integers(min_value=-50_000_00, max_value=500_000_00).map(lambda c: Decimal(c).scaleb(-2))
entry = st.fixed_dictionaries(
    {
        "date": st.dates(min_value=dt.date(2024, 6, 1), max_value=dt.date(2026, 6, 30)),
        "category": st.sampled_from(CATEGORIES),
        "description": st.sampled_from(PHRASES),
        "payee": st.sampled_from(PAYEES),
        "amount": cents,
        "invoice_no": st.sampled_from(["", "INV1", "INV2", "INV3"]),
        "project_code": st.sampled_from(CODES),
    }
)



@given(st.lists(entry, max_size=25), st.randoms(use_true_random=False))
def test_shuffling_entries_does_not_change_the_findings(entries, rnd: random.Random) -> None:
    numbered = [{**e, "row": i + 2} for i, e in enumerate(entries)]
    shuffled = list(numbered)
    rnd.shuffle(shuffled)
    a = check_entries(numbered, PROJECT, PACK)
    b = check_entries(shuffled, PROJECT, PACK)
    assert a.violations == b.violations
    assert a.summary == b.summary
    assert a.to_json() == b.to_json()


@given(st.lists(entry, max_size=25))
def test_money_is_exact_and_never_recovered_twice(entries) -> None:
    report = check_entries(entries, PROJECT, PACK)
    amounts = [e["amount"] for e in entries]
    assert report.summary.spent_total == sum(amounts, Decimal(0))
    positive = sum((a for a in amounts if a > 0), Decimal(0))
    assert Decimal(0) <= report.summary.clawback_total <= positive
    for v in report.violations:
        if v.clawback is not None:
            assert Decimal(0) <= v.clawback
            assert v.clawback <= max(v.amount, Decimal(0))
    for v in report.violations:
        if v.rule_id == "QQ1340":  # the overrun is exactly the category's net total minus its budget
            key = v.evidence["key"]
            total = sum((e["amount"] for e in entries if PACK.categories.canonical(e["category"]) == key), Decimal(0))
            assert Decimal(v.evidence["total"]) == total
            assert v.amount == total - PROJECT.budget[key]


# --- ledgers as files: arbitrary rows, every one accounted for --------------------------------

cell = st.one_of(
    st.sampled_from(["", " ", "2025-03-05", "2025年3月5日", "20250305", "2025-02-30", "会议费", "招待费", "1,234.50",
                     "¥-30", "abc", "合计", "本月合计", "期初余额", "张三", "研讨会\n场地费", '带"引号"的摘要', "制单人：李四"]),
    st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=8),
)
row = st.lists(cell, min_size=0, max_size=7)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(row, max_size=20), st.sampled_from(["utf-8-sig", "utf-8", "gb18030"]))
def test_no_row_is_lost(tmp_path_factory, rows, encoding) -> None:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(["日期", "科目", "摘要", "收款人", "金额", "发票号"])
    writer.writerows(rows)
    path: Path = tmp_path_factory.mktemp("l") / "ledger.csv"
    try:
        path.write_bytes(buf.getvalue().encode(encoding))
    except UnicodeEncodeError:
        path.write_bytes(buf.getvalue().encode("utf-8"))
    records = list(csv.reader(io.StringIO(buf.getvalue(), newline="")))
    data_rows = len(records) - 1

    items = list(read_csv(path).rows())
    assert [i.row for i in items] == list(range(2, data_rows + 2))  # each row once, in order

    report = check_ledger(path, PROJECT, PACK)
    inp = report.input
    assert inp.rows_total == data_rows
    assert inp.rows_total == inp.rows_checked + inp.rows_rejected + inp.rows_skipped
    assert {e.row for e in report.input_errors} <= set(range(2, data_rows + 2))
    assert len({e.row for e in report.input_errors}) == inp.rows_rejected
    flagged = {r for v in report.violations for r in v.rows}
    assert not flagged & {e.row for e in report.input_errors}


@given(st.lists(st.tuples(st.integers(0, 2), st.integers(2, 60)), max_size=40), st.randoms(use_true_random=False))
def test_row_order_is_file_then_row_then_arrival(cells, rnd: random.Random) -> None:
    from qianqi_rules.evaluate.findings import in_row_order
    from qianqi_rules.evaluate.state import EntryTable

    table = EntryTable()
    for file, row in cells:
        table.append(row, dt.date(2025, 1, 1), Decimal(1), file=file)
    ordinals = list(range(len(cells)))
    rnd.shuffle(ordinals)
    expected = sorted(ordinals, key=lambda o: (table.files[o], table.rows[o], o))
    assert in_row_order(ordinals, table) == expected


# --- every total is the sum of its parts (amounts are exact to the cent) ---------------------

#: (category, description): each fires at most one rule that recovers money, so no row is claimed twice
ONE_CLAIM = [("其他费用", "员工生日蛋糕"), ("其他费用", "合同违约金"), ("其他费用", "单位管理费"),
             ("其他费用", "购买台式电脑"), ("其他费用", "样品快递费"), ("会议费", "研讨会场地费"),
             ("差旅费", "赴天津调研高铁票"), ("其他费用", "为其他课题购买耗材")]
claimed = st.builds(
    lambda kind, amount, day, payee: {"date": day, "category": kind[0], "description": kind[1], "payee": payee,
                                      "amount": amount, "project_code": "BJKX-QQ-T01"},
    st.sampled_from(ONE_CLAIM),
    st.integers(min_value=-99_999, max_value=99_999).filter(bool).map(lambda c: Decimal(c).scaleb(-2)),
    st.dates(min_value=dt.date(2025, 1, 1), max_value=dt.date(2025, 12, 31)),
    st.sampled_from(["赵六", "钱七"]),
)


@given(st.lists(claimed, max_size=25))
def test_every_total_is_the_sum_of_its_parts(entries) -> None:
    import json

    report = check_entries(entries, PROJECT, PACK)
    active = [v for v in report.violations if v.waiver is None and not v.reversed_by and v.severity == "error"]
    assert report.summary.clawback_total == sum((v.clawback or Decimal(0) for v in active), Decimal(0))
    assert report.summary.clawback_total == sum((line.amount for line in report.clawback), Decimal(0))
    assert report.summary.clawback_total == sum((line.flagged for line in report.budget), Decimal(0))
    assert report.summary.spent_total == sum((e["amount"] for e in entries), Decimal(0))
    assert report.summary.spent_total == sum((line.spent for line in report.budget), Decimal(0))
    # and as printed, two places each: six findings of 1.01 add up to 6.06, never 6.03
    data = json.loads(report.to_json())
    shown = [Decimal(v["clawback"]) for v in data["violations"]
             if v["severity"] == "error" and v.get("clawback") is not None and not v.get("waiver") and not v.get("reversed_by")]
    assert sum(shown, Decimal(0)) == Decimal(data["summary"]["clawback_total"])
    assert sum((Decimal(b["spent"]) for b in data["budget"]), Decimal(0)) == Decimal(data["summary"]["spent_total"])
