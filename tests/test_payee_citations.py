"""Who was paid chooses the item: welfare (11(1)), entertainment and gifts (11(2)) or equipment (11(3)) (issue 17)."""

from __future__ import annotations

import pytest

from qianqi_rules import check_entries

ROW = {"row": 2, "date": "2025-06-01", "category": "其他费用", "amount": "800"}


def cited(report) -> set[tuple[str, int, int | None]]:
    return {(v.rule_id, v.citation.article, v.citation.item) for v in report.violations if v.severity == "error"}


@pytest.mark.parametrize(("description", "payee"), [
    ("年会红包", "张三"), ("红包（实发 李四）", "北京测试科技有限公司"), ("京东E卡", "李四"),
])
def test_a_red_envelope_or_card_to_own_staff_is_welfare(project, pack, description, payee) -> None:
    found = cited(check_entries([{**ROW, "description": description, "payee": payee}], project, pack))
    assert {(a, i) for _, a, i in found} == {(11, 1)}


def test_the_same_to_a_client_is_a_gift(project, pack) -> None:
    found = cited(check_entries([{**ROW, "description": "购买礼品赠送合作企业", "payee": "张三"}], project, pack))
    assert {(a, i) for _, a, i in found} == {(11, 2)}


def test_without_a_roster_the_rules_still_run(project, pack) -> None:
    nobody = project.model_copy(update={"staff": None, "fiscal_funded": None})
    report = check_entries([{**ROW, "description": "红包", "payee": "张三"}], nobody, pack)
    assert not {"QQ1110", "QQ1121"} & {r.rule_id for r in report.rules_not_run}
    assert ("QQ1121", 11, 2) in cited(report)  # nobody is known to be staff: a red envelope is a gift, as before


@pytest.mark.parametrize(("description", "not_item"), [
    ("年会抽奖奖品 iPad", 3),          # a prize, not office equipment
    ("星巴克礼品卡 20张", 2),          # a card, not a meal
])
def test_prizes_and_cards_are_welfare(project, pack, description, not_item) -> None:
    found = cited(check_entries([{**ROW, "description": description, "payee": "赵六"}], project, pack))
    assert {(a, i) for _, a, i in found} == {(11, 1)}


@pytest.mark.parametrize(("category", "description"), [
    ("专家咨询费", "某食品公司（主营月饼）工艺诊断"),
    ("委托业务费", "员工福利SaaS平台测试"),
    ("委托业务费", "为月饼生产企业开发排产系统模块"),
])
def test_subject_words_do_not_fire(project, pack, category, description) -> None:
    report = check_entries([{**ROW, "category": category, "description": description, "payee": "赵六"}],
                           project, pack)
    assert not cited(report)
