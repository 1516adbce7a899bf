"""Excel ledgers: the sheet's own row numbers, Excel dates and numbers exact, same findings as the CSV."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from qianqi_rules import LedgerFileError, check_ledger
from qianqi_rules.ledger import RawRow, SkippedRow, read_ledger, read_xlsx

DATA = Path(__file__).parent.parent / "data"


def test_header_found_below_the_title_and_rows_keep_sheet_numbers() -> None:
    ledger = read_xlsx(DATA / "ledger_export.xlsx")
    assert ledger.header_row == 5 and ledger.headers["amount"] == "借方金额"
    items = list(ledger.rows())
    assert [i.row for i in items] == list(range(1, 5)) + list(range(6, 13))
    assert all(isinstance(i, SkippedRow) for i in items[:4] + items[-2:])
    first = next(i for i in items if isinstance(i, RawRow))
    assert first.row == 6 and first.values["date"] == "2025-03-05" and first.values["amount"] == "1200"


def test_numbers_stored_as_numbers_come_through_exactly(pack, project) -> None:
    report = check_ledger(DATA / "ledger_export.xlsx", project, pack)
    assert report.summary.spent_total == Decimal("6220.95")  # 1200 + 2999.99 + 886.5 − 100.1 + 1234.56
    assert report.input.encoding == "xlsx"
    assert (report.input.rows_total, report.input.rows_checked, report.input.rows_skipped) == (11, 5, 6)


def test_xlsx_and_csv_of_the_same_ledger_give_identical_findings(pack, project) -> None:
    from_xlsx = check_ledger(DATA / "ledger_export.xlsx", project, pack)
    from_csv = check_ledger(DATA / "ledger_export.csv", project, pack)
    assert from_xlsx.violations == from_csv.violations
    assert from_xlsx.summary == from_csv.summary
    assert from_xlsx.budget == from_csv.budget


def test_other_sheets_and_missing_sheets(tmp_path: Path) -> None:
    with pytest.raises(LedgerFileError) as info:
        read_xlsx(DATA / "ledger_export.xlsx", sheet="台账2")
    assert info.value.code == "excel-no-sheet" and "明细账" in info.value.message
    with pytest.raises(LedgerFileError) as info:
        read_xlsx(DATA / "ledger_export.xlsx", sheet="说明")
    assert info.value.code == "ledger-missing-column"


def test_a_broken_xlsx_is_a_file_error(tmp_path: Path) -> None:
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(b"PK\x03\x04 not really a workbook")
    with pytest.raises(LedgerFileError) as info:
        read_ledger(broken)
    assert info.value.code == "excel-unreadable"
