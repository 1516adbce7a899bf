"""The evaluator: the three rule kinds, incremental checks, clawback counting, rules that cannot run."""

import datetime as dt
from decimal import Decimal

import pytest

from qianqi_rules import Checker, EntryError, Project, RuleRuntimeError

from .helpers import entry, flatten

D = Decimal


def checker(project, pack, *entries, **kw) -> Checker:
    c = Checker(project, pack, **kw)
    for e in entries:
        c.add(e)
    return c


def test_entry_rule_finding_carries_values_and_citation(project, pack) -> None:
    report = checker(project, pack, entry(3, "专家咨询费", "1200", payee="张 三")).report()
    v = next(v for v in report.violations if v.rule_id == "QQ1010")
    assert v.rows == [3] and v.severity == "error"
    assert (v.citation.article, v.citation.item, v.citation.text) == (10, 1, "第十条第（一）项")
    assert "张 三" in v.message
    assert v.amount == D("1200") and v.clawback == D("1200")
    assert v.evidence["payee"] == "张三" and v.evidence["payee_is_staff"] is True  # what the roster symbol read
    assert v.entries[0].description == "项目支出" and v.entries[0].row == 3


def test_keyword_evidence_names_the_words(project, pack) -> None:
    report = checker(project, pack, entry(2, "其他费用", "500", description="宴请合作方晚餐")).report()
    v = next(v for v in report.violations if v.rule_id == "QQ1120")
    assert "宴请" in v.evidence["matched"]["业务招待"] and v.evidence["matched"]["外部人员"] == ["合作"]
    words = v.message.split("（")[1].split("）")[0].split("、")
    assert "宴请" in words and "合作" not in words  # a qualifier family (外部人员) is evidence, not what was bought


def test_fiscally_funded_may_receive_expert_fees_and_staff_may_travel(project, pack) -> None:
    report = checker(project, pack, entry(2, "专家咨询费", "800", payee="王五"),
                     entry(3, "差旅费", "300", payee="张三", description="赴天津调研高铁票")).report()
    assert report.summary.errors == 0


def test_duplicate_invoice_is_one_finding_with_all_rows_and_repeats_clawed(project, pack) -> None:
    report = checker(project, pack,
                     entry(2, "委托业务费", "600", invoice_no="INV1"),
                     entry(5, "委托业务费", "600", invoice_no="INV1", date="2025-07-01"),
                     entry(9, "委托业务费", "600", invoice_no="INV1", date="2025-08-01"),
                     entry(4, "委托业务费", "-600", invoice_no="INV1", date="2025-09-01")).report()
    dups = [v for v in report.violations if v.rule_id == "QQ1310"]
    assert len(dups) == 1
    # the refund (negative) is not a repeat; it reverses the latest booking before it (row 9), which then is
    # not a use of the invoice either
    assert dups[0].rows == [2, 5]
    assert dups[0].clawback == D("600") and dups[0].evidence["first_row"] == 2


def test_budget_overrun_lists_rows_and_counts_refunds(project, pack) -> None:
    # 会议费 budget is 3000 in tests/data/project.yaml
    over = checker(project, pack, entry(2, "会议费", "2000"), entry(3, "会议费", "1500")).report()
    v = next(v for v in over.violations if v.rule_id == "QQ1340")
    assert v.rows == [2, 3] and v.amount == D("500") and v.clawback == D("500")
    assert v.evidence["limit"] == "3000.00"
    within = checker(project, pack, entry(2, "会议费", "2000"), entry(3, "会议费", "1500"),
                     entry(4, "会议费", "-600", description="会议费退回")).report()
    assert not [v for v in within.violations if v.rule_id == "QQ1340"]


def test_each_yuan_is_recovered_once(project, pack) -> None:
    # two errors on one row (category outside the nine + entertainment) claim 900 once;
    # the 会议费 overrun (3500 - 3000 = 500) is already covered by the 800 banquet in that category
    report = checker(project, pack,
                     entry(2, "招待费", "900", description="商务宴请"),
                     entry(3, "会议费", "2700"),
                     entry(4, "会议费", "800", description="会后宴请")).report()
    by_rule = {v.rule_id: v for v in report.violations}
    assert by_rule["QQ1000"].clawback == D("900") and by_rule["QQ1120"].clawback is not None
    assert by_rule["QQ1340"].amount == D("500")
    assert by_rule["QQ1340"].clawback == D("0")
    assert by_rule["QQ1340"].evidence["already_recovered"] == "800.00"
    assert report.summary.clawback_total == D("1700")
    assert report.summary.spent_total == D("4400")


def test_refunds_are_not_judged_by_entry_rules(project, pack) -> None:
    report = checker(project, pack, entry(2, "其他费用", "-300", description="招待费退回")).report()
    assert report.violations == [] or all(v.rule_id.startswith("QQ134") for v in report.violations)


def test_rules_needing_absent_columns_or_project_fields_do_not_run(pack) -> None:
    bare = Project(code="A", grantee="G", period_start=dt.date(2025, 1, 1), period_end=dt.date(2025, 12, 31))
    c = Checker(bare, pack, columns=["description"])
    not_run = {r.rule_id: r.reason for r in c.not_run}
    assert "收款人" in not_run["QQ1010"] and "payee" in not_run["QQ1010"]
    assert "发票号" in not_run["QQ1310"]
    assert "budget" in not_run["QQ1340"]
    assert "QQ1120" not in not_run
    report = c.report()
    assert {r.rule_id for r in report.rules_not_run} == set(not_run)


def test_incremental_check_sees_everything_before_and_preview_changes_nothing(project, pack) -> None:
    c = Checker(project, pack)
    assert c.check(entry(2, "差旅费", "3000", invoice_no="T1", description="高铁票")) == []
    preview = c.check(entry(3, "差旅费", "2500", invoice_no="T1", description="高铁票"), commit=False)
    assert {v.rule_id for v in preview} == {"QQ1310", "QQ1340"}
    budget = next(v for v in preview if v.rule_id == "QQ1340")
    # the 500 over budget is already recovered by the repeated invoice's 2,500: no yuan twice, as in the report
    assert budget.amount == D("500") and budget.clawback == D("0")
    assert c.report().violations == []  # the preview was not recorded
    c.check(entry(3, "差旅费", "2500", invoice_no="T1", description="高铁票"))
    report = c.report()
    assert report.violations == preview  # the preview is settled by the report's own pass
    assert report.summary.clawback_total == D("2500")


def test_a_preview_is_settled_like_the_report_waivers_and_reversals_included(project, pack) -> None:
    import datetime as dt

    from qianqi_rules.waivers import Waiver

    waiver = Waiver.model_validate({"rule": "QQ1310", "invoice_no": "T9", "reason": "经批准重开", "approved_by": "王会计",
                                    "until": dt.date(2030, 12, 31)})
    c = Checker(project, pack, waivers=[waiver], today=dt.date(2026, 1, 15))
    c.add(entry(2, "差旅费", "300", invoice_no="T9", description="高铁票"))
    (found,) = c.check(entry(3, "差旅费", "300", invoice_no="T9", description="高铁票"), commit=False)
    assert found.rule_id == "QQ1310" and found.waiver is not None and found.waiver.approved_by == "王会计"

    c = Checker(project, pack)
    c.add(entry(2, "差旅费", "300", invoice_no="T7", description="高铁票", payee="铁路12306"))
    c.add(entry(3, "差旅费", "-300", invoice_no="T7", description="冲销上笔", payee="铁路12306"))
    # row 2 was reversed in full: it is no use of its invoice, so a new booking of T7 repeats nothing
    assert c.check(entry(4, "差旅费", "300", invoice_no="T7", description="高铁票", payee="铁路12306"),
                   commit=False) == []
    c.add(entry(4, "差旅费", "300", invoice_no="T7", description="高铁票", payee="铁路12306"))
    assert [v for v in c.report().violations if v.rule_id == "QQ1310" and not v.reversed_by] == []


def test_invalid_entry_handed_to_the_checker_raises_with_the_field(project, pack) -> None:
    with pytest.raises(EntryError) as info:
        Checker(project, pack).add({"date": "2025-13-01", "category": "会议费", "amount": "1"})
    assert "date" in str(info.value)


def test_a_rule_failing_at_run_time_is_not_a_finding(tmp_path, project) -> None:
    import shutil

    from qianqi_rules import load_rules
    from qianqi_rules.rules.pack import bundled_pack_path

    folder = tmp_path / "pack"
    shutil.copytree(bundled_pack_path(), folder, ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    f = folder / "article12_13.yaml"
    f.write_text(f.read_text(encoding="utf-8").replace("where: fundable and category in project.budget\n",
                                                       "where: fundable\n"), encoding="utf-8")
    broken = load_rules(folder)
    c = Checker(project, broken)
    c.add(entry(2, "培训费", "100"))  # 培训费 has no budget line: project.budget[key] cannot be looked up
    with pytest.raises(RuleRuntimeError) as info:
        c.report()
    assert "QQ1340" in str(info.value) and info.value.position.path.endswith("article12_13.yaml")


def test_flatten_helper_and_stable_order(project, pack) -> None:
    entries = [entry(5, "会议费", "100", description="罚款"), entry(2, "专家咨询费", "100", payee="张三")]
    a = checker(project, pack, *entries).report()
    b = checker(project, pack, *reversed(entries)).report()
    assert flatten(a) == {(5, "QQ1150"), (2, "QQ1010")}
    assert a.violations == b.violations
    assert [v.rows[0] for v in a.violations] == sorted(v.rows[0] for v in a.violations)


def test_long_row_lists_read_as_one_phrase() -> None:
    """Messages say “第 {rows} 行”; a long list must not end in “行 行”."""
    from qianqi_rules.evaluate.checker import row_list

    assert row_list([2, 3, 5]) == "2、3、5"
    long = row_list(list(range(2, 42)))
    assert long.startswith("2、3、4、") and long.endswith("… 共 40")
    assert f"第 {long} 行".count("行") == 1


def test_violations_are_what_validation_would_make_and_share_entries(project, pack) -> None:
    """Violations are built without re-validation to save memory: they must equal validated ones."""
    from qianqi_rules.models import Violation

    rows = [entry(2, "其他费用", "300", description="招待客户晚餐并赠送礼品", payee="张三"),
            entry(3, "专家咨询费", "500", payee="张三", invoice_no="A1"),
            entry(4, "专家咨询费", "500", payee="李四", invoice_no="A1")]
    report = checker(project, pack, *rows).report()
    assert len(report.violations) >= 3
    for v in report.violations:
        assert Violation(**{name: getattr(v, name) for name in Violation.model_fields}) == v
        assert v.model_fields_set == set(Violation.model_fields) - {"waiver", "reversed_by"}
        for e in v.entries:
            assert e.model_fields_set == set(type(e).model_fields)
    on_row_2 = [v for v in report.violations if v.rows == [2] and v.entries]
    assert len(on_row_2) >= 2 and len({id(v.entries[0]) for v in on_row_2}) == 1
    waived = on_row_2[0].model_copy(update={"waiver": None})
    assert waived.model_fields_set is not on_row_2[0].model_fields_set  # copies never share a mutable set


def test_message_names_each_word_once_not_the_words_inside_it(project, pack) -> None:
    report = checker(project, pack, entry(2, "其他费用", "6299", description="购买笔记本电脑一台")).report()
    v = next(v for v in report.violations if v.rule_id == "QQ1130")
    named = v.message.split("（")[1].split("）")[0].split("、")
    assert "笔记本电脑" in named and "电脑" not in named and "买" not in named
    assert "电脑" in v.evidence["matched"]["办公设备"]  # the evidence keeps every word found
