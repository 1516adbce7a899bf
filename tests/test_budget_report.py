"""Article 14: budget execution per category, and money to recover per Article 13 trigger."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from qianqi_rules import check_entries

from .properties.test_properties import PACK, PROJECT, entry

D = Decimal


def test_budget_lines_count_refunds_and_flagged_money(project, pack) -> None:
    entries = [
        {"row": 2, "date": "2025-03-01", "category": "会议费", "amount": "2000", "description": "研讨会场地费"},
        {"row": 3, "date": "2025-03-02", "category": "会议费", "amount": "1500", "description": "会后宴请"},
        {"row": 4, "date": "2025-03-03", "category": "会议费", "amount": "-300", "description": "场地费退回"},
        {"row": 5, "date": "2025-03-04", "category": "招待费", "amount": "800", "description": "商务接待"},
    ]
    report = check_entries(entries, project, pack)
    lines = {line.category: line for line in report.budget}
    meeting = lines["会议费"]
    assert (meeting.approved, meeting.adjusted, meeting.spent) == (D(3000), D(3000), D(3200))
    assert meeting.flagged == D(1500) and meeting.balance == D(-200)
    assert meeting.execution_rate == D("1.0667") and meeting.execution_percent == "106.67%"
    assert not lines["招待费"].fundable and lines["招待费"].spent == D(800)
    assert list(lines)[:5] == ["专家咨询费", "劳务费", "委托业务费", "差旅费", "会议费"]  # regulation order
    triggers = {(c.trigger.article, c.trigger.item): c for c in report.clawback}
    assert triggers[(13, 2)].rows == [3] and triggers[(13, 4)].rows == [5]


def test_no_budget_table_without_a_budget(pack) -> None:
    import datetime as dt

    from qianqi_rules import Project

    bare = Project(code="A", grantee="G", period_start=dt.date(2025, 1, 1), period_end=dt.date(2025, 12, 31))
    assert check_entries([{"date": "2025-03-01", "category": "会议费", "amount": "1"}], bare, pack).budget == []


@given(st.lists(entry, max_size=25))
def test_clawback_lines_add_up_and_spending_is_exact(entries) -> None:
    report = check_entries(entries, PROJECT, PACK)
    assert sum((line.amount for line in report.clawback), D(0)) == report.summary.clawback_total
    assert sum((line.spent for line in report.budget), D(0)) == report.summary.spent_total
    for line in report.budget:
        assert line.flagged <= max(sum((e["amount"] for e in entries
                                        if (PACK.categories.canonical(e["category"]) or e["category"]) == line.category
                                        and e["amount"] > 0), D(0)), D(0))
