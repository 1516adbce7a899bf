"""Rules not run, merged one way for one file, several files and a programme (docs/report.md)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from qianqi_rules import check_ledger, load_project
from qianqi_rules.pipeline import check_ledgers
from qianqi_rules.programme import check_programme

DATA = Path(__file__).parent / "data"
WITH_PAYEE = ["序号,日期,费用科目,摘要,收款人,金额,发票号", "1,2025-03-01,差旅费,高铁票,铁路12306,300.00,A1"]
WITHOUT_PAYEE = ["序号,日期,费用科目,摘要,金额,发票号", "1,2025-03-02,差旅费,高铁票,200.00,A2"]
MISSING = "台账缺少 收款人（payee） 列"


@pytest.fixture
def files(tmp_path: Path) -> tuple[Path, Path, Path]:
    projects = tmp_path / "projects"
    projects.mkdir()
    shutil.copy(DATA / "project.yaml", projects / "project.yaml")
    a, b = tmp_path / "BJKX-QQ-T01_a.csv", tmp_path / "BJKX-QQ-T01_b.csv"
    a.write_text("\n".join(WITH_PAYEE) + "\n", encoding="utf-8")
    b.write_text("\n".join(WITHOUT_PAYEE) + "\n", encoding="utf-8")
    return a, b, projects


def _reasons(report) -> dict[str, str]:
    return {r.rule_id: r.reason for r in report.rules_not_run}


def test_one_file_gives_the_plain_reason(pack, files) -> None:
    _, b, projects = files
    report = check_ledger(b, load_project(projects / "project.yaml", pack), pack)
    assert _reasons(report)["QQ1010"] == MISSING


@pytest.mark.parametrize("jobs", [1, 2])
def test_a_rule_not_run_on_one_of_several_files_is_listed_with_that_file(pack, files, jobs: int) -> None:
    a, b, projects = files
    project_file = projects / "project.yaml"
    project = load_project(project_file, pack)
    many = check_ledgers([a, b], project, pack, jobs=jobs, sources=(None, project_file))
    assert _reasons(many)["QQ1010"] == f"{b}: {MISSING}"  # it ran on a.csv, not on b.csv: b's rows were not judged
    programme = check_programme([a, b], projects, pack, jobs=jobs)
    (report,) = programme.reports
    assert report.rules_not_run == many.rules_not_run  # the same merge for a programme's project


def test_a_rule_run_on_every_file_is_not_listed(pack, files) -> None:
    a, _, projects = files
    project = load_project(projects / "project.yaml", pack)
    many = check_ledgers([a, a], project, pack)
    assert "QQ1010" not in _reasons(many)
    assert "QQ1010" not in _reasons(check_programme([a], projects, pack).reports[0])
