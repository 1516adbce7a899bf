"""Output streams that are hostile too: a reader that stops reading, a closed stdout, a GBK console.

Run as real processes, since what matters is what the interpreter does with
its own stdout and stderr (including the flush at exit).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).parent.parent.parent
LEDGER = str(REPO / "examples" / "ledger.csv")
PROJECT = str(REPO / "examples" / "project.yaml")
CHECK = [sys.executable, "-m", "qianqi_rules", "check", LEDGER, "--project", PROJECT]


def env(**extra: str) -> dict[str, str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHONIOENCODING", "QIANQI_"))}
    return {**base, **extra}


def quiet(stderr: str) -> None:
    assert "Traceback" not in stderr and "Exception ignored" not in stderr and "[internal-error]" not in stderr, stderr


@pytest.mark.parametrize("args", [["--format", "table"], ["--format", "json"], ["--format", "csv"]])
def test_reader_closing_the_pipe_early_ends_quietly_with_the_checks_status(args) -> None:
    """``qianqi-rules check … | head -0``: the reader has gone before anything is written."""
    proc = subprocess.Popen([*CHECK, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env())
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.close()  # before the interpreter has even started: every write meets a broken pipe
    stderr = proc.stderr.read().decode("utf-8", "replace")
    assert proc.wait(timeout=120) == 1  # the example ledger has errors; the status still says so
    quiet(stderr)
    assert stderr == ""


def test_help_into_a_closed_pipe_ends_quietly() -> None:
    proc = subprocess.Popen([sys.executable, "-m", "qianqi_rules", "check", "--help"], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, env=env())
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.close()
    stderr = proc.stderr.read().decode("utf-8", "replace")
    assert proc.wait(timeout=60) == 0
    assert stderr == ""


@pytest.mark.skipif(os.name == "nt", reason="closing a descriptor with the POSIX shell")
def test_closed_stdout_is_a_short_message_and_exit_2() -> None:
    """``qianqi-rules check … >&-``: there is nowhere to write the report."""
    command = " ".join(f"'{part}'" for part in CHECK) + " >&-"
    done = subprocess.run(["sh", "-c", command], capture_output=True, env=env(), timeout=120)
    stderr = done.stderr.decode("utf-8", "replace")
    assert done.returncode == 2
    quiet(stderr)
    assert "[output-unwritable]" in stderr


@pytest.fixture
def awkward_ledger(tmp_path: Path) -> Path:
    """The example ledger with a description GBK cannot encode: ✗, an emoji and a rare character."""
    text = Path(LEDGER).read_text(encoding="utf-8-sig")
    text = text.replace("员工", "员工✗😀", 1)
    assert "✗😀" in text
    path = tmp_path / "ledger.csv"
    path.write_text(text, encoding="utf-8")
    return path


def run_gbk(ledger: Path, *args: str) -> subprocess.CompletedProcess[bytes]:
    command = [sys.executable, "-m", "qianqi_rules", "check", str(ledger), "--project", PROJECT, *args]
    return subprocess.run(command, capture_output=True, env=env(PYTHONIOENCODING="gbk"), timeout=120)


def test_table_on_a_gbk_console_replaces_what_gbk_cannot_show(awkward_ledger) -> None:
    done = run_gbk(awkward_ledger)
    quiet(done.stderr.decode("gbk", "replace"))
    assert done.returncode == 1
    out = done.stdout.decode("gbk")  # every byte is GBK
    assert "员工\\u2717\\U0001f600" in out  # backslash escapes for what GBK has not
    assert "第十一条" in out  # Chinese is kept


def test_json_on_a_gbk_console_stays_valid_and_lossless(awkward_ledger) -> None:
    done = run_gbk(awkward_ledger, "--format", "json")
    quiet(done.stderr.decode("gbk", "replace"))
    assert done.returncode == 1
    doc = json.loads(done.stdout.decode("gbk"))
    descriptions = [e["description"] for v in doc["violations"] for e in v["entries"]]
    assert any("员工✗😀" in d for d in descriptions)


def test_errors_on_a_gbk_console_are_written_too(tmp_path) -> None:
    done = run_gbk(tmp_path / "台账✗😀.csv")
    assert done.returncode == 2
    stderr = done.stderr.decode("gbk")
    quiet(stderr)
    assert "[ledger-not-found]" in stderr and "台账" in stderr


# --- output redirected to a file on a GBK console (Chinese Windows: `qianqi-rules check … > 报告.txt`) -------

@pytest.mark.parametrize(("encoding", "fmt"), [("gbk", "table"), ("gbk", "json"), ("gbk", "csv"),
                                               ("gbk:strict", "table"), ("ascii", "json")])
def test_redirected_output_on_a_console_that_cannot_encode_exits_as_the_check_decides(
        awkward_ledger, tmp_path, encoding, fmt) -> None:
    """✗ and an emoji in ledger text, stdout redirected to a file: the status is the check's (1), never 2."""
    target = tmp_path / "out.txt"
    command = [sys.executable, "-m", "qianqi_rules", "check", str(awkward_ledger), "--project", PROJECT,
               "--format", fmt]
    with target.open("wb") as out:
        done = subprocess.run(command, stdout=out, stderr=subprocess.PIPE, env=env(PYTHONIOENCODING=encoding),
                              timeout=120)
    codec = encoding.split(":")[0]
    quiet(done.stderr.decode(codec, "replace"))
    assert done.returncode == 1
    data = target.read_bytes()
    if fmt == "csv":  # a file format: always UTF-8, whatever the console
        assert "员工✗😀" in data.decode("utf-8-sig")
    elif fmt == "json":
        doc = json.loads(data.decode(codec))  # escapes for what the console cannot write: the same document
        assert any("员工✗😀" in e["description"] for v in doc["violations"] for e in v["entries"])
    else:  # what the console cannot show is escaped; the rest is kept
        assert "员工✗😀".encode(codec, "backslashreplace").decode(codec) in data.decode(codec)


@pytest.mark.parametrize("fmt", ["table", "csv", "xlsx", "pdf"])
def test_output_files_are_utf8_whatever_the_console(awkward_ledger, tmp_path, fmt) -> None:
    if fmt == "pdf":
        pytest.importorskip("typst", reason="the PDF renderer is not installed: pip install '.[pdf]'")
    target = tmp_path / f"报告✗.{fmt}"
    done = run_gbk(awkward_ledger, "--format", fmt, "--output", str(target))
    quiet(done.stderr.decode("gbk", "replace"))
    assert done.returncode == 1, done.stderr.decode("gbk", "replace")
    data = target.read_bytes()
    if fmt in ("table", "json", "csv"):
        assert "员工✗😀" in data.decode("utf-8-sig")
    else:
        assert data[:4] in (b"PK\x03\x04", b"%PDF")
    assert "报告" in done.stderr.decode("gbk")  # the "written to" line, the ✗ of the file name escaped


def test_init_and_a_bad_project_workbook_on_a_gbk_console(tmp_path) -> None:
    target = tmp_path / "项目✗😀.xlsx"
    init = subprocess.run([sys.executable, "-m", "qianqi_rules", "init", str(target)], capture_output=True,
                          env=env(PYTHONIOENCODING="gbk"), timeout=120)
    quiet(init.stderr.decode("gbk", "replace"))
    assert init.returncode == 0 and target.exists()
    done = subprocess.run([sys.executable, "-m", "qianqi_rules", "check", LEDGER, "--project", str(target)],
                          capture_output=True, env=env(PYTHONIOENCODING="gbk"), timeout=120)
    stderr = done.stderr.decode("gbk")
    quiet(stderr)
    assert done.returncode == 2 and "[project-missing-field]" in stderr and "工作表“项目信息”" in stderr
