"""Durability: kill -9 during commits loses no acknowledged claim and books none twice or by halves;
parallel commits of one invoice number let exactly one pass — on one instance or two sharing a database."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from sqlalchemy import create_engine, text

from .conftest import CODE, Server, claim, register

THREADS = 6


def _engine(url: str):
    return create_engine(url.replace("postgresql://", "postgresql+psycopg://"))


def test_kill_during_commits(db_url: str) -> None:
    server = Server(db_url).start()
    register(server.url)
    acknowledged: dict[str, int] = {}
    sent: set[str] = set()
    lock = threading.Lock()
    stop = threading.Event()

    def commits(worker: int) -> None:
        with httpx.Client(timeout=30) as client:
            for n in range(10_000):
                if stop.is_set():
                    return
                claim_id = f"w{worker}-{n}"
                with lock:
                    sent.add(claim_id)
                try:
                    r = claim(server.url, claim_id, invoice=f"{worker:02d}{n:08d}", client=client)
                except httpx.TransportError:
                    return  # the server died under this request: it was never acknowledged
                if r.status_code != 200:
                    return
                with lock:
                    acknowledged[claim_id] = r.json()["seq"]

    threads = [threading.Thread(target=commits, args=(w,)) for w in range(THREADS)]
    for t in threads:
        t.start()
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and any(t.is_alive() for t in threads):
        with lock:  # kill once a good number of claims are in, with requests surely in flight
            if len(acknowledged) >= 60:
                break
        time.sleep(0.02)
    server.kill()
    stop.set()
    for t in threads:
        t.join(30)
    assert len(sent) > len(acknowledged) >= 60

    restarted = Server(db_url).start()
    try:
        booked = httpx.get(f"{restarted.url}/api/projects/{CODE}/claims").json()
        ids = [c["id"] for c in booked]
        assert len(ids) == len(set(ids)), "a claim was booked twice"
        assert [c["seq"] for c in booked] == list(range(1, len(booked) + 1))
        by_id = {c["id"]: c["seq"] for c in booked}
        missing = [i for i in acknowledged if i not in by_id]
        assert not missing, f"acknowledged but lost: {missing}"
        assert all(by_id[i] == seq for i, seq in acknowledged.items())
        assert set(by_id) <= sent
        report = httpx.get(f"{restarted.url}/api/projects/{CODE}/report").json()
        assert report["input"]["rows_checked"] == len(booked)  # every booked claim replays whole
        assert all(c["passed"] for c in booked)  # distinct invoices: nothing fired, so no claim was replayed twice
        with _engine(db_url).connect() as conn:
            last = conn.execute(text("SELECT last_seq FROM projects WHERE code = :c"), {"c": CODE}).scalar()
            rows = conn.execute(text("SELECT count(*), max(seq) FROM claims")).one()
        assert last == rows[0] == rows[1] == len(booked)
        # an unacknowledged claim is either wholly booked (a replay now) or not at all (booked now, once)
        for claim_id in sorted(sent - set(acknowledged)):
            worker, n = claim_id[1:].split("-")
            again = claim(restarted.url, claim_id, invoice=f"{int(worker):02d}{int(n):08d}").json()
            assert again["replay"] is (claim_id in by_id)
            assert again["passed"]
    finally:
        restarted.stop()


@pytest.mark.parametrize("instances", [1, 2])
def test_parallel_commits_of_one_invoice(db_url: str, instances: int) -> None:
    servers = [Server(db_url).start() for _ in range(instances)]
    try:
        register(servers[0].url)
        barrier = threading.Barrier(THREADS * 2)

        def commit(i: int) -> dict:
            with httpx.Client(timeout=60) as client:
                barrier.wait()
                return claim(servers[i % instances].url, f"same-{i}", invoice="99990000", client=client).json()

        with ThreadPoolExecutor(THREADS * 2) as pool:
            results = list(pool.map(commit, range(THREADS * 2)))
        passed = [r for r in results if r["passed"]]
        assert len(passed) == 1, [(r["id"], r["passed"]) for r in results]
        assert sorted(r["seq"] for r in results) == list(range(1, THREADS * 2 + 1))
        for r in results:
            if not r["passed"]:
                assert "QQ1310" in {f["rule_id"] for f in r["findings"]}
        report = httpx.get(f"{servers[-1].url}/api/projects/{CODE}/report").json()
        duplicates = [v for v in report["violations"] if v["rule_id"] == "QQ1310"]
        assert len(duplicates) == 1 and len(duplicates[0]["rows"]) == THREADS * 2
    finally:
        for s in servers:
            s.stop()
