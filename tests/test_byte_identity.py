"""The whole JSON report, byte for byte, of every labelled ledger, export fixture, acceptance ledger and a
synthetic benchmark ledger (one file, several files, a programme, with waivers), against golden files.

A guard for refactoring: code that only moves must not change a single byte of a report.  When a change
*means* to change reports (a rule edited, a field added), regenerate the golden files and read the diff:

    QQ_UPDATE_GOLDEN=1 .venv/bin/python -m pytest -q tests/test_byte_identity.py

Absolute paths (the repository, the temporary folder) are written as ``<repo>`` and ``<tmp>`` so that the
golden files hold in any checkout.
"""

from __future__ import annotations

import datetime as dt
import importlib.util
import json
import os
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from qianqi_rules import check_ledger, load_project, load_rules
from qianqi_rules.pipeline import check_ledgers
from qianqi_rules.programme import check_programme
from qianqi_rules.rules.pack import bundled_pack_path
from qianqi_rules.waivers import Waiver

REPO = Path(__file__).parent.parent
GOLDEN = Path(__file__).parent / "data" / "golden"
LABELLED = Path("tests/data/labelled")
EXPORTS = Path("tests/data/exports")
ACCEPTANCE = REPO.parent / "shared" / "acceptance"
TODAY = dt.date(2026, 1, 15)
UPDATE = os.environ.get("QQ_UPDATE_GOLDEN") == "1"
LABELS = json.loads((REPO / LABELLED / "labels.json").read_text(encoding="utf-8"))


def _text(json_text: str, tmp: Path | None = None) -> str:
    # an installed package (CI installs with pip, not in place) ships the pack inside site-packages
    text = json_text.replace(str(bundled_pack_path()), str(REPO.resolve() / "rules"))
    text = text.replace(str(REPO.resolve()), "<repo>")
    if tmp is not None:
        text = text.replace(str(tmp), "<tmp>")
    return text + "\n"


def _compare(name: str, text: str) -> None:
    path = GOLDEN / f"{name}.json"
    if UPDATE:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8", newline="\n")
        return
    assert path.exists(), f"no golden file {path}; run with QQ_UPDATE_GOLDEN=1 to write it"
    want = path.read_text(encoding="utf-8")
    if text != want:
        got, golden = text.splitlines(), want.splitlines()
        first = next((i for i, (a, b) in enumerate(zip(got, golden, strict=False)) if a != b), min(len(got), len(golden)))
        lo = max(0, first - 3)
        pytest.fail(f"{name}: report differs from the golden file at line {first + 1}:\n"
                    f"golden: {golden[lo:first + 4]}\ngot:    {got[lo:first + 4]}")


@pytest.fixture
def in_repo(monkeypatch: pytest.MonkeyPatch) -> None:
    """Relative paths in reports: run from the repository root."""
    monkeypatch.chdir(REPO)


@pytest.mark.parametrize("name", sorted(LABELS))
def test_labelled_report_bytes(pack, in_repo, name: str) -> None:
    case = LABELS[name]
    project = load_project(LABELLED / case["project"], pack)
    report = check_ledger(LABELLED / case["ledger"], project, pack, today=TODAY)
    _compare(f"labelled/{name}", _text(report.to_json()))


EXPORT_FILES = sorted(p.name for p in (REPO / EXPORTS).glob("*") if p.is_file() and p.suffix not in {".yaml", ".json"})
REVIEW_FILES = sorted(p.name for p in (REPO / EXPORTS / "review").glob("*")
                      if p.is_file() and p.suffix not in {".yaml", ".json"})


@pytest.mark.parametrize("name", [*EXPORT_FILES, *(f"review/{n}" for n in REVIEW_FILES)])
def test_export_report_bytes(pack, in_repo, name: str) -> None:
    path = EXPORTS / name
    project = load_project(path.parent / "project.yaml", pack)
    try:
        text = check_ledger(path, project, pack, today=TODAY).to_json()
    except Exception as exc:  # a file the reader refuses: its coded message is the output to keep
        text = json.dumps({"error": type(exc).__name__, "message": str(exc)}, ensure_ascii=False, indent=2)
    _compare(f"exports/{name.replace('/', '_')}", _text(text))


def _acceptance_corpus(tmp_path: Path) -> Path:
    spec = importlib.util.spec_from_file_location("qq_acceptance_corpus", ACCEPTANCE / "corpus.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    out = tmp_path / "acceptance"
    out.mkdir()
    module.main(str(out))
    return out


@pytest.mark.skipif(not (ACCEPTANCE / "corpus.py").exists(), reason="the shared acceptance examples are not here")
def test_acceptance_report_bytes(pack, tmp_path: Path) -> None:
    out = _acceptance_corpus(tmp_path)
    labels = json.loads((out / "labels.json").read_text(encoding="utf-8"))
    for name, case in sorted(labels.items()):
        project = load_project(out / case["project"], pack)
        report = check_ledger(out / case["ledger"], project, pack, today=TODAY)
        _compare(f"acceptance/{name}", _text(report.to_json(), tmp_path))


def _synthetic(tmp_path: Path) -> tuple[list[Path], Path]:
    sys.path.insert(0, str(REPO / "benchmarks"))
    try:
        import synthetic
    finally:
        sys.path.remove(str(REPO / "benchmarks"))
    ledgers = []
    for seed in (7, 8, 9):
        path = tmp_path / f"ledger_{seed}.csv"
        synthetic.write_ledger(path, 1500, seed=seed)
        ledgers.append(path)
    projects = tmp_path / "projects"
    projects.mkdir()
    synthetic.write_project(projects / "project.yaml")
    return ledgers, projects / "project.yaml"


def _waivers(report) -> list[Waiver]:
    """Waive the first few errors of the unwaived report, plus one that matches nothing."""
    picked = [v for v in report.violations if v.severity == "error" and v.rows][:4]
    waivers = [Waiver.model_validate({"rule": v.rule_id, "row": v.rows[0], "reason": "经批准", "approved_by": "王会计",
                                      "until": dt.date(2026, 12, 31)}) for v in picked]
    waivers.append(Waiver.model_validate({"rule": "QQ1010", "row": 999999, "reason": "经批准", "approved_by": "王会计",
                                          "until": dt.date(2026, 12, 31)}))
    return waivers


@pytest.mark.parametrize("jobs", [1, 2])
def test_synthetic_report_bytes(tmp_path: Path, jobs: int) -> None:
    pack = load_rules()
    ledgers, project_file = _synthetic(tmp_path)
    project = load_project(project_file, pack)
    runs: dict[str, Callable[[], str]] = {
        "one": lambda: check_ledger(ledgers[0], project, pack, today=TODAY).to_json(),
        "many": lambda: check_ledgers(ledgers, project, pack, today=TODAY, jobs=jobs,
                                      sources=(None, project_file)).to_json(),
        "programme": lambda: check_programme(ledgers, project_file.parent, pack, today=TODAY, jobs=jobs).to_json(),
    }
    for name, run in runs.items():
        _compare(f"synthetic/{name}", _text(run(), tmp_path))
    waivers = _waivers(check_ledger(ledgers[0], project, pack, today=TODAY))
    waived = check_ledger(ledgers[0], project, pack, today=TODAY, waivers=waivers)
    _compare("synthetic/waived", _text(waived.to_json(), tmp_path))
    many = check_ledgers(ledgers, project, pack, today=TODAY, waivers=waivers)
    _compare("synthetic/many_waived", _text(many.to_json(), tmp_path))
