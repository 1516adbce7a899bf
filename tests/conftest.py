"""Shared fixtures: the bundled pack, the test project, and small ledgers written on the fly."""

from __future__ import annotations

import csv
import io
import os
import tempfile
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

from qianqi_rules import Project, RulePack, load_project, load_rules

DATA = Path(__file__).parent / "data"

# The pack cache of every check run by the tests (in-process and in subprocesses) lives in a folder of
# this run, never in the user's own cache; a test about the cache sets its own folder.
os.environ["QIANQI_CACHE_DIR"] = tempfile.mkdtemp(prefix="qianqi-test-cache-")

# Property tests: enough examples to find edge cases, bounded so that CI stays quick.
settings.register_profile("default", max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("thorough", max_examples=1000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("default")
REPO = Path(__file__).parent.parent


@pytest.fixture(scope="session")
def pack() -> RulePack:
    return load_rules()


@pytest.fixture(scope="session")
def project(pack: RulePack) -> Project:
    return load_project(DATA / "project.yaml", pack)


@pytest.fixture
def write_csv(tmp_path: Path) -> Callable[..., Path]:
    """Write rows (header first) as a CSV file and return its path."""

    def write(rows: list[list[str]], *, name: str = "ledger.csv", encoding: str = "utf-8", tail: str = "") -> Path:
        buf = io.StringIO()
        csv.writer(buf, lineterminator="\r\n").writerows(rows)
        path = tmp_path / name
        path.write_bytes((buf.getvalue() + tail).encode(encoding))
        return path

    return write

