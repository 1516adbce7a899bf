"""The project file as a workbook: ``init`` writes the template, officers fill it, ``--project`` reads it.

The round trip: the template filled (with openpyxl, as Excel would) from a YAML project file's data gives
the same project and the same report as the YAML file.  Every problem names the sheet, row and column.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import openpyxl
import pytest
import yaml

from qianqi_rules import ProjectFileError, check_ledger, load_project
from qianqi_rules.cli import main

REPO = Path(__file__).parent.parent
DATA = REPO / "tests" / "data"
LABELLED = DATA / "labelled"
CASES = json.loads((LABELLED / "labels.json").read_text(encoding="utf-8"))
PAIRS = [(REPO / "examples" / "project.yaml", REPO / "examples" / "ledger.csv"),
         (DATA / "project.yaml", DATA / "ledger_bom.csv"),
         *[(LABELLED / CASES[name]["project"], LABELLED / CASES[name]["ledger"]) for name in sorted(CASES)[::9]]]


def init(tmp_path: Path, name: str = "项目.xlsx") -> Path:
    target = tmp_path / name
    assert main(["init", str(target)]) == 0
    return target


def _row_of(sheet, label: str) -> int:
    for row in range(1, sheet.max_row + 1):
        if sheet.cell(row=row, column=1).value == label:
            return row
    raise AssertionError(label)


def fill(template: Path, data: dict, target: Path) -> Path:
    """Fill the template as an officer would, from a YAML project file's data."""
    book = openpyxl.load_workbook(template)
    info = book["项目信息"]
    values = {"项目编号": data["code"], "项目名称": data.get("name"), "受资助单位": data["grantee"],
              "执行期开始": data["period"]["start"], "执行期结束": data["period"]["end"]}
    for label, value in values.items():
        info.cell(row=_row_of(info, label), column=2).value = value
    budget = book["预算"]
    listed = {budget.cell(row=r, column=1).value: r for r in range(2, budget.max_row + 1)}
    for category, amount in (data.get("budget") or {}).items():
        row = listed.get(category)
        if row is None:
            budget.append([category, amount])
        else:
            budget.cell(row=row, column=2).value = amount
    moves = book["预算调整"]
    for move in data.get("budget_adjustments") or []:
        moves.append([move["from"], move["to"], move["amount"], move["approved_on"], move.get("reference")])
    staff = book["人员名单"]
    for name in data.get("staff") or []:
        staff.append([name, "本单位工作人员"])
    for name in data.get("fiscal_funded") or []:
        staff.append([name, "财政供养人员"])
    book.save(target)
    return target


@pytest.mark.parametrize(("project_yaml", "ledger"), PAIRS, ids=lambda p: p.name)
def test_filled_template_gives_the_same_report_as_the_yaml(pack, tmp_path, project_yaml, ledger) -> None:
    data = yaml.safe_load(project_yaml.read_text(encoding="utf-8"))
    workbook = fill(init(tmp_path), data, tmp_path / "filled.xlsx")
    from_yaml, from_xlsx = load_project(project_yaml, pack), load_project(workbook, pack)
    assert from_xlsx == from_yaml
    assert check_ledger(ledger, from_xlsx, pack).to_json() == check_ledger(ledger, from_yaml, pack).to_json()


def test_the_command_line_reads_the_workbook(tmp_path, capsys) -> None:
    data = yaml.safe_load((REPO / "examples" / "project.yaml").read_text(encoding="utf-8"))
    workbook = fill(init(tmp_path), data, tmp_path / "filled.xlsx")
    capsys.readouterr()
    ledger = str(REPO / "examples" / "ledger.csv")
    assert main(["check", ledger, "--project", str(workbook), "--format", "json"]) == 1
    from_xlsx = capsys.readouterr().out
    assert main(["check", ledger, "--project", str(REPO / "examples" / "project.yaml"), "--format", "json"]) == 1
    assert from_xlsx == capsys.readouterr().out


def test_template_offers_the_nine_categories_the_two_rosters_and_dates(tmp_path, pack) -> None:
    book = openpyxl.load_workbook(init(tmp_path))
    assert book.sheetnames == ["项目信息", "预算", "预算调整", "人员名单", "填写说明"]
    budget = book["预算"]
    assert [budget.cell(row=r, column=1).value for r in range(2, 11)] == list(pack.categories.names)

    def checks(sheet) -> dict[str, tuple[str, str]]:
        return {str(v.sqref): (v.type, v.formula1) for v in sheet.data_validations.dataValidation}

    lists = {ref: f for ref, (kind, f) in checks(budget).items() if kind == "list"}
    (formula,) = lists.values()
    assert formula.strip('"').split(",") == list(pack.categories.names)
    assert "date" in {kind for kind, _ in checks(book["项目信息"]).values()}
    assert {"list", "decimal", "date"} <= {kind for kind, _ in checks(book["预算调整"]).values()}
    (roster,) = [f for kind, f in checks(book["人员名单"]).values() if kind == "list"]
    assert roster == '"本单位工作人员,财政供养人员"'
    assert [c.value for c in book["人员名单"][1]] == ["姓名", "身份"]


def test_init_never_overwrites_unless_told(tmp_path, capsys) -> None:
    target = init(tmp_path)
    before = target.read_bytes()
    assert main(["init", str(target)]) == 2
    assert "[output-exists]" in capsys.readouterr().err and target.read_bytes() == before
    assert main(["init", str(target), "--force"]) == 0
    assert main(["init", str(tmp_path / "p.yaml")]) == 2
    assert "[bad-arguments]" in capsys.readouterr().err


# --- every problem names the sheet, the row and the column ------------------------------------------------

GOOD = {"code": "BJKX-QQ-T01", "name": "测试", "grantee": "北京测试科技有限公司",
        "period": {"start": dt.date(2025, 1, 1), "end": dt.date(2025, 12, 31)},
        "budget": {"会议费": 3000}, "staff": ["张三"], "fiscal_funded": ["王五"]}


def broken(tmp_path: Path, edit) -> Path:
    target = fill(init(tmp_path), GOOD, tmp_path / "p.xlsx")
    book = openpyxl.load_workbook(target)
    edit(book)
    book.save(target)
    return target


def problem(pack, path: Path) -> ProjectFileError:
    with pytest.raises(ProjectFileError) as info:
        load_project(path, pack)
    return info.value


def _set(sheet: str, cell: str, value):
    def edit(book) -> None:
        book[sheet][cell] = value
    return edit


@pytest.mark.parametrize(("edit", "code", "where"), [
    (_set("预算", "A12", "招待费"), None, None),  # filled below: a category with no amount is not read
    (lambda b: b["预算"].append(["招待费", 100]), "project-unknown-category", "工作表“预算”，第 11 行 A 列"),
    (_set("预算", "B6", -5), "project-field", "工作表“预算”，第 6 行 B 列"),
    (_set("预算", "B6", "三千"), "project-field", "工作表“预算”，第 6 行 B 列"),
    (lambda b: b["预算"].append(["会议费", 100]), "project-field", "工作表“预算”，第 11 行 A 列"),
    (lambda b: b["预算"].append([None, 100]), "project-missing-field", "工作表“预算”，第 11 行 A 列"),
    (_set("项目信息", "B5", "2025-02-30"), "project-field", "工作表“项目信息”，第 5 行 B 列"),
    (_set("项目信息", "B2", None), "project-missing-field", "工作表“项目信息”，第 2 行 B 列"),
    (_set("项目信息", "A7", "项目负责"), "project-unknown-field", "工作表“项目信息”，第 7 行 A 列"),
    (_set("人员名单", "B3", "外聘专家"), "project-field", "工作表“人员名单”，第 3 行 B 列"),
    (_set("人员名单", "B3", None), "project-missing-field", "工作表“人员名单”，第 3 行 B 列"),
    (_set("人员名单", "A3", "·"), "project-field", "工作表“人员名单”，第 3 行 A 列"),
    (lambda b: b["预算调整"].append(["会议费", "差旅费", 500, None]), "project-missing-field",
     "工作表“预算调整”，第 2 行 D 列"),
    (lambda b: b["预算调整"].append(["会议费", "招待费", 500, dt.date(2025, 6, 1)]), "project-unknown-category",
     "工作表“预算调整”，第 2 行 B 列"),
    (lambda b: b["预算调整"].append(["会议费", "差旅费", 5000, dt.date(2025, 6, 1)]), "project-field",
     "工作表“预算调整”，第 2 行 C 列"),
    (_set("预算", "A1", "类别"), "project-bad-header", "工作表“预算”，第 1 行"),
    (_set("预算", "B6", "=1000+2000"), "project-field", "工作表“预算”，第 6 行 B 列"),
    (lambda b: b.remove(b["项目信息"]), "project-missing-sheet", None),
])
def test_a_problem_names_sheet_row_and_column(pack, tmp_path, edit, code, where) -> None:
    path = broken(tmp_path, edit)
    if code is None:
        assert load_project(path, pack).budget == {"会议费": 3000}
        return
    error = problem(pack, path)
    assert error.code == code, str(error)
    assert error.position is not None and error.position.path == str(path)
    if where:
        assert where in str(error.position), str(error)


def test_the_cli_reports_a_bad_workbook_with_its_cell(tmp_path, capsys) -> None:
    path = broken(tmp_path, lambda b: b["预算"].append(["招待费", 100]))
    assert main(["check", str(REPO / "examples" / "ledger.csv"), "--project", str(path)]) == 2
    err = capsys.readouterr().err
    assert "工作表“预算”，第 11 行 A 列" in err and "[project-unknown-category]" in err and "Traceback" not in err


def test_a_roster_left_empty_is_not_given_and_its_rules_say_so(pack, tmp_path) -> None:
    path = broken(tmp_path, lambda b: b["人员名单"].delete_rows(2, 2))
    project = load_project(path, pack)
    assert project.staff is None and project.fiscal_funded is None
    report = check_ledger(REPO / "examples" / "ledger.csv", project, pack)
    assert any("人员" in r.reason or "staff" in r.reason or "名单" in r.reason for r in report.rules_not_run)


def test_dates_typed_as_numbers_and_text_are_read(pack, tmp_path) -> None:
    def edit(book) -> None:
        info = book["项目信息"]
        info["B5"], info["B6"] = 20250101, "2025年12月31日"
        info["B5"].number_format = "General"  # typed as a number into a cell that is not a date

    path = broken(tmp_path, edit)
    project = load_project(path, pack)
    assert (project.period_start, project.period_end) == (dt.date(2025, 1, 1), dt.date(2025, 12, 31))


def test_a_file_that_is_not_a_workbook(pack, tmp_path) -> None:
    path = tmp_path / "p.xlsx"
    path.write_bytes(b"PK\x03\x04 not really")
    assert problem(pack, path).code == "project-unreadable"
    assert problem(pack, tmp_path / "missing.xlsx").code == "project-not-found"


def test_a_programme_folder_may_hold_workbooks(tmp_path, capsys) -> None:
    folder = tmp_path / "projects"
    folder.mkdir()
    data = yaml.safe_load((REPO / "examples" / "project.yaml").read_text(encoding="utf-8"))
    fill(init(tmp_path), data, folder / "电池项目.xlsx")
    (folder / "~$电池项目.xlsx").write_bytes(b"lock file Excel leaves while the workbook is open")
    capsys.readouterr()
    assert main(["check", str(REPO / "examples" / "ledger.csv"), "--projects", str(folder), "--format", "json"]) == 1
    doc = json.loads(capsys.readouterr().out)
    assert [p["code"] for p in doc["projects"]] == [data["code"]]
    assert doc["projects"][0]["errors"] > 0


def test_a_huge_file_is_refused_before_it_is_read(pack, tmp_path) -> None:
    path = tmp_path / "p.xlsx"
    path.write_bytes(b"PK\x03\x04" + b"\0" * (5 * 1024 * 1024))
    assert problem(pack, path).code == "file-too-large"


@pytest.mark.skipif(not hasattr(__import__("os"), "mkfifo"), reason="named pipes are POSIX")
def test_a_pipe_named_xlsx_is_refused_not_waited_on(pack, tmp_path) -> None:
    import os

    path = tmp_path / "p.xlsx"
    os.mkfifo(path)
    assert problem(pack, path).code == "file-not-regular"
