"""CSV and Excel reports, opened back and checked: they reconcile with the JSON report, cells are typed,
formula injection neutralised; the JSON Schema."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from qianqi_rules import check_entries, check_ledger, load_project, load_rules
from qianqi_rules.cli import main
from qianqi_rules.report import render_csv, render_json, render_xlsx, report_schema
from qianqi_rules.report.cells import CLAWBACK_NOTE, FINDING_HEADERS, finding_rows, looks_like_formula, safe_text

REPO = Path(__file__).parent.parent.parent
EXAMPLE = REPO / "examples" / "ledger.csv"
PROJECT = REPO / "examples" / "project.yaml"
LABELLED = REPO / "tests" / "data" / "labelled"
CASES = json.loads((LABELLED / "labels.json").read_text(encoding="utf-8"))
TODAY = dt.date(2026, 3, 31)


@pytest.fixture(scope="module")
def report(pack):
    return check_ledger(EXAMPLE, load_project(PROJECT, pack), pack)


def _book(report, tmp_path: Path):
    path = tmp_path / "r.xlsx"
    path.write_bytes(render_xlsx(report, today=TODAY))
    return openpyxl.load_workbook(path)


def _table(sheet) -> list[dict[str, object]]:
    rows = list(sheet.iter_rows(values_only=True))
    header = rows[0]
    return [dict(zip(header, r)) for r in rows[1:]]


def _sum(values) -> Decimal:
    return sum((Decimal(str(v)) for v in values if v is not None), Decimal(0))


def _assert_reconciles(report, book) -> None:
    """Every sheet's sums are the JSON report's totals, to the cent."""
    doc = json.loads(render_json(report))
    total = Decimal(doc["summary"]["clawback_total"])
    findings = _table(book["违规发现"])
    assert len(findings) == len(doc["violations"])
    assert _sum(f["计入追回"] for f in findings) == total
    assert _sum(r["计入追回"] for r in _table(book["追回明细"])) == total
    assert _sum(r["金额"] for r in _table(book["追回汇总"])) == total
    budget = _table(book["预算执行"])
    if doc["budget"]:
        assert _sum(r["其中应追回"] for r in budget) == total
        assert _sum(r["支出（扣除退款）"] for r in budget) == Decimal(doc["summary"]["spent_total"])
    if doc["input"].get("money"):
        *parts, totals = _table(book["金额核对"])
        assert totals["去向"] == "文件合计"
        assert _sum(p["借方"] for p in parts) == Decimal(str(totals["借方"])) == Decimal(doc["input"]["money"]["debit_total"])
        assert sum(p["行数"] for p in parts) == totals["行数"] == doc["input"]["rows_total"]


def test_the_example_reconciles_where_the_per_finding_column_double_counts(report, tmp_path) -> None:
    """The issue's numbers: 应追回 summed over findings counts a row several times, 计入追回 once."""
    book = _book(report, tmp_path)
    _assert_reconciles(report, book)
    findings = _table(book["违规发现"])
    assert _sum(f["应追回"] for f in findings) > report.summary.clawback_total == Decimal("65184.00")
    assert CLAWBACK_NOTE in [c for row in book["说明"].iter_rows(values_only=True) for c in row]


@pytest.mark.parametrize("name", sorted(CASES))
def test_every_sheet_adds_up_to_the_json_report(pack, name, tmp_path) -> None:
    case = CASES[name]
    report = check_ledger(LABELLED / case["ledger"], load_project(LABELLED / case["project"], pack), pack)
    _assert_reconciles(report, _book(report, tmp_path))
    rows = list(csv.DictReader(io.StringIO(render_csv(report).decode("utf-8-sig"))))
    assert _sum(r["计入追回"] or None for r in rows) == report.summary.clawback_total


def test_waived_and_reversed_findings_count_nothing(pack, project) -> None:
    from qianqi_rules.waivers import Waiver

    entries = [
        {"row": 2, "date": "2025-06-01", "category": "专家咨询费", "amount": "800", "payee": "张三"},
        {"row": 3, "date": "2025-06-02", "category": "其他费用", "amount": "300", "description": "员工生日蛋糕",
         "payee": "好利来"},
        {"row": 4, "date": "2025-06-09", "category": "其他费用", "amount": "-300", "description": "员工生日蛋糕 冲回",
         "payee": "好利来"},
    ]
    report = check_entries(entries, project, pack, waivers=[Waiver(rule="QQ1010", row=2, reason="r", approved_by="a")])
    set_aside = [v for v in report.violations if v.waiver or v.reversed_by]
    assert set_aside and all(v.clawback_counted == 0 for v in set_aside)
    assert report.summary.clawback_total == sum((v.clawback_counted or 0 for v in report.violations), Decimal(0))


def test_sheets_headers_and_typed_cells(report, tmp_path) -> None:
    book = _book(report, tmp_path)
    assert book.sheetnames == ["说明", "违规发现", "预算执行", "追回汇总", "追回明细", "无法读取的行", "金额核对"]
    sheet = book["违规发现"]
    assert sheet.freeze_panes == "A2" and sheet.auto_filter.ref
    assert [c.value for c in sheet[1]] == FINDING_HEADERS
    assert "规则包" in sheet.oddHeader.center.text and report.project.code in sheet.oddHeader.center.text
    header = FINDING_HEADERS
    singles = [(v, row) for v, row in zip(report.violations, sheet.iter_rows(min_row=2), strict=True)
               if len(v.entries) == 1]
    assert singles
    for v, row in singles:
        cells = dict(zip(header, row))
        entry = v.entries[0]
        assert cells["行"].value == v.rows[0] and cells["行"].data_type == "n"
        assert cells["序号"].value == int(entry.entry_id)
        assert cells["日期"].is_date and cells["日期"].value.date() == entry.date
        assert cells["凭证号"].value == entry.voucher_no
        assert cells["文件"].value == report.input.path
        assert Decimal(str(cells["金额"].value)) == entry.amount and cells["金额"].number_format == "#,##0.00"
    budget = book["预算执行"]
    rate = budget.cell(row=2, column=8)
    assert rate.number_format == "0.00%" and Decimal(str(rate.value)) == report.budget[0].execution_rate


def test_every_finding_names_its_file_and_vouchers(report, tmp_path) -> None:
    findings = _table(_book(report, tmp_path)["违规发现"])
    assert all(f["文件"] == report.input.path for f in findings)
    for f, v in zip(findings, report.violations, strict=True):
        for entry in v.entries:
            assert entry.voucher_no in (f["凭证号"] or "")
    details = _table(_book(report, tmp_path)["追回明细"])
    assert all(d["情形"].startswith("第十三条") for d in details)
    assert all(d["凭证号"] for d in details if isinstance(d["行"], int))


def test_about_sheet_tells_what_the_check_could_not_do(pack, tmp_path) -> None:
    """A ledger without invoice numbers: the workbook says the repeated-invoice rule did not run."""
    project = load_project(REPO / "tests" / "data" / "project.yaml", pack)
    report = check_entries([{"row": 2, "date": "2025-06-01", "category": "会议费", "amount": "100",
                             "description": "研讨会场地费", "payee": "某酒店", "persons": 3}], project, pack)
    assert report.rules_not_run
    book = _book(report, tmp_path)
    cells = [c for row in book["说明"].iter_rows(values_only=True) for c in row if c is not None]
    text = "\n".join(str(c) for c in cells)
    for value in (report.project.code, report.project.name, report.pack.name, report.pack.version, report.pack.sha256):
        assert value in text
    assert dt.datetime(2026, 3, 31) in cells
    for r in report.rules_not_run:
        assert r.rule_id in cells and r.reason in cells
    assert "QQ1310" in {r.rule_id for r in report.rules_not_run}
    for gap in report.standards_unchecked:
        assert gap.rule_id in cells
    assert f"未运行的规则：{len(report.rules_not_run)} 项" in cells


def test_about_sheet_lists_waiver_problems(pack, project, tmp_path) -> None:
    from qianqi_rules.waivers import Waiver

    report = check_entries([{"row": 2, "date": "2025-06-01", "category": "会议费", "amount": "100"}], project, pack,
                           waivers=[Waiver(rule="QQ1010", row=9, reason="r", approved_by="a")])
    assert report.waiver_problems
    cells = [c for row in _book(report, tmp_path)["说明"].iter_rows(values_only=True) for c in row]
    assert report.waiver_problems[0].message in cells and "豁免文件中的问题：1 项" in cells


def test_csv_report_is_utf8_with_bom_and_one_line_per_finding(report) -> None:
    data = render_csv(report)
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
    assert list(rows[0]) == FINDING_HEADERS and len(rows) == len(report.violations)
    assert _sum(r["计入追回"] or None for r in rows) == report.summary.clawback_total
    single = next(r for r, v in zip(rows, report.violations, strict=True) if len(v.entries) == 1)
    assert single["文件"] == report.input.path and single["凭证号"] and dt.date.fromisoformat(single["日期"])


FORMULAS = ["=HYPERLINK(\"http://x\",\"点击\")", "+cmd|' /C calc'!A0", "-2+3", "@SUM(A1:A2)", "\tstart", "\rstart"]


@pytest.mark.parametrize("text", FORMULAS)
def test_formula_injection_from_ledger_text_is_neutralised(project, pack, text, tmp_path) -> None:
    assert safe_text(text) == "'" + text
    report = check_entries([{"row": 2, "date": "2025-06-01", "category": "招待费", "amount": "100",
                             "description": text, "payee": text}], project, pack)
    rows = list(csv.reader(io.StringIO(render_csv(report).decode("utf-8-sig"))))
    cells = [c for row in rows[1:] for c in row]
    assert not any(c.startswith(("=", "+", "-", "@", "\t", "\r")) for c in cells if c and not _is_number(c))
    sheet = _book(report, tmp_path)["违规发现"]
    shown = visible_text(report.violations[0].entries[0].description)  # as normalised (a leading tab is trimmed)
    found = False
    for row in sheet.iter_rows(min_row=2):
        for cell in row:
            assert cell.data_type != "f", cell.value
            if cell.value == shown:  # the text itself, no apostrophe; kept as text when edited in Excel
                found = True
                assert cell.data_type == "s" and cell.quotePrefix == looks_like_formula(shown)
    assert found


def visible_text(text: str) -> str:
    from qianqi_rules.report.plain import visible

    return visible(text)


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
    assert openpyxl.load_workbook(target).sheetnames[:2] == ["说明", "违规发现"]
    assert main(["check", str(EXAMPLE), "--project", str(PROJECT), "--format", "csv"]) == 1
    assert capsys.readouterr().out.startswith("\ufeff文件")


# --- for any ledger: the counted money adds up, per finding and per Article 13 item ------------------

_PACK = load_rules()
_PROJECT = load_project(REPO / "tests" / "data" / "project.yaml", _PACK)
#: descriptions and payees that make several rules claim one row (staff paid an expert fee for a banquet …)
entry = st.fixed_dictionaries({
    "date": st.dates(min_value=dt.date(2024, 12, 1), max_value=dt.date(2026, 1, 31)),
    "category": st.sampled_from(["专家咨询费", "劳务费", "会议费", "其他费用", "招待费", "差旅费"]),
    "description": st.sampled_from(["员工生日蛋糕", "招待客户晚餐", "专家咨询费", "研讨会场地费", "员工年终奖",
                                    "为其他课题购买耗材", "宴请专家", ""]),
    "payee": st.sampled_from(["张三", "王五", "赵六", "北京测试科技有限公司"]),
    "amount": st.integers(min_value=-5_000_00, max_value=20_000_00).map(lambda c: Decimal(c).scaleb(-2)),
    "invoice_no": st.sampled_from(["", "INV1", "INV2"]),
})


@given(st.lists(entry, max_size=20))
def test_counted_money_adds_up_for_any_ledger(entries) -> None:
    report = check_entries(entries, _PROJECT, _PACK)
    rows = finding_rows(report)
    counted = FINDING_HEADERS.index("计入追回")
    assert sum((r[counted] or Decimal(0) for r in rows), Decimal(0)) == report.summary.clawback_total
    by_item: dict[tuple[int, int | None], Decimal] = {}
    for v in report.violations:
        if v.clawback is None:
            assert v.clawback_counted is None
            continue
        assert Decimal(0) <= v.clawback_counted <= v.clawback
        if v.clawback_counted:
            key = (v.recover_under.article, v.recover_under.item)
            by_item[key] = by_item.get(key, Decimal(0)) + v.clawback_counted
    assert by_item == {(line.trigger.article, line.trigger.item): line.amount for line in report.clawback}


# --- the JSON Schema -------------------------------------------------------------------------------

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
    assert {"clawback_counted", "recover_under"} <= set(violation["properties"])


def test_programme_workbook_adds_up_to_the_programme_total(tmp_path, capsys) -> None:
    folder = tmp_path / "projects"
    folder.mkdir()
    (folder / "a.yaml").write_text(PROJECT.read_text(encoding="utf-8"), encoding="utf-8")
    target = tmp_path / "计划.xlsx"
    assert main(["check", str(EXAMPLE), "--projects", str(folder), "--format", "xlsx", "--output", str(target)]) == 1
    assert main(["check", str(EXAMPLE), "--projects", str(folder), "--format", "json"]) == 1
    doc = json.loads(capsys.readouterr().out)
    book = openpyxl.load_workbook(target)
    total = Decimal(doc["summary"]["clawback_total"])
    assert _sum(r["计入追回"] for r in _table(book["违规发现"])) == total
    assert _sum(r["金额"] for r in _table(book["追回汇总"])) == total
    assert _sum(r["应追回"] for r in _table(book["项目汇总"])) == total
    notes = [c for row in book["说明"].iter_rows(values_only=True) for c in row if c is not None]
    for r in doc["reports"][0]["rules_not_run"]:
        assert r["rule_id"] in notes and r["reason"] in notes
    assert doc["reports"][0]["pack"]["sha256"] in notes
