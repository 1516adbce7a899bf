"""Several files checked as one ledger: totals and repeats across files, the same result whatever --jobs."""

from __future__ import annotations

import csv
import json
from collections import Counter
from pathlib import Path

import pytest

from qianqi_rules import check_ledger, load_project
from qianqi_rules.cli import main
from qianqi_rules.pipeline import check_ledgers

REPO = Path(__file__).parent.parent
EXAMPLE = REPO / "examples" / "ledger.csv"
PROJECT = REPO / "examples" / "project.yaml"


@pytest.fixture
def parts(tmp_path: Path) -> list[Path]:
    rows = list(csv.reader(EXAMPLE.open(encoding="utf-8-sig", newline="")))
    header, data = rows[0], rows[1:]
    paths = []
    for index, chunk in enumerate((data[:10], data[10:20], data[20:])):
        path = tmp_path / f"part{index}.csv"
        with path.open("w", encoding="utf-8-sig", newline="") as f:
            csv.writer(f).writerows([header, *chunk])
        paths.append(path)
    return paths


def summary_of(report) -> Counter:
    """What does not depend on how the ledger is split: rule, money, and the entries by their own ids."""
    return Counter(
        (v.rule_id, v.amount, v.clawback, tuple(sorted(e.entry_id for e in v.entries)))
        for v in report.violations
    )


def test_split_ledger_gives_the_same_findings_as_the_whole(parts, pack) -> None:
    project = load_project(PROJECT, pack)
    whole = check_ledger(EXAMPLE, project, pack)
    split = check_ledgers(parts, project, pack)
    assert summary_of(split) == summary_of(whole)
    assert split.summary == whole.summary
    assert split.input.rows_total == whole.input.rows_total == sum(i.rows_total for i in split.inputs)
    duplicate = next(v for v in split.violations if v.rule_id == "QQ1310")
    assert duplicate.files == [str(parts[0]), str(parts[2])]  # the same invoice in two files


def test_result_does_not_depend_on_jobs(parts, capsys) -> None:
    outputs = []
    for jobs in ("1", "2"):
        code = main(["check", *map(str, parts), "--project", str(PROJECT), "--format", "json", "--jobs", jobs])
        outputs.append(capsys.readouterr().out)
        assert code == 1
    assert outputs[0] == outputs[1]
    doc = json.loads(outputs[0])
    assert len(doc["inputs"]) == 3 and doc["input"]["rows_total"] == 29


def test_a_directory_stands_for_its_csv_files(parts, capsys) -> None:
    code = main(["check", str(parts[0].parent), "--project", str(PROJECT), "--format", "json"])
    doc = json.loads(capsys.readouterr().out)
    assert code == 1 and len(doc["inputs"]) == 3
    empty = parts[0].parent / "empty"
    empty.mkdir()
    code = main(["check", str(empty), "--project", str(PROJECT)])
    assert code == 2 and "没有 .csv" in capsys.readouterr().err


def test_bad_rows_in_one_file_are_attributed_to_it(parts, pack) -> None:
    with parts[1].open("a", encoding="utf-8", newline="") as f:
        f.write("99,2025-13-01,记-1,会议费,坏日期,某人,100.00,,BJKX-QQ-2025-031\r\n")
    report = check_ledgers(parts, load_project(PROJECT, pack), pack)
    (error,) = report.input_errors
    assert error.file == str(parts[1]) and error.row == 12
