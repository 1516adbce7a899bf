"""Ledger rows as pandas DataFrames in, findings as a DataFrame out: for Spark, Dask DataFrames and notebooks.

Spark's ``groupBy("project_code").applyInPandas(fn, schema=SPARK_SCHEMA)`` hands
``fn`` all of one project's rows as one DataFrame; :func:`check_frame` checks
them exactly as a ledger file of those rows would be checked and returns one
row per finding and row (plus one per unreadable row).  ``mapInPandas`` hands
over arbitrary batches, so :func:`check_batches` first gathers a partition's
batches and splits them by project: repartition by project code first, or a
project's aggregate rules (budget, repeated invoices) see only part of it.

Money stays exact: amounts leave as text (``"1234.50"``), floats that pandas
made of a column are read through their shortest decimal text, never as binary
fractions.  pandas is imported by the caller's environment (Spark, Dask); it is
not a dependency of the core.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from .ledger.headers import HEADER_ALIASES, LAYOUT_FIELDS, alias_lookup, normalise_header
from .ledger.xlsx_reader import cell_text
from .models import Project, Report
from .pipeline import check_entries
from .rules.pack import RulePack

#: the columns of the findings frame, with their Spark SQL types
FINDING_COLUMNS: tuple[tuple[str, str], ...] = (
    ("kind", "string"),  # finding | input_error
    ("project_code", "string"),
    ("row", "bigint"),
    ("rule_id", "string"),  # a finding's rule, or an input error's code
    ("severity", "string"),
    ("citation", "string"),
    ("article", "int"),
    ("item", "int"),
    ("amount", "string"),
    ("clawback", "string"),
    ("message", "string"),
    ("set_aside", "string"),  # waived | reversed | ""
)
SPARK_SCHEMA = ", ".join(f"{name} {kind}" for name, kind in FINDING_COLUMNS)
_ENTRY_FIELDS = tuple(f for f in HEADER_ALIASES if f not in LAYOUT_FIELDS)


def _fields(columns: Iterable[Any]) -> dict[Any, str]:
    """frame column -> entry field, by field name or any ledger header alias (未知的列不读)."""
    lookup = alias_lookup()
    out: dict[Any, str] = {}
    for column in columns:
        if str(column) == "row":
            out[column] = "row"
            continue
        hit = lookup.get(normalise_header(str(column)))
        if hit is not None and hit[0] in _ENTRY_FIELDS and hit[0] not in out.values():
            out[column] = hit[0]
    return out


def _value(value: Any) -> Any:
    if value is None:
        return ""
    try:
        import pandas as pd

        if value is pd.NaT or (not isinstance(value, (str, bytes)) and pd.isna(value)):
            return ""
        if isinstance(value, pd.Timestamp):
            return value.date().isoformat()
    except (ImportError, TypeError, ValueError):
        pass
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):  # a numpy scalar
        value = value.item()
    return cell_text(value)


def frame_entries(frame: Any) -> list[dict[str, Any]]:
    """The frame's rows as entry mappings; ``row`` is the frame's ``row`` column or the position (header = 1)."""
    fields = _fields(frame.columns)
    entries = []
    for position, record in enumerate(frame.itertuples(index=False, name=None), start=2):
        entry: dict[str, Any] = {}
        for column, value in zip(frame.columns, record):
            field = fields.get(column)
            if field == "row":
                entry["row"] = int(value)
            elif field is not None:
                entry[field] = _value(value)
        entry.setdefault("row", position)
        entries.append(entry)
    return entries


def report_rows(report: Report) -> list[dict[str, Any]]:
    """A report flattened: one record per finding and row, one per unreadable row."""
    code = report.project.code
    rows: list[dict[str, Any]] = []
    for v in report.violations:
        aside = "waived" if v.waiver is not None else "reversed" if v.reversed_by else ""
        for row in v.rows:
            rows.append({"kind": "finding", "project_code": code, "row": row, "rule_id": v.rule_id,
                         "severity": v.severity, "citation": v.citation.text, "article": v.citation.article,
                         "item": v.citation.item, "amount": f"{v.amount:.2f}",
                         "clawback": None if v.clawback is None else f"{v.clawback:.2f}", "message": v.message,
                         "set_aside": aside})
    for e in report.input_errors:
        rows.append({"kind": "input_error", "project_code": code, "row": e.row, "rule_id": e.code,
                     "severity": "error", "citation": None, "article": None, "item": None, "amount": None,
                     "clawback": None, "message": e.message, "set_aside": ""})
    return rows


def check_frame(frame: Any, project: Project, pack: RulePack | None = None, *,
                today: dt.date | None = None) -> Any:
    """Check one project's rows (a pandas DataFrame); the findings as a DataFrame of :data:`FINDING_COLUMNS`."""
    import pandas as pd

    entries = frame_entries(frame)
    columns = {f for f in _fields(frame.columns).values() if f != "row"}
    report = check_entries(entries, project, pack, columns=columns, today=today)
    return pd.DataFrame(report_rows(report), columns=[name for name, _ in FINDING_COLUMNS])


def check_batches(batches: Iterable[Any], projects: Mapping[str, Project], pack: RulePack | None = None, *,
                  today: dt.date | None = None) -> Iterator[Any]:
    """For ``mapInPandas``: a partition's batches gathered, split by project code, each project checked.

    Rows whose project code names no project come back as input errors
    (``unknown-project``), never dropped.
    """
    import pandas as pd

    frames = list(batches)
    if not frames:
        return
    whole = pd.concat(frames, ignore_index=True)
    code_column = next((c for c, f in _fields(whole.columns).items() if f == "project_code"), None)
    if code_column is None:
        raise ValueError("批次中没有项目编号列（project_code / 项目编号），无法按项目检查")
    for code, group in whole.groupby(code_column, sort=True, dropna=False):
        key = "" if pd.isna(code) else str(code).strip()
        if key in projects:
            yield check_frame(group.reset_index(drop=True), projects[key], pack, today=today)
            continue
        rows = frame_entries(group.reset_index(drop=True))
        yield pd.DataFrame([{"kind": "input_error", "project_code": key, "row": r["row"], "rule_id": "unknown-project",
                             "severity": "error", "citation": None, "article": None, "item": None, "amount": None,
                             "clawback": None, "message": f"项目编号“{key}”没有对应的项目文件", "set_aside": ""}
                            for r in rows], columns=[name for name, _ in FINDING_COLUMNS])
