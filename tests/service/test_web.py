"""The web page over HTTP (no browser): ledger text is shown as text, reviews are validated, waivers file round-trips."""

from __future__ import annotations

import re
import subprocess
import sys

import httpx
import yaml

from .conftest import EXAMPLES, Server


def _upload(url: str, ledger: bytes) -> str:
    files = {"ledger": ("l.csv", ledger), "project": ("project.yaml", (EXAMPLES / "project.yaml").read_bytes())}
    r = httpx.post(url + "/checks", files=files, follow_redirects=False, timeout=60)
    assert r.status_code == 303, r.text
    return r.headers["location"]


def test_ledger_text_is_never_markup(shared_server: Server) -> None:
    ledger = ("日期,费用科目,摘要,收款人,金额\n"
              "2025-05-02,其他费用,<script>alert(1)</script>员工生日蛋糕,<b>好利来</b>,88.00\n").encode()
    page = httpx.get(shared_server.url + _upload(shared_server.url, ledger)).text
    assert "<script>alert(1)</script>" not in page and "<b>好利来</b>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_review_is_validated_and_the_waivers_file_is_what_the_cli_reads(shared_server: Server, tmp_path) -> None:
    url = shared_server.url
    page_path = _upload(url, (EXAMPLES / "ledger.csv").read_bytes())
    page = httpx.get(url + page_path).text
    index = int(re.search(r'data-rule="QQ1310">\s*<td><a href="#detail" class="open" hx-get="[^"]+/findings/(\d+)"',
                          page).group(1))
    review = f"{url}{page_path}/findings/{index}/review"
    r = httpx.post(review, data={"status": "waived", "reason": "", "approved_by": ""})
    assert r.status_code == 422 and "豁免必须写明理由和批准人" in r.text
    r = httpx.post(review, data={"status": "waived", "reason": "r", "approved_by": "a", "until": "明年"})
    assert r.status_code == 422 and "不是日期" in r.text
    r = httpx.post(review, data={"status": "waived", "reason": "重开发票", "approved_by": "王丽", "until": "2026-12-31"})
    assert r.status_code == 200 and "已保存" in r.text and r.headers["HX-Trigger"] == "reviewed"
    confirmed = httpx.post(f"{url}{page_path}/findings/0/review", data={"status": "confirmed"})
    assert confirmed.status_code == 200
    text = httpx.get(f"{url}{page_path}/waivers.yaml").text
    assert yaml.safe_load(text)["waivers"] == [{"rule": "QQ1310", "row": 4, "reason": "重开发票", "approved_by": "王丽",
                                                "until": __import__("datetime").date(2026, 12, 31)}]
    (tmp_path / "w.yaml").write_text(text, encoding="utf-8")
    cli = subprocess.run([sys.executable, "-m", "qianqi_rules", "check", str(EXAMPLES / "ledger.csv"), "--project",
                          str(EXAMPLES / "project.yaml"), "--waivers", str(tmp_path / "w.yaml"), "--today", "2026-01-01"],
                         capture_output=True, text=True)
    assert cli.returncode == 1 and "豁免" in cli.stdout and "Traceback" not in cli.stderr
    report = httpx.get(f"{url}{page_path}/report.json").json()
    assert report["summary"]["waived"] == 1  # the downloads carry the waiver too


def test_oversized_upload_on_the_page_is_a_page(shared_server: Server) -> None:
    files = {"ledger": ("l.csv", b"x" * (1024 * 1024 + 10)), "project": ("p.yaml", b"code: x")}
    r = httpx.post(shared_server.url + "/checks", files=files, timeout=60)
    assert r.status_code == 413 and r.headers["content-type"].startswith("text/html")
    assert "[upload-too-large]" in r.text and "返回上传页面" in r.text


def test_a_missing_check_is_a_page_in_chinese(shared_server: Server) -> None:
    r = httpx.get(shared_server.url + "/checks/0000000000000000")
    assert r.status_code == 404 and r.headers["content-type"].startswith("text/html")
    assert "没有编号为 0000000000000000 的检查" in r.text and "[not-found]" in r.text
    api = httpx.get(shared_server.url + "/api/nothing")
    assert api.status_code == 404 and api.json()["error"]["code"] == "not-found"
