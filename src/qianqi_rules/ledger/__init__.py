"""Reading ledger files into raw rows: the first stage of the pipeline.

A reader knows file formats, encodings, header aliases and which lines are
not entries (blank, subtotal, title and footer lines); it knows nothing about
rules.  It yields, for every row of the file, exactly one of
:class:`RawRow` (cells by field name), :class:`SkippedRow` or a rejected
row as :class:`qianqi_rules.models.InputError`.
"""

from .csv_reader import CsvLedger, read_csv
from .rows import RawRow, SkippedRow

__all__ = ["CsvLedger", "RawRow", "SkippedRow", "read_csv"]
