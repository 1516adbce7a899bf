"""Which ledger column holds which field: the contract's header aliases and those of real exports.

A header matches after removing surrounding spaces, NFKC (full-width → half-width),
lower-casing Latin letters and dropping a trailing unit such as ``（元）``.

The fields and their headers are the catalogue of :mod:`qianqi_rules.fields`.
Besides the entry fields, a few *layout* fields tell the reader how an export
is shaped; they never reach an entry: ``direction`` (for a single amount
column), ``balance`` (read and ignored), ``account_code`` (for counter-entry
accounts), ``project_aux`` (which may hold a project code), ``voucher_word``
(joined to the voucher number) and the date parts ``year`` / ``month`` / ``day``.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping

from ..fields import FIELDS, of_kind

#: field -> accepted headers, in order of preference when a file has several (from the catalogue in
#: :mod:`qianqi_rules.fields`, which also says which fields are layout fields)
HEADER_ALIASES: dict[str, tuple[str, ...]] = {name: field.headers for name, field in FIELDS.items()}

#: every field a header can stand for (what ``columns:`` in a project file or pack may name)
COLUMN_FIELDS = tuple(HEADER_ALIASES)
#: fields the reader uses to shape rows; they are not entry fields
LAYOUT_FIELDS = of_kind("layout")
DATE_PARTS = ("year", "month", "day")
REQUIRED_COLUMNS = of_kind("required")

_UNIT = re.compile(r"[(（][^()（）]*[)）]$")


def normalise_header(text: str) -> str:
    s = unicodedata.normalize("NFKC", text).strip().lower()
    s = _UNIT.sub("", s).strip()
    return re.sub(r"\s+", "", s)


def alias_lookup(extra: Mapping[str, tuple[str, ...]] | None = None) -> dict[str, tuple[str, int]]:
    """normalised header -> (field, rank); an office's own headers (``extra``) come first (rank -1)."""
    lookup = {
        normalise_header(alias): (field, rank)
        for field, aliases in HEADER_ALIASES.items()
        for rank, alias in enumerate(aliases)
    }
    for field, headers in (extra or {}).items():
        for header in headers:
            lookup[normalise_header(header)] = (field, -1)
    return lookup


_LOOKUP = alias_lookup()


def map_headers(cells: list[str], lookup: Mapping[str, tuple[str, int]] | None = None) -> dict[str, int]:
    """field -> column index for the header cells; the preferred alias wins, then the leftmost."""
    table = _LOOKUP if lookup is None else lookup
    best: dict[str, tuple[int, int]] = {}
    for index, cell in enumerate(cells):
        hit = table.get(normalise_header(cell))
        if hit is None:
            continue
        field, rank = hit
        if field not in best or (rank, index) < best[field]:
            best[field] = (rank, index)
    return {field: index for field, (_, index) in best.items()}


def missing_required(mapping: Mapping[str, int]) -> list[str]:
    """Required fields the mapping lacks; 年/月/日 columns together stand for the date."""
    return [f for f in REQUIRED_COLUMNS
            if f not in mapping and not (f == "date" and "month" in mapping and "day" in mapping)]
