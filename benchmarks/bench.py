"""Benchmark: a large synthetic ledger through the check, against baselines measured in the same run.

    python benchmarks/bench.py [--rows 200000] [--memory-rows 1000000]

Reports rows per second, time relative to a bare csv.reader pass over the same
file, the speed-up of compiled conditions over rule-engine's ``Rule.matches``
on the same rules and entries, whether both give identical findings, peak
memory (each memory figure from a fresh process), and how the check scales when
one invoice number is on every row (``--repeat-rows``: the time for that many
rows over the time for a tenth of them; linear bookkeeping gives about 10, the
quadratic one it replaced gave about 30 at 100,000 rows).  Ratios, not timings, are
what to compare between machines.
"""

from __future__ import annotations

import argparse
import csv
import json
import platform
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE))

from synthetic import write_ledger, write_project  # noqa: E402

from qianqi_rules import check_ledger, load_project, load_rules  # noqa: E402
from qianqi_rules.evaluate.context import EntryContext  # noqa: E402
from qianqi_rules.ledger import RawRow, read_csv  # noqa: E402
from qianqi_rules.normalise import RowNormaliser  # noqa: E402


def best_of(runs: int, fn) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def bare_csv_pass(path: Path) -> None:
    with open(path, encoding="utf-8-sig", newline="") as f:
        for _ in csv.reader(f):
            pass


def condition_loops(path: Path, project_path: Path, sample: int) -> tuple[float, float, int]:
    """Seconds per (rule, entry) for Rule.matches and for the compiled closures, same rules, same contexts."""
    pack = load_rules()
    project = load_project(project_path, pack)
    context = EntryContext(pack, project)
    ledger = read_csv(path)
    normalise = RowNormaliser(ledger.headers)
    contexts = []
    for item in ledger.rows():
        if isinstance(item, RawRow):
            entry = normalise(item)
            if not isinstance(entry, list):
                ctx, _ = context.build(entry)
                plain = context.resolved(ctx)  # lazy values computed once, outside both timings
                contexts.append({**plain, **{k: set(v) for k, v in plain.items() if isinstance(v, frozenset)}})
        if len(contexts) >= sample:
            break
    conditions = [r.when for r in pack.active_rules if r.kind == "entry"]
    engine = [c.rule for c in conditions]
    compiled = [c.closure for c in conditions]
    start = time.perf_counter()
    for ctx in contexts:
        for rule in engine:
            rule.matches(ctx)
    slow = time.perf_counter() - start
    start = time.perf_counter()
    for ctx in contexts:
        for fn in compiled:
            fn(ctx)
    fast = time.perf_counter() - start
    pairs = len(contexts) * len(conditions)
    return slow / pairs, fast / pairs, len(conditions)


def one_invoice_ratio(out: Path, project, pack, rows: int) -> dict[str, object]:
    """Seconds for ``rows // 10`` and ``rows`` rows that all carry one invoice number, and their ratio."""
    seconds = []
    for n in (rows // 10, rows):
        path = out / f"ledger_one_invoice_{n}.csv"
        write_ledger(path, n, seed=17, invoice="25110000000000000001")
        seconds.append(best_of(1, lambda path=path: check_ledger(path, project, pack)))
    return {
        "one_invoice_rows": [rows // 10, rows],
        "one_invoice_s": [round(t, 3) for t in seconds],
        "one_invoice_ratio": round(seconds[1] / seconds[0], 1),
    }


def jobs_ratio(ledger: Path, project, pack, project_path: Path, jobs: int, reps: int) -> dict[str, object]:
    """One process against ``jobs`` on one file: the file cut into spans, and (the design before it) read in this
    process and judged in batches.  Interleaved, ``reps`` times; medians, the main process's CPU seconds, the load."""
    import os
    import resource
    import statistics

    from qianqi_rules import feeding

    def timed(mode: str) -> tuple[float, float, str]:
        cut = feeding.CUT_AT[0]
        if mode == "batches":
            feeding.CUT_AT[0] = lambda size, parts: []  # no cut: read here, judged in batches
        try:
            children = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpu, wall = time.process_time(), time.perf_counter()
            text = (check_ledger(ledger, project, pack) if mode == "one" else
                    check_ledger(ledger, project, pack, jobs=jobs, sources=(None, project_path))).to_json()
            wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
            done = resource.getrusage(resource.RUSAGE_CHILDREN)  # the pool's workers, reaped when it closed
            return wall, cpu, done.ru_utime + done.ru_stime - children.ru_utime - children.ru_stime, text
        finally:
            feeding.CUT_AT[0] = cut

    runs: dict[str, list[tuple[float, float, float]]] = {"one": [], "spans": [], "batches": []}
    texts: set[str] = set()
    loads = [os.getloadavg()[0]]
    for rep in range(reps):
        order = ["one", "spans", "batches"] if rep % 2 == 0 else ["batches", "spans", "one"]
        for mode in order:
            wall, cpu, workers, text = timed(mode)
            runs[mode].append((wall, cpu, workers))
            texts.add(text)
        loads.append(os.getloadavg()[0])
    median = {mode: statistics.median(w for w, _, _ in got) for mode, got in runs.items()}

    def busiest(mode: str) -> float:
        """The wall time the CPU seconds allow on idle cores: the busiest process (this one, or a worker's
        share), or all the work over the cores its processes can use, whichever is longer."""
        workers = jobs - 1 if mode == "spans" else jobs  # spans: this process reads the first
        cores = min(os.cpu_count() or 1, workers + 1)
        return statistics.median(max(c, w / workers, (c + w) / cores) for _, c, w in runs[mode])

    one_cpu = statistics.median(c for _, c, _ in runs["one"])
    return {
        f"jobs{jobs}_reps": reps,
        f"jobs{jobs}_load_1min": [round(x, 2) for x in loads],
        f"jobs{jobs}_wall_s": {mode: [round(w, 2) for w, _, _ in got] for mode, got in runs.items()},
        f"jobs{jobs}_main_cpu_s": {mode: [round(c, 2) for _, c, _ in got] for mode, got in runs.items()},
        f"jobs{jobs}_workers_cpu_s": {mode: [round(w, 2) for _, _, w in got] for mode, got in runs.items()},
        f"jobs{jobs}_speedup_spans": round(median["one"] / median["spans"], 2),
        f"jobs{jobs}_speedup_batches": round(median["one"] / median["batches"], 2),
        f"jobs{jobs}_speedup_spans_per_rep": [round(o[0] / s[0], 2) for o, s in zip(runs["one"], runs["spans"])],
        f"jobs{jobs}_cpu_bound_speedup_spans": round(one_cpu / busiest("spans"), 2),
        f"jobs{jobs}_cpu_bound_speedup_batches": round(one_cpu / busiest("batches"), 2),
        f"jobs{jobs}_identical": len(texts) == 1,
    }


MEMORY_SCRIPT = """
import resource, sys
from qianqi_rules import check_ledger, load_project, load_rules

def peak_kb():
    # VmHWM is this process's own high-water mark; ru_maxrss would include the parent's before exec
    try:
        for line in open("/proc/self/status"):
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss

pack = load_rules(); project = load_project(sys.argv[2], pack)
if sys.argv[1] != "-":
    report = check_ledger(sys.argv[1], project, pack)
    print(len(report.violations), file=sys.stderr)
print(peak_kb())
"""


#: the peak function of MEMORY_SCRIPT, shared by the command-line measurement
_PEAK = MEMORY_SCRIPT[MEMORY_SCRIPT.index("def peak_kb"):MEMORY_SCRIPT.index("pack = load_rules()")]
CLI_MEMORY_SCRIPT = "import resource, sys, time\nfrom qianqi_rules.cli import main\n" + _PEAK + """
start = time.perf_counter()
main(["check", sys.argv[1], "--project", sys.argv[2], "--format", sys.argv[3], "--output", sys.argv[4]])
print(round(time.perf_counter() - start, 2), file=sys.stderr)
print(peak_kb())
"""


def cli_peak_rss_mb(ledger: str, project: Path, fmt: str, out: Path) -> tuple[float, float]:
    """Peak resident memory and seconds of a fresh process running ``qianqi-rules check --format fmt --output``."""
    done = subprocess.run([sys.executable, "-c", CLI_MEMORY_SCRIPT, ledger, str(project), fmt, str(out)],
                          capture_output=True, text=True, check=True)
    seconds = float(done.stderr.strip().splitlines()[-1])
    return int(done.stdout.strip()) / 1024, seconds


def peak_rss_mb(ledger: str, project: Path) -> tuple[float, int]:
    """Peak resident memory of a fresh process checking ``ledger`` ("-": only loading), and its findings."""
    out = subprocess.run([sys.executable, "-c", MEMORY_SCRIPT, ledger, str(project)], capture_output=True,
                         text=True, check=True)
    findings = int(out.stderr.strip() or 0)
    return int(out.stdout.strip()) / 1024, findings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--memory-rows", type=int, default=1_000_000, help="0 to skip the memory run")
    parser.add_argument("--repeat-rows", type=int, default=100_000,
                        help="rows of the one-invoice ledger (compared with a tenth of them); 0 to skip")
    parser.add_argument("--sample", type=int, default=2_000, help="entries for the Rule.matches comparison")
    parser.add_argument("--jobs", type=int, default=2, help="worker processes for the one-file parallel check; 1 to skip")
    parser.add_argument("--jobs-reps", type=int, default=3, help="interleaved repetitions of the --jobs measure")
    parser.add_argument("--jobs-only", action="store_true", help="only the --jobs measure (for a loaded machine)")
    parser.add_argument("--out", type=Path, default=HERE / "out")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    ledger, project_path = args.out / f"ledger_{args.rows}.csv", args.out / "project.yaml"
    write_project(project_path)
    write_ledger(ledger, args.rows)  # always written afresh: a ledger left by an older generator would mislead
    pack = load_rules()
    project = load_project(project_path, pack)

    if args.jobs_only:
        print(json.dumps({"rows": args.rows, **jobs_ratio(ledger, project, pack, project_path, args.jobs,
                                                         args.jobs_reps)}, ensure_ascii=False, indent=2))
        return
    bare = best_of(3, lambda: bare_csv_pass(ledger))
    report = None

    def run() -> None:
        nonlocal report
        report = check_ledger(ledger, project, pack)

    full = best_of(2, run)
    assert report is not None
    slow, fast, conditions = condition_loops(ledger, project_path, args.sample)

    same_rows = min(args.rows, 20_000)
    small = args.out / f"ledger_{same_rows}.csv"
    write_ledger(small, same_rows, seed=11)
    identical = (check_ledger(small, project, pack).to_json()
                 == check_ledger(small, project, pack.reference()).to_json())

    results = {
        "machine": {"python": platform.python_version(), "platform": platform.platform(),
                    "processor": platform.processor() or platform.machine()},
        "rows": args.rows,
        "violations": len(report.violations),
        "bare_csv_pass_s": round(bare, 3),
        "check_s": round(full, 3),
        "rows_per_second": round(args.rows / full),
        "check_vs_bare_csv": round(full / bare, 1),
        "entry_conditions": conditions,
        "rule_matches_us_per_condition": round(slow * 1e6, 2),
        "compiled_us_per_condition": round(fast * 1e6, 3),
        "compiled_speedup": round(slow / fast, 1),
        "identical_findings_rows": same_rows,
        "identical_findings": identical,
    }
    if args.jobs > 1:  # one file on several cores, against the one-process check, interleaved in this run
        results.update(jobs_ratio(ledger, project, pack, project_path, args.jobs, args.jobs_reps))
    if args.repeat_rows:
        results.update(one_invoice_ratio(args.out, project, pack, args.repeat_rows))
    if args.memory_rows:
        big = args.out / f"ledger_{args.memory_rows}.csv"
        write_ledger(big, args.memory_rows, seed=13)
        results["memory_rows"] = args.memory_rows
        results["peak_rss_mb_idle"] = round(peak_rss_mb("-", project_path)[0], 1)
        peak, findings = peak_rss_mb(str(big), project_path)
        results["peak_rss_mb_check"] = round(peak, 1)
        results["memory_run_findings"] = findings
        peak, seconds = cli_peak_rss_mb(str(big), project_path, "json", args.out / "report_memory.json")
        results["peak_rss_mb_cli_json"] = round(peak, 1)
        results["cli_json_s"] = seconds
    (args.out / "results.json").write_text(json.dumps(results, ensure_ascii=False, indent=2), encoding="utf-8")
    width = max(len(k) for k in results)
    for key, value in results.items():
        print(f"{key:<{width}}  {value}")


if __name__ == "__main__":
    main()
