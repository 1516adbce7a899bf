"""A whole programme: ledgers paired with project files by code, split by code, unmatched rows reported."""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

import pytest

from qianqi_rules import ProjectFileError
from qianqi_rules.cli import main
from qianqi_rules.programme import check_programme

REPO = Path(__file__).parent.parent
DATA = Path(__file__).parent / "data"


@pytest.fixture
def programme(tmp_path: Path) -> tuple[Path, Path]:
    ledgers, projects = tmp_path / "ledgers", tmp_path / "projects"
    ledgers.mkdir()
    projects.mkdir()
    shutil.copy(REPO / "examples" / "project.yaml", projects / "a.yaml")
    shutil.copy(DATA / "project.yaml", projects / "t01.yaml")
    (projects / "idle.yaml").write_text("code: BJKX-QQ-IDLE\ngrantee: 某公司\nperiod: {start: 2025-01-01, end: 2025-12-31}\n",
                                        encoding="utf-8")
    shutil.copy(REPO / "examples" / "ledger.csv", ledgers / "a.csv")
    rows = [["日期", "科目", "摘要", "收款人", "金额", "项目编号"],
            ["2025-04-01", "会议费", "研讨会场地费", "北京友谊宾馆", "1000", "BJKX-QQ-2025-031"],
            ["2025-04-02", "其他费用", "员工年终奖", "张三", "500", "bjkx-qq-t01"],
            ["2025-04-03", "会议费", "研讨会场地费", "北京友谊宾馆", "800", "BJKX-QQ-2099-999"]]
    with (ledgers / "mixed.csv").open("w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows(rows)
    with (ledgers / "BJKX-QQ-T01_3月.csv").open("w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows([r[:5] for r in rows[:3]])
    with (ledgers / "unknown.csv").open("w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows([r[:5] for r in rows[:2]])
    return ledgers, projects


def test_pairing_splitting_and_unmatched(programme, pack) -> None:
    ledgers, projects = programme
    files = sorted(str(p) for p in ledgers.iterdir())
    result = check_programme(files, projects, pack)
    assert [p.code for p in result.projects] == ["BJKX-QQ-2025-031", "BJKX-QQ-T01"]
    t01 = next(r for r in result.reports if r.project.code == "BJKX-QQ-T01")
    assert t01.input.rows_total == 1 + 2  # one row of the mixed ledger, two rows of the file named after it
    assert any(v.rule_id == "QQ1110" for v in t01.violations)
    reasons = {(Path(u.path).name, u.project_code): u.rows for u in result.unmatched}
    assert reasons[("mixed.csv", "BJKX-QQ-2099-999")] == [4]
    assert reasons[("unknown.csv", None)] == [2]
    assert result.projects_without_ledger and "BJKX-QQ-IDLE" in result.projects_without_ledger[0]
    assert result.exit_code == 1
    for account in result.ledgers:  # every row of every file is accounted for, exactly once
        assert account.rows_total == account.rows_skipped + account.rows_unmatched + sum(account.rows_by_project.values())
    for report in result.reports:
        assert report.input.rows_total == sum(a.rows_by_project.get(report.project.code, 0) for a in result.ledgers)


def test_same_result_whatever_jobs(programme, capsys) -> None:
    ledgers, projects = programme
    outputs = []
    for jobs in ("1", "2"):
        main(["check", str(ledgers), "--projects", str(projects), "--format", "json", "--jobs", jobs])
        outputs.append(capsys.readouterr().out)
    assert outputs[0] == outputs[1]
    doc = json.loads(outputs[0])
    assert doc["summary"]["projects"] == 2 and doc["summary"]["rows_unmatched"] == 3  # a.csv row 26 names another project


def test_summary_table_and_spreadsheet(programme, capsys, tmp_path) -> None:
    import openpyxl

    ledgers, projects = programme
    assert main(["check", str(ledgers), "--projects", str(projects)]) == 1
    out = capsys.readouterr().out
    assert "项目汇总：2 个项目" in out and "BJKX-QQ-2099-999" in out and "没有台账的项目" in out
    target = tmp_path / "programme.xlsx"
    main(["check", str(ledgers), "--projects", str(projects), "--format", "xlsx", "--output", str(target)])
    book = openpyxl.load_workbook(target)
    assert book.sheetnames[0] == "项目汇总" and "未匹配的台账" in book.sheetnames
    assert book["项目汇总"].max_row == 3


def test_two_project_files_with_one_code_are_an_error(programme, pack) -> None:
    ledgers, projects = programme
    shutil.copy(projects / "t01.yaml", projects / "t01_copy.yaml")
    with pytest.raises(ProjectFileError) as info:
        check_programme([str(ledgers / "mixed.csv")], projects, pack)
    assert info.value.code == "projects-duplicate-code"
