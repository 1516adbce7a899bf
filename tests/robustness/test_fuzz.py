"""Messy and hostile ledger files: the CLI never crashes, never prints a traceback, never loses a row.

A seeded fuzz run mutates real ledgers (flipped bytes, truncation, NUL bytes, lone CR line ends,
UTF-16, a 2 MB field, semicolons, unbalanced quotes, shuffled and repeated lines, random bytes);
hypothesis adds arbitrary bytes.  For every input the check exits 0, 1 or 2 within seconds; when
it reports, the JSON parses and rows_total = rows_checked + rows_rejected + rows_skipped; when it
cannot run, stderr has one short message with a code and no traceback.
"""

from __future__ import annotations

import io
import json
import random
import subprocess
import sys
import time
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from qianqi_rules.cli import main

REPO = Path(__file__).parent.parent.parent
DATA = REPO / "tests" / "data"
PROJECT = str(DATA / "project.yaml")
SEEDS = [REPO / "examples" / "ledger.csv", DATA / "ledger_gbk.csv", DATA / "ledger_bad_rows.csv",
         DATA / "ledger_bom.csv", DATA / "ledger_title_rows.csv", DATA / "ledger_export.csv"]
CASES = 300
SECONDS = 5.0


def mutate(data: bytes, rnd: random.Random) -> bytes:
    kind = rnd.randrange(11)
    if kind == 0:  # flipped bytes
        out = bytearray(data)
        for _ in range(rnd.randint(1, 30)):
            out[rnd.randrange(len(out))] = rnd.randrange(256)
        return bytes(out)
    if kind == 1:  # truncated anywhere, even inside a multi-byte character
        return data[: rnd.randrange(len(data))]
    if kind == 2:  # NUL bytes
        out = bytearray(data)
        for _ in range(rnd.randint(1, 10)):
            out.insert(rnd.randrange(len(out)), 0)
        return bytes(out)
    if kind == 3:  # classic Mac line ends
        return data.replace(b"\r\n", b"\r").replace(b"\n", b"\r")
    if kind == 4:  # UTF-16 with BOM
        for encoding in ("utf-8-sig", "gb18030"):
            try:
                return data.decode(encoding).encode("utf-16")
            except UnicodeDecodeError:
                continue
        return data
    if kind == 5:  # a 2 MB field
        lines = data.split(b"\n")
        at = rnd.randrange(1, max(2, len(lines)))
        lines.insert(at, b"2025-01-01,\xe4\xbc\x9a\xe8\xae\xae\xe8\xb4\xb9," + b"x" * (2 * 1024 * 1024) + b",1")
        return b"\n".join(lines)
    if kind == 6:  # semicolons
        return data.replace(b",", b";")
    if kind == 7:  # unbalanced quotes
        out = bytearray(data)
        for _ in range(rnd.randint(1, 3)):
            out.insert(rnd.randrange(len(out)), ord('"'))
        return bytes(out)
    if kind == 8:  # shuffled and repeated lines
        lines = data.split(b"\n")
        body = lines[1:] * rnd.randint(1, 3)
        rnd.shuffle(body)
        return b"\n".join(lines[:1] + body)
    if kind == 9:  # random bytes
        return bytes(rnd.randrange(256) for _ in range(rnd.randint(0, 400)))
    return data[: len(data) // 2] + data  # a second header in the middle


def run(path: Path) -> tuple[int, str, str, float]:
    out, err = io.StringIO(), io.StringIO()
    start = time.perf_counter()
    with redirect_stdout(out), redirect_stderr(err):
        code = main(["check", str(path), "--project", PROJECT, "--format", "json"])
    return code, out.getvalue(), err.getvalue(), time.perf_counter() - start


def assert_sound(path: Path) -> None:
    code, out, err, seconds = run(path)
    assert code in (0, 1, 2)
    assert seconds < SECONDS, f"{path} took {seconds:.1f}s"
    assert "Traceback" not in err and "internal-error" not in err, err
    if code == 2:
        assert out == ""
        assert err.startswith("qianqi-rules: ") and "[" in err, err
        return
    report = json.loads(out)
    inp = report["input"]
    assert inp["rows_total"] == inp["rows_checked"] + inp["rows_rejected"] + inp["rows_skipped"]
    assert inp["rows_rejected"] == len({e["row"] for e in report["input_errors"]})


def test_seeded_fuzz_over_mutated_real_ledgers(tmp_path: Path) -> None:
    rnd = random.Random(20261127)
    seeds = [p.read_bytes() for p in SEEDS]
    for case in range(CASES):
        path = tmp_path / f"case{case}.csv"
        path.write_bytes(mutate(rnd.choice(seeds), rnd))
        assert_sound(path)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.binary(max_size=3000))
def test_arbitrary_bytes(tmp_path_factory, data: bytes) -> None:
    path = tmp_path_factory.mktemp("bytes") / "ledger.csv"
    path.write_bytes(data)
    assert_sound(path)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(max_size=600))
def test_arbitrary_text_after_a_valid_header(tmp_path_factory, body: str) -> None:
    path = tmp_path_factory.mktemp("text") / "ledger.csv"
    path.write_bytes(("日期,科目,摘要,收款人,金额,发票号\n" + body).encode("utf-8", "replace"))
    assert_sound(path)


def test_as_a_real_process(tmp_path: Path) -> None:
    """A few cases through the installed entry point: exit status, no traceback, seconds not minutes."""
    rnd = random.Random(7)
    seeds = [p.read_bytes() for p in SEEDS]
    for case in range(5):
        path = tmp_path / f"p{case}.csv"
        path.write_bytes(mutate(rnd.choice(seeds), rnd))
        start = time.perf_counter()
        done = subprocess.run([sys.executable, "-m", "qianqi_rules", "check", str(path), "--project", PROJECT,
                               "--format", "json"], capture_output=True, text=True, timeout=60)
        assert done.returncode in (0, 1, 2)
        assert "Traceback" not in done.stderr
        assert time.perf_counter() - start < 30
