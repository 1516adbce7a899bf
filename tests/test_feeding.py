"""One ledger judged on several cores: the same report, byte for byte, as one process."""

from __future__ import annotations

import datetime as dt
import json
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from qianqi_rules import check_ledger, load_project
from qianqi_rules import feeding
from qianqi_rules.cli import main

REPO = Path(__file__).parent.parent
LABELLED = REPO / "tests" / "data" / "labelled"
EXPORTS = REPO / "tests" / "data" / "exports"
LABELS = json.loads((LABELLED / "labels.json").read_text(encoding="utf-8"))
TODAY = dt.date(2026, 1, 15)
sys.path.insert(0, str(REPO / "benchmarks"))


@pytest.fixture
def threads(monkeypatch):
    """The parallel path on threads and in tiny batches: every batch seam is crossed, quickly."""
    monkeypatch.setattr(feeding, "EXECUTOR", ThreadPoolExecutor)
    monkeypatch.setattr(feeding, "BATCH_ROWS", [3])


@pytest.mark.parametrize("name", sorted(LABELS))
def test_labelled_ledgers_give_the_same_report(pack, threads, name) -> None:
    case = LABELS[name]
    project_path = LABELLED / case["project"]
    project = load_project(project_path, pack)
    one = check_ledger(LABELLED / case["ledger"], project, pack, today=TODAY).to_json()
    many = check_ledger(LABELLED / case["ledger"], project, pack, today=TODAY, jobs=2,
                        sources=(None, project_path)).to_json()
    assert many == one


@pytest.mark.parametrize("path", sorted(p for p in [*EXPORTS.glob("*"), *(EXPORTS / "review").glob("*")]
                                        if p.is_file() and p.suffix not in {".yaml", ".json"}), ids=lambda p: p.name)
def test_export_shapes_give_the_same_report(pack, threads, path) -> None:
    project_path = path.parent / "project.yaml"
    project = load_project(project_path, pack)
    try:
        one = check_ledger(path, project, pack, today=TODAY).to_json()
    except Exception as exc:  # a file the reader refuses is refused the same way
        with pytest.raises(type(exc)):
            check_ledger(path, project, pack, today=TODAY, jobs=2, sources=(None, project_path))
        return
    many = check_ledger(path, project, pack, today=TODAY, jobs=3, sources=(None, project_path)).to_json()
    assert many == one


def test_worker_processes_give_the_same_report_on_a_synthetic_ledger(pack, tmp_path, monkeypatch) -> None:
    from synthetic import write_ledger, write_project

    write_ledger(tmp_path / "l.csv", 3000, seed=5)
    write_project(tmp_path / "p.yaml")
    monkeypatch.setattr(feeding, "BATCH_ROWS", [700])
    project = load_project(tmp_path / "p.yaml", pack)
    one = check_ledger(tmp_path / "l.csv", project, pack, today=TODAY).to_json()
    for jobs in (2, 3):
        many = check_ledger(tmp_path / "l.csv", project, pack, today=TODAY, jobs=jobs,
                            sources=(None, tmp_path / "p.yaml")).to_json()
        assert many == one, jobs


def test_the_cli_uses_all_cores_on_one_file_with_the_same_output(tmp_path, capsys) -> None:
    ledger, project = str(REPO / "examples" / "ledger.csv"), str(REPO / "examples" / "project.yaml")
    code_one = main(["check", ledger, "--project", project, "--format", "json", "--today", "2026-01-15"])
    one = capsys.readouterr().out
    code_two = main(["check", ledger, "--project", project, "--format", "json", "--today", "2026-01-15", "--jobs", "2"])
    assert (code_two, capsys.readouterr().out) == (code_one, one)
