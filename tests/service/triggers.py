"""Triggers of the service's error codes, for tests/robustness/test_error_catalogue.py.

The app is the real one over a real SQLite file, driven in-process by Starlette's TestClient.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).parent.parent.parent
EXAMPLES = REPO / "examples"
CODE = "BJKX-QQ-2025-031"


def _client(tmp: Path, **settings):
    from fastapi.testclient import TestClient

    from qianqi_rules.service.app import Settings, create_app

    return TestClient(create_app(Settings(db_url=f"sqlite:///{tmp / 'svc.db'}", **settings)))


def _code(response) -> set[str]:
    return {response.json()["error"]["code"]}


def _project() -> dict:
    return {"project": ("project.yaml", (EXAMPLES / "project.yaml").read_bytes())}


def _check(tmp: Path, ledger: bytes, **settings) -> set[str]:
    files = {"ledger": ("l.csv", ledger), **_project()}
    return _code(_client(tmp, **settings).post("/api/check", files=files))


def _claims(tmp: Path, sends: list[tuple[str, dict]]) -> set[str]:
    client = _client(tmp)
    client.post("/api/projects", files=_project())
    for claim_id, entry in sends:
        r = client.post(f"/api/projects/{CODE}/claims", json={"id": claim_id, "entry": entry})
    return _code(r)


ENTRY = {"date": "2025-06-01", "category": "会议费", "amount": "100.00"}


def _project_conflict(tmp: Path) -> set[str]:
    client = _client(tmp)
    client.post("/api/projects", files=_project())
    changed = (EXAMPLES / "project.yaml").read_text(encoding="utf-8").replace("20000", "20001")
    return _code(client.post("/api/projects", files={"project": ("p.yaml", changed.encode())}))


def _project_encoding(tmp: Path) -> set[str]:
    from qianqi_rules.service.claims import project_text

    try:
        project_text("code: 项目".encode("gb18030"))
    except Exception as exc:  # noqa: BLE001 - the code is what is asserted
        return {getattr(exc, "code", "")}
    return set()


def _store_inconsistent(tmp: Path) -> set[str]:
    from sqlalchemy import create_engine, text

    client = _client(tmp)
    client.post("/api/projects", files=_project())
    client.post(f"/api/projects/{CODE}/claims", json={"id": "a", "entry": ENTRY})
    client.post(f"/api/projects/{CODE}/claims", json={"id": "b", "entry": ENTRY})
    with create_engine(f"sqlite:///{tmp / 'svc.db'}").begin() as conn:  # a hand-edited database
        conn.execute(text("DELETE FROM claims WHERE seq = 1"))
    return _code(_client(tmp).get(f"/api/projects/{CODE}/report"))


def _bad_format(tmp: Path) -> set[str]:
    from qianqi_rules import check_ledger, load_project, load_rules
    from qianqi_rules.service.checks import render

    pack = load_rules()
    report = check_ledger(EXAMPLES / "ledger.csv", load_project(EXAMPLES / "project.yaml", pack), pack)
    try:
        render(report, "pdf")
    except Exception as exc:  # noqa: BLE001
        return {getattr(exc, "code", "")}
    return set()


def _serve(*args: str, env: dict | None = None) -> set[str]:
    r = subprocess.run([sys.executable, "-c", "import sys; from qianqi_rules.cli import main; sys.exit(main())",
                        "serve", *args], capture_output=True, text=True, timeout=60, env=env)
    assert r.returncode == 2 and "Traceback" not in r.stderr, r.stderr
    return set(re.findall(r"\[([a-z0-9-]+)\]", r.stderr))


def _without_extra(tmp: Path) -> set[str]:
    """A Python in which the serve extra's fastapi and uvicorn cannot be imported."""
    shadow = tmp / "shadow"
    shadow.mkdir()
    (shadow / "sitecustomize.py").write_text("import sys\nsys.modules['fastapi'] = sys.modules['uvicorn'] = None\n",
                                             encoding="utf-8")
    return _serve("--db", f"sqlite:///{tmp / 'x.db'}", env={**os.environ, "PYTHONPATH": str(shadow)})


SERVICE_TRIGGERS: dict[str, Callable[..., set[str]]] = {
    "upload-too-large": lambda tmp, **_: _check(tmp, b"x" * (1024 * 1024 + 1), max_upload_bytes=1024 * 1024),
    "too-many-rows": lambda tmp, **_: _check(tmp, (EXAMPLES / "ledger.csv").read_bytes(), max_rows=5),
    "request-invalid": lambda tmp, **_: _code(_client(tmp).post("/api/check", files=_project())),
    "not-found": lambda tmp, **_: _code(_client(tmp).get("/api/nothing")),
    "method-not-allowed": lambda tmp, **_: _code(_client(tmp).delete("/api/check")),
    "unauthorized": lambda tmp, **_: _code(_client(tmp, token="t").get(f"/api/projects/{CODE}")),
    "project-unknown": lambda tmp, **_: _code(_client(tmp).get(f"/api/projects/{CODE}/report")),
    "project-conflict": lambda tmp, **_: _project_conflict(tmp),
    "project-encoding": lambda tmp, **_: _project_encoding(tmp),
    "claim-conflict": lambda tmp, **_: _claims(tmp, [("a", ENTRY), ("a", {**ENTRY, "amount": "200.00"})]),
    "store-inconsistent": lambda tmp, **_: _store_inconsistent(tmp),
    "bad-format": lambda tmp, **_: _bad_format(tmp),
    "serve-token-required": lambda tmp, **_: _serve("--host", "0.0.0.0", "--db", f"sqlite:///{tmp / 'x.db'}"),
    "serve-extra-missing": lambda tmp, **_: _without_extra(tmp),
}

