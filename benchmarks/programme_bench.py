"""Benchmark: a whole programme (many projects, one ledger each) on each engine, in one run.

    python benchmarks/programme_bench.py [--projects 1000] [--rows 300] [--workers 2]

Reports the time of the programme check in this process (the baseline), on
``--jobs N`` local processes, and on a Dask LocalCluster of 1 and N workers,
each as a ratio to the baseline measured in the same run; and whether every
engine's JSON report is byte-identical to the baseline's.  A shared invoice
number and a shared expert are planted across projects so that the
cross-project checks have work.  Ratios, not seconds, are what to compare.
"""

from __future__ import annotations

import argparse
import csv
import json
import platform
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE))

from synthetic import write_ledger, write_project  # noqa: E402

from qianqi_rules import load_rules  # noqa: E402
from qianqi_rules.programme import check_programme  # noqa: E402
from qianqi_rules.report.programme import render_programme_json  # noqa: E402


def make_programme(root: Path, projects: int, rows: int) -> tuple[list[str], Path]:
    ledgers, folder = root / "ledgers", root / "projects"
    ledgers.mkdir()
    folder.mkdir()
    for i in range(projects):
        code = f"BJKX-QQ-P{i:04d}"
        write_project(folder / f"{code}.yaml", code)
        write_ledger(ledgers / f"{code}.csv", rows, seed=i, code=code)
    with (ledgers / "BJKX-QQ-P0000.csv").open("a", encoding="utf-8", newline="") as f:  # cross-project work
        csv.writer(f).writerow([rows + 1, "2025-06-01", "记-999", "专家咨询费", "工艺咨询专家费", "周九", "1,500.00",
                                "25119999999999999999", "BJKX-QQ-P0000"])
    with (ledgers / "BJKX-QQ-P0001.csv").open("a", encoding="utf-8", newline="") as f:
        csv.writer(f).writerow([rows + 1, "2025-06-01", "记-999", "专家咨询费", "工艺咨询专家费", "周九", "1,500.00",
                                "25119999999999999999", "BJKX-QQ-P0001"])
    return sorted(str(p) for p in ledgers.iterdir()), folder


def timed(fn):
    start = time.perf_counter()
    result = fn()
    return result, time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--projects", type=int, default=1000)
    parser.add_argument("--rows", type=int, default=300)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--out", type=Path, default=HERE / "out" / "programme.json")
    args = parser.parse_args()
    pack = load_rules()
    results: dict[str, object] = {"machine": {"python": platform.python_version(), "platform": platform.platform()},
                                  "projects": args.projects, "rows_per_project": args.rows}
    with tempfile.TemporaryDirectory() as tmp:
        files, folder = make_programme(Path(tmp), args.projects, args.rows)
        base, seconds = timed(lambda: check_programme(files, folder, pack))
        expected = render_programme_json(base)
        results["serial_s"] = round(seconds, 2)
        results["cross_project_findings"] = len(base.cross_project)
        runs = {f"local_jobs{args.workers}": dict(jobs=args.workers),
                "dask_1_worker": dict(engine_name="dask", jobs=1),
                f"dask_{args.workers}_workers": dict(engine_name="dask", jobs=args.workers)}
        for name, options in runs.items():
            report, seconds = timed(lambda: check_programme(files, folder, pack, **options))
            results[f"{name}_s"] = round(seconds, 2)
            results[f"{name}_speedup"] = round(results["serial_s"] / seconds, 2)  # type: ignore[operator]
            results[f"{name}_identical"] = render_programme_json(report) == expected
        results["dask_scaling_1_to_n"] = round(results["dask_1_worker_s"] / results[f"dask_{args.workers}_workers_s"], 2)  # type: ignore[operator]
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, ensure_ascii=False, indent=2), encoding="utf-8")
    for key, value in results.items():
        print(f"{key:32} {value}")


if __name__ == "__main__":
    main()
