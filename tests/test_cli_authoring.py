"""lint / test / rules / explain on the bundled pack and on broken copies of it."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from qianqi_rules.cli import main
from qianqi_rules.rules.pack import bundled_pack_path


def run(capsys, *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def copy(tmp_path: Path) -> Path:
    target = tmp_path / "pack"
    shutil.copytree(bundled_pack_path(), target, ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    return target


def edit(path: Path, old: str, new: str) -> int:
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    line = text[: text.index(old)].count("\n") + 1
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return line


def test_lint_bundled_pack_passes(capsys) -> None:
    code, out, err = run(capsys, "lint")
    assert code == 0 and "检查通过" in out and err == ""


@pytest.mark.parametrize(
    ("filename", "old", "new", "code"),
    [
        ("article10.yaml", "    title: 专家咨询费支付给受资助单位工作人员\n",
         "    title: 专家咨询费支付给受资助单位工作人员\n    title: 重复\n", "duplicate-key"),
        ("article10.yaml", "when: payee_is_fiscal_funded", "when: payee_is_fiscal_funded and payye == \"\"",
         "unknown-symbol"),
        ("article10.yaml", "when: not fundable", 'when: description =~ "[招待"', "bad-regex"),
        ("article10.yaml", "citation: {article: 10, item: 1}", "citation: {article: 20, item: 1}", "bad-citation"),
    ],
)
def test_lint_broken_copies_names_file_line_and_exits_2(capsys, copy, filename, old, new, code) -> None:
    line = edit(copy / filename, old, new)
    status, out, err = run(capsys, "lint", str(copy))
    assert status == 2
    hit = next(item for item in err.splitlines() if f"[{code}]" in item)
    path, found_line = hit.split(":")[0], int(hit.split(":")[1])
    assert path == str(copy / filename)
    assert line <= found_line <= line + 1


def test_lint_reports_all_problems_at_once(capsys, copy) -> None:
    edit(copy / "article10.yaml", "when: not fundable", "when: not fundabel")
    edit(copy / "article11.yaml", "citation: {article: 11, item: 1}", "citation: {article: 11, item: 9}")
    status, _, err = run(capsys, "lint", str(copy))
    assert status == 2
    assert "article10.yaml" in err and "article11.yaml" in err and "共 " in err


def test_test_command_passes_on_bundled_and_fails_on_a_broken_example(capsys, copy) -> None:
    code, out, _ = run(capsys, "test")
    assert code == 0 and "0 条规则失败" in out
    edit(copy / "article10.yaml", "        - {payee: 赵六, description: 外聘专家咨询费}",
         "        - {payee: 张三, description: 外聘专家咨询费}")
    code, out, _ = run(capsys, "test", str(copy))
    assert code == 1
    assert re.search(r"QQ1010-compliant-\d+: 合规示例触发了规则", out) and "失败" in out


def test_test_command_can_run_one_rule(capsys) -> None:
    code, out, _ = run(capsys, "test", "--rule", "QQ1310")
    assert code == 0 and "QQ1310" in out and "QQ1010" not in out
    code, _, err = run(capsys, "test", "--rule", "QQ0000")
    assert code == 2 and "QQ0000" in err


def test_rules_lists_the_pack_as_table_and_json(capsys) -> None:
    code, out, _ = run(capsys, "rules")
    assert code == 0 and "QQ1010" in out and "第十条第（一）项" in out
    code, out, _ = run(capsys, "rules", "--format", "json")
    doc = json.loads(out)
    ids = [r["id"] for r in doc["rules"]]
    assert ids == sorted(ids, key=ids.index) and "QQ1340" in ids
    rule = next(r for r in doc["rules"] if r["id"] == "QQ1010")
    assert rule["citation"] == {"article": 10, "item": 1, "text": "第十条第（一）项"}
    assert len(doc["pack"]["sha256"]) == 64


def test_explain_shows_article_examples_and_cost(capsys) -> None:
    code, out, _ = run(capsys, "explain", "qq1020")
    assert code == 0
    assert "财政供养人员不得列支劳务费" in out       # the regulation's own words
    assert "追回该笔金额" in out
    assert "违规示例" in out and "王五" in out
    code, _, err = run(capsys, "explain", "QQ1O10")
    assert code == 2 and "QQ1O10" in err and "是不是想写" in err


def test_explain_shows_the_named_conditions_a_rule_reads_and_those_they_read(capsys) -> None:
    code, out, _ = run(capsys, "explain", "QQ1120")
    assert code == 0
    shown = out.split("其中的命名条件：")[1].split("消息：")[0]
    # QQ1120 names metered_energy, work_product, named_item, travel_item and test_material;
    # named_item reads metered_energy again
    assert [line.split("：")[0].strip() for line in shown.splitlines()
            if line.strip() and not line.startswith("    ")] == [
        "work_product", "metered_energy", "named_item", "travel_item", "test_material"]
    assert "definitions.yaml:" in shown
    code, out, _ = run(capsys, "explain", "QQ1020")
    assert "其中的命名条件" not in out
