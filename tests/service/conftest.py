"""A real service process on loopback, over SQLite or a real PostgreSQL (QIANQI_TEST_POSTGRES_URL)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

httpx = pytest.importorskip("httpx", reason="the service tests need the test extra (httpx)")
pytest.importorskip("fastapi", reason="the service tests need the serve extra: pip install '.[test]'")

REPO = Path(__file__).parent.parent.parent
EXAMPLES = REPO / "examples"
POSTGRES_ENV = "QIANQI_TEST_POSTGRES_URL"
#: screenshots and other files a reviewer may look at (git-ignored)
OUTPUT = REPO / "tests" / "output"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """``qianqi-rules serve`` in a subprocess; ``url`` once it answers."""

    def __init__(self, db_url: str, *extra: str, host: str = "127.0.0.1", env: dict | None = None) -> None:
        self.db_url, self.extra, self.host, self.env = db_url, extra, host, env
        self.port = free_port()
        self.url = f"http://{host}:{self.port}"
        self.proc: subprocess.Popen | None = None

    def start(self) -> Server:
        self.port = self.port or free_port()
        env = {**os.environ, **(self.env or {})}
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "qianqi_rules", "serve", "--host", self.host, "--port", str(self.port),
             "--db", self.db_url, *self.extra],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited {self.proc.returncode}: {self.proc.stderr.read().decode()}")
            try:
                if httpx.get(self.url + "/health", timeout=1).status_code == 200:
                    return self
            except httpx.TransportError:
                time.sleep(0.1)
        raise RuntimeError("server did not start")

    def kill(self) -> None:
        """kill -9: no clean-up of any kind."""
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait()

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.kill()
        if self.proc:
            for stream in (self.proc.stdout, self.proc.stderr):
                stream and stream.close()


def reset_postgres(url: str) -> None:
    import psycopg

    with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://"), autocommit=True) as conn:
        conn.execute("DROP SCHEMA IF EXISTS public CASCADE")
        conn.execute("CREATE SCHEMA public")


def postgres_url() -> str:
    url = os.environ.get(POSTGRES_ENV)
    if not url:
        pytest.skip(f"no PostgreSQL: set {POSTGRES_ENV}=postgresql://user:password@127.0.0.1/db (.ci/run does)")
    return url


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request, tmp_path: Path) -> str:
    """A fresh, empty database of each kind."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'service.db'}"
    url = postgres_url()
    reset_postgres(url)
    return url


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'service.db'}"


@pytest.fixture
def server(db_url: str) -> Iterator[Server]:
    s = Server(db_url).start()
    yield s
    s.stop()


@pytest.fixture(scope="module")
def shared_server(tmp_path_factory) -> Iterator[Server]:
    """One SQLite server for the tests that need no fresh database."""
    s = Server(f"sqlite:///{tmp_path_factory.mktemp('svc') / 'service.db'}", "--max-upload-mb", "1",
               "--max-rows", "60").start()
    yield s
    s.stop()


def register(url: str, project: Path = EXAMPLES / "project.yaml", **kw) -> dict:
    with project.open("rb") as f:
        r = httpx.post(url + "/api/projects", files={"project": (project.name, f, "application/yaml")}, **kw)
    assert r.status_code == 200, r.text
    return r.json()


CODE = "BJKX-QQ-2025-031"


def claim(url: str, claim_id: str, invoice: str = "", amount: str = "100.00", commit: bool = True,
          client: httpx.Client | None = None, **fields) -> httpx.Response:
    entry = {"date": "2025-06-01", "category": "会议费", "amount": amount, "invoice_no": invoice,
             "description": "项目推进会场地费", "payee": "北京会议中心", **fields}
    post = client.post if client else httpx.post
    return post(f"{url}/api/projects/{CODE}/claims", params={"commit": str(commit).lower()},
                json={"id": claim_id, "entry": entry}, timeout=60)
