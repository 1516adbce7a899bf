"""Reading ledger files into raw rows: the first stage of the pipeline.

A reader knows file formats, encodings, header aliases and which lines are
not entries (blank, subtotal, title and footer lines); it knows nothing about
rules.  It yields, for every row of the file, exactly one of
:class:`RawRow` (cells by field name), :class:`SkippedRow` or a rejected
row as :class:`qianqi_rules.models.InputError`.
"""

from pathlib import Path

from .csv_reader import CsvLedger, read_csv
from .rows import RawRow, SkippedRow
from .tabular import TabularLedger
from .xlsx_reader import XlsxLedger, read_xlsx

EXCEL_SUFFIXES = (".xlsx", ".xlsm")


def read_ledger(path: str | Path, sheet: str | None = None) -> TabularLedger:
    """Open a ledger by its file type: .xlsx/.xlsm with openpyxl, anything else as CSV."""
    if Path(path).suffix.lower() in EXCEL_SUFFIXES:
        return read_xlsx(path, sheet)
    return read_csv(path)


__all__ = [
    "EXCEL_SUFFIXES", "CsvLedger", "RawRow", "SkippedRow", "TabularLedger", "XlsxLedger",
    "read_csv", "read_ledger", "read_xlsx",
]
