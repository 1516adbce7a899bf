"""Reading ledger files into raw rows: the first stage of the pipeline.

A reader knows file formats, encodings, header aliases, export layouts and
which lines are not entries (blank, subtotal, carry-forward, counter-entry,
title and footer lines); it knows nothing about rules.  It yields, for every
row of the file, exactly one of :class:`RawRow` (cells by field name),
:class:`SkippedRow` or a rejected row as :class:`qianqi_rules.models.InputError`.
"""

from pathlib import Path

from ..errors import LedgerFileError, Position
from .csv_reader import CsvLedger, opening, read_csv, require_regular
from .layout import CounterAccounts, LedgerLayout
from .rows import RawRow, SkippedRow
from .tabular import SKIP_REASONS, TabularLedger
from .xls_reader import XlsLedger, read_xls
from .xlsx_reader import XlsxLedger, read_xlsx

EXCEL_SUFFIXES = (".xlsx", ".xlsm", ".xls")

_ZIP = b"PK\x03\x04"
_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def read_ledger(path: str | Path, sheet: str | None = None, layout: LedgerLayout | None = None) -> TabularLedger:
    """Open a ledger by what the file holds (not only its name): xlsx, xls, or CSV text.

    Accounting software often names a tab-separated text file ``.xls``, and a
    workbook renamed ``.csv`` is still a workbook; an HTML page saved as
    ``.xls`` is refused with what to do.
    """
    name = str(path)
    with opening(name):
        require_regular(name)
        with open(name, "rb") as f:
            head = f.read(512)
    if head.startswith(_ZIP):
        return read_xlsx(name, sheet, layout)
    if head.startswith(_OLE2):
        return read_xls(name, sheet, layout)
    if head.lstrip(b"\xef\xbb\xbf \t\r\n").lower().startswith((b"<html", b"<!doctype", b"<table", b"<?xml")):
        raise LedgerFileError(
            "这个文件是网页（HTML/XML）格式，不是真正的 Excel 工作簿或 CSV", position=Position(name),
            code="ledger-html", hint="请在 Excel 中打开它，另存为 .xlsx 或“CSV UTF-8”后再检查。",
        )
    return read_csv(name, layout)


__all__ = [
    "EXCEL_SUFFIXES", "SKIP_REASONS", "CounterAccounts", "CsvLedger", "LedgerLayout", "RawRow", "SkippedRow",
    "TabularLedger", "XlsLedger", "XlsxLedger", "read_csv", "read_ledger", "read_xls", "read_xlsx",
]
