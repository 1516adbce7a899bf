"""Answers kept per distinct text (evaluate/memo.py) never change a finding."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from qianqi_rules import Checker, load_project, load_rules
from qianqi_rules.evaluate import memo
from qianqi_rules.evaluate.memo import PAYEE, ROW, TEXT, TextMemo, scope_of

PACK = load_rules()
PROJECT = load_project(Path(__file__).parent / "data" / "project.yaml", PACK)
DEFINITIONS = {d.name: d for d in PACK.definitions}


def test_scope_follows_named_conditions() -> None:
    assert scope_of({"description", "mentions"}, DEFINITIONS) == TEXT
    assert scope_of({"category", "project"}, DEFINITIONS) == TEXT
    assert scope_of({"payee_is_staff", "mentions"}, DEFINITIONS) == PAYEE
    assert scope_of({"description_names_staff"}, DEFINITIONS) == PAYEE  # the roster answer reads the payee too
    assert scope_of({"amount", "mentions"}, DEFINITIONS) == ROW
    assert scope_of({"date", "project"}, DEFINITIONS) == ROW
    assert scope_of({"work_product"}, DEFINITIONS) == TEXT  # category_groups and mentions
    assert scope_of({"receiver_in_description"}, DEFINITIONS) == PAYEE  # reads the payee
    assert scope_of({"no_such_name"}, DEFINITIONS) == ROW  # what is not known is evaluated every row


def test_every_bundled_entry_rule_has_a_scope_and_many_are_memoised() -> None:
    scopes = [scope_of(r.when.symbols, DEFINITIONS) for r in PACK.active_rules if r.kind == "entry"]
    assert scopes.count(TEXT) + scopes.count(PAYEE) > len(scopes) // 2


def test_the_memo_is_bounded(monkeypatch) -> None:
    monkeypatch.setattr(memo, "_LIMIT", 3)
    kept = TextMemo()
    for i in range(10):
        kept.answers(("费用", str(i)))["QQ1"] = True
        assert len(kept) <= 3
    assert kept.answers(("费用", "9")) == {"QQ1": True}
    assert kept.answers(("费用", "0")) == {}  # forgotten: evaluated again


def _unmemoised(checker: Checker) -> Checker:
    """The checker evaluating every condition on every row, as before the memo."""
    checker.entry_kind.scopes = {rule_id: ROW for rule_id in checker.entry_kind.scopes}
    checker.aggregates.by_text = frozenset()
    checker.standard_kind.by_text = frozenset()
    checker.standard_kind.readings = {rule_id: None for rule_id in checker.standard_kind.readings}  # type: ignore[misc]
    return checker


WORDS = sorted({w for family in PACK.terms.values() for w in family.words})[:400]
DESCRIPTIONS = [
    "拿发票冲抵餐费", "发票是别人开的", "用于其他课题的材料", "ABCD-2024-001 合同款", "其他费用", "", "略",
    "专家咨询费（实发 张三）", "劳务费 支付给王五", "请客户吃饭", "差旅费 3天 2人 北京", "会后用餐", "培训讲课费 4学时",
]
description = st.one_of(st.sampled_from(DESCRIPTIONS), st.lists(st.sampled_from(WORDS), max_size=3).map("".join))
row = st.fixed_dictionaries({
    "date": st.sampled_from(["2024-12-31", "2025-03-01", "2025-06-01", "2026-01-05"]),
    "category": st.sampled_from(list(PACK.categories.names) + ["招待费"]),
    "amount": st.sampled_from(["100.00", "2500.00", "-100.00", "60000.00", "0.50"]),
    "description": description,
    "payee": st.sampled_from(["张三", "李四", "王五", "赵六", "北京某某餐饮有限公司", "现金", ""]),
    "invoice_no": st.sampled_from(["", "25110000000000000001", "25110000000000000002"]),
    "project_code": st.sampled_from(["", "BJKX-QQ-T01", "BJKX-QQ-OTHER"]),
})


@settings(max_examples=40, deadline=None)
@given(st.lists(st.sampled_from(range(12)), min_size=1, max_size=40), st.lists(row, min_size=1, max_size=12))
def test_reports_with_and_without_the_memo_are_identical(order: list[int], pool: list[dict]) -> None:
    # rows drawn from a small pool with their amounts, dates and signs varied: texts repeat, values do not
    rows = []
    for n, i in enumerate(order):
        item = dict(pool[i % len(pool)], row=n + 2)
        if n % 3 == 1:
            item["amount"] = str(-Decimal(item["amount"]))
        if n % 4 == 2:
            item["date"] = (dt.date(2025, 1, 1) + dt.timedelta(days=37 * n)).isoformat()
        rows.append(item)
    fast, slow = Checker(PROJECT, PACK), _unmemoised(Checker(PROJECT, PACK))
    for item in rows:
        fast.add(item)
        slow.add(item)
    assert fast.report().to_json() == slow.report().to_json()
