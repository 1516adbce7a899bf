"""The command line: exit codes, JSON on stdout only, short messages on stderr, never a traceback."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from qianqi_rules.cli import main
from qianqi_rules.rules.pack import bundled_pack_path

DATA = Path(__file__).parent / "data"
PROJECT = str(DATA / "project.yaml")


def run(capsys, *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_findings_exit_1_and_json_is_the_only_stdout(capsys) -> None:
    code, out, err = run(capsys, "check", str(DATA / "ledger_bom.csv"), "--project", PROJECT, "--format", "json")
    assert code == 1
    report = json.loads(out)
    assert set(report) >= {"input", "violations", "input_errors", "summary"}
    assert "Traceback" not in err


def test_clean_ledger_exits_0(capsys, write_csv) -> None:
    path = write_csv([["日期", "科目", "摘要", "收款人", "金额"], ["2025-03-05", "差旅费", "赴天津调研高铁票", "张三", "100"]])
    code, out, err = run(capsys, "check", str(path), "--project", PROJECT, "--format", "json")
    assert code == 0, out
    assert json.loads(out)["summary"]["errors"] == 0


def test_warnings_alone_exit_0(capsys, write_csv) -> None:
    path = write_csv([["日期", "科目", "摘要", "收款人", "金额"], ["2025-03-05", "会议费", "研讨会场地费", "赵六", "100"],
                      ["2025-03-06", "培训费", "讲课费", "赵六", "100"]])
    code, out, _ = run(capsys, "check", str(path), "--project", PROJECT, "--format", "json")
    report = json.loads(out)
    assert report["summary"]["warnings"] >= 1 and report["summary"]["errors"] == 0
    assert code == 0


def test_rejected_row_alone_exits_1(capsys, write_csv) -> None:
    path = write_csv([["日期", "科目", "摘要", "收款人", "金额"], ["2025-03-05", "差旅费", "高铁票", "张三", "abc"]])
    code, out, _ = run(capsys, "check", str(path), "--project", PROJECT, "--format", "json")
    assert code == 1 and json.loads(out)["input"]["rows_rejected"] == 1


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["check", str(DATA / "missing.csv"), "--project", PROJECT], "missing.csv"),
        (["check", str(DATA / "ledger_missing_column.csv"), "--project", PROJECT], "ledger_missing_column.csv:1"),
        (["check", str(DATA / "ledger_bom.csv"), "--project", str(DATA / "nope.yaml")], "nope.yaml"),
        (["check", str(DATA / "ledger_bom.csv"), "--project", str(DATA / "ledger_bom.csv")], "ledger_bom.csv"),
        (["check", str(DATA / "ledger_bom.csv"), "--project", PROJECT, "--rules", str(DATA)], str(DATA)),
        (["check", str(DATA / "ledger_bom.csv")], "--project"),
        (["check", str(DATA / "ledger_bom.csv"), "--project", PROJECT, "--format", "xml"], "xml"),
    ],
)
def test_check_that_cannot_run_exits_2_with_a_short_message(capsys, args, fragment) -> None:
    try:
        code, out, err = run(capsys, *args)
    except SystemExit as exc:  # argparse exits by itself
        code = exc.code
        out, err = capsys.readouterr()
    assert code == 2
    assert out == ""
    assert fragment in err
    assert "Traceback" not in err


def test_broken_rule_file_names_file_and_line(capsys, tmp_path) -> None:
    folder = tmp_path / "pack"
    shutil.copytree(bundled_pack_path(), folder, ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    f = folder / "article12_13.yaml"
    text = f.read_text(encoding="utf-8")
    condition = 'when: project_code != "" and project_code != project.code'
    assert condition in text
    f.write_text(text.replace(condition, 'when: descripton == "x"'), encoding="utf-8")
    code, out, err = run(capsys, "check", str(DATA / "ledger_bom.csv"), "--project", PROJECT, "--rules", str(folder))
    assert code == 2
    assert f"{f}:" in err and "descripton" in err and "description" in err


def test_output_file_and_table_format(capsys, tmp_path) -> None:
    target = tmp_path / "report.txt"
    code, out, err = run(capsys, "check", str(DATA / "ledger_bom.csv"), "--project", PROJECT, "--output", str(target))
    assert code == 1 and out == ""
    text = target.read_text(encoding="utf-8")
    assert "第十条第（一）项" in text and "错误" in text
    assert str(target) in err


def test_installed_command_and_module_entry_point() -> None:
    p = subprocess.run([sys.executable, "-m", "qianqi_rules", "check", str(DATA / "ledger_gbk.csv"), "--project", PROJECT,
                        "--format", "json"], capture_output=True, text=True, timeout=60)
    assert p.returncode == 1
    assert json.loads(p.stdout)["input"]["encoding"] == "gb18030"
    assert p.stderr == ""


@pytest.fixture
def inputs(tmp_path: Path) -> dict[str, Path]:
    """Copies of every kind of input a check reads, so that a failed refusal harms nothing."""
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "pack.yaml").write_text("pack: {name: office, version: '1', extends: qianqi-bundled}\n", encoding="utf-8")
    waivers = tmp_path / "waivers.yaml"
    waivers.write_text("waivers: []\n", encoding="utf-8")
    return {"ledger": Path(shutil.copy(DATA / "ledger_bom.csv", tmp_path / "ledger.csv")),
            "project": Path(shutil.copy(PROJECT, tmp_path / "project.yaml")),
            "waivers": waivers, "rules": rules / "pack.yaml"}


def check_args(inputs: dict[str, Path], output: Path | str, *extra: str) -> list[str]:
    return ["check", str(inputs["ledger"]), "--project", str(inputs["project"]), "--waivers", str(inputs["waivers"]),
            "--rules", str(inputs["rules"].parent), "--output", str(output), *extra]


@pytest.mark.parametrize("which", ["ledger", "project", "waivers", "rules"])
@pytest.mark.parametrize("fmt", ["table", "xlsx"])
def test_output_naming_an_input_is_refused_before_anything_is_written(capsys, inputs, which, fmt) -> None:
    before = {name: path.read_bytes() for name, path in inputs.items()}
    code, out, err = run(capsys, *check_args(inputs, inputs[which], "--format", fmt))
    assert code == 2 and out == ""
    assert "[output-is-input]" in err and str(inputs[which]) in err and "Traceback" not in err
    assert {name: path.read_bytes() for name, path in inputs.items()} == before


def test_output_naming_an_input_by_another_path_is_refused(capsys, inputs, tmp_path) -> None:
    """The same file by a relative path with ``..``, a symbolic link or a hard link."""
    ledger = inputs["ledger"]
    link = tmp_path / "link.csv"
    link.symlink_to(ledger)
    hard = tmp_path / "hard.csv"
    os.link(ledger, hard)
    before = ledger.read_bytes()
    for output in (tmp_path / "rules" / ".." / "ledger.csv", link, hard):
        code, _, err = run(capsys, *check_args(inputs, output))
        assert code == 2 and "[output-is-input]" in err, output
    assert ledger.read_bytes() == before


def test_output_naming_a_programme_project_file_is_refused(capsys, inputs, tmp_path) -> None:
    projects = tmp_path / "projects"
    projects.mkdir()
    target = Path(shutil.copy(inputs["project"], projects / "t01.yaml"))
    before = target.read_bytes()
    code, _, err = run(capsys, "check", str(inputs["ledger"]), "--projects", str(projects), "--output", str(target))
    assert code == 2 and "[output-is-input]" in err and target.read_bytes() == before


def test_output_next_to_the_inputs_is_written(capsys, inputs, tmp_path) -> None:
    target = tmp_path / "报告.txt"
    code, _, err = run(capsys, *check_args(inputs, target))
    assert code == 1 and "报告已写入" in err and "合计" in target.read_text(encoding="utf-8")
    code, _, err = run(capsys, *check_args(inputs, target))  # an earlier report is not an input
    assert code == 1, err
