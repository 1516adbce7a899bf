"""The streamed JSON and CSV reports are the renderers' documents byte for byte.

The command line writes ``--format json`` and ``--format csv`` piece by piece
(:mod:`qianqi_rules.report.json_stream`); these tests join the pieces and
compare them with the whole document as pydantic writes it, on the labelled
ledgers and the synthetic benchmark ledger (whose golden files
``tests/test_byte_identity.py`` guards), with pieces of one element each so that
every seam between pieces is crossed, and through the command line itself.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import sys
from pathlib import Path

import pytest

from qianqi_rules import check_ledger, load_project, load_rules
from qianqi_rules.cli import main
from qianqi_rules.pipeline import check_ledgers, stream_ledgers
from qianqi_rules.report import csv_report, json_report, json_stream
from qianqi_rules.report.cells import FINDING_HEADERS, finding_rows
from qianqi_rules.report.csv_report import csv_chunks, render_csv
from qianqi_rules.report.json_report import escape_json_controls, json_chunks, render_json

REPO = Path(__file__).parent.parent.parent
LABELLED = REPO / "tests" / "data" / "labelled"
LABELS = json.loads((LABELLED / "labels.json").read_text(encoding="utf-8"))
TODAY = dt.date(2026, 1, 15)


def _whole(report) -> str:
    """The document as one string, the way the renderer wrote it before it streamed."""
    return escape_json_controls(report.model_dump_json(indent=2)) + "\n"


def _whole_csv(report) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(FINDING_HEADERS)
    writer.writerows([csv_report._text(v) for v in row] for row in finding_rows(report))
    return "\ufeff".encode() + buffer.getvalue().encode("utf-8")


@pytest.fixture(scope="module")
def pack():
    return load_rules()


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory) -> tuple[list[Path], Path]:
    sys.path.insert(0, str(REPO / "benchmarks"))
    try:
        import synthetic as generator
    finally:
        sys.path.remove(str(REPO / "benchmarks"))
    out = tmp_path_factory.mktemp("synthetic")
    ledgers = []
    for seed in (7, 8):
        ledgers.append(out / f"ledger_{seed}.csv")
        generator.write_ledger(ledgers[-1], 1500, seed=seed)
    generator.write_project(out / "project.yaml")
    return ledgers, out / "project.yaml"


@pytest.mark.parametrize("batch", [1, 256])
@pytest.mark.parametrize("name", sorted(LABELS))
def test_labelled_streams_are_the_documents(pack, monkeypatch, name: str, batch: int) -> None:
    monkeypatch.setattr(json_stream, "_BATCH", batch)
    monkeypatch.setattr(csv_report, "_BATCH", batch)
    case = LABELS[name]
    report = check_ledger(LABELLED / case["ledger"], load_project(LABELLED / case["project"], pack), pack, today=TODAY)
    assert "".join(json_chunks(report)) == _whole(report) == render_json(report)
    assert b"".join(csv_chunks(report)) == _whole_csv(report) == render_csv(report)


@pytest.mark.parametrize("batch", [1, 3, 50])
def test_synthetic_streams_are_the_documents(pack, monkeypatch, synthetic, batch: int) -> None:
    monkeypatch.setattr(json_stream, "_BATCH", batch)
    monkeypatch.setattr(csv_report, "_BATCH", batch)
    ledgers, project_file = synthetic
    project = load_project(project_file, pack)
    for report in (check_ledger(ledgers[0], project, pack, today=TODAY),
                   check_ledgers(ledgers, project, pack, today=TODAY)):
        assert len(report.violations) > batch  # several pieces
        pieces = list(json_chunks(report))
        assert len(pieces) > 2
        assert "".join(pieces) == _whole(report)
        assert b"".join(csv_chunks(report)) == _whole_csv(report)


def test_a_lone_surrogate_streams_as_the_whole_document_does(pack, synthetic) -> None:
    """A ledger named by bytes that are not UTF-8: pydantic refuses the text, :mod:`json` writes it, escaped."""
    ledgers, project_file = synthetic
    report = check_ledger(ledgers[0], load_project(project_file, pack), pack, today=TODAY)
    odd = "台账\udcff.csv"
    report = report.model_copy(update={
        "input": report.input.model_copy(update={"path": odd}),
        "violations": [report.violations[0].model_copy(update={"message": "第一条\udcfe"}), *report.violations[1:]],
    })
    whole = escape_json_controls(json.dumps(report.model_dump(mode="json"), ensure_ascii=False, indent=2)) + "\n"
    text = "".join(json_chunks(report))
    assert text == whole
    assert "\\udcff" in text and "\\udcfe" in text
    assert json.loads(text)["input"]["path"] == odd


@pytest.mark.parametrize("fmt", ["json", "csv"])
def test_the_command_line_writes_the_streamed_document(pack, synthetic, tmp_path, capsysbinary, fmt: str) -> None:
    ledgers, project_file = synthetic
    out = tmp_path / f"report.{fmt}"
    args = ["check", str(ledgers[0]), "--project", str(project_file), "--format", fmt, "--today", TODAY.isoformat()]
    assert main([*args, "--output", str(out)]) == 1
    report = check_ledger(str(ledgers[0]), load_project(str(project_file), pack), pack, today=TODAY)
    want = _whole(report).encode("utf-8") if fmt == "json" else _whole_csv(report)
    assert out.read_bytes() == want
    capsysbinary.readouterr()
    assert main(args) == 1
    assert capsysbinary.readouterr().out == want


def _stream_cases(pack, synthetic):
    """(library report, a stream of the same check) on every labelled ledger and the synthetic ones."""
    for case in LABELS.values():
        project = load_project(LABELLED / case["project"], pack)
        ledger = LABELLED / case["ledger"]
        yield check_ledger(ledger, project, pack, today=TODAY), stream_ledgers([ledger], project, pack, today=TODAY)
    ledgers, project_file = synthetic
    project = load_project(project_file, pack)
    for files in ([ledgers[0]], ledgers):
        yield check_ledgers(files, project, pack, today=TODAY), stream_ledgers(files, project, pack, today=TODAY)


@pytest.mark.parametrize("long_rows", [-1, 0, 10**9])
def test_a_report_stream_writes_the_library_report(pack, synthetic, monkeypatch, long_rows: int) -> None:
    """What the command line writes (violations made one at a time; row lists longer than ``long_rows`` written
    from their arrays, in pieces of 2 rows; one element a piece) is the library's report byte for byte, in JSON
    and in CSV; and the stream collected is the library's report."""
    monkeypatch.setattr(json_stream, "_BATCH", 1)
    monkeypatch.setattr(json_stream, "_ROWS", 2)
    monkeypatch.setattr(csv_report, "LONG_ROWS", long_rows)
    monkeypatch.setattr(json_report, "LONG_ROWS", long_rows)
    apart = 0
    for report, stream in _stream_cases(pack, synthetic):
        assert stream.report() == report
        assert "".join(json_chunks(stream)) == render_json(report) == _whole(report)
        assert b"".join(csv_chunks(stream)) == render_csv(report) == _whole_csv(report)
        apart += sum(isinstance(v, tuple) for v in stream.lists(long_rows)["violations"])
    assert (apart > 0) == (long_rows < 10**9)


def test_a_long_row_list_is_written_as_pydantic_writes_it(pack, synthetic) -> None:
    """The synthetic ledger's budget totals list every row of their category: written from the array."""
    ledgers, project_file = synthetic
    stream = stream_ledgers([ledgers[0]], load_project(project_file, pack), pack, today=TODAY)
    long = [item for item in stream.lists(10)["violations"] if isinstance(item, tuple)]
    assert long and all(v.rows == [] and len(rows) > 10 for v, rows in long)
    for v, rows in long:
        whole = v.model_copy(update={"rows": list(rows)})
        assert "".join(json_stream._element((v, rows), "    ")) == json_stream._indented(whole, "    ")
