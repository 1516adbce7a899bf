"""Patterns that make a backtracking engine run for ever cannot hang a check (issue 12).

Each pattern, written by an officer in a rule's ``when`` or in ``masks``, is either
refused when the pack is loaded (``qianqi-rules lint``), with file:line:col and a
plain message, or runs on RE2 in linear time.  The run on a long hostile
description happens in a subprocess with a generous timeout: a regression shows
up as a timeout, never as a hung test session.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from qianqi_rules import RulePackError, load_rules
from qianqi_rules.rules.expressions import LinearFuzzyComparison, walk
from qianqi_rules.rules.regex_safety import LinearPattern

REPO = Path(__file__).parent.parent.parent
PROJECT = REPO / "tests" / "data" / "project.yaml"

#: pattern -> None when it runs (in linear time), else the code it is refused with
HOSTILE = {
    "(aa*)+$": None,
    "(a|aa)+$": None,
    "(a[ab]*)+$": None,
    "(.*a){25}$": None,
    "(.*){1,32000}[bc]": "unsafe-regex",
    "(a{1,100}){1,100}$": "unsafe-regex",
}
#: an almost-matching description as long as a ledger cell may be
HOSTILE_TEXT = "a" * 3990 + "!"


def rule(index: int, pattern: str) -> str:
    written = pattern.replace("\\", "\\\\")  # a backslash in a rule-engine string is written twice
    return textwrap.dedent(f"""\
      - id: HX{index:04d}
        name: hostile-{index}
        title: 恶意正则 {index}
        citation: {{article: 11, item: 2}}
        severity: warning
        when: 'description =~~ "{written}"'
        message: 摘要“{{description}}”
        clawback: none
        rationale: 测试用
        examples:
          violating:
            - {{description: {"a" * 30}}}
          compliant:
            - {{description: b}}
    """)


def overlay(folder: Path, when: list[str] = (), masks: list[str] = ()) -> Path:
    folder.mkdir(parents=True)
    text = "pack: {name: hostile, version: '1', extends: qianqi-bundled}\n"
    if masks:
        text += "masks:\n" + "".join(f"  - pattern: '{p}'\n    description: 测试\n" for p in masks)
    if when:
        text += "rules:\n" + "".join(textwrap.indent(rule(i, p), "  ") for i, p in enumerate(when, 1))
    (folder / "pack.yaml").write_text(text, encoding="utf-8")
    return folder


@pytest.mark.parametrize("where", ["when", "masks"])
@pytest.mark.parametrize("pattern", sorted(HOSTILE))
def test_hostile_pattern_is_refused_at_load_or_accepted(tmp_path: Path, pattern: str, where: str) -> None:
    folder = overlay(tmp_path / "pack", **{where: [pattern]})
    expected = HOSTILE[pattern]
    if expected is None:
        pack = load_rules(folder)
        assert pack.rules[-1].id == "HX0001" if where == "when" else len(pack.masks) == len(load_rules().masks) + 1
        return
    with pytest.raises(RulePackError) as info:
        load_rules(folder)
    [error] = info.value.errors
    assert error.code == expected
    assert error.position is not None and error.position.path.endswith("pack.yaml")
    assert error.position.line is not None and error.position.column is not None
    assert "正则表达式" in error.message and "重复次数" in error.message


def test_rule_patterns_are_compiled_by_re2_in_every_evaluator(tmp_path: Path) -> None:
    accepted = [p for p, code in HOSTILE.items() if code is None]
    pack = load_rules(overlay(tmp_path / "pack", when=accepted, masks=accepted))
    for r in pack.rules:
        if r.when is None:
            continue
        for node in walk(r.when.rule.statement.expression):  # what rule-engine's own evaluator runs
            if type(node).__name__ == "FuzzyComparisonExpression" or isinstance(node, LinearFuzzyComparison):
                assert isinstance(node, LinearFuzzyComparison)
                assert isinstance(node._right, LinearPattern)
    assert all(isinstance(m, LinearPattern) for m in pack.masks)


SCRIPT = """
import json, sys
from qianqi_rules import check_entries, load_project, load_rules
from qianqi_rules.rules.expressions import compile_expression
from qianqi_rules.rules.symbols import ENTRY_SYMBOLS
from rule_engine import DataType

pack = load_rules(sys.argv[1])
project = load_project(sys.argv[2], pack)
text = sys.argv[3]
entry = {"row": 2, "date": "2025-06-01", "category": "其他费用", "amount": "10", "description": text, "payee": "x"}
fast = check_entries([entry], project, pack)
slow = check_entries([entry], project, pack.reference())  # rule-engine's own evaluator
# a comparison of two literals is evaluated by rule-engine while it parses
for pattern in sys.argv[4:]:
    compile_expression(json.dumps(text[-3900:]) + " =~~ " + json.dumps(pattern), ENTRY_SYMBOLS, expect=DataType.BOOLEAN)
print(json.dumps(sorted(v.rule_id for v in fast.violations if v.rule_id.startswith("HX"))))
print(json.dumps(sorted(v.rule_id for v in slow.violations if v.rule_id.startswith("HX"))))
"""


def test_accepted_hostile_patterns_finish_on_a_long_description(tmp_path: Path) -> None:
    accepted = [p for p, code in HOSTILE.items() if code is None]
    folder = overlay(tmp_path / "pack", when=accepted, masks=accepted)
    done = subprocess.run([sys.executable, "-c", SCRIPT, str(folder), str(PROJECT), HOSTILE_TEXT, *accepted],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    fast, slow = (json.loads(line) for line in done.stdout.splitlines()[-2:])
    assert fast == slow  # the masks blank the text before the word families are searched; the rules still run


def test_hostile_ledger_through_the_command_line(tmp_path: Path) -> None:
    accepted = [p for p, code in HOSTILE.items() if code is None]
    folder = overlay(tmp_path / "pack", when=accepted, masks=accepted)
    ledger = tmp_path / "ledger.csv"
    ledger.write_text("日期,科目,摘要,收款人,金额\n" + "".join(f"2025-06-0{i},其他费用,{HOSTILE_TEXT},x,10\n"
                                                      for i in range(1, 4)), encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "qianqi_rules", "check", str(ledger), "--project", str(PROJECT),
                           "--rules", str(folder), "--format", "json"], capture_output=True, text=True, timeout=300)
    assert done.returncode in (0, 1), done.stderr
    assert "Traceback" not in done.stderr
    json.loads(done.stdout)


@pytest.mark.parametrize(
    ("pattern", "code", "words"),
    [
        (r"(a)\1", "regex-unsupported", "反向引用"),
        ("(?=a)b", "regex-unsupported", "向前查找"),
        ("(?<!a)b", "regex-unsupported", "向后查找"),
        ("a*+b", "regex-unsupported", "占有量词"),
        ("(?>a)b", "regex-unsupported", "固化分组"),
        ("(a", "bad-regex", "括号"),
        ("x" * 501, "unsafe-regex", "过长"),
    ],
)
@pytest.mark.parametrize("where", ["when", "masks"])
def test_syntax_re2_does_not_run_is_refused_with_its_place(tmp_path: Path, pattern: str, code: str, words: str,
                                                           where: str) -> None:
    if where == "masks" and len(pattern) > 200:
        pytest.skip("masks are at most 200 characters (invalid-field)")
    folder = overlay(tmp_path / "pack", **{where: [pattern]})
    done = subprocess.run([sys.executable, "-m", "qianqi_rules", "lint", str(folder)], capture_output=True,
                          text=True, timeout=300) if where == "when" and code == "regex-unsupported" else None
    with pytest.raises(RulePackError) as info:
        load_rules(folder)
    [error] = info.value.errors
    assert error.code == code and words in error.message
    assert str(error.position).startswith(f"{folder / 'pack.yaml'}:")
    line = (folder / "pack.yaml").read_text(encoding="utf-8").splitlines()[error.position.line - 1]
    assert ("when:" if where == "when" else "pattern:") in line
    if done is not None:  # the command line says the same, without a traceback
        assert done.returncode == 2 and f"[{code}]" in done.stdout + done.stderr
        assert "Traceback" not in done.stderr


def test_a_lone_surrogate_in_a_library_entry_is_matched_not_a_crash(pack, project) -> None:
    from qianqi_rules import check_entries

    entry = {"date": "2025-05-02", "category": "其他费用", "amount": "88.00", "description": "杂费\ud800《书》",
             "payee": "x"}
    report = check_entries([entry], project, pack)
    assert report.input_errors == [] and report.violations
