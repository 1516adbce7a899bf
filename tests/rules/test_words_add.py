"""``words_add:`` in an overlay adds words to a bundled word family without copying it; ``=~`` anchoring."""

from __future__ import annotations

from pathlib import Path

import pytest
from rule_engine import DataType

from qianqi_rules import check_entries, load_rules
from qianqi_rules.errors import RulePackError
from qianqi_rules.rules.expressions import compile_expression
from qianqi_rules.rules.symbols import ENTRY_SYMBOLS

PACK = "pack: {name: office, version: '1', extends: qianqi-bundled}\n"
ENTRY = {"row": 2, "date": "2025-06-01", "category": "其他费用", "amount": "800", "payee": "张某",
         "description": "员工团年饭", "invoice_no": "A1", "entry_id": "E2"}


def overlay(tmp_path: Path, terms: str) -> Path:
    (tmp_path / "pack.yaml").write_text(PACK, encoding="utf-8")
    (tmp_path / "terms.yaml").write_text(terms, encoding="utf-8")
    return tmp_path


def test_words_add_extends_a_bundled_family(tmp_path: Path, project) -> None:
    bundled = load_rules()
    assert "团年饭" not in bundled.terms["福利奖金"].words
    pack = load_rules(overlay(tmp_path, "terms:\n  福利奖金:\n    words_add: [团年饭, 福利]\n    except: [利是封印刷]\n"))
    family = pack.terms["福利奖金"]
    base = bundled.terms["福利奖金"]
    assert family.words == base.words + ("团年饭",)  # 福利 is already there: not twice
    assert family.excepts == base.excepts + ("利是封印刷",)
    assert family.description == base.description and family.not_followed_by == base.not_followed_by
    before = check_entries([ENTRY], project, bundled)
    assert not [v for v in before.violations if v.severity == "error"]
    after = check_entries([ENTRY], project, pack)
    fired = [v for v in after.violations if (v.evidence.get("matched") or {}).get("福利奖金")]
    assert fired and fired[0].severity == "error" and "团年饭" in fired[0].evidence["matched"]["福利奖金"]


@pytest.mark.parametrize(
    ("terms", "fragment"),
    [
        ("terms:\n  没有这个词族:\n    words_add: [甲]\n", "不在下层规则包中，不能用 words_add 加词"),
        ("terms:\n  福利奖金:\n    words: [甲]\n    words_add: [乙]\n", "words 与 words_add 只能写一个"),
        ("terms:\n  福利奖金:\n    description: 只有说明\n", "words_add"),
    ],
)
def test_words_add_mistakes_are_load_errors(tmp_path: Path, terms: str, fragment: str) -> None:
    with pytest.raises(RulePackError) as info:
        load_rules(overlay(tmp_path, terms))
    assert fragment in str(info.value)


@pytest.mark.parametrize(
    ("condition", "description", "matches"),
    [
        ('description =~ "杂费"', "杂费报销", True),  # anchored at the start only
        ('description =~ "杂费"', "报销杂费", False),
        ('description =~ "杂费$"', "杂费报销", False),  # $ anchors the end
        ('description =~ "杂费$"', "杂费", True),
        ('description =~~ "杂费"', "报销杂费", True),  # =~~ searches anywhere
    ],
)
def test_regex_anchoring_is_as_documented(condition: str, description: str, matches: bool) -> None:
    expression = compile_expression(condition, ENTRY_SYMBOLS, expect=DataType.BOOLEAN, terms={})
    assert bool(expression.evaluate({"description": description})) is matches
