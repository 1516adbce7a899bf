"""The web page in a real headless Chromium (Debian's /usr/bin/chromium, driven by Playwright).

Screenshots of each page are saved under tests/output/screenshots/ (git-ignored) for a reviewer.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from .conftest import EXAMPLES, OUTPUT, Server

CHROMIUM = os.environ.get("QIANQI_TEST_CHROMIUM", "/usr/bin/chromium")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run"]
SHOTS = OUTPUT / "screenshots"


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    if not Path(CHROMIUM).exists():
        pytest.skip(f"no Chromium at {CHROMIUM}: apt-get install chromium (.ci/run does)")
    sync_api = pytest.importorskip("playwright.sync_api", reason="the browser tests need playwright: pip install '.[test]'")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS, headless=True)
        yield b
        b.close()


@pytest.fixture
def page(browser, sqlite_url: str):  # noqa: ANN001, ANN201
    server = Server(sqlite_url).start()
    context = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True, locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(20_000)
    page.base = server.url
    SHOTS.mkdir(parents=True, exist_ok=True)
    yield page
    context.close()
    server.stop()


def expected_report() -> dict:
    cli = subprocess.run([sys.executable, "-m", "qianqi_rules", "check", str(EXAMPLES / "ledger.csv"), "--project",
                          str(EXAMPLES / "project.yaml"), "--format", "json"], capture_output=True, text=True)
    return json.loads(cli.stdout)


def shot(page, name: str) -> None:  # noqa: ANN001
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def test_officer_checks_filters_reviews_and_downloads(page, tmp_path: Path) -> None:  # noqa: ANN001
    import openpyxl

    expected = expected_report()
    page.goto(page.base + "/")
    shot(page, "1-upload")
    page.set_input_files("input[name=ledger]", str(EXAMPLES / "ledger.csv"))
    page.set_input_files("input[name=project]", str(EXAMPLES / "project.yaml"))
    page.click("button[type=submit]")
    page.wait_for_url("**/checks/*")
    summary = expected["summary"]
    assert page.inner_text("#errors") == str(summary["errors"])
    assert page.inner_text("#warnings") == str(summary["warnings"])
    assert page.inner_text("#clawback") == f"{float(summary['clawback_total']):,.2f}"
    assert page.locator("#findings tr[data-rule]").count() == len(expected["violations"])
    assert "第十三条第（一）项" in page.inner_text("#clawback-card")
    assert "执行率" in page.inner_text("#budget") and page.locator("#budget svg rect").count() > 0
    assert page.locator("#not-run li").count() >= 1
    shot(page, "2-report")

    # filter: only the warnings
    page.select_option("select[name=severity]", "warning")
    warnings = [v for v in expected["violations"] if v["severity"] == "warning"]
    page.wait_for_function(f"document.querySelectorAll('#findings tr[data-rule]').length === {len(warnings)}")
    assert set(page.locator("#findings tr[data-rule] .badge").all_inner_texts()) == {"警告"}
    shot(page, "3-filtered")
    page.select_option("select[name=severity]", "")
    page.fill("input[name=row]", "23")
    page.press("input[name=row]", "Enter")
    page.wait_for_function("[...document.querySelectorAll('#findings tr[data-rule]')].every("
                           "r => r.children[4].innerText.split('、').includes('23'))")
    rules = page.locator("#findings tr[data-rule]").evaluate_all("rs => rs.map(r => r.dataset.rule)")
    assert "QQ1310" in rules

    # open the repeated invoice: the article's words, the values that fired, the rule
    page.click("#findings tr[data-rule=QQ1310] a.open")
    page.wait_for_selector("#detail article")
    detail = page.inner_text("#detail")
    assert "提供虚假资料" in detail and "第十三条" in detail
    assert "11002500000300000001" in detail and "QQ1310" in detail
    shot(page, "4-finding")

    # waive it, with reason, approver and expiry
    page.check("#detail input[value=waived]")
    page.fill("#detail input[name=reason]", "检测中心重开发票，原发票已作废")
    page.fill("#detail input[name=approved_by]", "财务处 王丽")
    page.fill("#detail input[name=until]", "2026-12-31")
    page.click("#detail button[type=submit]")
    page.wait_for_selector("#detail .saved")
    page.wait_for_function("document.querySelector('#findings tr[data-rule=QQ1310]').innerText.includes('已豁免')")
    page.wait_for_function(f"document.querySelector('#errors').innerText === '{summary['errors'] - 1}'")
    assert "1 条" in page.inner_text("#dl-waivers")
    shot(page, "5-waived")

    with page.expect_download() as info:
        page.click("#dl-waivers")
    waivers = tmp_path / "waivers.yaml"
    info.value.save_as(str(waivers))
    cli = subprocess.run([sys.executable, "-m", "qianqi_rules", "check", str(EXAMPLES / "ledger.csv"), "--project",
                          str(EXAMPLES / "project.yaml"), "--waivers", str(waivers), "--format", "json"],
                         capture_output=True, text=True)
    assert cli.returncode in (0, 1), cli.stderr
    report = json.loads(cli.stdout)
    waived = [v for v in report["violations"] if v["waiver"]]
    assert [v["rule_id"] for v in waived] == ["QQ1310"] and not report["waiver_problems"]
    assert waived[0]["waiver"]["approved_by"] == "财务处 王丽" and waived[0]["waiver"]["until"] == "2026-12-31"

    page.reload()
    assert page.inner_text("#errors") == str(summary["errors"] - 1)  # the page counts the waiver too
    with page.expect_download() as info:
        page.click("#dl-xlsx")
    xlsx = tmp_path / "report.xlsx"
    info.value.save_as(str(xlsx))
    book = openpyxl.load_workbook(io.BytesIO(xlsx.read_bytes()))
    assert "违规发现" in book.sheetnames

    page.set_viewport_size({"width": 800, "height": 900})
    page.reload()
    assert page.evaluate("document.documentElement.scrollWidth") <= 800  # wide tables scroll in their own box
    assert page.locator("#dl-xlsx").is_visible() and page.locator("select[name=severity]").is_visible()
    shot(page, "6-report-800px")


def test_upload_error_is_shown_in_chinese(page) -> None:  # noqa: ANN001
    page.goto(page.base + "/")
    page.set_input_files("input[name=ledger]", {"name": "bad.csv", "mimeType": "text/csv", "buffer": b"a,b\n1,2\n"})
    page.set_input_files("input[name=project]", str(EXAMPLES / "project.yaml"))
    page.click("button[type=submit]")
    page.wait_for_selector("#upload-error")
    text = page.inner_text("#upload-error")
    assert "bad.csv" in text and "[ledger-missing-column]" in text and "提示" in text
    shot(page, "7-upload-error")




def test_oversized_upload_is_explained(browser, sqlite_url: str) -> None:  # noqa: ANN001
    server = Server(sqlite_url, "--max-upload-mb", "1").start()
    page = browser.new_page()
    try:
        page.goto(server.url + "/")
        page.set_input_files("input[name=ledger]", {"name": "big.csv", "mimeType": "text/csv",
                                                    "buffer": b"x" * (3 * 1024 * 1024)})
        page.set_input_files("input[name=project]", str(EXAMPLES / "project.yaml"))
        page.click("button[type=submit]")
        page.wait_for_selector("#upload-error")
        assert "1 MB" in page.inner_text("#upload-error") and "[upload-too-large]" in page.inner_text("#upload-error")
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / "8-upload-too-large.png"))
    finally:
        page.close()
        server.stop()
