"""Cross-project checks: the rules' examples, a fixture programme, and the shuffle that must not change findings."""

from __future__ import annotations

import datetime as dt
import json
import random
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from qianqi_rules import RuleFileError
from qianqi_rules.cli import main
from qianqi_rules.crossproject import (
    CHECKS,
    Claim,
    Programme,
    Roster,
    example_programme,
    judge,
    judge_partition,
    load_cross_rules,
    ordered,
    partition,
)
from qianqi_rules.programme import check_programme, cross_project_rules
from qianqi_rules.rules.pack import bundled_pack_path

DATA = Path(__file__).parent / "data" / "programme"
RULES = load_cross_rules([bundled_pack_path()])


def test_the_bundled_pack_has_the_three_checks() -> None:
    assert {r.check for r in RULES} == set(CHECKS)
    assert all(r.rationale and r.examples and r.examples.get("violating") and r.examples.get("compliant")
               for r in RULES)


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.id)
def test_examples(rule) -> None:
    for example in rule.examples["violating"]:
        claims, programme = example_programme(example)
        found = judge(claims, programme, [rule])
        assert [f.rule_id for f in found] == [rule.id], example
    for example in rule.examples["compliant"]:
        claims, programme = example_programme(example)
        assert judge(claims, programme, [rule]) == [], example


# ----------------------------------------------------------------------------- a fixture programme


@pytest.fixture(scope="module")
def result(pack):
    return check_programme([DATA / "ledgers" / "programme.csv"], DATA / "projects", pack)


def test_the_same_invoice_in_two_projects_is_recovered_once(result) -> None:
    [finding] = [f for f in result.cross_project if f.rule_id == "QQ1380"]
    assert finding.severity == "error" and finding.citation.text == "第十三条第（一）项"
    assert finding.projects == ["BJKX-QQ-X01", "BJKX-QQ-X02"]  # X03 reversed its booking: net zero, not a use
    assert [(c.project, c.row, c.voucher_no) for c in finding.claims] == [("BJKX-QQ-X01", 2, "记-001"),
                                                                          ("BJKX-QQ-X02", 3, "记-014")]
    assert finding.clawback == Decimal("3000.00")
    assert "25110000000500001001" in finding.message and "项目 BJKX-QQ-X02 第 3 行" in finding.message


def test_one_payee_paid_fees_by_two_projects_on_one_day(result) -> None:
    [finding] = [f for f in result.cross_project if f.rule_id == "QQ1381"]
    assert finding.severity == "warning" and finding.clawback is None
    assert [(c.project, c.row) for c in finding.claims] == [("BJKX-QQ-X01", 6), ("BJKX-QQ-X02", 7)]
    assert finding.amount == Decimal("2300.00") and "2025-04-10" in finding.message


def test_a_person_on_one_roster_paid_by_other_projects(result) -> None:
    found = sorted((f.claims[0].project, f.claims[0].row) for f in result.cross_project if f.rule_id == "QQ1382")
    assert found == [("BJKX-QQ-X02", 10), ("BJKX-QQ-X03", 9)]  # 张伟 is on X01's roster; 李娜's travel is not a fee
    message = next(f.message for f in result.cross_project if f.rule_id == "QQ1382" and "X03" in f.message)
    assert "BJKX-QQ-X01" in message and "北京甲科技有限公司" in message


def test_the_summary_counts_cross_project_findings_and_money(result) -> None:
    s = result.summary
    assert (s.cross_project_errors, s.cross_project_warnings) == (1, 3)
    assert s.cross_project_clawback == Decimal("3000.00")
    assert result.exit_code == 1


def test_rows_a_project_already_recovers_are_not_recovered_again() -> None:
    claims = [Claim("A", "a.csv", 2, dt.date(2025, 3, 1), "会议费", Decimal("100"), invoice_no="X"),
              Claim("B", "b.csv", 5, dt.date(2025, 3, 2), "会议费", Decimal("100"), invoice_no="X")]
    rule = [r for r in RULES if r.check == "same_invoice"]
    [fresh] = judge(claims, Programme(), rule)
    [again] = judge(claims, Programme(recovered=frozenset({("B", "b.csv", 5)})), rule)
    assert (fresh.clawback, again.clawback) == (Decimal("100"), Decimal("0"))


def test_the_cli_programme_json_carries_the_findings(tmp_path, capsys) -> None:
    code = main(["check", str(DATA / "ledgers"), "--projects", str(DATA / "projects"), "--format", "json"])
    report = json.loads(capsys.readouterr().out)
    assert code == 1
    assert sorted(f["rule_id"] for f in report["cross_project"]) == ["QQ1380", "QQ1381", "QQ1382", "QQ1382"]
    assert report["summary"]["cross_project_clawback"] == "3000.00"


def test_a_broken_cross_project_rule_is_named(tmp_path) -> None:
    (tmp_path / "programme").mkdir()
    (tmp_path / "programme" / "cross_project.yaml").write_text(
        "cross_project:\n  - id: QQ1399\n    name: x\n    title: t\n    citation: {article: 13, item: 1}\n"
        "    severity: error\n    check: no_such_check\n    message: m\n", encoding="utf-8")
    with pytest.raises(RuleFileError) as info:
        load_cross_rules([tmp_path])
    assert info.value.code == "cross-project-rule" and info.value.position.line == 2


def test_an_overlay_retires_a_cross_project_rule(tmp_path) -> None:
    (tmp_path / "programme").mkdir()
    (tmp_path / "programme" / "cross_project.yaml").write_text(
        "cross_project:\n  - {id: QQ1381, retired: true}\n", encoding="utf-8")
    assert [r.id for r in load_cross_rules([bundled_pack_path(), tmp_path])] == ["QQ1380", "QQ1382", "QQ1383", "QQ1384"]


# ----------------------------------------------------------------------------- the shuffle


PROJECTS = ["A", "B", "C", "D"]
claim = st.builds(
    Claim,
    project=st.sampled_from(PROJECTS),
    file=st.sampled_from(["x.csv", "y.csv"]),
    row=st.integers(min_value=2, max_value=60),
    date=st.dates(min_value=dt.date(2025, 1, 1), max_value=dt.date(2025, 1, 4)),
    category=st.sampled_from(["专家咨询费", "劳务费", "会议费"]),
    amount=st.sampled_from([Decimal("-100"), Decimal("100"), Decimal("250.50")]),
    payee=st.sampled_from(["", "甲", "乙", "丙"]),
    invoice_no=st.sampled_from(["", "I1", "I2"]),
)
ROSTERS = (Roster("A", "G1", ("甲",)), Roster("B", "G1", ("乙",)), Roster("C", "G2", ("甲", "丙")))


@settings(max_examples=120, deadline=None)
@given(st.lists(claim, max_size=40), st.integers(min_value=1, max_value=7), st.randoms(use_true_random=False))
def test_findings_do_not_depend_on_the_split_or_the_order(claims, parts, rnd: random.Random) -> None:
    programme = Programme(ROSTERS)
    whole = judge(claims, programme, RULES)
    shuffled = list(claims)
    rnd.shuffle(shuffled)
    groups = partition(shuffled, parts)
    split = ordered(f for i, group in enumerate(groups) for f in judge_partition(group, programme, RULES, parts, i))
    assert split == whole
    for f in whole:  # every claim a finding names is a claim of the programme, of the projects it names
        assert {c.project for c in f.claims} == set(f.projects)
        assert f.amount == sum((c.amount for c in f.claims), Decimal(0))


def test_the_programme_rules_reach_check_programme(pack) -> None:
    assert [r.id for r in cross_project_rules(pack)] == ["QQ1380", "QQ1381", "QQ1382", "QQ1383", "QQ1384"]


# ----------------------------------------------------------------------------- found by the blind review of 2026-12-08


def _fee(project: str, row: int, payee: str, category: str = "专家咨询费", day: int = 12, amount: str = "1800.00",
         invoice: str = "") -> Claim:
    return Claim(project, f"{project}.csv", row, dt.date(2025, 6, day), category, Decimal(amount), payee=payee,
                 invoice_no=invoice)


def test_a_name_written_with_a_space_is_the_same_person() -> None:
    claims = [_fee("A", 13, "刘德明", amount="2000.00"), _fee("B", 11, "刘 德明", category="劳务费")]
    [finding] = judge(claims, Programme(), [r for r in RULES if r.id == "QQ1381"])
    assert [(c.project, c.row) for c in finding.claims] == [("A", 13), ("B", 11)]
    rosters = (Roster("A", "甲大学", ("王丽萍",)), Roster("B", "乙公司", ()))
    [staff] = judge([_fee("B", 16, "王 丽萍", amount="2000.00")], Programme(rosters), RULES)
    assert staff.rule_id == "QQ1384" and staff.citation.text == "第十条第（一）项"


def test_an_expert_fee_to_the_same_grantees_staff_elsewhere_is_an_error_recovered_once() -> None:
    rosters = (Roster("101", "北京智联传感科技有限公司", ("钱海燕",)), Roster("104", "北京智联传感科技有限公司", ()),
               Roster("105", "某大学", ()))
    claims = [_fee("104", 27, "钱海燕"), _fee("105", 9, "钱海燕", day=20, amount="500.00"),
              _fee("104", 30, "钱海燕", category="劳务费", day=21, amount="300.00")]
    found = {f.rule_id: f for f in judge(claims, Programme(rosters), RULES)}
    assert set(found) == {"QQ1382", "QQ1383", "QQ1384"}
    same = found["QQ1383"]
    assert (same.severity, same.citation.text, same.clawback) == ("error", "第十条第（一）项", Decimal("1800.00"))
    assert [(c.project, c.row) for c in same.claims] == [("104", 27)]
    assert "北京智联传感科技有限公司" in same.message and "101" in same.message
    assert found["QQ1384"].clawback is None and [(c.project, c.row) for c in found["QQ1384"].claims] == [("105", 9)]
    assert found["QQ1382"].citation.text == "第十条第（二）项"
    recovered = Programme(rosters, frozenset({("104", "104.csv", 27)}))
    again = {f.rule_id: f for f in judge(claims, recovered, RULES)}
    assert again["QQ1383"].clawback == Decimal("0")  # the project's own check recovers it already


def test_an_invoice_number_written_with_its_label_is_the_same_invoice() -> None:
    from qianqi_rules.values import clean_invoice

    assert clean_invoice("No.25117000000033330007") == clean_invoice("25117000000033330007")
    assert clean_invoice("NO: 12345678") == "12345678" and clean_invoice("发票号码：25117000000033330007").isdigit()
    assert clean_invoice("NO1") == "NO1"  # not an invoice number after a label: left alone


@pytest.mark.parametrize(("field", "value"), [("grantee", "mine"), ("clawback", "all")])
def test_a_cross_project_rule_with_a_wrong_option_is_named(tmp_path, field, value) -> None:
    (tmp_path / "programme").mkdir()
    (tmp_path / "programme" / "cross_project.yaml").write_text(
        "cross_project:\n  - id: QQ1399\n    name: x\n    title: t\n    citation: {article: 10, item: 1}\n"
        f"    severity: error\n    check: staff_elsewhere\n    message: m\n    {field}: {value}\n", encoding="utf-8")
    with pytest.raises(RuleFileError) as info:
        load_cross_rules([tmp_path])
    assert info.value.code == "cross-project-rule" and field in str(info.value)
