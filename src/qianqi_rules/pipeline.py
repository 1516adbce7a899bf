"""The whole check, end to end: read → normalise → evaluate → report.

These functions are the library's front door; the CLI is a thin shell over
:func:`check_ledger`.  Each stage is its own module and none reaches into
another's job: the reader never sees rules, the rules never see CSV.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from .evaluate import Checker
from .ledger import RawRow, SkippedRow, read_csv
from .models import OPTIONAL_FIELDS, Entry, InputError, InputSummary, Project, Report
from .normalise import normalise_mapping, normalise_row
from .project import load_project as _load_project
from .rules.pack import RulePack, default_pack, load_packs
from .waivers import Waiver


def load_rules(paths: str | Path | Sequence[str | Path] | None = None) -> RulePack:
    """The bundled rule pack, or the pack folder(s) given, layered in order.

    A folder whose ``pack`` declares ``extends: qianqi-bundled`` is layered over
    the bundled pack; later folders are layered over the ones before them.
    """
    if paths is None:
        return default_pack()
    if isinstance(paths, (str, Path)):
        paths = [paths]
    return load_packs(list(paths)) if paths else default_pack()


def load_project(path: str | Path, pack: RulePack | None = None) -> Project:
    """Read a project file; budget keys are checked against the pack's categories."""
    return _load_project(path, (pack or default_pack()).categories)


def check_ledger(
    path: str | Path,
    project: Project,
    pack: RulePack | None = None,
    *,
    waivers: Sequence[Waiver] = (),
    today: dt.date | None = None,
) -> Report:
    """Check a CSV ledger file; raises a :class:`~qianqi_rules.errors.QianqiError` if it cannot run."""
    ledger = read_csv(path)
    columns = set(ledger.columns) & set(OPTIONAL_FIELDS)
    checker = Checker(project, pack, columns=columns, waivers=waivers, today=today)
    errors: list[InputError] = []
    total = skipped = 0
    rejected: set[int] = set()
    for item in ledger.rows():
        total += 1
        if isinstance(item, SkippedRow):
            skipped += 1
        elif isinstance(item, InputError):
            errors.append(item)
            rejected.add(item.row)
        else:
            assert isinstance(item, RawRow)
            result = normalise_row(item, ledger.headers)
            if isinstance(result, list):
                errors.extend(result)
                rejected.add(item.row)
            else:
                checker.add(result)
    summary = InputSummary(
        path=str(path),
        sha256=ledger.sha256,
        encoding=ledger.encoding,
        columns=dict(ledger.headers),
        rows_total=total,
        rows_checked=total - skipped - len(rejected),
        rows_rejected=len(rejected),
        rows_skipped=skipped,
    )
    return checker.report(input=summary, input_errors=errors)


def check_entries(
    entries: Iterable[Entry | Mapping[str, Any]],
    project: Project,
    pack: RulePack | None = None,
    *,
    columns: Iterable[str] | None = None,
    waivers: Sequence[Waiver] = (),
    today: dt.date | None = None,
) -> Report:
    """Check entries handed over in Python (models or mappings).

    A mapping that cannot be read is rejected and listed under
    ``input_errors``, like a bad ledger row; the others are still checked.
    ``columns`` says which optional fields the source has; by default, those
    that any entry gives.
    """
    items = list(entries)
    parsed: list[Entry] = []
    errors: list[InputError] = []
    rejected = 0
    for position, item in enumerate(items, start=1):
        result = normalise_mapping(item, position)
        if isinstance(result, list):
            errors.extend(result)
            rejected += 1
        else:
            parsed.append(result)
    if columns is None:
        columns = {f for f in OPTIONAL_FIELDS if any(getattr(e, f) is not None for e in parsed)}
    checker = Checker(project, pack, columns=columns, waivers=waivers, today=today)
    for entry in parsed:
        checker.add(entry)
    summary = InputSummary(
        rows_total=len(items), rows_checked=len(parsed), rows_rejected=rejected, rows_skipped=0
    )
    return checker.report(input=summary, input_errors=errors)
