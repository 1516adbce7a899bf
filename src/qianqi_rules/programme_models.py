"""The programme report's typed data: how files were shared out among projects, one line per project, and
the findings only the whole programme shows (:mod:`.crossproject`).

Apart from :mod:`.models` because a single project's check never needs them.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from pydantic import Field

from .models import Citation, DecimalText, Money, Report, Severity, _Frozen


class LedgerAccount(_Frozen):
    """How one ledger file's rows were shared out among the programme's projects.

    ``rows_total = rows_skipped + rows_unmatched + sum(rows_by_project.values())``.
    """

    path: str
    sha256: str | None = None
    rows_total: int
    rows_skipped: int
    rows_unmatched: int
    rows_by_project: dict[str, int]


class Unmatched(_Frozen):
    """Ledger rows that belong to no project file: reported, never silently skipped."""

    path: str
    project_code: str | None = None
    rows: list[int]
    reason: str


class ProjectLine(_Frozen):
    """One line of the programme summary."""

    code: str
    name: str
    rows: int
    errors: int
    warnings: int
    rejected: int
    clawback_total: Money
    spent_total: Money
    budget_total: Money | None = None
    execution_rate: DecimalText | None = None


class CrossProjectClaim(_Frozen):
    """One project's ledger row in a cross-project finding."""

    project: str
    file: str | None = None
    row: int
    date: dt.date
    category: str
    amount: Money
    payee: str | None = None
    invoice_no: str | None = None
    voucher_no: str | None = None


class CrossProjectFinding(_Frozen):
    """A finding only the whole programme shows: claims of several projects that cannot all stand."""

    rule_id: str
    rule_name: str
    title: str
    severity: Severity
    citation: Citation
    message: str
    projects: list[str]
    claims: list[CrossProjectClaim]
    amount: Money
    #: money to recover beyond what the projects' own findings already recover (``None``: nothing by rule)
    clawback: Money | None = None
    evidence: dict[str, Any] = Field(default_factory=dict)


class ProgrammeSummary(_Frozen):
    projects: int
    errors: int
    warnings: int
    rows_unmatched: int
    clawback_total: Money
    spent_total: Money
    #: cross-project findings by severity, and the money they recover on top of the projects' own
    cross_project_errors: int = 0
    cross_project_warnings: int = 0
    cross_project_clawback: Money = Decimal(0)


class ProgrammeReport(_Frozen):
    """A whole programme checked at once: one report per project, and what could not be paired."""

    ledgers: list[LedgerAccount]
    projects: list[ProjectLine]
    reports: list[Report]
    unmatched: list[Unmatched]
    projects_without_ledger: list[str]
    summary: ProgrammeSummary
    #: findings across projects (the same invoice in two projects, …), see crossproject.py
    cross_project: list[CrossProjectFinding] = Field(default_factory=list)

    @property
    def exit_code(self) -> int:
        """1 with any error finding, rejected row or unmatched row; else 0."""
        errors = any(f.severity == "error" for f in self.cross_project)
        return 1 if any(r.exit_code for r in self.reports) or self.unmatched or errors else 0

    def to_json(self) -> str:
        return self.model_dump_json(indent=2)
