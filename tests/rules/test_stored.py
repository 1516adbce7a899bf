"""Built objects kept in the cache folder: read back only when this code stored them for these inputs."""

from __future__ import annotations

import pickle
from pathlib import Path

import pytest

from qianqi_rules.rules import places
from qianqi_rules.rules.pack import bundled_pack_path
from qianqi_rules.rules.places import Gazetteer, gazetteer_of
from qianqi_rules.rules.stored import read_stored, stored, write_stored

DIVISIONS = bundled_pack_path() / "places" / "divisions.csv"


@pytest.fixture
def cache(tmp_path: Path, monkeypatch) -> Path:
    folder = tmp_path / "cache"
    monkeypatch.setenv("QIANQI_CACHE_DIR", str(folder))
    places.load_gazetteer.cache_clear()
    yield folder
    places.load_gazetteer.cache_clear()


def _answers(gazetteer: Gazetteer) -> list[object]:
    texts = ["新疆喀什", "广东省广州市番禺区", "塔什库尔干塔吉克自治县", "朝阳区", "在浦东新区开会", "西安"]
    return [(gazetteer.places(t), gazetteer.places_in_text(t)) for t in texts]


def test_the_division_table_is_stored_once_and_read_back_the_same(cache: Path) -> None:
    built = gazetteer_of(DIVISIONS.read_bytes())
    first = places.load_gazetteer(str(DIVISIONS))
    files = list(cache.glob("gazetteer-*.bin"))
    assert len(files) == 1
    places.load_gazetteer.cache_clear()
    calls = []
    monkey = places.gazetteer_of
    try:
        places.gazetteer_of = lambda source: calls.append(source) or monkey(source)  # type: ignore[assignment]
        again = places.load_gazetteer(str(DIVISIONS))
    finally:
        places.gazetteer_of = monkey  # type: ignore[assignment]
    assert calls == []  # read back, not rebuilt
    assert first is not None and again is not None
    assert _answers(again) == _answers(first) == _answers(built)


def test_another_file_has_another_key(cache: Path, tmp_path: Path) -> None:
    changed = tmp_path / "divisions.csv"
    changed.write_bytes(DIVISIONS.read_bytes() + "990101,测试新区\n".encode())
    places.load_gazetteer(str(DIVISIONS))
    table = places.load_gazetteer(str(changed))
    assert table is not None and table.places("测试新区")
    assert len(list(cache.glob("gazetteer-*.bin"))) == 2


@pytest.mark.parametrize("damage", ["truncate", "flip", "empty", "foreign"])
def test_a_damaged_or_foreign_file_is_rebuilt(cache: Path, tmp_path: Path, damage: str) -> None:
    places.load_gazetteer(str(DIVISIONS))
    (file,) = cache.glob("gazetteer-*.bin")
    data = file.read_bytes()
    header, _, payload = data.partition(b"\n")
    if damage == "truncate":
        file.write_bytes(data[: len(data) // 2])
    elif damage == "flip":
        file.write_bytes(header + b"\n" + payload[:50] + bytes([payload[50] ^ 0xFF]) + payload[51:])
    elif damage == "empty":
        file.write_bytes(b"")
    else:  # a well-formed file holding something else than a table
        write_stored(file, header.split(b" ")[1].decode(), {"not": "a table"})
    places.load_gazetteer.cache_clear()
    table = places.load_gazetteer(str(DIVISIONS))
    assert isinstance(table, Gazetteer)
    assert _answers(table) == _answers(gazetteer_of(DIVISIONS.read_bytes()))
    assert isinstance(read_stored(file, header.split(b" ")[1].decode()), Gazetteer)  # stored again, right


class _Gadget:
    def __reduce__(self) -> tuple[object, ...]:
        import os

        return (os.system, ("touch should-not-exist",))


def test_a_file_that_would_run_code_is_refused(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    import hashlib

    payload = pickle.dumps(_Gadget())
    target = tmp_path / "x.bin"
    target.write_bytes(b"qqpack1 k " + hashlib.sha256(payload).hexdigest().encode() + b"\n" + payload)
    assert read_stored(target, "k") is None
    assert not (tmp_path / "should-not-exist").exists()


def test_caching_off_builds_every_time(monkeypatch, tmp_path: Path) -> None:
    monkeypatch.setenv("QIANQI_CACHE_DIR", "off")
    monkeypatch.setenv("HOME", str(tmp_path))
    built = []
    value = stored("thing", b"source", lambda: built.append(1) or [1, 2], lambda v: isinstance(v, list))
    value = stored("thing", b"source", lambda: built.append(1) or [1, 2], lambda v: isinstance(v, list))
    assert value == [1, 2] and built == [1, 1]
    assert not any(tmp_path.rglob("*.bin"))
