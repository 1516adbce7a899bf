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
from .crossproject import Claim, CrossRule, judge_partition, load_cross_rules, ordered, partition
from .crossproject import Programme as CrossProgramme
from .crossproject import Roster
from .engines import Engine, SerialEngine, engine, worker_cache
from .evaluate import Checker
from .evaluate.checker import CheckerState
from .ledger import RawRow, SkippedRow, TabularLedger, read_ledger
from .models import InputError, InputSummary, Project, Report, RuleNotRun
from .programme_models import (
    CrossProjectFinding,
    LedgerAccount,
    ProgrammeReport,
    ProgrammeSummary,
    ProjectLine,
    Unmatched,
)
from .normalise import RowNormaliser
from .orchestrate import Part, merge_parts
from .pipeline import ledger_columns, ledger_layout, load_project, load_rules, refetch
from .reconcile import MoneyTally, merge
from .rules.cache import cached_rules
from .rules.pack import RulePack
from .values import ZERO, clean_code


def load_projects(folder: str | Path, pack: RulePack) -> dict[str, tuple[str, Project]]:
    """project code -> (file, project) for every ``*.yaml`` (or ``*.xlsx``) in ``folder``; two files with one code is an error."""
    path = Path(folder)
    if not path.is_dir():
        raise ProjectFileError("项目文件目录不存在", position=Position(str(path)), code="projects-not-found")
    found: dict[str, tuple[str, Project]] = {}
    files = [*path.glob("*.yaml"), *path.glob("*.yml"), *(f for f in path.glob("*.xlsx") if not f.name.startswith("~$"))]
    for file in sorted(files):
        project = load_project(file, pack)
        if project.code in found:
            raise ProjectFileError(f"项目编号 {project.code} 同时出现在 {found[project.code][0]} 和本文件中",
                                   position=Position(str(file)), code="projects-duplicate-code")
        found[project.code] = (str(file), project)
    if not found:
        raise ProjectFileError("目录中没有项目文件（*.yaml 或 *.xlsx）", position=Position(str(path)), code="projects-empty")
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
    claims: list[Claim] = field(default_factory=list)  # what the cross-project checks read


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
    fees = cross_project_categories(pack)
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
            if result.invoice_no or result.category in fees:
                part.claims.append(Claim(code, ledger.path, result.row, result.date, result.category, result.amount,
                                         result.payee or "", result.invoice_no or "", result.voucher_no or ""))
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


@dataclass(frozen=True)
class _Setup:
    """What a worker needs to rebuild the pack and the project files: paths, never the objects."""

    rule_paths: tuple[str, ...] | None
    projects_dir: str
    sheet: str | None
    today: dt.date | None

    def load(self) -> tuple[RulePack, dict[str, tuple[str, Project]]]:
        def build() -> tuple[RulePack, dict[str, tuple[str, Project]]]:
            pack = cached_rules(list(self.rule_paths) if self.rule_paths else None)  # a worker: as ``check`` does
            return pack, load_projects(self.projects_dir, pack)

        return worker_cache(("programme", self.rule_paths, self.projects_dir), build)


def _split_task(path: str, setup: _Setup) -> _FilePart:
    pack, projects = setup.load()
    return _split(read_ledger(path, setup.sheet, ledger_layout(pack)), projects, pack)


@dataclass(frozen=True)
class _Outline:
    """What the programme needs to see of a file part where it is assembled: the rest stays with the part."""

    account: LedgerAccount
    codes: frozenset[str]
    unmatched: list[Unmatched]
    claims: list[Claim]


def _outline(fp: _FilePart) -> _Outline:
    return _Outline(fp.account, frozenset(fp.parts), fp.unmatched,
                    [c for code in sorted(fp.parts) for c in fp.parts[code].claims])


def _report_task(code: str, contributing: list[_FilePart], setup: _Setup) -> Report:
    pack, projects = setup.load()
    return _project_report(code, contributing, projects[code][1], pack, setup)


def _project_report(code: str, contributing: list[_FilePart], project: Project, pack: RulePack,
                    setup: _Setup) -> Report:
    """One project's report from the parts of it that the ledger files hold (in file order)."""
    columns = set().union(*(fp.columns for fp in contributing))
    checker = Checker(project, pack, columns=columns, today=setup.today, retain_entries=False)
    parts = [Part(fp.account.path, fp.parts[code].errors, fp.parts[code].not_run, fp.parts[code].state)
             for fp in contributing]
    errors = merge_parts(checker, parts)  # sources, file-tagged errors and rules not run, as for several files
    rows = sum(fp.parts[code].rows for fp in contributing)
    rejected = sum(len(fp.parts[code].rejected) for fp in contributing)
    summary = InputSummary(
        path="; ".join(fp.account.path for fp in contributing),
        sha256=None,
        rows_total=rows,
        rows_checked=rows - rejected,
        rows_rejected=rejected,
        rows_skipped=0,
        money=merge(fp.parts[code].money.result() for fp in contributing),
    )
    ledgers = [read_ledger(fp.account.path, setup.sheet, ledger_layout(pack)) for fp in contributing]
    return checker.report(input=summary, input_errors=errors, lookup=refetch(ledgers, checker))


def _cross_task(claims: list[Claim], programme: CrossProgramme, setup: _Setup, parts: int,
                part: int) -> list[CrossProjectFinding]:
    pack, _ = setup.load()
    return judge_partition(claims, programme, cross_project_rules(pack), parts, part)


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
    engine_name: str = "local",
    scheduler: str | None = None,
) -> ProgrammeReport:
    """Check every ledger against its project; the result depends on neither ``jobs`` nor the engine.

    Each ledger file is a map task (read, split by project, entries judged);
    each project's report is a map task over the parts of it the files hold;
    the cross-project checks are map tasks over the claims shuffled by key.
    ``engine_name="dask"`` runs them on a Dask cluster (``scheduler`` is its
    address; none starts a LocalCluster of ``jobs`` workers).  Workers load the
    pack from ``rule_paths`` (the bundled pack when ``None``).
    """
    pack = pack if pack is not None else load_rules(rule_paths)
    projects = load_projects(projects_dir, pack)
    names = [str(p) for p in ledger_paths]
    setup = _Setup(tuple(str(p) for p in rule_paths) if rule_paths else None, str(projects_dir), sheet, today)
    with engine(engine_name, jobs=jobs, scheduler=scheduler) as run:
        local = isinstance(run, SerialEngine)
        if local:  # the objects already loaded, not rebuilt from their paths
            worker_cache(("programme", setup.rule_paths, setup.projects_dir), lambda: (pack, projects))
        # the file parts stay where they were made (on a cluster, its workers); only their outlines come here
        handles = run.keep(_split_task, names, setup, progress=progress)
        outlines = run.map(_outline, handles)
        codes = [code for code in sorted(projects) if any(code in o.codes for o in outlines)]
        shuffled = [[h for h, o in zip(handles, outlines) if code in o.codes] for code in codes]  # each project's parts
        reports = run.map(_report_task, list(zip(codes, shuffled)), setup, star=True)
        cross = _cross_project([c for o in outlines for c in o.claims], reports, projects, pack, run, setup)
    unmatched = [u for o in outlines for u in o.unmatched]
    lines = [_line(report) for report in reports]
    with_ledger = {r.project.code for r in reports}
    return ProgrammeReport(
        ledgers=[o.account for o in outlines],
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
            cross_project_errors=sum(1 for f in cross if f.severity == "error"),
            cross_project_warnings=sum(1 for f in cross if f.severity == "warning"),
            cross_project_clawback=sum((f.clawback or ZERO for f in cross), ZERO),
        ),
        cross_project=cross,
    )


@functools.lru_cache(maxsize=8)
def _cross_rules(layers: tuple[str, ...]) -> tuple[CrossRule, ...]:
    return tuple(load_cross_rules(layers))


def cross_project_rules(pack: RulePack) -> tuple[CrossRule, ...]:
    """The pack's cross-project rules (``programme/cross_project.yaml`` in each layer)."""
    return _cross_rules(tuple(str(layer.path) for layer in pack.layers))


def cross_project_categories(pack: RulePack) -> frozenset[str]:
    """The categories whose entries the cross-project checks read besides those with an invoice number."""
    return frozenset(c for rule in cross_project_rules(pack) for c in rule.categories)


def _cross_project(claims: list[Claim], reports: Sequence[Report],
                   projects: dict[str, tuple[str, Project]], pack: RulePack, run: Engine,
                   setup: _Setup) -> list[CrossProjectFinding]:
    """Claims of every project compared with each other; rows a project already recovers are not recovered twice."""
    rules = cross_project_rules(pack)
    if not rules:
        return []
    recovered: set[tuple[str, str | None, int]] = set()
    for report in reports:
        single = report.input.path
        for v in report.violations:
            if v.clawback and v.waiver is None and not v.reversed_by:
                for i, row in enumerate(v.rows):
                    recovered.add((report.project.code, v.files[i] if v.files else single, row))
    rosters = tuple(Roster(code, project.grantee, tuple(project.staff or ())) for code, (_, project) in sorted(projects.items()))
    programme = CrossProgramme(rosters, frozenset(recovered))
    parts = max(run.workers, 1)
    groups = partition(claims, parts)  # the shuffle: every key's claims in one group
    found = run.map(_cross_task, [(group, programme, setup, parts, i) for i, group in enumerate(groups)], star=True)
    return ordered(f for group in found for f in group)


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
