"""Ledger and rule-file text is data in every report: no markup, no terminal control sequence, no crash.

Each renderer gets findings, unreadable rows, waivers, project names and rule
texts holding rich markup, ANSI colour codes, OSC 8 hyperlinks and raw
control characters; the output must show them as text and hold none of the
control bytes.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import shutil
import sys
from pathlib import Path

import openpyxl
import pytest

from qianqi_rules import check_entries, load_rules
from qianqi_rules.authoring import explain, test_pack
from qianqi_rules.models import WaiverProblem, WaiverRef
from qianqi_rules.cli import main
from qianqi_rules.report import render_csv, render_json, render_table, render_xlsx
from qianqi_rules.programme import check_programme
from qianqi_rules.report.authoring import render_explanation, render_rules, render_test
from qianqi_rules.report.plain import visible
from qianqi_rules.report.programme import render_programme_table
from qianqi_rules.rules.pack import bundled_pack_path

from ..helpers import entry

REPO = Path(__file__).parent.parent.parent
DATA = REPO / "tests" / "data"

MARKUP_LINK = "[link=http://x]a[/link]"
MARKUP_CLOSE = "办公用品[/red]"
ANSI = "\x1b[31m红色"
OSC8 = "\x1b]8;;http://evil.example/\x07点我\x1b]8;;\x07"
OSC8_ST = "\x1b]8;;http://evil.example/\x1b\\点我\x1b]8;;\x1b\\"
CONTROLS = "空\x00竖\x0b铃\x07删\x7f控\x9b2J"
EMOJI_CODE = ":warning:"
BIDI = "\u202e反向"
HOSTILE = [MARKUP_LINK, MARKUP_CLOSE, ANSI, OSC8, OSC8_ST, CONTROLS, EMOJI_CODE, BIDI]
ALL = "|".join(HOSTILE)

#: what must never reach a terminal from the data: C0 except tab and line feed, DEL, C1, bidi controls
FORBIDDEN = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
#: the colour codes rich writes itself when asked for colour
RICH_SGR = re.compile(r"\x1b\[[0-9;]*m")


def assert_inert(text: str, *, color: bool = False, shown: list[str] | None = None) -> None:
    """No control character from the data (rich's own colour codes aside), and every hostile text
    (or every text of ``shown``) visible."""
    bare = RICH_SGR.sub("", text) if color else text
    assert not FORBIDDEN.search(bare), repr(FORBIDDEN.search(bare))
    assert "\x1b]" not in text  # no OSC (hyperlinks, titles) at all, even with colour
    flat = re.sub(r"\s+", "", bare)
    for item in [visible(t) for t in shown] if shown else (MARKUP_LINK, MARKUP_CLOSE, EMOJI_CODE, visible(ANSI),
                                                         visible(OSC8), visible(CONTROLS), visible(BIDI)):
        assert re.sub(r"\s+", "", item) in flat, item


@pytest.fixture(scope="module")
def hostile(pack, project):
    """A report whose every ledger-derived text holds all the hostile strings."""
    report = check_entries([entry(2, "其他费用", "88", description="员工生日蛋糕"),
                            entry(3, "差旅费", "abc", description="出差")],
                           project, pack)
    waiver = WaiverRef(reason=ALL, approved_by=ALL, source=ALL)
    problems = [WaiverProblem(rule="QQ1110", source=ALL, code="unmatched", message=ALL)]
    violations = [v.model_copy(update={"message": f"{v.message}{ALL}"}) for v in report.violations]
    violations.append(violations[0].model_copy(update={"waiver": waiver}))
    entries = [e.model_copy(update={"description": ALL, "payee": ALL}) for e in violations[0].entries]
    violations[0] = violations[0].model_copy(update={"entries": entries})
    errors = [e.model_copy(update={"value": ALL, "message": ALL}) for e in report.input_errors]
    project_info = report.project.model_copy(update={"name": ALL})
    return report.model_copy(update={"violations": violations, "input_errors": errors, "project": project_info,
                              "waiver_problems": problems})


@pytest.mark.parametrize("color", [False, True])
def test_table_shows_hostile_text_as_text(hostile, color) -> None:
    text = render_table(hostile, color=color, width=400)
    assert_inert(text, color=color)


def test_table_renders_markup_that_used_to_raise(project, pack) -> None:
    """``[/red]`` in a description made rich raise MarkupError and the whole check fail."""
    report = check_entries([entry(2, "其他费用", "88", description=f"员工生日蛋糕{MARKUP_CLOSE}")], project, pack)
    assert MARKUP_CLOSE in render_table(report)


def test_xlsx_keeps_control_characters_visible(hostile, tmp_path) -> None:
    """ESC, NUL and VT made openpyxl raise IllegalCharacterError."""
    path = tmp_path / "r.xlsx"
    path.write_bytes(render_xlsx(hostile))
    book = openpyxl.load_workbook(path)
    cells = [str(c.value) for sheet in book for row in sheet.iter_rows() for c in row if c.value is not None]
    joined = "\n".join(cells)
    assert not FORBIDDEN.search(joined)
    assert visible(CONTROLS) in joined and visible(OSC8) in joined and MARKUP_LINK in joined


def test_csv_keeps_control_characters_visible(hostile) -> None:
    text = render_csv(hostile).decode("utf-8-sig")
    assert not FORBIDDEN.search(text.replace("\r\n", "\n"))
    rows = list(csv.reader(io.StringIO(text)))
    assert any(visible(CONTROLS) in cell for row in rows for cell in row)


def test_json_changes_no_value_and_escapes_what_json_leaves_raw(hostile) -> None:
    text = render_json(hostile)
    assert not FORBIDDEN.search(text)  # C0 escaped by JSON itself; DEL, C1 and bidi by the renderer
    doc = json.loads(text)
    assert doc["project"]["name"] == ALL
    assert doc["violations"][0]["entries"][0]["description"] == ALL


# ----------------------------------------------------------------------------- the other terminal renderers


def run(capsys, *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def yaml_text(text: str) -> str:
    """``text`` as a double-quoted YAML scalar (control characters as YAML escapes)."""
    return json.dumps(text, ensure_ascii=True)


def test_programme_summary_shows_hostile_project_names_as_text(tmp_path, capsys, pack) -> None:
    projects, ledgers = tmp_path / "projects", tmp_path / "ledgers"
    projects.mkdir()
    ledgers.mkdir()
    text = (DATA / "project.yaml").read_text(encoding="utf-8")
    text = re.sub(r"^name: .*$", lambda _: f"name: {yaml_text(ALL)}", text, flags=re.M)
    (projects / "t01.yaml").write_text(text, encoding="utf-8")
    shutil.copy(DATA / "ledger_bom.csv", ledgers / "t01.csv")
    programme = check_programme([str(ledgers / "t01.csv")], projects, pack)
    for color in (False, True):
        shown = [programme.projects[0].name]  # as loaded: the project file reader makes a VT a space
        assert "\x1b" in shown[0]
        assert_inert(render_programme_table(programme, color=color, width=400), color=color, shown=shown)
    code, out, err = run(capsys, "check", str(ledgers), "--projects", str(projects))
    assert code == 1 and not FORBIDDEN.search(out) and MARKUP_CLOSE[:4] in out, err


@pytest.fixture
def hostile_pack(tmp_path: Path) -> Path:
    """A copy of the bundled pack with one rule's title holding the hostile strings."""
    target = tmp_path / "pack"
    shutil.copytree(bundled_pack_path(), target, ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    path = target / "article10.yaml"
    text = path.read_text(encoding="utf-8")
    old = "    title: 专家咨询费支付给受资助单位工作人员\n"
    assert old in text
    path.write_text(text.replace(old, f"    title: {yaml_text('专家咨询费' + ALL)}\n", 1), encoding="utf-8")
    return target


@pytest.mark.parametrize("color", [False, True])
def test_rule_list_and_example_results_show_rule_text_as_text(hostile_pack, color) -> None:
    pack = load_rules(str(hostile_pack))
    assert_inert(render_rules(pack, "table", color=color, width=1000), color=color)
    assert_inert(render_test(pack, test_pack(pack, ["QQ1010"]), color=color, width=1000), color=color)


def test_explanation_shows_rule_text_as_text(hostile_pack) -> None:
    assert_inert(render_explanation(explain(load_rules(str(hostile_pack)), "QQ1010")))


@pytest.mark.parametrize("command", [["rules"], ["explain", "QQ1010"], ["test", "--rule", "QQ1010"]])
def test_authoring_commands_print_no_control_character(hostile_pack, capsys, command) -> None:
    flag = [str(hostile_pack)] if command[0] == "test" else ["--rules", str(hostile_pack)]
    code, out, err = run(capsys, *command, *flag)
    assert code == 0, err
    assert not FORBIDDEN.search(out) and "\\x1b" in out


def test_rules_json_escapes_what_json_leaves_raw(hostile_pack, capsys) -> None:
    code, out, _ = run(capsys, "rules", "--rules", str(hostile_pack), "--format", "json")
    assert code == 0 and not FORBIDDEN.search(out)
    titles = [r["title"] for r in json.loads(out)["rules"]]
    assert "专家咨询费" + ALL in titles


def test_lint_messages_show_file_text_as_text(hostile_pack, capsys) -> None:
    path = hostile_pack / "article10.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("    severity: error\n", f"    {yaml_text('bad' + CONTROLS + MARKUP_CLOSE)}: 1\n"
                                 "    severity: error\n", 1), encoding="utf-8")
    code, out, err = run(capsys, "lint", str(hostile_pack))
    assert code == 2 and "[unknown-field]" in err
    assert not FORBIDDEN.search(err)
    assert visible(CONTROLS) in err


def test_error_messages_on_stderr_show_file_names_as_text(tmp_path, capsys) -> None:
    code, _, err = run(capsys, "check", str(tmp_path / f"台账{ANSI}.csv"), "--project", str(DATA / "project.yaml"))
    assert code == 2 and "[ledger-not-found]" in err
    assert not FORBIDDEN.search(err) and visible(ANSI) in err


@pytest.mark.skipif(sys.platform in ("win32", "darwin"), reason="file names must be able to hold any bytes")
@pytest.mark.parametrize("fmt", ["table", "json", "csv", "xlsx"])
def test_a_ledger_named_by_bytes_that_are_not_utf8(tmp_path, capsys, fmt) -> None:
    """Python reads such a name as a lone surrogate, which no encoder accepts: every format used to fail."""
    raw = os.fsencode(tmp_path) + b"/bad\xff.csv"
    shutil.copy(REPO / "examples" / "ledger.csv", raw)
    name = os.fsdecode(raw)
    args = ["check", name, "--project", str(REPO / "examples" / "project.yaml"), "--format", fmt]
    if fmt != "xlsx":
        code, out, err = run(capsys, *args)
        assert code == 1 and "[internal-error]" not in err, err
        assert "bad\\udcff.csv" in out or fmt == "csv"
        if fmt == "json":
            assert json.loads(out)["input"]["path"] == name  # read back exactly as given
    target = tmp_path / f"report.{fmt}"
    code, _, err = run(capsys, *args, "--output", str(target))
    assert code == 1 and "[internal-error]" not in err and target.stat().st_size > 0, err
