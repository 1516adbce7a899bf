"""Cutting a CSV ledger into spans: wherever the cuts are asked for, the spans' rows are the whole file's rows."""

from __future__ import annotations

import glob
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from qianqi_rules.ledger import RawRow, read_csv, read_ledger
from qianqi_rules.ledger.split import plan
from qianqi_rules.pipeline import ledger_layout

REPO = Path(__file__).parent.parent.parent
HEADER = "日期,凭证号,费用科目,摘要,金额"


def whole_and_spans(path: Path, targets: list[int]):
    ledger = read_csv(path)
    spans = plan(ledger, targets)
    whole = list(ledger.rows())
    return ledger, spans, whole, None if spans is None else [r for s in spans for r in ledger.rows(span=s)]


def write(path: Path, lines: list[str], *, encoding: str = "utf-8", newline: str = "\n", bom: bool = False) -> Path:
    text = newline.join(lines) + newline
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + text.encode(encoding))
    return path


# --------------------------------------------------------------------------------------------- a ledger, generated

_TEXT = st.text(alphabet=st.sampled_from(list("差旅费会议劳务ab1 ,\"\n合计")), max_size=8)


@st.composite
def ledgers(draw):
    """Lines of a ledger with what makes cutting hard: quoted commas and line breaks, quotes inside cells,
    voucher lines that take their date and number from the line above, subtotals, blank lines."""
    lines = [HEADER]
    voucher = 0
    for _ in range(draw(st.integers(1, 40))):
        kind = draw(st.sampled_from(["entry", "entry", "entry", "filled", "subtotal", "blank", "quoted"]))
        if kind == "blank":
            lines.append("")
            continue
        if kind == "subtotal":
            lines.append(',,,本月合计,"1,000.00"')
            continue
        voucher += draw(st.integers(0, 1))
        date = f"2025-03-{draw(st.integers(1, 28)):02d}"
        number = f"记-{voucher:03d}"
        description = draw(_TEXT)
        quoted = '"' + description.replace('"', '""') + '"'
        if kind == "filled":  # a voucher's second line: no date, no number
            lines.append(f",,差旅费,{quoted},12.00")
        elif kind == "quoted":
            lines.append(f'{date},{number},会议费,"{description.replace(chr(34), "")}\n第二行",30.00')
        else:
            lines.append(f"{date},{number},差旅费,{quoted},\"{draw(st.integers(1, 99999)):,}.50\"")
    return lines


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(lines=ledgers(), cuts=st.lists(st.floats(0, 1), min_size=1, max_size=6), newline=st.sampled_from(["\n", "\r\n"]),
       encoding=st.sampled_from(["utf-8", "utf-8-sig", "gb18030"]))
def test_any_cuts_give_the_rows_of_the_whole_file(tmp_path_factory, lines, cuts, newline, encoding) -> None:
    path = write(tmp_path_factory.mktemp("split") / "l.csv", lines, encoding="gb18030" if encoding == "gb18030" else "utf-8",
                 newline=newline, bom=encoding == "utf-8-sig")
    size = path.stat().st_size
    ledger, spans, whole, parts = whole_and_spans(path, [int(c * size) for c in cuts])
    if spans is None:
        return
    assert parts == whole  # no row lost, none doubled, each numbered and classified as in one reading
    assert spans[0].start == 0 and spans[-1].end == size and spans[-1].stop is None
    for before, after in zip(spans, spans[1:]):
        assert before.end == after.start and before.stop == after.line and before.row < after.row
        with open(path, "rb") as f:  # a cut is where a line begins
            f.seek(after.start - 1)
            assert f.read(1) == b"\n"


def test_a_cut_asked_for_inside_a_quoted_line_break_moves_to_the_next_record(tmp_path) -> None:
    lines = [HEADER] + [f"2025-03-01,记-{i:03d},差旅费,住宿,10.00" for i in range(5)]
    lines += ['2025-03-02,记-100,会议费,"第一行\n第二行\n第三行",20.00'] + ["2025-03-03,记-101,差旅费,车费,5.00"]
    path = write(tmp_path / "l.csv", lines)
    inside = path.read_bytes().index("第二行".encode())
    ledger, spans, whole, parts = whole_and_spans(path, [inside])
    assert spans is not None and parts == whole
    assert [r.row for r in ledger.rows(span=spans[1])] == [8]  # the record after the quoted one
    assert spans[1].line == 9  # physical lines before it: the header, six one-line records, two more lines


def test_no_cut_after_an_unclosed_quote(tmp_path) -> None:
    lines = [HEADER] + [f"2025-03-01,记-{i:03d},差旅费,住宿,10.00" for i in range(4)]
    lines += ['2025-03-02,记-100,会议费,"没有闭合,20.00'] + [f"2025-03-03,记-{i:03d},差旅费,车费,5.00" for i in range(200, 230)]
    path = write(tmp_path / "l.csv", lines)
    size = path.stat().st_size
    ledger, spans, whole, parts = whole_and_spans(path, [size // 10, size // 2, size * 9 // 10])
    assert spans is not None and len(spans) == 2 and parts == whole  # only the cut before the quote is made
    assert spans[1].row < 6
    assert any(not isinstance(r, RawRow) and getattr(r, "code", "") == "csv-unclosed-quote" for r in whole)


def test_a_cut_never_separates_the_lines_of_one_voucher(tmp_path) -> None:
    filled = [",,差旅费,车费,5.00"] * 30  # the voucher's other lines: date and number filled down from its first
    lines = [HEADER, "2025-03-01,记-001,差旅费,住宿,10.00", *filled, "2025-03-02,记-002,会议费,场地,30.00", *filled,
             "2025-03-02,记-002,会议费,茶歇,3.00", "2025-03-03,记-003,会议费,茶歇,3.00"]
    path = write(tmp_path / "l.csv", lines)
    inside = path.read_bytes().index("车费".encode()) + 100  # among 记-001's filled lines
    ledger, spans, whole, parts = whole_and_spans(path, [inside])
    assert spans is not None and len(spans) == 2 and parts == whole
    # not at 记-002 (what fills the line above it is not known there), nor inside it: at 记-003
    assert spans[1].row == 64 and [r.row for r in ledger.rows(span=spans[1])] == [65]  # row: the rows before it


@pytest.mark.parametrize("why", ["bare CR", "utf-16", "single account"])
def test_files_that_cannot_be_cut_safely_are_not(tmp_path, why) -> None:
    rows = [f"2025-03-01,记-{i:03d},差旅费,住宿,10.00" for i in range(50)]
    if why == "bare CR":
        path = write(tmp_path / "l.csv", [HEADER, *rows], newline="\r")
    elif why == "utf-16":
        path = tmp_path / "l.csv"
        path.write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-16")
    else:  # a 明细账 of one account, named in the title above its rows (and again above each block)
        path = write(tmp_path / "l.csv", ["科目：660204 管理费用-差旅费", "日期,凭证号,摘要,金额",
                                          *(r.replace(",差旅费", "") for r in rows)])
    ledger = read_csv(path)
    if why == "single account":
        assert ledger.header.account is not None
    assert plan(ledger, [ledger.size // 2]) is None


def test_a_workbook_is_not_cut() -> None:
    pytest.importorskip("openpyxl")
    path = REPO / "tests" / "data" / "exports" / "eas_journal.xlsx"
    ledger = read_ledger(path)
    assert plan(ledger, [ledger.size // 2]) is None


FIXTURES = sorted(p for p in glob.glob(str(REPO / "tests" / "data" / "**" / "*.csv"), recursive=True))


@pytest.mark.parametrize("path", FIXTURES, ids=lambda p: str(Path(p).relative_to(REPO / "tests" / "data")))
def test_every_csv_fixture_cut_at_every_line_gives_its_rows(pack, path) -> None:
    try:
        ledger = read_ledger(path, None, ledger_layout(pack))
    except Exception:  # noqa: BLE001 - a file the reader refuses has no rows to compare
        return
    whole = list(ledger.rows())
    data = Path(path).read_bytes()
    starts = [i + 1 for i, b in enumerate(data) if b == 0x0A][:200]
    for target in starts:
        spans = plan(ledger, [target - 1])
        if spans is not None:
            assert [r for s in spans for r in ledger.rows(span=s)] == whole, target
