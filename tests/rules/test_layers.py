"""Layered packs: an office adds rules, changes severities and disables rules without copying files."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from qianqi_rules import RulePackError, check_entries, load_rules
from qianqi_rules.rules.pack import bundled_pack_path

OVERLAY = """\
pack: {name: office, version: "1", extends: qianqi-bundled}
overrides:
  QQ1090: {severity: error, reason: 必须写明用途}
  QQ1120: {severity: warning}
  QQ1341: {disabled: true}
terms:
  咖啡茶饮: {words: [咖啡]}
rules:
  - id: HD1121
    name: coffee
    title: 咖啡
    citation: {article: 11, item: 2}
    severity: error
    effective: {from: 2025-07-01}
    when: '"咖啡茶饮" in mentions'
    message: 咖啡 {amount}
    clawback: amount
    rationale: 第十一条第（二）项
    examples:
      violating: [{description: 咖啡, date: 2025-08-01}]
      compliant: [{description: 咖啡, date: 2025-06-01}]
"""


def folder(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.mkdir()
    (path / "pack.yaml").write_text(text, encoding="utf-8")
    return path


def test_overlay_adds_changes_and_disables(tmp_path, project) -> None:
    pack = load_rules([folder(tmp_path, "office", OVERLAY)])
    assert [layer.name for layer in pack.layers] == ["qianqi-bundled", "office"]
    assert pack.rule("QQ1090").severity == "error"
    warning = pack.rule("QQ1120")
    assert warning.severity == "warning" and warning.clawback == "none" and warning.changes
    assert pack.rule("QQ1341").disabled and not pack.rule("QQ1341").active
    assert pack.rule("HD1121").layer == "office"
    bundled = load_rules()
    assert bundled.rule("QQ1090").severity == "warning"  # the bundled pack itself is untouched
    assert pack.sha256 != bundled.sha256

    entries = [
        {"row": 2, "date": "2025-06-01", "category": "其他费用", "amount": "30", "description": "咖啡"},
        {"row": 3, "date": "2025-08-01", "category": "其他费用", "amount": "30", "description": "咖啡"},
        {"row": 4, "date": "2025-08-01", "category": "其他费用", "amount": "30", "description": "招待客户"},
    ]
    report = check_entries(entries, project, pack, today=dt.date(2025, 9, 1))
    found = {(v.rows[0], v.rule_id, v.severity) for v in report.violations}
    assert (3, "HD1121", "error") in found and (2, "HD1121", "error") not in found  # in force from 2025-07-01
    assert (4, "QQ1120", "warning") in found
    assert not any(v.rule_id == "QQ1341" for v in report.violations)


def test_layers_stack_in_order(tmp_path) -> None:
    first = folder(tmp_path, "a", OVERLAY)
    second = folder(tmp_path, "b", "pack: {name: team, version: '2', extends: office}\n"
                                   "overrides:\n  HD1121: {disabled: true}\n")
    pack = load_rules([first, second])
    assert pack.name == "qianqi-bundled + office + team"
    assert pack.rule("HD1121").disabled


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("pack: {name: x, version: '1', extends: someone-else}\n", "pack-bad-extends"),
        ("pack: {name: x, version: '1', extends: qianqi-bundled}\noverrides:\n  QQ9999: {severity: error}\n",
         "unknown-rule"),
        ("pack: {name: x, version: '1', extends: qianqi-bundled}\ncategories: {会议费: []}\n", "overlay-redefines"),
        ("pack: {name: x, version: '1', extends: qianqi-bundled}\nrules:\n  - id: QQ1010\n    name: again\n"
         "    title: t\n    citation: {article: 10, item: 1}\n    severity: error\n    when: amount > 0\n"
         "    message: m\n    rationale: r\n    examples: {violating: [{}], compliant: [{amount: '-1'}]}\n",
         "duplicate-rule-id"),
        ("pack: {name: x, version: '1', extends: qianqi-bundled}\noverrides:\n  QQ1010: {severity: fatal}\n",
         "invalid-field"),
    ],
)
def test_overlay_mistakes_are_load_errors(tmp_path, text, code) -> None:
    with pytest.raises(RulePackError) as info:
        load_rules([folder(tmp_path, "x", text)])
    assert code in {e.code for e in info.value.errors}, [str(e) for e in info.value.errors]
    assert all(e.position.path.startswith(str(tmp_path)) for e in info.value.errors)


def test_a_complete_pack_cannot_be_layered_on_another(tmp_path) -> None:
    import shutil

    copy = tmp_path / "copy"
    shutil.copytree(bundled_pack_path(), copy, ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    with pytest.raises(RulePackError) as info:
        load_rules([folder(tmp_path, "o", OVERLAY), copy])
    assert info.value.errors[0].code == "pack-not-overlay"


def test_overrides_only_in_overlays(tmp_path) -> None:
    import shutil

    copy = tmp_path / "copy"
    shutil.copytree(bundled_pack_path(), copy, ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    (copy / "extra.yaml").write_text("overrides:\n  QQ1010: {disabled: true}\n", encoding="utf-8")
    with pytest.raises(RulePackError) as info:
        load_rules(copy)
    assert info.value.errors[0].code == "overlay-only"
