"""The officers' guide (docs/guide.md) is executed: its worked example must lint, test and check."""

from __future__ import annotations

import json
import re
from pathlib import Path

from qianqi_rules.cli import main

GUIDE = Path(__file__).parent.parent / "docs" / "guide.md"
BLOCK = re.compile(r"```(\w+) file=(\S+)\n(.*?)```", re.S)
DATA = Path(__file__).parent / "data"


def write_blocks(tmp_path: Path) -> dict[str, Path]:
    files = {}
    for _, name, body in BLOCK.findall(GUIDE.read_text(encoding="utf-8")):
        target = tmp_path / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(body, encoding="utf-8")
        files[name] = target
    return files


def test_worked_example_lints_tests_and_checks(tmp_path, capsys) -> None:
    files = write_blocks(tmp_path)
    assert {"my_rules/pack.yaml", "waivers.yaml"} <= set(files)
    rules = str(files["my_rules/pack.yaml"].parent)

    assert main(["lint", rules]) == 0
    assert "检查通过" in capsys.readouterr().out

    assert main(["test", rules]) == 0
    out = capsys.readouterr().out
    assert "HD1121" in out and "0 条规则失败" in out

    ledger = tmp_path / "台账.csv"
    ledger.write_text("日期,费用科目,摘要,收款人,金额\n"
                      "2026-02-03,其他费用,项目组下午瑞幸咖啡,张三,36.00\n"
                      "2026-02-04,其他费用,杂费,张三,20.00\n", encoding="utf-8")
    project = tmp_path / "项目.yaml"
    project.write_text("code: BJKX-QQ-2026-001\ngrantee: 北京某公司\nperiod: {start: 2026-01-01, end: 2026-12-31}\n"
                       "budget: {其他费用: 1000}\n", encoding="utf-8")
    code = main(["check", str(ledger), "--project", str(project), "--rules", rules, "--format", "json"])
    report = json.loads(capsys.readouterr().out)
    assert code == 1
    found = {(v["rows"][0], v["rule_id"], v["severity"]) for v in report["violations"]}
    assert (2, "HD1121", "error") in found
    assert (3, "QQ1090", "error") in found            # raised from warning by the office's override
    assert not any(v["rule_id"] == "QQ1341" for v in report["violations"])
    assert [layer["name"] for layer in report["pack"]["layers"]] == ["qianqi-bundled", "haidian-office"]


def test_lint_codes_in_the_guide_are_the_ones_the_loader_uses() -> None:
    text = GUIDE.read_text(encoding="utf-8")
    documented = set(re.findall(r"^\| `([a-z-]+)` \|", text, re.M))
    source = "\n".join(p.read_text(encoding="utf-8")
                       for p in (Path(__file__).parent.parent / "src" / "qianqi_rules").rglob("*.py"))
    for code in documented:
        assert f'"{code}"' in source, f"{code} is documented but never raised"
