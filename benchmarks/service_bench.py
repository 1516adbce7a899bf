"""Benchmark of ``qianqi-rules serve`` (not a test): claims per second and latency, commit and preview.

    python benchmarks/service_bench.py [--claims 2000] [--clients 4] [--postgres URL]

Starts a real server process on loopback over a fresh SQLite file (and PostgreSQL when ``--postgres``
or QIANQI_TEST_POSTGRES_URL is given; its public schema is dropped and recreated), registers the
example project, and sends claims from ``--clients`` threads, each over its own keep-alive connection:
first committed (distinct invoice numbers, a few repeated), then previewed.  Prints a Markdown table.
Loopback only; the request count is bounded.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx

REPO = Path(__file__).parent.parent
sys.path.insert(0, str(REPO))

from tests.service.conftest import CODE, Server, register, reset_postgres  # noqa: E402

CATEGORIES = ["会议费", "差旅费", "劳务费", "其他费用", "委托业务费"]


def entry(n: int) -> dict:
    invoice = f"{(n // 50) * 50 if n % 50 == 49 else n:020d}"  # every 50th repeats an earlier invoice
    return {"date": f"2025-{4 + n % 9:02d}-{1 + n % 27:02d}", "category": CATEGORIES[n % len(CATEGORIES)],
            "amount": f"{100 + n % 900}.00", "invoice_no": invoice, "payee": f"供应商{n % 37}",
            "description": f"第{n}笔 项目推进支出"}


def run(url: str, claims: int, clients: int, commit: bool, offset: int) -> tuple[float, list[float]]:
    latencies: list[float] = []
    lock = threading.Lock()

    def worker(k: int) -> None:
        mine = []
        with httpx.Client(timeout=60) as client:
            for n in range(k, claims, clients):
                body = {"id": f"{'c' if commit else 'p'}-{offset + n}", "entry": entry(offset + n)}
                t = time.perf_counter()
                r = client.post(f"{url}/api/projects/{CODE}/claims", params={"commit": str(commit).lower()}, json=body)
                mine.append(time.perf_counter() - t)
                r.raise_for_status()
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=worker, args=(k,)) for k in range(clients)]
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return time.perf_counter() - start, latencies


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def bench(name: str, db_url: str, claims: int, clients: int) -> list[str]:
    server = Server(db_url).start()
    try:
        register(server.url)
        rows = []
        for label, commit in (("commit", True), ("preview", False)):
            elapsed, lat = run(server.url, claims, clients, commit, 0 if commit else claims)
            rows.append(f"| {name} | {label} | {claims} | {clients} | {claims / elapsed:,.0f} | "
                        f"{pct(lat, 50) * 1000:.1f} | {pct(lat, 99) * 1000:.1f} | {statistics.mean(lat) * 1000:.1f} |")
        report = httpx.get(f"{server.url}/api/projects/{CODE}/report", timeout=120).json()
        assert report["input"]["rows_checked"] == claims, "every committed claim is in the report"
        t = time.perf_counter()
        httpx.get(f"{server.url}/api/projects/{CODE}/report", timeout=120).raise_for_status()
        rows.append(f"| {name} | report over {claims} claims | 1 | 1 | — | {(time.perf_counter() - t) * 1000:.0f} | — | — |")
        return rows
    finally:
        server.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--claims", type=int, default=2000)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--postgres", default=os.environ.get("QIANQI_TEST_POSTGRES_URL"))
    args = parser.parse_args()
    print("| store | operation | claims | clients | claims/s | p50 ms | p99 ms | mean ms |")
    print("|---|---|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as tmp:
        for row in bench("SQLite", f"sqlite:///{Path(tmp) / 'bench.db'}", args.claims, args.clients):
            print(row, flush=True)
    if args.postgres:
        reset_postgres(args.postgres)
        for row in bench("PostgreSQL", args.postgres, args.claims, args.clients):
            print(row, flush=True)


if __name__ == "__main__":
    main()
