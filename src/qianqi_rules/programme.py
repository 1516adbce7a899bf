"""A whole programme at once: every project's ledger, paired with its project file by project code.

The management unit keeps one project file per project in a folder and
exports ledgers — one per project, or one holding several projects' rows,
which is split by its project-code column.  A ledger without a project-code
column is paired by the code in its file name.  Rows (or whole ledgers)
that match no project file are reported, never skipped; project files with
no ledger rows are listed too.  Files are read in parallel with ``jobs``.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from .errors import Position, ProjectFileError
from .evaluate import Checker
from .evaluate.checker import CheckerState
from .ledger import RawRow, SkippedRow, TabularLedger, read_ledger
from .models import (
    InputError,
    InputSummary,
    LedgerAccount,
    ProgrammeReport,
    ProgrammeSummary,
    Project,
    ProjectLine,
    Report,
    RuleNotRun,
    Unmatched,
)
from .normalise import RowNormaliser
from .orchestrate import Part, merge_parts, read_all
from .pipeline import ledger_columns, ledger_layout, load_project, load_rules, refetch
from .reconcile import MoneyTally, merge
from .rules.pack import RulePack
from .values import ZERO, clean_code

def load_projects(folder: str | Path, pack: RulePack) -> dict[str, tuple[str, Project]]:
    """project code -> (file, project) for every ``*.yaml`` in ``folder``; two files with one code is an error."""
    path = Path(folder)
    if not path.is_dir():
        raise ProjectFileError("项目文件目录不存在", position=Position(str(path)), code="projects-not-found")
    found: dict[str, tuple[str, Project]] = {}
    for file in sorted([*path.glob("*.yaml"), *path.glob("*.yml")]):
        project = load_project(file, pack)
        if project.code in found:
            raise ProjectFileError(f"项目编号 {project.code} 同时出现在 {found[project.code][0]} 和本文件中",
                                   position=Position(str(file)), code="projects-duplicate-code")
        found[project.code] = (str(file), project)
    if not found:
        raise ProjectFileError("目录中没有项目文件（*.yaml）", position=Position(str(path)), code="projects-empty")
    return found


@dataclass
class _ProjectPart:
    rows: int = 0
    skipped: int = 0
    errors: list[InputError] = field(default_factory=list)
    rejected: set[int] = field(default_factory=set)
    not_run: list[RuleNotRun] = field(default_factory=list)
    state: CheckerState | None = None
    money: MoneyTally = field(default_factory=MoneyTally)


@dataclass
class _FilePart:
    account: LedgerAccount
    columns: set[str]
    parts: dict[str, _ProjectPart]
    unmatched: list[Unmatched]


def _file_code(path: str, codes: Sequence[str]) -> str | None:
    """The project code a ledger's file name carries, when exactly one does."""
    stem = clean_code(Path(path).stem)
    hits = [code for code in codes if code in stem]
    return hits[0] if len(hits) == 1 else None


def _split(ledger: TabularLedger, projects: dict[str, tuple[str, Project]], pack: RulePack) -> _FilePart:
    """Read one ledger once, sending each row to its project's checker."""
    codes = sorted(projects)
    by_name = _file_code(ledger.path, codes)
    has_codes = "project_code" in ledger.columns
    normalise = RowNormaliser(ledger.headers)
    checkers: dict[str, Checker] = {}
    parts: dict[str, _ProjectPart] = {}
    lost: dict[str | None, list[int]] = {}
    unreadable: list[int] = []
    total = skipped = 0
    for item in ledger.rows():
        total += 1
        if isinstance(item, SkippedRow):
            skipped += 1
            continue
        if isinstance(item, InputError):  # unreadable as a row: its project is known only from the file name
            if by_name is None:
                unreadable.append(item.row)
            else:
                part = parts.setdefault(by_name, _ProjectPart())
                part.rows += 1
                part.errors.append(item)
                part.rejected.add(item.row)
                part.money.add_unread("rejected")
            continue
        assert isinstance(item, RawRow)
        written = clean_code(item.values.get("project_code", "")) if has_codes else ""
        code = written or by_name
        if code is None or code not in projects:
            lost.setdefault(code or None, []).append(item.row)
            continue
        part = parts.setdefault(code, _ProjectPart())
        part.rows += 1
        checker = checkers.get(code)
        if checker is None:
            checker = checkers[code] = Checker(projects[code][1], pack, columns=ledger_columns(ledger),
                                               retain_entries=False)
        result = normalise(item)
        money = (item.values.get("amount", ""), item.values.get("credit", ""))
        if isinstance(result, list):
            part.errors.extend(result)
            part.rejected.add(item.row)
            part.money.add_text("rejected", *money)
        else:
            checker.add(result)
            part.money.add_text("checked", *money)
    for code, checker in checkers.items():
        parts[code].state = checker.state()
        parts[code].not_run = checker.not_run
    unmatched = [
        Unmatched(
            path=ledger.path,
            project_code=code,
            rows=rows,
            reason=(f"项目编号 {code} 没有对应的项目文件" if code else
                    "台账没有项目编号列，文件名中也没有项目编号" if not has_codes else "该行没有项目编号"),
        )
        for code, rows in sorted(lost.items(), key=lambda kv: kv[0] or "")
    ]
    if unreadable:
        unmatched.append(Unmatched(path=ledger.path, rows=unreadable,
                                   reason="无法读取的行（字段数与表头不符），不能判断属于哪个项目"))
    account = LedgerAccount(
        path=ledger.path, sha256=ledger.sha256, rows_total=total, rows_skipped=skipped,
        rows_unmatched=sum(len(u.rows) for u in unmatched),
        rows_by_project={code: parts[code].rows for code in sorted(parts)},
    )
    return _FilePart(account, ledger_columns(ledger), parts, unmatched)


_WORKER: dict[str, object] = {}


def _start_worker(rule_paths: list[str] | None, projects_dir: str, sheet: str | None) -> None:
    pack = load_rules(rule_paths)
    _WORKER.update(pack=pack, projects=load_projects(projects_dir, pack), sheet=sheet)


def _worker_split(path: str) -> _FilePart:
    layout = ledger_layout(_WORKER["pack"])
    return _split(read_ledger(path, _WORKER["sheet"], layout), _WORKER["projects"], _WORKER["pack"])  # type: ignore[arg-type]


def check_programme(
    ledger_paths: Sequence[str | Path],
    projects_dir: str | Path,
    pack: RulePack | None = None,
    *,
    rule_paths: Sequence[str | Path] | None = None,
    today: dt.date | None = None,
    jobs: int = 1,
    sheet: str | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> ProgrammeReport:
    """Check every ledger against its project; the result does not depend on ``jobs``."""
    pack = pack if pack is not None else load_rules(rule_paths)
    projects = load_projects(projects_dir, pack)
    names = [str(p) for p in ledger_paths]
    start = functools.partial(_start_worker, [str(p) for p in rule_paths] if rule_paths else None,
                              str(projects_dir), sheet)
    file_parts = read_all(
        names, lambda _i, name: _split(read_ledger(name, sheet, ledger_layout(pack)), projects, pack),
        jobs=jobs, start=start, worker_read=_worker_split,
        progress=(lambda done, _n, _p: progress(done, len(names))) if progress is not None else None,
    )

    reports: list[Report] = []
    for code in sorted(projects):
        contributing = [(i, fp) for i, fp in enumerate(file_parts) if code in fp.parts]
        if not contributing:
            continue
        project = projects[code][1]
        columns = set().union(*(fp.columns for _, fp in contributing))
        checker = Checker(project, pack, columns=columns, today=today, retain_entries=False)
        parts = [Part(fp.account.path, fp.parts[code].errors, fp.parts[code].not_run, fp.parts[code].state)
                 for _, fp in contributing]
        errors = merge_parts(checker, parts)
        rows = sum(fp.parts[code].rows for _, fp in contributing)
        rejected = sum(len(fp.parts[code].rejected) for _, fp in contributing)
        summary = InputSummary(
            path="; ".join(fp.account.path for _, fp in contributing),
            sha256=None,
            rows_total=rows,
            rows_checked=rows - rejected,
            rows_rejected=rejected,
            rows_skipped=0,
            money=merge(fp.parts[code].money.result() for _, fp in contributing),
        )
        ledgers = [read_ledger(fp.account.path, sheet, ledger_layout(pack)) for _, fp in contributing]
        reports.append(checker.report(input=summary, input_errors=errors, lookup=refetch(ledgers, checker)))

    unmatched = [u for fp in file_parts for u in fp.unmatched]
    lines = [_line(report) for report in reports]
    with_ledger = {r.project.code for r in reports}
    return ProgrammeReport(
        ledgers=[fp.account for fp in file_parts],
        projects=lines,
        reports=reports,
        unmatched=unmatched,
        projects_without_ledger=[f"{code}（{projects[code][0]}）" for code in sorted(projects) if code not in with_ledger],
        summary=ProgrammeSummary(
            projects=len(reports),
            errors=sum(r.summary.errors for r in reports),
            warnings=sum(r.summary.warnings for r in reports),
            rows_unmatched=sum(len(u.rows) for u in unmatched),
            clawback_total=sum((r.summary.clawback_total for r in reports), ZERO),
            spent_total=sum((r.summary.spent_total for r in reports), ZERO),
        ),
    )


def _line(report: Report) -> ProjectLine:
    budget = sum((line.adjusted or ZERO for line in report.budget if line.fundable), ZERO) if report.budget else None
    spent = sum((line.spent for line in report.budget if line.fundable), ZERO) if report.budget else None
    return ProjectLine(
        code=report.project.code,
        name=report.project.name,
        rows=report.input.rows_total,
        errors=report.summary.errors,
        warnings=report.summary.warnings,
        rejected=report.input.rows_rejected,
        clawback_total=report.summary.clawback_total,
        spent_total=report.summary.spent_total,
        budget_total=budget,
        execution_rate=(spent / budget).quantize(Decimal("0.0001")) if budget and spent is not None else None,
    )
