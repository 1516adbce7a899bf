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
