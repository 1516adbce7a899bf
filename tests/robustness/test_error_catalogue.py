"""Every error code is documented in docs/errors.md, and every documented code is triggered here."""

from __future__ import annotations

import ast
import csv
import re
import shutil
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from qianqi_rules import (
    Checker,
    EntryError,
    LedgerFileError,
    ProjectFileError,
    QianqiError,
    RuleFileError,
    RulePackError,
    RuleRuntimeError,
    check_entries,
    check_ledger,
    load_project,
    load_rules,
)
from qianqi_rules import ServicesFileError, read_services
from qianqi_rules.cli import main
from qianqi_rules.crossproject import load_cross_rules
from qianqi_rules.ledger import read_csv, read_xlsx
from qianqi_rules.report.pdf_report import render_pdf
from qianqi_rules.rules.expressions import ExpressionError, compile_expression
from qianqi_rules.rules.pack import bundled_pack_path
from qianqi_rules.rules.symbols import ENTRY_SYMBOLS
from qianqi_rules.waivers import Waiver, WaiverFileError, load_waivers

from ..service.triggers import SERVICE_TRIGGERS

REPO = Path(__file__).parent.parent.parent
DATA = REPO / "tests" / "data"
DOC = (REPO / "docs" / "errors.md").read_text(encoding="utf-8")
DOCUMENTED = set(re.findall(r"^\| `([a-z0-9-]+)` \|", DOC, re.M))
NOT_CODES = {"utf-8", "utf-8-sig", "utf-16", "qianqi-rules", "a-z",
             # rule names of the Article 15 checks (evaluate/services.py), not error codes
             "service-day-without-record", "systematic-days-without-record", "service-without-evaluation",
             "travel-without-service-there"}
PROJECT = str(DATA / "project.yaml")
LEDGER = str(DATA / "ledger_bom.csv")


def source_codes() -> set[str]:
    """Kebab-case string constants (codes passed around) and ``[code]`` inside message strings."""
    found = set()
    for path in (REPO / "src" / "qianqi_rules").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                if re.fullmatch(r"[a-z]+(-[a-z0-9]+)+", node.value):
                    found.add(node.value)
                found.update(re.findall(r"\[([a-z]+(?:-[a-z]+)+)\]", node.value))
    return found - NOT_CODES


def test_every_code_in_the_source_is_documented() -> None:
    missing = source_codes() - DOCUMENTED - {"unmatched", "expired"}
    assert not missing, f"document these in docs/errors.md: {sorted(missing)}"


# ----------------------------------------------------------------------------- triggers


def cli(*args: str) -> set[str]:
    """Codes on the CLI's stderr."""
    import io
    from contextlib import redirect_stderr, redirect_stdout

    err, out = io.StringIO(), io.StringIO()
    with redirect_stderr(err), redirect_stdout(out):
        try:
            code = main(list(args))
        except SystemExit as exc:
            code = exc.code
    assert code == 2, (code, err.getvalue())
    assert "Traceback" not in err.getvalue()
    return set(re.findall(r"\[([a-z0-9-]+)\]", err.getvalue()))


def raises(kind: type[Exception], fn: Callable[[], object]) -> set[str]:
    with pytest.raises(kind) as info:
        fn()
    exc = info.value
    if isinstance(exc, RulePackError):
        return {e.code for e in exc.errors}
    return {getattr(exc, "code", "")}


def pack_with(tmp: Path, files: dict[str, str], base: bool = False) -> Path:
    folder = tmp / "pack"
    tmp.mkdir(parents=True, exist_ok=True)
    if base:
        shutil.copytree(bundled_pack_path(), folder, ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    else:
        folder.mkdir()
    for name, text in files.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(text, encoding="utf-8")
    return folder


def edit_rule(tmp: Path, old: str, new: str, file: str = "article10.yaml") -> set[str]:
    folder = pack_with(tmp, {}, base=True)
    target = folder / file
    text = target.read_text(encoding="utf-8")
    assert old in text, old
    target.write_text(text.replace(old, new, 1), encoding="utf-8")
    return raises(RulePackError, lambda: load_rules(folder))


def expression(text: str) -> set[str]:
    from rule_engine import DataType

    return raises(ExpressionError, lambda: compile_expression(text, ENTRY_SYMBOLS, expect=DataType.BOOLEAN, terms={},
                                                              groups={"服务类": None}))


def write(tmp: Path, name: str, text: str | bytes) -> str:
    path = tmp / name
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return str(path)


def input_codes(tmp: Path, rows: list[list[str]], pack, project) -> set[str]:
    path = tmp / "l.csv"
    with path.open("w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows(rows)
    return {e.code for e in check_ledger(path, project, pack).input_errors}


GOOD_PROJECT = "code: A\ngrantee: G\nperiod: {start: 2025-01-01, end: 2025-12-31}\n"
HEAD = ["日期", "科目", "摘要", "人数", "金额"]


def _unreadable_row():
    """The base of the per-format unreadable records: a row the format cannot split into cells."""
    from qianqi_rules.ledger.tabular import UnreadableRecord

    ledger = read_csv(DATA / "ledger_export.csv")
    return ledger._classify(9, UnreadableRecord(["x"]), len(ledger.header_cells), 0, None)


def csv_error(tmp: Path) -> set[str]:
    path = write(tmp, "l.csv", "日期,科目,金额\n2025-01-01,会议费," + "1" * 500 + "\n")
    ledger = read_csv(path)
    limit = csv.field_size_limit(100)
    try:
        return raises(LedgerFileError, lambda: list(ledger.rows()))
    finally:
        csv.field_size_limit(limit)


def zip_bomb(tmp: Path) -> Path:
    """The example workbook with a part that inflates a thousand times over the limit for a bomb."""
    from qianqi_rules.ledger.xlsx_reader import BOMB_SIZE

    path = tmp / "bomb.xlsx"
    shutil.copy(DATA / "ledger_export.xlsx", path)
    import zipfile

    with zipfile.ZipFile(path, "a", zipfile.ZIP_DEFLATED) as archive, archive.open("xl/x.xml", "w") as part:
        for _ in range(BOMB_SIZE // (1 << 20) + 1):
            part.write(b"\0" * (1 << 20))
    return path


def frame_codes(project, pack) -> set[str]:
    import pandas as pd

    from qianqi_rules.frames import check_batches

    frame = pd.DataFrame([{"项目编号": "NONE", "日期": "2025-03-01", "科目": "会议费", "金额": "1"}])
    return {code for out in check_batches([frame], {project.code: project}, pack) for code in out["rule_id"]}


def without_module(monkeypatch, name: str, fn: Callable[[], set[str]]) -> set[str]:
    monkeypatch.setitem(sys.modules, name, None)
    return fn()


def without_openpyxl(monkeypatch, fn: Callable[[], object]) -> set[str]:
    monkeypatch.setitem(sys.modules, "openpyxl", None)
    return raises(QianqiError, fn)


def runtime_error(tmp: Path, project) -> set[str]:
    folder = pack_with(tmp, {}, base=True)
    target = folder / "article12_13.yaml"
    target.write_text(target.read_text(encoding="utf-8").replace(
        "where: fundable and category in project.budget\n", "where: fundable\n"), encoding="utf-8")
    checker = Checker(project, load_rules(folder))
    checker.add({"date": "2025-03-01", "category": "培训费", "amount": "1"})
    return raises(RuleRuntimeError, checker.report)


def cli_with_failure(monkeypatch, error: BaseException) -> set[str]:
    import qianqi_rules.cli_commands as commands

    def broken(*args, **kwargs):
        raise error

    monkeypatch.setitem(commands.COMMANDS, "rules", broken)
    return cli("rules")


def waiver_problem_codes(pack, project) -> set[str]:
    import datetime as dt

    entries = [{"row": 2, "date": "2025-06-01", "category": "专家咨询费", "amount": "800", "payee": "张三"}]
    waivers = [Waiver(rule="QQ1010", row=9, reason="r", approved_by="a"),
               Waiver(rule="QQ1010", row=2, reason="r", approved_by="a", until=dt.date(2025, 1, 1))]
    report = check_entries(entries, project, pack, waivers=waivers, today=dt.date(2026, 1, 1))
    return {p.code for p in report.waiver_problems}


def _workbook(tmp: Path, edit: Callable[[object], object]) -> str:
    import openpyxl

    book = openpyxl.Workbook()
    edit(book)
    path = tmp / "p.xlsx"
    book.save(path)
    return str(path)


def _project_book(tmp: Path, edit: Callable[[object], object]) -> str:
    """The ``init`` template with its required cells filled, then ``edit``-ed."""
    import openpyxl

    path = tmp / "p.xlsx"
    assert main(["init", str(path)]) == 0
    book = openpyxl.load_workbook(path)
    info = book["项目信息"]
    for row, value in ((2, "A"), (4, "G"), (5, "2025-01-01"), (6, "2025-12-31")):
        info.cell(row=row, column=2).value = value
    edit(book)
    book.save(path)
    return str(path)


TRIGGERS: dict[str, Callable[..., set[str]]] = {
    # command line
    "bad-arguments": lambda tmp, **_: cli("check", LEDGER),
    "output-unwritable": lambda tmp, **_: cli("check", LEDGER, "--project", PROJECT, "--output",
                                              str(tmp / "no" / "such" / "dir" / "r.txt")),
    "pdf-missing-renderer": lambda tmp, monkeypatch, pack, project, **_: without_module(
        monkeypatch, "typst", lambda: raises(QianqiError, lambda: render_pdf(check_entries([], project, pack)))),
    "pdf-missing-font": lambda tmp, monkeypatch, **_: (
        monkeypatch.setenv("QIANQI_PDF_FONT", str(tmp / "none.ttc")),
        cli("check", LEDGER, "--project", PROJECT, "--format", "pdf", "--output", str(tmp / "r.pdf")))[1],
    "output-exists": lambda tmp, **_: cli("init", write(tmp, "p.xlsx", "")),
    "output-is-input": lambda tmp, **_: cli("check", LEDGER, "--project", str(shutil.copy(PROJECT, tmp / "p.yaml")),
                                            "--output", str(tmp / "p.yaml")),
    "interrupted": lambda tmp, monkeypatch, **_: cli_with_failure(monkeypatch, KeyboardInterrupt()),
    "internal-error": lambda tmp, monkeypatch, **_: cli_with_failure(monkeypatch, RuntimeError("boom")),
    # ledger files
    "ledger-not-found": lambda tmp, **_: cli("check", str(tmp / "none.csv"), "--project", PROJECT),
    "ledger-unreadable": lambda tmp, **_: raises(LedgerFileError, lambda: read_csv(tmp)),
    "ledger-empty-dir": lambda tmp, **_: cli("check", str(tmp), "--project", PROJECT),
    "ledger-encoding": lambda tmp, **_: raises(LedgerFileError, lambda: read_csv(
        write(tmp, "l.csv", "日期,科目,金额\n".encode() + b"\xff\xfe\x00\x81\x30\x81\x30\xff\n"))),
    "ledger-csv": lambda tmp, **_: csv_error(tmp),
    "ledger-missing-column": lambda tmp, **_: cli("check", str(DATA / "ledger_missing_column.csv"), "--project", PROJECT),
    "ledger-missing-year": lambda tmp, **_: cli("check", str(write(tmp, "l.csv", "月,日,科目,金额\n3,5,会议费,1\n")),
                                                "--project", PROJECT),
    "ledger-multicolumn": lambda tmp, **_: cli("check", str(write(
        tmp, "l.csv", "日期,科目,摘要,借方,借方分析\n,,,,专家咨询费\n2025-01-02,研发支出,x,1,1\n")), "--project", PROJECT),
    "ledger-html": lambda tmp, **_: cli("check", str(write(tmp, "l.xls", "<html><table><tr><td>1</td></tr></table>")),
                                        "--project", PROJECT),
    "excel-missing-reader": lambda tmp, monkeypatch, **_: without_openpyxl(
        monkeypatch, lambda: read_xlsx(DATA / "ledger_export.xlsx")),
    "excel-unreadable": lambda tmp, **_: raises(LedgerFileError, lambda: read_xlsx(write(tmp, "b.xlsx", b"PK\x03\x04x"))),
    "unknown-project": lambda tmp, project, pack, **_: frame_codes(project, pack),
    "engine-missing": lambda tmp, monkeypatch, **_: without_module(monkeypatch, "distributed", lambda: cli(
        "check", str(DATA / "programme" / "ledgers"), "--projects", str(DATA / "programme" / "projects"),
        "--engine", "dask")),
    "engine-unreachable": lambda tmp, **_: cli("check", str(DATA / "programme" / "ledgers"), "--projects",
                                               str(DATA / "programme" / "projects"), "--engine", "dask",
                                               "--scheduler", "tcp://127.0.0.1:9"),
    "cross-project-rule": lambda tmp, **_: raises(RuleFileError, lambda: load_cross_rules(
        [pack_with(tmp, {"programme/cross_project.yaml": "cross_project:\n  - {id: QQ1399, check: x}\n"})])),
    "excel-too-large": lambda tmp, **_: raises(LedgerFileError, lambda: read_xlsx(zip_bomb(tmp))),
    "ledger-not-regular-file": lambda tmp, **_: cli("check", "/dev/zero", "--project", PROJECT),
    "file-not-regular": lambda tmp, **_: cli("check", LEDGER, "--project", "/dev/zero"),
    "excel-no-sheet": lambda tmp, **_: raises(LedgerFileError, lambda: read_xlsx(DATA / "ledger_export.xlsx", "无")),
    "excel-missing-writer": lambda tmp, monkeypatch, **_: without_openpyxl(
        monkeypatch, lambda: __import__("qianqi_rules.report.xlsx_report", fromlist=["workbook"]).workbook()),
    # unreadable rows
    "missing-date": lambda tmp, pack, project, **_: input_codes(tmp, [HEAD, ["", "会议费", "x", "", "1"]], pack, project),
    "bad-date": lambda tmp, pack, project, **_: input_codes(tmp, [HEAD, ["2025-02-30", "会议费", "x", "", "1"]], pack, project),
    "missing-category": lambda tmp, pack, project, **_: input_codes(tmp, [HEAD, ["2025-02-03", "", "x", "", "1"]], pack, project),
    "missing-amount": lambda tmp, pack, project, **_: input_codes(tmp, [HEAD, ["2025-02-03", "会议费", "x", "", ""]], pack, project),
    "bad-amount": lambda tmp, pack, project, **_: input_codes(tmp, [HEAD, ["2025-02-03", "会议费", "x", "", "n/a"]], pack, project),
    "sub-cent-amount": lambda tmp, pack, project, **_: input_codes(
        tmp, [HEAD, ["2025-02-03", "会议费", "x", "", "1.005"]], pack, project),
    "bad-number": lambda tmp, pack, project, **_: input_codes(tmp, [HEAD, ["2025-02-03", "会议费", "x", "三人", "1"]], pack, project),
    "cell-too-long": lambda tmp, pack, project, **_: input_codes(
        tmp, [HEAD, ["2025-02-03", "会议费", "x" * 5000, "", "1"]], pack, project),
    "csv-unclosed-quote": lambda tmp, pack, project, **_: {e.code for e in check_ledger(write(
        tmp, "q.csv", '日期,科目,金额\n2025-01-01,会议费,"1\n2025-01-02,会议费,2\n'), project, pack).input_errors},
    "row-unreadable": lambda tmp, **_: {_unreadable_row().code},
    "row-too-few-fields": lambda tmp, pack, project, **_: input_codes(tmp, [HEAD, ["2025-02-03", "会议费"]], pack, project),
    "row-too-many-fields": lambda tmp, pack, project, **_: input_codes(
        tmp, [HEAD, ["2025-02-03", "会议费", "x", "", "1", "234.00"]], pack, project),
    "bad-category": lambda tmp, pack, project, **_: {e.code for e in check_entries(
        [{"date": "2025-02-03", "category": 5, "amount": "1"}], project, pack).input_errors},
    "bad-text": lambda tmp, pack, project, **_: {e.code for e in check_entries(
        [{"date": "2025-02-03", "category": "会议费", "amount": "1", "payee": ["x"]}], project, pack).input_errors},
    "unknown-field": lambda tmp, pack, project, **_: {e.code for e in check_entries(
        [{"date": "2025-02-03", "category": "会议费", "amount": "1", "colour": "red"}], project, pack).input_errors},
    "entry-invalid": lambda tmp, pack, project, **_: raises(EntryError, lambda: Checker(project, pack).add(
        {"date": "x", "category": "会议费", "amount": "1"})),
    # project files
    "project-missing-sheet": lambda tmp, pack, **_: raises(ProjectFileError, lambda: load_project(
        _workbook(tmp, lambda book: book.create_sheet("预算")), pack)),
    "project-bad-header": lambda tmp, pack, **_: raises(ProjectFileError, lambda: load_project(
        _project_book(tmp, lambda book: book["预算"].__setitem__("A1", "类别")), pack)),
    "project-not-found": lambda tmp, **_: cli("check", LEDGER, "--project", str(tmp / "p.yaml")),
    "project-unreadable": lambda tmp, pack, **_: raises(ProjectFileError, lambda: load_project(tmp, pack)),
    "project-shape": lambda tmp, pack, **_: raises(ProjectFileError, lambda: load_project(write(tmp, "p.yaml", "- 1\n"), pack)),
    "project-missing-field": lambda tmp, pack, **_: raises(ProjectFileError, lambda: load_project(
        write(tmp, "p.yaml", "code: A\n"), pack)),
    "project-unknown-field": lambda tmp, pack, **_: raises(ProjectFileError, lambda: load_project(
        write(tmp, "p.yaml", GOOD_PROJECT + "staf: []\n"), pack)),
    "project-unknown-category": lambda tmp, pack, **_: raises(ProjectFileError, lambda: load_project(
        write(tmp, "p.yaml", GOOD_PROJECT + "budget: {招待费: 1}\n"), pack)),
    "project-field": lambda tmp, pack, **_: raises(ProjectFileError, lambda: load_project(
        write(tmp, "p.yaml", GOOD_PROJECT + "budget: {会议费: -1}\n"), pack)),
    "projects-not-found": lambda tmp, **_: cli("check", LEDGER, "--projects", str(tmp / "none")),
    "projects-empty": lambda tmp, **_: cli("check", LEDGER, "--projects", str(tmp)),
    "projects-duplicate-code": lambda tmp, **_: (write(tmp, "p/a.yaml", GOOD_PROJECT), write(tmp, "p/b.yaml", GOOD_PROJECT),
                                                 cli("check", LEDGER, "--projects", str(tmp / "p")))[2],
    # YAML
    "yaml-syntax": lambda tmp, **_: cli("check", LEDGER, "--project", write(tmp, "p.yaml", "code: [\n")),
    "yaml-encoding": lambda tmp, **_: cli("check", LEDGER, "--project", write(tmp, "p.yaml", "code: 项目\n".encode("gbk"))),
    "yaml-tag": lambda tmp, **_: cli("check", LEDGER, "--project", write(tmp, "p.yaml", "!!python/object/apply:os.system [ls]\n")),
    "yaml-key": lambda tmp, **_: cli("check", LEDGER, "--project", write(tmp, "p.yaml", "? [a, b]\n: 1\n")),
    "yaml-too-many-nodes": lambda tmp, **_: cli("check", LEDGER, "--project", write(tmp, "p.yaml", "\n".join(
        ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
        + [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]" for i in range(1, 9)]) + "\n")),
    "yaml-too-deep": lambda tmp, **_: cli("check", LEDGER, "--project", write(tmp, "p.yaml", "a: " + "[" * 80 + "]" * 80 + "\n")),
    "file-too-large": lambda tmp, **_: cli("check", LEDGER, "--project", write(tmp, "p.yaml", "# " + "x" * (6 * 1024 * 1024))),
    "duplicate-key": lambda tmp, **_: cli("check", LEDGER, "--project", write(tmp, "p.yaml", GOOD_PROJECT + "code: B\n")),
    # rule packs
    "pack-not-found": lambda tmp, **_: cli("lint", str(tmp / "none")),
    "pack-empty": lambda tmp, **_: cli("lint", str(tmp)),
    "pack-unreadable": lambda tmp, monkeypatch, **_: (
        monkeypatch.setattr(Path, "read_bytes", lambda self: (_ for _ in ()).throw(PermissionError(13, "denied"))),
        raises(RulePackError, lambda: load_rules(pack_with(tmp, {"a.yaml": "pack: {name: x, version: '1'}\n"}))))[1],
    "pack-missing-meta": lambda tmp, **_: edit_rule(tmp, "pack:\n", "packing:\n", "pack.yaml"),
    "pack-missing-categories": lambda tmp, **_: edit_rule(tmp, "categories:\n", "categoriez:\n", "categories.yaml"),
    "pack-missing-example-project": lambda tmp, **_: edit_rule(tmp, "example_project:\n", "example_projects:\n", "pack.yaml"),
    "pack-regulation": lambda tmp, **_: edit_rule(tmp, "regulation: regulation.txt", "regulation: nowhere.txt", "pack.yaml"),
    "pack-bad-extends": lambda tmp, **_: raises(RulePackError, lambda: load_rules(pack_with(
        tmp, {"pack.yaml": "pack: {name: x, version: '1', extends: other}\n"}))),
    "pack-not-overlay": lambda tmp, **_: raises(RulePackError, lambda: load_rules([
        pack_with(tmp / "a", {"pack.yaml": "pack: {name: x, version: '1', extends: qianqi-bundled}\n"}),
        pack_with(tmp, {}, base=True)])),
    "file-shape": lambda tmp, **_: raises(RulePackError, lambda: load_rules(pack_with(tmp, {"a.yaml": "- 1\n"}))),
    "missing-field": lambda tmp, **_: edit_rule(tmp, "    title: 科目不在第十条列明的九类支出范围内\n", ""),
    "invalid-field": lambda tmp, **_: edit_rule(tmp, "severity: error\n    when: not fundable", "severity: eror\n    when: not fundable"),
    "duplicate-section": lambda tmp, **_: raises(RulePackError, lambda: load_rules(pack_with(
        tmp, {"zz.yaml": "pack: {name: y, version: '2'}\n"}, base=True))),
    "duplicate-term": lambda tmp, **_: raises(RulePackError, lambda: load_rules(pack_with(
        tmp, {"zz.yaml": "terms:\n  礼品: {words: [礼品]}\n"}, base=True))),
    "duplicate-rule-id": lambda tmp, **_: edit_rule(tmp, "  - id: QQ1011", "  - id: QQ1010"),
    "bad-citation": lambda tmp, **_: edit_rule(tmp, "citation: {article: 10}", "citation: {article: 30}"),
    "unknown-category": lambda tmp, **_: edit_rule(tmp, "categories: [专家咨询费]", "categories: [专家费用费]"),
    "unknown-standard": lambda tmp, **_: edit_rule(tmp, "standard: lecture", "standard: lectures", "article6.yaml"),
    "unknown-rule": lambda tmp, **_: cli("explain", "QQ9999"),
    "overlay-only": lambda tmp, **_: raises(RulePackError, lambda: load_rules(pack_with(
        tmp, {"zz.yaml": "overrides:\n  QQ1010: {disabled: true}\n"}, base=True))),
    "overlay-redefines": lambda tmp, **_: raises(RulePackError, lambda: load_rules(pack_with(
        tmp, {"pack.yaml": "pack: {name: x, version: '1', extends: qianqi-bundled}\ncategories: {会议费: []}\n"}))),
    "bad-example": lambda tmp, **_: edit_rule(tmp, "- {payee: 张三, description: 工艺诊断专家咨询费}",
                                              "- {payer: 张三, description: 工艺诊断专家咨询费}"),
    "bad-template": lambda tmp, **_: edit_rule(tmp, "人员 {payee}（{amount} 元）", "人员 {payer}（{amount} 元）"),
    "expression-empty": lambda tmp, **_: expression(""),
    "expression-too-long": lambda tmp, **_: expression("amount > 1 or " * 400 + "amount > 1"),
    "expression-syntax": lambda tmp, **_: expression("amount > 1 and"),
    "expression-invalid": lambda tmp, **_: expression('date > d"2025-13-45"'),
    "expression-arithmetic": lambda tmp, **_: expression("amount > 2 ** 99999999"),
    "unknown-symbol": lambda tmp, **_: expression("payye == 'x'"),
    "unknown-attribute": lambda tmp, **_: expression("payee.__class__ == 'x'"),
    "type-mismatch": lambda tmp, **_: expression('amount > "x"'),
    "wrong-result-type": lambda tmp, **_: expression("amount"),
    "unknown-term": lambda tmp, **_: expression('"没有" in mentions'),
    "unknown-category-group": lambda tmp, **_: expression('"没有" in category_groups'),
    "definition-name": lambda tmp, **_: raises(RulePackError, lambda: load_rules(pack_with(tmp, {
        "definitions.yaml": "definitions: {Work: {description: x, when: 'amount > 1'}}\n"}, base=True))),
    "bad-regex": lambda tmp, **_: expression('description =~ "(x"'),
    "unsafe-regex": lambda tmp, **_: expression('description =~~ "(a{1,100}){1,100}$"'),
    "regex-unsupported": lambda tmp, **_: expression('description =~ "(?=a)b"'),
    "expression-too-deep": lambda tmp, **_: expression("not " * 500 + "true"),
    "regex-not-literal": lambda tmp, **_: expression("description =~ payee"),
    # while checking
    "rule-runtime": lambda tmp, project, **_: runtime_error(tmp, project),
    # waivers
    "waivers-not-found": lambda tmp, **_: cli("check", LEDGER, "--project", PROJECT, "--waivers", str(tmp / "w.yaml")),
    "waivers-unreadable": lambda tmp, **_: raises(WaiverFileError, lambda: load_waivers(tmp)),
    "waivers-shape": lambda tmp, **_: raises(WaiverFileError, lambda: load_waivers(write(tmp, "w.yaml", "- 1\n"))),
    "waivers-field": lambda tmp, **_: raises(WaiverFileError, lambda: load_waivers(
        write(tmp, "w.yaml", "waivers:\n  - {rule: QQ1010, reason: r, approved_by: a}\n"))),
    "waivers-row": lambda tmp, **_: raises(WaiverFileError, lambda: load_waivers(
        write(tmp, "w.yaml", "waivers:\n  - {rule: QQ1010, row: 0, reason: r, approved_by: a}\n"))),
    # service records (Article 15)
    "services-not-found": lambda tmp, **_: cli("check", LEDGER, "--project", PROJECT, "--services", str(tmp / "s.csv")),
    "services-unreadable": lambda tmp, **_: raises(ServicesFileError, lambda: read_services(
        write(tmp, "s.csv", b"\xff\xff\x80\x81 \xfe"))),
    "services-missing-column": lambda tmp, **_: raises(ServicesFileError, lambda: read_services(
        write(tmp, "s.csv", "日期,企业\n2026-03-02,某公司\n"))),
    "services-missing-value": lambda tmp, **_: raises(ServicesFileError, lambda: read_services(
        write(tmp, "s.csv", "日期,特派员,企业\n2026-03-02,,某公司\n"))),
    "services-bad-date": lambda tmp, **_: cli("check", LEDGER, "--project", PROJECT, "--services", write(
        tmp, "s.csv", "日期,特派员,企业\n2026-13-40,林振华,某公司\n")),
    "unmatched": lambda tmp, pack, project, **_: waiver_problem_codes(pack, project),
    "expired": lambda tmp, pack, project, **_: waiver_problem_codes(pack, project),
}
TRIGGERS.update(SERVICE_TRIGGERS)  # qianqi-rules serve (tests/service/triggers.py)


def test_every_documented_code_has_a_trigger() -> None:
    assert set(TRIGGERS) == DOCUMENTED, (sorted(DOCUMENTED - set(TRIGGERS)), sorted(set(TRIGGERS) - DOCUMENTED))


@pytest.mark.parametrize("code", sorted(TRIGGERS))
def test_code_is_produced(code: str, tmp_path: Path, monkeypatch, pack, project) -> None:
    produced = TRIGGERS[code](tmp_path, monkeypatch=monkeypatch, pack=pack, project=project)
    assert code in produced, produced
