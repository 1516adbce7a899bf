"""``lint`` reports every problem of a pack in one pass, also the ones behind a rule's invalid field."""

from __future__ import annotations

from pathlib import Path

from qianqi_rules.authoring import lint

RULES = """rules:
  - id: KD0101
    name: broken-everywhere
    title: 字段、科目、条件、模板都有错
    citation: {article: 11, item: 1}
    severity: fatal
    categories: [招待费用]
    when: '"没有这个词族" in mentions'
    message: 金额 {amont} 元
    rationale: 测试
    examples: {violating: [{description: 甲}], compliant: [{description: 乙}]}
  - id: KD0102
    name: wrong-kind-field
    title: 逐条规则写了 limit，条件也有错
    citation: {article: 11, item: 1}
    severity: warning
    limit: '100'
    when: amount >
    message: 第 {row} 行
    rationale: 测试
    examples: {violating: [{description: 甲}], compliant: [{description: 乙}]}
  - id: KD0103
    name: standard-unknown
    title: 标准规则引用了不存在的标准，严重程度也写错了
    citation: {article: 6}
    severity: eror
    kind: standard
    standard: no-such-standard
    message: 超出 {excess} 元
    rationale: 测试
    examples: {violating: [{description: 甲}], compliant: [{description: 乙}]}
"""


def test_every_problem_in_one_pass(tmp_path: Path) -> None:
    (tmp_path / "pack.yaml").write_text("pack: {name: office, version: '1', extends: qianqi-bundled}\n",
                                        encoding="utf-8")
    (tmp_path / "rules.yaml").write_text(RULES, encoding="utf-8")
    pack, errors = lint([tmp_path])
    assert pack is None
    found = [(e.position.line, e.code) for e in errors]
    assert (6, "invalid-field") in found  # severity: fatal
    assert (7, "unknown-category") in found  # still checked behind the invalid field
    assert (8, "unknown-term") in found
    assert (9, "bad-template") in found
    assert any(code == "invalid-field" and "逐条规则不使用 limit" in e.message
               for e, (_, code) in zip(errors, found, strict=True))
    assert (18, "expression-syntax") in found  # the broken `when` of the second rule, behind its kind error
    assert (28, "unknown-standard") in found  # behind the third rule's misspelt severity
