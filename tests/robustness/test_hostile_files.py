"""Hostile project, rule and waiver files are refused quickly, with the file named — never run."""

from __future__ import annotations

import io
import time
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

import pytest

from qianqi_rules.cli import main

REPO = Path(__file__).parent.parent.parent
LEDGER = str(REPO / "tests" / "data" / "ledger_bom.csv")
PROJECT = str(REPO / "tests" / "data" / "project.yaml")

BOMB = "\n".join(["a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
                 + [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]" for i in range(1, 10)]) + "\n"
HOSTILE = {
    "python-object": "!!python/object/apply:os.system ['touch /tmp/qianqi-pwned']\n",
    "python-name": "code: !!python/name:os.system\n",
    "alias-bomb": BOMB,
    "deep": "a: " + "[" * 200 + "]" * 200 + "\n",
    "huge": "# " + "x" * (6 * 1024 * 1024) + "\n",
}


def run(*args: str) -> tuple[int, str, float]:
    err = io.StringIO()
    start = time.perf_counter()
    with redirect_stdout(io.StringIO()), redirect_stderr(err):
        code = main(list(args))
    return code, err.getvalue(), time.perf_counter() - start


@pytest.mark.parametrize("kind", sorted(HOSTILE))
@pytest.mark.parametrize("role", ["project", "rules", "waivers"])
def test_hostile_yaml_is_refused_quickly(tmp_path: Path, kind: str, role: str) -> None:
    path = tmp_path / "hostile" / "file.yaml"
    path.parent.mkdir()
    path.write_text(HOSTILE[kind], encoding="utf-8")
    args = {
        "project": ["check", LEDGER, "--project", str(path)],
        "rules": ["check", LEDGER, "--project", PROJECT, "--rules", str(path.parent)],
        "waivers": ["check", LEDGER, "--project", PROJECT, "--waivers", str(path)],
    }[role]
    code, err, seconds = run(*args)
    assert code == 2 and seconds < 5
    assert str(path) in err and "Traceback" not in err
    assert not Path("/tmp/qianqi-pwned").exists()
