"""Message templates: checked at load, filled at run time."""

from __future__ import annotations

import pytest

from qianqi_rules import check_entries, load_project, load_rules
from qianqi_rules.rules.templates import TemplateError, check_template, render


def test_placeholders_are_filled_and_escaped_braces_kept() -> None:
    assert render("{payee} 收到 {amount} 元 {{注}}", {"payee": "张三", "amount": "1,000.00"}) == "张三 收到 1,000.00 元 {注}"


def test_an_empty_value_alone_in_brackets_takes_its_brackets_with_it() -> None:
    template = "摘要“{description}”提到其他项目（{matched}），请核实"
    assert render(template, {"description": "x", "matched": "基金"}) == "摘要“x”提到其他项目（基金），请核实"
    assert render(template, {"description": "x", "matched": ""}) == "摘要“x”提到其他项目，请核实"
    assert render("（{matched}） ({matched})", {}) == " "
    # brackets around more than the placeholder stay: they still say something
    assert render("（词：{matched}）", {"matched": ""}) == "（词：）"


@pytest.mark.parametrize(("template", "hint"), [("{payе}", None), ("{paye}", "{payee}"), ("{", "{{")])
def test_unknown_fields_and_stray_braces_fail_at_load(template, hint) -> None:
    with pytest.raises(TemplateError) as failure:
        check_template(template, "entry")
    if hint:
        assert hint in (failure.value.hint or "")


def test_a_rule_found_by_pattern_has_no_empty_brackets_in_its_message() -> None:
    pack = load_rules()
    project = load_project("tests/data/project.yaml", pack)
    report = check_entries([{"row": 2, "date": "2025-06-01", "category": "委托业务费", "amount": "800",
                             "description": "用于另一课题的测试费", "payee": "某检测公司",
                             "project_code": project.code}], project, pack)
    messages = [v.message for v in report.violations if v.rule_id == "QQ1322"]
    messages += [w["message"] for v in report.violations for w in v.evidence.get("folded_warnings", ())
                 if w["rule_id"] == "QQ1322"]  # on a row in error the warning is folded into the error
    assert messages and all("（）" not in m and "()" not in m for m in messages)
