"""Engines: a programme's report is the same byte for byte in this process, in local workers and on Dask."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

from qianqi_rules.cli import main
from qianqi_rules.engines import EngineError, SerialEngine, engine
from qianqi_rules.programme import check_programme
from qianqi_rules.report.programme import render_programme_json

DATA = Path(__file__).parent / "data"
REPO = Path(__file__).parent.parent


def _square_plus(x: int, y: int = 0) -> int:
    return x * x + y


def _pair(a: int, b: int, c: int) -> tuple[int, int, int]:
    return a, b, c


@pytest.fixture(scope="module")
def programme(tmp_path_factory) -> tuple[list[str], Path]:
    """The cross-project fixture plus the bundled example, in two ledger files."""
    root = tmp_path_factory.mktemp("prog")
    projects = root / "projects"
    shutil.copytree(DATA / "programme" / "projects", projects)
    shutil.copy(REPO / "examples" / "project.yaml", projects / "example.yaml")
    ledgers = [str(DATA / "programme" / "ledgers" / "programme.csv"), str(REPO / "examples" / "ledger.csv")]
    return ledgers, projects


def test_engines_keep_the_order_of_their_items() -> None:
    items = list(range(30))
    expected = [x * x + 1 for x in items]
    with engine("local") as serial:
        assert isinstance(serial, SerialEngine) and serial.map(_square_plus, items, 1) == expected
    with engine("local", jobs=2) as pool:
        assert pool.map(_square_plus, items, 1) == expected
        assert pool.map(_pair, [(1, 2), (3, 4)], 9, star=True) == [(1, 2, 9), (3, 4, 9)]


def test_local_workers_give_the_same_report(programme, pack) -> None:
    ledgers, projects = programme
    one = check_programme(ledgers, projects, pack, jobs=1)
    two = check_programme(ledgers, projects, pack, jobs=2)
    assert render_programme_json(one) == render_programme_json(two)
    assert one.cross_project and one.reports


distributed = pytest.importorskip("distributed", reason="the dask extra is not installed (pip install '.[dask]')")


def test_dask_gives_the_same_report_byte_for_byte(programme, pack) -> None:
    ledgers, projects = programme
    local = check_programme(ledgers, projects, pack)
    on_dask = check_programme(ledgers, projects, pack, engine_name="dask", jobs=2)
    assert render_programme_json(on_dask) == render_programme_json(local)


def test_dask_on_an_existing_scheduler(programme, pack) -> None:
    ledgers, projects = programme
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
                                  silence_logs=40) as cluster:
        on_dask = check_programme(ledgers, projects, pack, engine_name="dask", scheduler=cluster.scheduler_address)
    assert render_programme_json(on_dask) == render_programme_json(check_programme(ledgers, projects, pack))


def test_an_unreachable_scheduler_is_named() -> None:
    with pytest.raises(EngineError) as info:
        with engine("dask", scheduler="tcp://127.0.0.1:9"):
            pass
    assert info.value.code == "engine-unreachable" and "127.0.0.1:9" in str(info.value)


def test_dask_without_the_extra_says_which_extra(monkeypatch) -> None:
    monkeypatch.setitem(sys.modules, "distributed", None)
    with pytest.raises(EngineError) as info:
        with engine("dask"):
            pass
    assert info.value.code == "engine-missing" and "qianqi-rules[dask]" in str(info.value)


def test_the_engine_options_belong_to_a_programme(capsys) -> None:
    code = main(["check", str(REPO / "examples" / "ledger.csv"), "--project", str(REPO / "examples" / "project.yaml"),
                 "--engine", "dask"])
    assert code == 2 and "[bad-arguments]" in capsys.readouterr().err
