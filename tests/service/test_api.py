"""The HTTP API against a real server process on loopback."""

from __future__ import annotations

import io
import json
import socket
import subprocess
import sys
import threading
import time

import httpx
import pytest

from .conftest import CODE, EXAMPLES, REPO, Server, claim, register


def upload(url: str, ledger: bytes | None = None, name: str = "ledger.csv", **params) -> httpx.Response:
    ledger = (EXAMPLES / "ledger.csv").read_bytes() if ledger is None else ledger
    files = {"ledger": (name, ledger, "text/csv"), "project": ("project.yaml", (EXAMPLES / "project.yaml").read_bytes())}
    return httpx.post(url + "/api/check", files=files, params=params, timeout=60)


def test_check_gives_the_cli_report(shared_server: Server, tmp_path) -> None:
    r = upload(shared_server.url)
    assert r.status_code == 200, r.text
    report = r.json()
    cli = subprocess.run([sys.executable, "-m", "qianqi_rules", "check", str(EXAMPLES / "ledger.csv"), "--project",
                          str(EXAMPLES / "project.yaml"), "--format", "json"], capture_output=True, text=True)
    expected = json.loads(cli.stdout)
    assert report["input"]["path"] == "ledger.csv"
    assert report["violations"] == expected["violations"]
    assert report["summary"] == expected["summary"]
    assert report["summary"]["errors"] > 0


def test_check_as_xlsx_and_csv(shared_server: Server) -> None:
    import openpyxl

    r = upload(shared_server.url, format="xlsx")
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/vnd.openxmlformats")
    book = openpyxl.load_workbook(io.BytesIO(r.content))
    assert "违规发现" in book.sheetnames
    r = upload(shared_server.url, format="csv")
    assert r.status_code == 200 and r.content.startswith(b"\xef\xbb\xbf")
    assert "QQ1310" in r.content.decode("utf-8-sig")


def test_errors_carry_code_position_and_hint(shared_server: Server) -> None:
    r = upload(shared_server.url, b"a,b\n1,2\n", name="bad.csv")
    assert r.status_code == 422
    error = r.json()["error"]
    assert error["code"] == "ledger-missing-column"
    assert error["position"]["file"] == "bad.csv" and error["hint"]
    files = {"project": ("p.yaml", b"code: X\ngrantee: G\nperiod: {start: 2025-01-01, end: 2024-01-01}\n")}
    r = httpx.post(shared_server.url + "/api/projects", files=files)
    assert r.status_code == 422
    error = r.json()["error"]
    assert error["code"].startswith("project-") and error["position"]["file"] == "p.yaml", error
    assert "qianqi-upload" not in r.text  # the private temp dir is never shown
    r = httpx.post(shared_server.url + "/api/projects/NOPE/claims", json={"id": "x", "entry": {}})
    assert r.status_code == 404 and r.json()["error"]["code"] == "project-unknown"
    r = httpx.post(shared_server.url + "/api/check", files={"ledger": ("l.csv", b"x")})
    assert r.status_code == 422 and r.json()["error"]["code"] == "request-invalid"


def test_oversized_upload_is_413(shared_server: Server) -> None:
    big = b"x" * (1024 * 1024 + 10)
    r = upload(shared_server.url, big)
    assert r.status_code == 413
    assert r.json()["error"]["code"] == "upload-too-large" and "MB" in r.json()["error"]["message"]

    def chunks():  # no Content-Length: the cap is applied as the body arrives
        yield b'--zz\r\nContent-Disposition: form-data; name="ledger"; filename="l.csv"\r\n\r\n'
        for _ in range(40):
            yield b"y" * 65536
        yield b"\r\n--zz--\r\n"

    r = httpx.post(shared_server.url + "/api/check", content=chunks(),
                   headers={"content-type": "multipart/form-data; boundary=zz"}, timeout=60)
    assert r.status_code == 413 and r.json()["error"]["code"] == "upload-too-large"
    assert httpx.get(shared_server.url + "/health").status_code == 200


def test_too_many_rows_is_413(shared_server: Server) -> None:
    rows = "日期,费用科目,金额\n" + "".join(f"2025-04-01,会议费,{i}.00\n" for i in range(1, 101))
    r = upload(shared_server.url, rows.encode())
    assert r.status_code == 413
    error = r.json()["error"]
    assert error["code"] == "too-many-rows" and "60" in error["message"]


def test_slow_client_does_not_block_others(shared_server: Server) -> None:
    """A client trickling its body byte by byte while another request is served in full."""
    body = b"--b\r\nContent-Disposition: form-data; name=\"project\"; filename=\"p.yaml\"\r\n\r\n" + \
        (EXAMPLES / "project.yaml").read_bytes() + b"\r\n--b--\r\n"
    sent_all = threading.Event()
    status: list[bytes] = []

    def trickle() -> None:
        with socket.create_connection(("127.0.0.1", shared_server.port)) as s:
            s.sendall(b"POST /api/projects HTTP/1.1\r\nHost: x\r\nContent-Type: multipart/form-data; boundary=b\r\n"
                      b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n")
            for i in range(0, len(body), max(1, len(body) // 20)):
                s.sendall(body[i:i + max(1, len(body) // 20)])
                time.sleep(0.1)
            sent_all.set()
            status.append(s.recv(200))

    t = threading.Thread(target=trickle)
    t.start()
    time.sleep(0.3)
    r = upload(shared_server.url)
    assert r.status_code == 200
    assert not sent_all.is_set(), "the other request waited for the slow client"
    t.join(30)
    assert status and status[0].startswith(b"HTTP/1.1 200")


def test_claims_are_idempotent_and_previews_book_nothing(server: Server) -> None:
    url = server.url
    assert register(url)["created"] is True
    assert register(url)["created"] is False  # the same file again
    changed = (EXAMPLES / "project.yaml").read_text(encoding="utf-8").replace("20000", "20001")
    r = httpx.post(url + "/api/projects", files={"project": ("p.yaml", changed.encode())})
    assert r.status_code == 409 and r.json()["error"]["code"] == "project-conflict"

    preview = claim(url, "p-1", invoice="11111111", commit=False)
    assert preview.status_code == 200 and preview.json()["committed"] is False
    first = claim(url, "c-1", invoice="11111111").json()
    assert first["committed"] and first["passed"] and first["seq"] == 1 and not first["replay"]
    again = claim(url, "c-1", invoice="11111111").json()
    assert again["replay"] is True and again["seq"] == 1 and again["findings"] == first["findings"]
    conflict = claim(url, "c-1", invoice="11111111", amount="200.00")
    assert conflict.status_code == 409 and conflict.json()["error"]["code"] == "claim-conflict"

    repeat = claim(url, "c-2", invoice="11111111").json()
    assert not repeat["passed"] and {f["rule_id"] for f in repeat["findings"]} >= {"QQ1310"}
    preview = claim(url, "p-2", invoice="11111111", commit=False).json()
    assert not preview["passed"] and not preview["committed"]

    bad = claim(url, "c-3", amount="abc")
    assert bad.status_code == 422 and bad.json()["error"]["code"] == "entry-invalid"
    floats = httpx.post(f"{url}/api/projects/{CODE}/claims",
                        json={"id": "c-4", "entry": {"date": "2025-06-01", "category": "会议费", "amount": 1.5}})
    assert floats.status_code == 422

    report = httpx.get(f"{url}/api/projects/{CODE}/report").json()
    assert report["input"]["rows_checked"] == 2  # c-1 and c-2: no preview, no replay, no rejected claim
    assert [v["rows"] for v in report["violations"] if v["rule_id"] == "QQ1310"] == [[1, 2]]
    assert httpx.get(f"{url}/api/projects/{CODE}").json()["claims"] == 2
    xlsx = httpx.get(f"{url}/api/projects/{CODE}/report", params={"format": "xlsx"})
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"


def test_non_loopback_needs_a_token(sqlite_url: str) -> None:
    r = subprocess.run([sys.executable, "-m", "qianqi_rules", "serve", "--host", "0.0.0.0", "--db", sqlite_url],
                       capture_output=True, text=True, timeout=60, env={k: v for k, v in __import__("os").environ.items()
                                                                         if k != "QIANQI_TOKEN"})
    assert r.returncode == 2 and "[serve-token-required]" in r.stderr and "Traceback" not in r.stderr


def test_token_is_checked_on_the_api(sqlite_url: str) -> None:
    s = Server(sqlite_url, "--token", "s3cret").start()
    try:
        r = httpx.get(f"{s.url}/api/projects/{CODE}")
        assert r.status_code == 401 and r.json()["error"]["code"] == "unauthorized"
        r = httpx.get(f"{s.url}/api/projects/{CODE}", headers={"Authorization": "Bearer wrong"})
        assert r.status_code == 401
        r = httpx.get(f"{s.url}/api/projects/{CODE}", headers={"Authorization": "Bearer s3cret"})
        assert r.status_code == 404  # through the door; the project is not registered
        assert httpx.get(f"{s.url}/").status_code == 401
        assert httpx.get(f"{s.url}/", params={"token": "s3cret"}).status_code == 200
    finally:
        s.stop()


def test_openapi_copy_in_docs_is_current(shared_server: Server) -> None:
    live = httpx.get(shared_server.url + "/openapi.json").json()
    assert "/api/projects/{code}/claims" in live["paths"]
    stored = json.loads((REPO / "docs" / "openapi.json").read_text(encoding="utf-8"))
    assert stored == live, "regenerate: python -m qianqi_rules.service.openapi > docs/openapi.json"


def test_uploads_leave_no_temp_dirs(sqlite_url: str, tmp_path) -> None:
    temp = tmp_path / "tmp"
    temp.mkdir()
    s = Server(sqlite_url, env={"TMPDIR": str(temp)}).start()
    try:
        assert upload(s.url).status_code == 200
        assert upload(s.url, b"a,b\n1,2\n").status_code == 422  # a failing check cleans up too
        assert httpx.post(s.url + "/api/projects", files={"project": ("p.yaml", b"code: [")}).status_code == 422
        assert [p.name for p in temp.iterdir() if p.name.startswith("qianqi-upload-")] == []
    finally:
        s.stop()
