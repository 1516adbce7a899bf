"""Benchmark: how long ``qianqi-rules check`` takes to start, cold and warm, against baselines of the same run.

    python benchmarks/start_bench.py [--runs 7]

Each run is a fresh process checking the 29-row example (``examples/``) with ``--format json``:

- *uncached*: the pack cache turned off (``QIANQI_CACHE_DIR=off``): every run imports rule-engine
  and loads, parses and type-checks the whole pack, as before the cache existed;
- *cold*: an empty cache folder each run (loads the pack and stores it);
- *warm*: the cache filled by a previous run (reads the stored pack; rule-engine is not imported);
- *python*: a bare ``python -c pass``, the floor no command can go below.

Medians of ``--runs`` runs, interleaved so that a busy machine slows every kind alike.  Compare the
ratios (warm ÷ uncached), not the seconds.  Every warm report is checked byte for byte against the
uncached one.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
CHECK = ["-m", "qianqi_rules", "check", str(REPO / "examples" / "ledger.csv"),
         "--project", str(REPO / "examples" / "project.yaml"), "--format", "json"]


def _timed(args: list[str], cache: str) -> tuple[float, bytes]:
    env = {**os.environ, "QIANQI_CACHE_DIR": cache}
    start = time.perf_counter()
    result = subprocess.run([sys.executable, *args], capture_output=True, env=env, check=False)
    return time.perf_counter() - start, result.stdout


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=7)
    runs = parser.parse_args().runs
    times: dict[str, list[float]] = {"python": [], "uncached": [], "cold": [], "warm": []}
    with tempfile.TemporaryDirectory() as tmp:
        warm_cache = str(Path(tmp) / "warm")
        _, reference = _timed(CHECK, "off")
        _timed(CHECK, warm_cache)  # fill the warm cache
        for i in range(runs):
            times["python"].append(_timed(["-c", "pass"], "off")[0])
            elapsed, uncached = _timed(CHECK, "off")
            times["uncached"].append(elapsed)
            times["cold"].append(_timed(CHECK, str(Path(tmp) / f"cold{i}"))[0])
            elapsed, warm = _timed(CHECK, warm_cache)
            times["warm"].append(elapsed)
            if warm != reference or uncached != reference:
                raise SystemExit("the warm report differs from the uncached one")
    median = {k: statistics.median(v) for k, v in times.items()}
    print(f"# start of `check` on the 29-row example — {platform.python_implementation()} "
          f"{platform.python_version()}, {os.cpu_count()} cores, {runs} runs each (median)")
    for kind in ("python", "uncached", "cold", "warm"):
        print(f"{kind:>9}: {median[kind]:.3f} s")
    print(f"warm ÷ uncached: {median['warm'] / median['uncached']:.2f}")
    print(f"cold ÷ uncached: {median['cold'] / median['uncached']:.2f}")
    print("warm reports byte-identical to uncached: yes")


if __name__ == "__main__":
    main()
