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


# ------------------------------------------------------------------------------- one file cut into spans

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from qianqi_rules.engines import worker_cache  # noqa: E402
from qianqi_rules.errors import LedgerFileError  # noqa: E402
from qianqi_rules.feeding import Sources  # noqa: E402


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory):
    """A small synthetic ledger (quoted amounts, voucher numbers, a few violations) and its one-process report."""
    from synthetic import write_ledger, write_project

    folder = tmp_path_factory.mktemp("spans")
    write_ledger(folder / "l.csv", 400, seed=11)
    write_project(folder / "p.yaml")
    return folder / "l.csv", folder / "p.yaml"


def _spans_used(monkeypatch) -> list[int]:
    """Record how many spans each parallel feed read (0: it fell back to batches)."""
    used: list[int] = []
    real_spans, real_batches = feeding._feed_spans, feeding._feed_batches
    monkeypatch.setattr(feeding, "_feed_spans", lambda *a, **k: used.append(len(a[3])) or real_spans(*a, **k))
    monkeypatch.setattr(feeding, "_feed_batches", lambda *a, **k: used.append(0) or real_batches(*a, **k))
    return used


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(cuts=st.lists(st.floats(0.01, 0.95), min_size=1, max_size=7))
def test_any_cut_points_give_the_same_report(pack, synthetic, monkeypatch, cuts) -> None:
    ledger, project_path = synthetic
    project = load_project(project_path, pack)
    one = check_ledger(ledger, project, pack, today=TODAY).to_json()
    monkeypatch.setattr(feeding, "EXECUTOR", ThreadPoolExecutor)
    monkeypatch.setattr(feeding, "CUT_AT", [lambda size, parts: [int(c * size) for c in cuts]])
    used = _spans_used(monkeypatch)
    many = check_ledger(ledger, project, pack, today=TODAY, jobs=3, sources=(None, project_path)).to_json()
    assert used and used[0] >= 2  # it was cut: the rows, their numbers, the findings and the money all the same
    assert many == one


@pytest.mark.parametrize("name", sorted(LABELS))
def test_labelled_ledgers_cut_near_every_fifth_give_the_same_report(pack, monkeypatch, name) -> None:
    case = LABELS[name]
    project_path = LABELLED / case["project"]
    project = load_project(project_path, pack)
    one = check_ledger(LABELLED / case["ledger"], project, pack, today=TODAY).to_json()
    monkeypatch.setattr(feeding, "EXECUTOR", ThreadPoolExecutor)
    monkeypatch.setattr(feeding, "CUT_AT", [lambda size, parts: [size * k // 5 for k in range(1, 5)]])
    many = check_ledger(LABELLED / case["ledger"], project, pack, today=TODAY, jobs=2,
                        sources=(None, project_path)).to_json()
    assert many == one


def test_worker_processes_read_their_own_spans_with_the_same_report(pack, synthetic, monkeypatch) -> None:
    ledger, project_path = synthetic
    project = load_project(project_path, pack)
    one = check_ledger(ledger, project, pack, today=TODAY).to_json()
    used = _spans_used(monkeypatch)
    for jobs in (2, 3):
        many = check_ledger(ledger, project, pack, today=TODAY, jobs=jobs, sources=(None, project_path)).to_json()
        assert many == one, jobs
    assert used == [2, 3]


def test_a_file_that_cannot_be_cut_is_judged_in_batches(pack, tmp_path, monkeypatch) -> None:
    path = tmp_path / "l.csv"
    lines = ["日期,凭证号,费用科目,摘要,金额"] + [f"2025-03-01,记-{i:03d},差旅费,住宿,10.00" for i in range(40)]
    path.write_bytes("\r".join(lines).encode())  # a bare carriage return ends a line for the reader, not for a byte search
    project_path = EXPORTS / "project.yaml"
    project = load_project(project_path, pack)
    one = check_ledger(path, project, pack, today=TODAY).to_json()
    monkeypatch.setattr(feeding, "EXECUTOR", ThreadPoolExecutor)
    used = _spans_used(monkeypatch)
    assert check_ledger(path, project, pack, today=TODAY, jobs=2, sources=(None, project_path)).to_json() == one
    assert used == [0]


def test_a_span_that_cannot_be_read_fails_as_the_whole_file_does(pack, tmp_path, monkeypatch) -> None:
    import csv

    from qianqi_rules.ledger import csv_reader

    path = tmp_path / "l.csv"
    lines = ["日期,凭证号,费用科目,摘要,金额"] + [f"2025-03-01,记-{i:03d},差旅费,住宿,10.00" for i in range(40)]
    lines[35] = "2025-03-01,记-999,差旅费," + "住宿" * 40 + ",10.00"  # over the field limit: in a worker's span
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    project_path = EXPORTS / "project.yaml"
    project = load_project(project_path, pack)
    monkeypatch.setattr(csv_reader, "MAX_FIELD", 50)
    limit = csv.field_size_limit(50)
    try:
        with pytest.raises(LedgerFileError) as whole:
            check_ledger(path, project, pack, today=TODAY)
        monkeypatch.setattr(feeding, "EXECUTOR", ThreadPoolExecutor)
        used = _spans_used(monkeypatch)
        with pytest.raises(LedgerFileError) as parts:
            check_ledger(path, project, pack, today=TODAY, jobs=2, sources=(None, project_path))
    finally:
        csv.field_size_limit(limit)
    assert used == [2]
    assert (str(parts.value), parts.value.code) == (str(whole.value), whole.value.code)


# ------------------------------------------------------------------------------- how workers load the pack


def test_sources_load_once_per_process_and_again_when_the_project_file_changes(pack, tmp_path) -> None:
    project_path = tmp_path / "p.yaml"
    project_path.write_text((EXPORTS / "project.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    sources = Sources.of(None, project_path)
    first = sources.load()
    assert sources.load() is first  # cached: the second task on a worker loads nothing
    text = project_path.read_text(encoding="utf-8")
    project_path.write_text(text + "\n# edited\n", encoding="utf-8")
    assert sources.load() is not first


def test_seeding_puts_this_process_objects_where_workers_look(pack, tmp_path) -> None:
    project_path = tmp_path / "p.yaml"
    project_path.write_text((EXPORTS / "project.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    project = load_project(project_path, pack)
    sources = Sources.of(None, project_path)
    sources.load()
    sources.seed(pack, project)
    assert sources.load() == (pack, project) and sources.load()[1] is project


def test_worker_cache_builds_once_per_key_unless_asked_fresh() -> None:
    built: list[int] = []
    key = ("test", object())
    assert worker_cache(key, lambda: built.append(1) or "a") == "a"
    assert worker_cache(key, lambda: built.append(2) or "b") == "a"
    assert worker_cache(key, lambda: built.append(3) or "c", fresh=True) == "c"
    assert built == [1, 3]


def test_no_worker_initializer_is_left() -> None:
    """One mechanism: every pool starts plain, and its tasks load through worker_cache."""
    import inspect

    from qianqi_rules import engines, orchestrate, pipeline

    for module in (feeding, engines, orchestrate, pipeline):
        assert "initializer" not in inspect.getsource(module), module.__name__
    assert not hasattr(feeding, "start_worker") and not hasattr(feeding, "WORKER")


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(cuts=st.lists(st.floats(0.01, 0.95), min_size=1, max_size=5), wanted=st.sets(st.integers(1, 420), max_size=60))
def test_rows_read_again_span_by_span_are_the_rows_read_whole(synthetic, monkeypatch, cuts, wanted) -> None:
    from qianqi_rules.ledger import read_csv, split

    monkeypatch.setattr(feeding, "EXECUTOR", ThreadPoolExecutor)
    ledger = read_csv(synthetic[0])
    spans = split.plan(ledger, [int(c * ledger.size) for c in cuts])
    assert spans is not None
    assert sorted(feeding._rows_at(ledger, spans, wanted, 3), key=lambda r: r.row) == list(ledger.cells_at(wanted))
