"""The printable Article 14 report: its text, read back from the PDF, holds every total, citation and row."""

from __future__ import annotations

import datetime as dt
import io
import re
from pathlib import Path

import pytest

from qianqi_rules import check_entries, check_ledger, load_project
from qianqi_rules.cli import main
from qianqi_rules.report.pdf_report import find_fonts, render_pdf
from qianqi_rules.values import format_money_cn
from qianqi_rules.waivers import Waiver

pytest.importorskip("typst", reason="the PDF renderer is not installed: pip install '.[pdf]'")
pypdf = pytest.importorskip("pypdf", reason="pypdf reads the PDF back: pip install '.[test]'")
if not find_fonts():
    pytest.skip("no Chinese font: pip install '.[pdf]' (noto-cjk-sans-otc) or apt-get install fonts-noto-cjk",
                allow_module_level=True)

REPO = Path(__file__).parent.parent.parent
EXAMPLE = REPO / "examples" / "ledger.csv"
PROJECT = REPO / "examples" / "project.yaml"
TODAY = dt.date(2026, 3, 31)


def text_of(pdf: bytes) -> str:
    """The PDF's text with all white space removed (table cells wrap wherever the column ends)."""
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    return re.sub(r"\s+", "", "".join(page.extract_text() for page in reader.pages))


def squeeze(text: str) -> str:
    return re.sub(r"\s+", "", text)


@pytest.fixture(scope="module")
def report(pack):
    return check_ledger(EXAMPLE, load_project(PROJECT, pack), pack)


@pytest.fixture(scope="module")
def text(report) -> str:
    pdf = render_pdf(report, today=TODAY)
    assert pdf.startswith(b"%PDF")
    return text_of(pdf)


def test_header_names_project_pack_and_date(report, text) -> None:
    for value in (report.project.code, report.project.name, report.project.grantee, report.pack.name,
                  report.pack.version, report.pack.sha256, report.input.sha256, "2026-03-31", "第十四条"):
        assert squeeze(value) in text, value


def test_totals_and_money_per_article_13_item(report, text) -> None:
    s = report.summary
    assert f"应追回合计{format_money_cn(s.clawback_total)}元" in text
    assert f"支出合计（扣除退款）{format_money_cn(s.spent_total)}元" in text
    for line in report.clawback:
        assert f"{line.trigger.text}{format_money_cn(line.amount)}元" in text
    counted = [v for v in report.violations if v.clawback_counted]
    assert counted
    for v in counted:
        assert v.entries[0].voucher_no in text if len(v.entries) == 1 else True
        assert format_money_cn(v.clawback_counted) in text


def test_every_finding_with_its_citation_and_rows(report, text) -> None:
    for v in report.violations:
        assert squeeze(v.citation.text) in text
        assert "、".join(str(r) for r in v.rows) in text, (v.rule_id, v.rows)
        assert squeeze(v.message) in text, v.rule_id


def test_budget_table_rules_not_run_and_signatures(report, text) -> None:
    for line in report.budget:
        assert f"{squeeze(line.category)}{format_money_cn(line.approved)}" in text
        if line.execution_percent:
            assert line.execution_percent in text
    for r in report.rules_not_run:
        assert r.rule_id in text and squeeze(r.reason) in text
    for gap in report.standards_unchecked:
        assert gap.rule_id in text
    for who in ("项目负责人（签字）", "财务负责人（签字）", "单位盖章"):
        assert who in text


def test_waivers_applied_and_waiver_problems(pack, project) -> None:
    entries = [{"row": 2, "date": "2025-06-01", "category": "专家咨询费", "amount": "800", "payee": "张三"}]
    waivers = [Waiver(rule="QQ1010", row=2, reason="经批准的特殊情况", approved_by="科协财务处"),
               Waiver(rule="QQ1010", row=9, reason="r", approved_by="a")]
    report = check_entries(entries, project, pack, waivers=waivers)
    text = text_of(render_pdf(report, today=TODAY))
    assert "已豁免（经批准的例外）：1项" in text and "经批准的特殊情况" in text and "科协财务处" in text
    assert "豁免文件中的问题：1项" in text and squeeze(report.waiver_problems[0].message) in text


@pytest.mark.parametrize(("hostile", "shown"), [
    ("#panic(\"x\")", "#panic(\"x\")"),
    ("*粗体* _斜_ $x^2$ = 标题", "*粗体*_斜_$x^2$=标题"),
    ("] [ } { \\ // 注释 /* x", "][}{\\//注释/*x"),
    ("@label <tag> `raw` #let a = 1", "@label<tag>`raw`#leta=1"),
    ("员工✗😀\x1b[31m", "员工✗\\U0001f600\\x1b[31m"),  # no emoji in the font: escaped, like on a console
])
def test_ledger_text_is_shown_never_read_as_markup(project, pack, hostile, shown) -> None:
    report = check_entries([{"row": 2, "date": "2025-06-01", "category": "招待费", "amount": "100",
                             "description": hostile, "payee": hostile}], project, pack)
    assert shown in text_of(render_pdf(report, today=TODAY))


def test_command_line_writes_a_pdf_and_a_programme_pdf(tmp_path, capsys, report) -> None:
    target = tmp_path / "报告.pdf"
    assert main(["check", str(EXAMPLE), "--project", str(PROJECT), "--format", "pdf", "--output", str(target)]) == 1
    assert target.read_bytes().startswith(b"%PDF")
    assert main(["check", str(EXAMPLE), "--project", str(PROJECT), "--format", "pdf"]) == 2
    assert "--output" in capsys.readouterr().err
    folder = tmp_path / "projects"
    folder.mkdir()
    (folder / "a.yaml").write_text(PROJECT.read_text(encoding="utf-8"), encoding="utf-8")
    both = tmp_path / "计划.pdf"
    assert main(["check", str(EXAMPLE), "--projects", str(folder), "--format", "pdf", "--output", str(both)]) == 1
    assert report.project.code in text_of(both.read_bytes())


def test_without_a_font_the_error_says_what_to_install(tmp_path, capsys, monkeypatch) -> None:
    monkeypatch.setenv("QIANQI_PDF_FONT", str(tmp_path / "no-such-font.ttc"))
    target = tmp_path / "r.pdf"
    assert main(["check", str(EXAMPLE), "--project", str(PROJECT), "--format", "pdf", "--output", str(target)]) == 2
    err = capsys.readouterr().err
    assert "[pdf-missing-font]" in err and "fonts-noto-cjk" in err and "qianqi-rules[pdf]" in err
    assert not target.exists()


def test_the_picture_in_the_docs_is_the_first_page_of_the_example() -> None:
    """docs/report-first-page.png: the example's first page, drawn by the same compiler (see docs/report.md)."""
    picture = REPO / "docs" / "report-first-page.png"
    assert picture.read_bytes().startswith(b"\x89PNG")
