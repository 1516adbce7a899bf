"""``when_any``: a long condition split into named cases; the finding's evidence names the case that fired."""

from __future__ import annotations

from pathlib import Path

import pytest

from qianqi_rules import check_entries, load_rules
from qianqi_rules.errors import RulePackError
from qianqi_rules.evaluate.examples import run_examples

PACK = "pack: {name: office, version: '1', extends: qianqi-bundled}\n"
RULE = """rules:
  - id: KD0201
    name: festive-or-leisure
    title: 节日福利或集体娱乐
    citation: {article: 11, item: 1}
    severity: error
    categories: [其他费用]
    when_any:
      节日福利: description =~~ "中秋|端午" and description =~~ "礼盒|月饼"
      集体娱乐: '"娱乐消费" in mentions and description =~~ "全体|集体"'
    message: “{description}”属于{case}（{amount} 元）
    clawback: amount
    rationale: 第十一条第（一）项：不得列支人员福利。
    examples:
      violating: [{description: 中秋礼盒}, {description: 全体员工KTV}]
      compliant: [{description: 中秋节前送检样品}]
"""


def entry(description: str) -> dict:
    return {"row": 2, "date": "2025-06-01", "category": "其他费用", "amount": "300", "payee": "某公司",
            "description": description}


@pytest.fixture
def office(tmp_path: Path):
    (tmp_path / "pack.yaml").write_text(PACK, encoding="utf-8")
    (tmp_path / "rules.yaml").write_text(RULE, encoding="utf-8")
    return load_rules(tmp_path)


def test_the_case_that_fired_is_in_the_evidence_and_the_message(office, project) -> None:
    pack = office
    rule = office.rule("KD0201")
    assert [name for name, _ in rule.cases] == ["节日福利", "集体娱乐"]
    assert all(o.passed for o in run_examples(office, rule))
    for description, case in [("中秋礼盒", "节日福利"), ("全体员工KTV唱歌", "集体娱乐")]:
        (found,) = [v for v in check_entries([entry(description)], project, office).violations if v.rule_id == "KD0201"]
        assert found.evidence["case"] == case and f"属于{case}" in found.message
    assert not [v for v in check_entries([entry("中秋节前送检样品")], project, office).violations
                if v.rule_id == "KD0201"]
    assert {"description", "mentions"} <= set().union(*(e.symbols for _, e in rule.cases))
    assert "description" in rule.needs_columns  # every case's columns are the rule's


@pytest.mark.parametrize(
    ("change", "fragment", "line"),
    [
        (("  集体娱乐: '\"娱乐消费\" in mentions", "  集体娱乐: '\"没有的词族\" in mentions"), "没有在 terms 中定义", 10),
        (("    when_any:\n", "    when: amount > 0\n    when_any:\n"), "when 与 when_any 只能写一个", None),
        (("    categories: [其他费用]\n", "    categories: [其他费用]\n    kind: duplicate\n    key: invoice_no\n"),
         "duplicate 规则不使用 when_any", None),
    ],
)
def test_when_any_mistakes(tmp_path: Path, change: tuple[str, str], fragment: str, line: int | None) -> None:
    (tmp_path / "pack.yaml").write_text(PACK, encoding="utf-8")
    assert change[0] in RULE
    (tmp_path / "rules.yaml").write_text(RULE.replace(change[0], change[1]), encoding="utf-8")
    with pytest.raises(RulePackError) as info:
        load_rules(tmp_path)
    assert fragment in str(info.value)
    if line is not None:
        assert any(e.position.line == line for e in info.value.errors)  # placed in its own case
