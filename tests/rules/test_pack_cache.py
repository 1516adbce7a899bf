"""The pack cache: a warm check gives the very same report, skips rule-engine, and never trusts a bad file."""

from __future__ import annotations

import os
import pickle
import shutil
import subprocess
import sys
from pathlib import Path

from qianqi_rules.rules.cache import cache_key, cached_rules
from qianqi_rules.rules.pack import bundled_pack_path

REPO = Path(__file__).resolve().parents[2]
CHECK = ["check", str(REPO / "examples" / "ledger.csv"), "--project", str(REPO / "examples" / "project.yaml"),
         "--format", "json"]


def _run(cache: Path | str, *args: str) -> subprocess.CompletedProcess[bytes]:
    env = {**os.environ, "QIANQI_CACHE_DIR": str(cache)}
    return subprocess.run([sys.executable, "-m", "qianqi_rules", *args], capture_output=True, env=env, timeout=120)


def _pack_files(cache: Path) -> list[Path]:
    return sorted(cache.glob("*.pack"))


def test_warm_and_cold_reports_are_byte_identical(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    uncached = _run("off", *CHECK)
    cold = _run(cache, *CHECK)
    assert len(_pack_files(cache)) == 1
    warm = _run(cache, *CHECK)
    assert uncached.returncode == cold.returncode == warm.returncode == 1  # the example has findings
    assert b'"violations"' in cold.stdout
    assert cold.stdout == warm.stdout == uncached.stdout
    assert cold.stderr == warm.stderr


def test_warm_check_does_not_import_rule_engine(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    probe = ("import sys, io, contextlib\nfrom qianqi_rules.cli import main\n"
             "with contextlib.redirect_stdout(io.StringIO()):\n    main(sys.argv[1:])\n"
             "print(sorted(m for m in sys.modules if m.split('.')[0] == 'rule_engine')[:1])")
    env = {**os.environ, "QIANQI_CACHE_DIR": str(cache)}
    first = subprocess.run([sys.executable, "-c", probe, *CHECK], capture_output=True, text=True, env=env, timeout=120)
    assert first.stdout.strip() == "['rule_engine']"  # the cold run loads the pack with rule-engine
    second = subprocess.run([sys.executable, "-c", probe, *CHECK], capture_output=True, text=True, env=env, timeout=120)
    assert second.stdout.strip() == "[]", second.stderr


def test_corrupt_or_stale_cache_file_is_ignored_and_rebuilt(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    expected = _run("off", *CHECK).stdout
    _run(cache, *CHECK)
    (stored,) = _pack_files(cache)
    good = stored.read_bytes()
    header, _, payload = good.partition(b"\n")
    bad_variants = [
        good[: len(good) // 2],                                   # truncated
        header + b"\n" + payload[:100] + b"\xff" + payload[101:],  # a flipped byte: checksum differs
        header.replace(header.split(b" ")[1], b"0" * 64) + b"\n" + payload,  # another key (stale)
        b"",
    ]
    for bad in bad_variants:
        stored.write_bytes(bad)
        result = _run(cache, *CHECK)
        assert result.stdout == expected
        assert stored.read_bytes() != bad  # rebuilt and stored again
        assert cached_read_is_valid(stored)


def cached_read_is_valid(stored: Path) -> bool:
    header, _, payload = stored.read_bytes().partition(b"\n")
    return header.startswith(b"qqpack1 ") and len(payload) > 1000


class _Gadget:
    def __reduce__(self) -> tuple[object, ...]:
        return (os.system, ("touch should-not-exist",))


def test_a_well_formed_file_holding_foreign_objects_is_refused(tmp_path: Path, monkeypatch) -> None:
    import hashlib

    cache = tmp_path / "cache"
    monkeypatch.setenv("QIANQI_CACHE_DIR", str(cache))
    monkeypatch.chdir(tmp_path)
    keyed = cache_key([])
    assert keyed is not None
    key = keyed[0]
    payload = pickle.dumps(_Gadget())
    cache.mkdir()
    target = cache / f"{key[:32]}.pack"
    target.write_bytes(b"qqpack1 " + key.encode() + b" " + hashlib.sha256(payload).hexdigest().encode() + b"\n" + payload)
    from qianqi_rules.rules import cache as cache_module

    cache_module._LOADED.clear()
    pack = cached_rules(None)
    assert not (tmp_path / "should-not-exist").exists()
    assert pack.rules  # loaded from the files instead
    assert target.read_bytes().startswith(b"qqpack1 " + key.encode())
    assert cache_module._read(target, key, []) is not None  # what is stored now is the real pack


def test_key_follows_the_pack_files(tmp_path: Path) -> None:
    folder = tmp_path / "pack"
    shutil.copytree(bundled_pack_path(), folder)
    before = cache_key([folder])
    rules_file = sorted(folder.glob("*.yaml"))[-1]
    rules_file.write_text(rules_file.read_text(encoding="utf-8") + "\n# changed\n", encoding="utf-8")
    after = cache_key([folder])
    assert before is not None and after is not None
    assert before[0] != after[0]
    assert before[0] != cache_key([])[0]  # type: ignore[index]


def test_cache_can_be_turned_off(tmp_path: Path) -> None:
    result = _run("off", *CHECK)
    assert result.returncode == 1
    assert not list(tmp_path.rglob("*.pack"))


def test_an_overlay_is_cached_by_its_own_files(tmp_path: Path) -> None:
    overlay = tmp_path / "office"
    overlay.mkdir()
    pack_file = overlay / "pack.yaml"
    pack_file.write_text('pack:\n  name: office\n  version: "1"\n  extends: qianqi-bundled\n'
                         "overrides:\n  QQ1341:\n    disabled: true\n", encoding="utf-8")
    args = [*CHECK, "--rules", str(overlay)]
    cache = tmp_path / "cache"
    uncached = _run("off", *args).stdout
    assert _run(cache, *args).stdout == uncached
    assert _run(cache, *args).stdout == uncached  # warm
    pack_file.write_text(pack_file.read_text(encoding="utf-8").replace("disabled: true", "severity: info"),
                         encoding="utf-8")
    changed = _run("off", *args).stdout
    assert changed != uncached
    assert _run(cache, *args).stdout == changed  # the stored pack of the old files is not used
    assert len(_pack_files(cache)) == 2


def test_lint_and_test_load_from_the_files(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    _run(cache, *CHECK)
    probe = ("import sys, io, contextlib\nfrom qianqi_rules.cli import main\n"
             "with contextlib.redirect_stdout(io.StringIO()):\n    main(sys.argv[1:])\n"
             "print('rule_engine' in sys.modules)")
    env = {**os.environ, "QIANQI_CACHE_DIR": str(cache)}
    for command in ("lint", "test"):
        result = subprocess.run([sys.executable, "-c", probe, command], capture_output=True, text=True, env=env,
                                timeout=300, check=False)
        assert result.stdout.strip() == "True", result.stderr
