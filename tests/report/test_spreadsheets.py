"""CSV and Excel reports, opened back and checked; formula injection neutralised; the JSON Schema."""

from __future__ import annotations

import csv
import io
import json
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest

from qianqi_rules import check_entries, check_ledger, load_project
from qianqi_rules.cli import main
from qianqi_rules.report import render_csv, render_xlsx, report_schema
from qianqi_rules.report.cells import safe_text

REPO = Path(__file__).parent.parent.parent
EXAMPLE = REPO / "examples" / "ledger.csv"
PROJECT = REPO / "examples" / "project.yaml"


@pytest.fixture(scope="module")
def report(pack):
    return check_ledger(EXAMPLE, load_project(PROJECT, pack), pack)


def test_xlsx_report_has_the_sheets_headers_and_formats(report, tmp_path) -> None:
    path = tmp_path / "r.xlsx"
    path.write_bytes(render_xlsx(report))
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == ["违规发现", "预算执行", "追回汇总", "无法读取的行", "金额核对"]
    findings = book["违规发现"]
    assert findings.freeze_panes == "A2"
    header = [c.value for c in findings[1]]
    assert header[:4] == ["文件", "行", "序号", "日期"] and "应追回" in header
    assert findings.max_row - 1 == len(report.violations)
    clawback_col = header.index("应追回") + 1
    first = report.violations[0]
    assert Decimal(str(findings.cell(row=2, column=clawback_col).value)) == first.clawback
    assert findings.cell(row=2, column=clawback_col).number_format == "#,##0.00"
    budget = book["预算执行"]
    rate = budget.cell(row=2, column=8)
    assert rate.number_format == "0.00%" and Decimal(str(rate.value)) == report.budget[0].execution_rate
    total = sum(Decimal(str(r[1].value)) for r in book["追回汇总"].iter_rows(min_row=2))
    assert total == report.summary.clawback_total
    money = [[c.value for c in r] for r in book["金额核对"].iter_rows(min_row=2)]
    *parts, totals = money
    assert totals[0] == "文件合计"
    assert sum(Decimal(str(p[2])) for p in parts) == Decimal(str(totals[2])) == report.input.money.debit_total
    assert sum(p[1] for p in parts) == totals[1] == report.input.rows_total


def test_csv_report_is_utf8_with_bom_and_one_line_per_finding(report) -> None:
    data = render_csv(report)
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows[0][0] == "文件" and len(rows) - 1 == len(report.violations)


@pytest.mark.parametrize("text", ["=HYPERLINK(\"http://x\",\"点击\")", "+cmd|' /C calc'!A0", "-2+3", "@SUM(A1:A2)",
                                  "\tstart", "\rstart"])
def test_formula_injection_from_ledger_text_is_neutralised(project, pack, text, tmp_path) -> None:
    assert safe_text(text) == "'" + text
    report = check_entries([{"row": 2, "date": "2025-06-01", "category": "招待费", "amount": "100",
                             "description": text, "payee": text}], project, pack)
    rows = list(csv.reader(io.StringIO(render_csv(report).decode("utf-8-sig"))))
    cells = [c for row in rows[1:] for c in row]
    assert not any(c.startswith(("=", "+", "-", "@", "\t", "\r")) for c in cells if c and not _is_number(c))
    path = tmp_path / "r.xlsx"
    path.write_bytes(render_xlsx(report))
    sheet = openpyxl.load_workbook(path)["违规发现"]
    for row in sheet.iter_rows(min_row=2):
        for cell in row:
            assert cell.data_type != "f", cell.value


def _is_number(text: str) -> bool:
    try:
        Decimal(text)
        return True
    except ArithmeticError:
        return False


def test_xlsx_needs_an_output_file(capsys) -> None:
    assert main(["check", str(EXAMPLE), "--project", str(PROJECT), "--format", "xlsx"]) == 2
    assert "--output" in capsys.readouterr().err


def test_cli_writes_spreadsheets(tmp_path, capsys) -> None:
    target = tmp_path / "报告.xlsx"
    assert main(["check", str(EXAMPLE), "--project", str(PROJECT), "--format", "xlsx", "--output", str(target)]) == 1
    assert openpyxl.load_workbook(target).sheetnames[0] == "违规发现"
    assert main(["check", str(EXAMPLE), "--project", str(PROJECT), "--format", "csv"]) == 1
    assert capsys.readouterr().out.startswith("\ufeff文件")


def _without(node, key: str):
    """The schema without ``key`` anywhere (pydantic versions differ in the regex they attach to decimal text)."""
    if isinstance(node, dict):
        return {k: _without(v, key) for k, v in node.items() if k != key}
    if isinstance(node, list):
        return [_without(v, key) for v in node]
    return node


def test_published_schema_is_current_and_covers_the_contract(capsys) -> None:
    assert main(["schema"]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed == report_schema()
    published = json.loads((REPO / "docs" / "report.schema.json").read_text(encoding="utf-8"))
    assert _without(published, "pattern") == _without(printed, "pattern"), \
        "docs/report.schema.json is stale: run qianqi-rules schema > docs/report.schema.json"
    assert {"input", "violations", "input_errors", "summary"} <= set(printed["required"])
    violation = printed["$defs"]["Violation"]
    assert {"rule_id", "severity", "citation", "rows", "message", "amount"} <= set(violation["required"])
