"""Article 6 standards: under, at and over each cap; what cannot be checked; tax at both sides of 4,000."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from qianqi_rules import check_entries
from qianqi_rules.models import EntryRecord
from qianqi_rules.evaluate.standards import judge

D = Decimal


def record(amount: str, **fields) -> EntryRecord:
    return EntryRecord(row=2, entry_id="1", date=dt.date(2025, 6, 1), category="专家咨询费", amount=D(amount), **fields)


@pytest.fixture(scope="module")
def standards(pack):
    return pack.standards


@pytest.mark.parametrize(
    ("amount", "fields", "over", "excess"),
    [
        # after tax at the cap: 2,800 − (2,800 − 800) × 20 % = 2,400
        ("2800.00", {"title": "正高"}, False, "0"),
        ("2800.01", {"title": "正高"}, True, "0.01"),
        # below 4,000 a payment is taxed on (income − 800); above on 80 % of it
        ("3999.00", {"title": "正高"}, True, "1199.00"),
        ("4001.00", {"title": "院士"}, False, "0"),        # 4,001 − 640.16 = 3,360.84 ≤ 3,600
        ("4300.00", {"title": "院士"}, True, "14.28"),     # 4,300 − 688 = 3,612 > 3,600; cap paid is 4,285.72
        ("1675.00", {"title": "中级"}, False, "0"),
        ("1675.01", {"title": "工程师"}, True, "0.01"),    # 工程师 is 中级 by the aliases
        ("5600.00", {"title": "正高", "persons": 2}, False, "0"),
    ],
)
def test_expert_fee_after_tax(standards, amount, fields, over, excess) -> None:
    fields = {"persons": 1, "days": D(1), **fields}
    outcome = judge(standards["expert-consulting"], record(amount, **fields))
    assert outcome.gap is None
    assert outcome.over is over
    assert outcome.excess == D(excess)
    if over:
        assert "税后" in outcome.values["tax_note"] and outcome.evidence["per_person_tax"]


@pytest.mark.parametrize(
    ("days", "mode", "allowed"),
    [
        (D("0.5"), None, "1440.00"),   # half a day: 60 % of 2,400
        (D(2), None, "4800.00"),
        (D(3), None, "6000.00"),       # the third day at 50 %
        (D(4), None, "7200.00"),
        (D(1), "通讯", "1200.00"),     # by correspondence: 50 % per occasion
    ],
)
def test_expert_days_and_modes(standards, days, mode, allowed) -> None:
    outcome = judge(standards["expert-consulting"],
                    record("100000.00", persons=1, days=days, title="副高", consult_mode=mode))
    assert outcome.evidence["per_person_allowed"] == allowed


@pytest.mark.parametrize(
    ("standard", "category", "fields", "amount", "over"),
    [
        ("conference", "会议费", {"persons": 10, "days": D(2), "conference_class": "二类"}, "13000.00", False),
        ("conference", "会议费", {"persons": 10, "days": D(2), "conference_class": "2类"}, "13000.01", True),
        ("training", "培训费", {"persons": 5, "days": D(1), "training_class": "一类"}, "3800.00", False),
        ("training", "培训费", {"persons": 5, "days": D(1), "training_class": "三类"}, "3800.00", True),
        ("travel-meals", "差旅费", {"persons": 2, "days": D(3), "city": "乌鲁木齐"}, "720.00", False),
        ("travel-meals", "差旅费", {"persons": 2, "days": D(3), "city": "宁波"}, "720.00", True),
        ("travel-local-transport", "差旅费", {"persons": 1, "days": D(2)}, "160.00", False),
        ("travel-local-transport", "差旅费", {"persons": 1, "days": D(2)}, "160.01", True),
        ("travel-lodging", "差旅费", {"persons": 1, "days": D(2), "city": "北京市"}, "1000.00", False),
        ("travel-lodging", "差旅费", {"persons": 1, "days": D(2), "city": "天津"}, "1000.00", True),
    ],
)
def test_all_in_and_travel_standards_compare_the_amount_paid(standards, standard, category, fields, amount, over):
    entry = record(amount, **fields)._replace(category=category)
    outcome = judge(standards[standard], entry)
    assert outcome.gap is None and outcome.over is over


def test_lecture_hours_are_capped_at_four_per_half_day(standards) -> None:
    entry = record("12000.00", persons=1, hours=D(10), days=D(1), title="正高")._replace(category="培训费")
    outcome = judge(standards["lecture"], entry)
    assert outcome.over and outcome.evidence["per_person_allowed"] == "8000.00"


@pytest.mark.parametrize(
    ("fields", "gap"),
    [
        ({"persons": None, "days": D(1), "title": "正高"}, "缺少人数"),
        ({"persons": 1, "days": None, "title": ""}, "缺少天数、职称"),
        ({"persons": 1, "days": D(1), "title": "高管"}, "没有 职称“高管”"),
    ],
)
def test_what_cannot_be_checked_is_said_not_guessed(standards, fields, gap) -> None:
    outcome = judge(standards["expert-consulting"], record("9999.00", **fields))
    assert not outcome.over and gap in (outcome.gap or "")


def test_city_missing_from_the_lodging_table_is_a_gap(standards) -> None:
    entry = record("3000.00", persons=1, days=D(1), city="宁波")._replace(category="差旅费")
    assert "宁波" in (judge(standards["travel-lodging"], entry).gap or "")


def test_standard_findings_in_a_report(project, pack) -> None:
    entries = [
        {"row": 2, "date": "2025-06-01", "category": "专家咨询费", "amount": "3500.00", "payee": "赵六",
         "description": "外聘专家咨询费", "persons": 1, "days": "1", "title": "正高"},
        {"row": 3, "date": "2025-06-01", "category": "专家咨询费", "amount": "3500.00", "payee": "赵六",
         "description": "外聘专家咨询费", "persons": 1, "days": "", "title": "正高"},
        {"row": 4, "date": "2025-06-01", "category": "差旅费", "amount": "-100.00", "description": "住宿费退回",
         "persons": 1, "days": "1", "city": "北京"},
    ]
    report = check_entries(entries, project, pack)
    over = next(v for v in report.violations if v.rule_id == "QQ0600")
    assert over.rows == [2] and over.citation.article == 6
    assert [(c.article, c.item) for c in over.see_also] == [(10, 1)]
    assert over.clawback == D("700.00")  # 3,500 paid, 2,800 is the most that nets 2,400
    assert "128号" in over.message and "税后" in over.message
    (gap,) = [g for g in report.standards_unchecked if g.rule_id == "QQ0600"]
    assert gap.rows == [3] and "天数" in gap.reason
    assert not any(v.rule_id == "QQ0606" for v in report.violations)  # a refund is not judged


def test_standard_rules_do_not_run_without_their_columns(project, pack) -> None:
    report = check_entries([{"date": "2025-06-01", "category": "会议费", "amount": "99999"}], project, pack)
    reasons = {r.rule_id: r.reason for r in report.rules_not_run}
    assert "人数" in reasons["QQ0603"] and "会议类别" in reasons["QQ0603"]
