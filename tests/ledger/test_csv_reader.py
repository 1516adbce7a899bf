from pathlib import Path

import pytest

from qianqi_rules.errors import LedgerFileError
from qianqi_rules.ledger import RawRow, SkippedRow, read_csv
from qianqi_rules.models import InputError

DATA = Path(__file__).parent.parent / "data"


def kinds(path: Path) -> list[tuple[int, str]]:
    out = []
    for item in read_csv(path).rows():
        kind = {RawRow: "raw", SkippedRow: "skip", InputError: "bad"}[type(item)]
        out.append((item.row, kind))
    return out


def test_utf8_bom_with_quoted_line_break_keeps_spreadsheet_rows() -> None:
    ledger = read_csv(DATA / "ledger_bom.csv")
    assert ledger.encoding == "utf-8-sig"
    rows = list(ledger.rows())
    assert [r.row for r in rows] == [2, 3, 4, 5, 6]
    assert rows[1].values["description"] == "工艺诊断\n专家咨询费"
    assert ledger.headers["amount"] == "金额"


def test_gb18030_export_with_subtotals_and_blank_rows() -> None:
    ledger = read_csv(DATA / "ledger_gbk.csv")
    assert ledger.encoding == "gb18030"
    assert kinds(DATA / "ledger_gbk.csv") == [(2, "raw"), (3, "raw"), (4, "raw"), (5, "skip"), (6, "skip"), (7, "skip")]
    assert ledger.headers["credit"] == "贷方金额"


def test_short_row_is_rejected_with_its_row_and_first_missing_column() -> None:
    rows = list(read_csv(DATA / "ledger_bad_rows.csv").rows())
    short = rows[-1]
    assert isinstance(short, InputError)
    assert short.row == 6
    assert short.column == "category"
    assert short.code == "row-too-few-fields"


def test_title_block_and_footer_are_skipped_rows() -> None:
    ledger = read_csv(DATA / "ledger_title_rows.csv")
    assert ledger.header_row == 4
    assert kinds(DATA / "ledger_title_rows.csv") == [(1, "skip"), (2, "skip"), (3, "skip"), (5, "raw"), (6, "skip")]


def test_missing_required_column_names_found_headers(tmp_path: Path) -> None:
    with pytest.raises(LedgerFileError) as info:
        read_csv(DATA / "ledger_missing_column.csv")
    err = info.value
    assert err.code == "ledger-missing-column"
    assert "category" in err.message and "日期" in err.message and "摘要" in err.message
    assert err.position is not None and err.position.path.endswith("ledger_missing_column.csv")


def test_unknown_encoding_and_missing_file_are_file_errors(tmp_path: Path) -> None:
    with pytest.raises(LedgerFileError) as info:
        read_csv(tmp_path / "nope.csv")
    assert info.value.code == "ledger-not-found"
    with pytest.raises(LedgerFileError) as info:
        read_csv(tmp_path)
    assert info.value.code == "ledger-unreadable"


@pytest.mark.parametrize("delimiter", ["\t", ";"])
def test_tab_and_semicolon_delimited_exports(tmp_path: Path, delimiter: str) -> None:
    path = tmp_path / "l.csv"
    path.write_text(delimiter.join(["日期", "科目", "金额"]) + "\n" + delimiter.join(["2025-01-02", "会议费", "1,000.00"]) + "\n",
                    encoding="utf-8")
    rows = list(read_csv(path).rows())
    assert rows == [RawRow(2, {"date": "2025-01-02", "category": "会议费", "amount": "1,000.00"})]


def test_utf16_with_bom(tmp_path: Path) -> None:
    path = tmp_path / "l.csv"
    path.write_bytes("日期,科目,金额\r\n2025-01-02,会议费,100\r\n".encode("utf-16"))
    ledger = read_csv(path)
    assert ledger.encoding == "utf-16"
    assert [r.row for r in ledger.rows()] == [2]


def test_extra_fields_with_content_are_rejected_but_trailing_empties_pass(write_csv) -> None:
    path = write_csv([["日期", "科目", "金额"], ["2025-01-02", "会议费", "1", ""], ["2025-01-02", "会议费", "1", "234.00"]])
    rows = list(read_csv(path).rows())
    assert isinstance(rows[0], RawRow)
    assert isinstance(rows[1], InputError) and rows[1].code == "row-too-many-fields"


def test_row_without_category_but_with_a_subtotal_word_in_first_cell_is_skipped(write_csv) -> None:
    path = write_csv([["日期", "科目", "金额"], ["合计", "", "100"], ["", "", ""], ["2025-01-02", "", "5"]])
    rows = list(read_csv(path).rows())
    assert isinstance(rows[0], SkippedRow) and isinstance(rows[1], SkippedRow)
    assert isinstance(rows[2], RawRow)  # no category and no subtotal word: the normaliser rejects it


def test_an_unclosed_quote_rejects_its_line_and_every_later_line_is_read(tmp_path) -> None:
    """One stray quote once swallowed 10,000 later lines into one cell, and the totals still balanced."""
    from qianqi_rules import check_ledger, load_project, load_rules

    lines = ["日期,科目,摘要,金额", '2025-03-01,会议费,"场地费,100']
    lines += [f"2025-03-02,会议费,第{i}行,10" for i in range(10_000)]
    path = tmp_path / "l.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    pack = load_rules()
    report = check_ledger(path, load_project(DATA / "project.yaml", pack), pack)
    assert (report.input.rows_total, report.input.rows_checked, report.input.rows_rejected) == (10_001, 10_000, 1)
    assert report.summary.spent_total == 100_000
    [error] = report.input_errors
    assert (error.row, error.code) == (2, "csv-unclosed-quote")
    assert "文件第 2 行" in error.message


def test_an_unclosed_quote_on_a_later_physical_line_names_that_line(tmp_path) -> None:
    path = tmp_path / "l.csv"
    path.write_text('日期,科目,摘要,金额\n2025-03-01,会议费,"两行\n摘要",5\n2025-03-02,会议费,"没闭合,7\n'
                    "2025-03-03,会议费,x,9\n", encoding="utf-8")
    rows = list(read_csv(path).rows())
    assert [type(r).__name__ for r in rows] == ["RawRow", "InputError", "RawRow"]
    assert rows[0].values["description"] == "两行\n摘要"  # a quoted line break is still one row
    assert rows[1].row == 3 and "文件第 4 行" in rows[1].message  # row 3 of the sheet, line 4 of the file
    assert rows[2].row == 4 and rows[2].values["amount"] == "9"


def test_a_quote_still_open_at_the_end_of_the_file_is_rejected(tmp_path) -> None:
    path = tmp_path / "l.csv"
    path.write_text('日期,科目,摘要,金额\n2025-03-01,会议费,"开了\n没有关\n', encoding="utf-8")
    rows = list(read_csv(path).rows())
    assert [r.code for r in rows if isinstance(r, InputError)][0] == "csv-unclosed-quote"
