"""qianqi-rules: compliance checks for 千人进千企 project expense ledgers.

The public API, all of it::

    from qianqi_rules import load_rules, load_project, check_ledger, check_entries, Checker

    pack = load_rules()                      # the bundled rule pack
    project = load_project("project.yaml", pack)
    report = check_ledger("ledger.csv", project, pack)
    for v in report.violations:
        print(v.rows, v.citation.text, v.message, v.clawback)

``Checker`` keeps a project's running state for checking one claim at a
time; ``Report.to_json()`` is the contract's JSON report.  Failures that stop
a check are :class:`QianqiError` subclasses carrying file and line.
"""

__version__ = "0.1.0"

from typing import TYPE_CHECKING, Any

from .errors import (
    EntryError,
    LedgerFileError,
    Position,
    ProjectFileError,
    QianqiError,
    RuleFileError,
    RulePackError,
    RuleRuntimeError,
)
from .evaluate import Checker
from .models import (
    Citation,
    Entry,
    InputError,
    InputSummary,
    Project,
    Report,
    RuleNotRun,
    Summary,
    Violation,
)
from .pipeline import check_entries, check_ledger, load_project, load_rules
from .rules import Rule, RulePack

if TYPE_CHECKING:
    from .ledger.services import ServiceRecord, ServiceRecords, ServicesFileError, read_services

#: exported names whose module is imported on first use (Article 15's records: not every check reads them)
_LAZY = {name: ".ledger.services" for name in ("ServiceRecord", "ServiceRecords", "ServicesFileError", "read_services")}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        value = getattr(importlib.import_module(_LAZY[name], __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

__all__ = [
    "Checker",
    "Citation",
    "Entry",
    "EntryError",
    "InputError",
    "InputSummary",
    "LedgerFileError",
    "Position",
    "Project",
    "ProjectFileError",
    "QianqiError",
    "Report",
    "Rule",
    "RuleFileError",
    "RuleNotRun",
    "RulePack",
    "RulePackError",
    "RuleRuntimeError",
    "ServiceRecord",
    "ServiceRecords",
    "ServicesFileError",
    "Summary",
    "Violation",
    "__version__",
    "check_entries",
    "check_ledger",
    "load_project",
    "load_rules",
    "read_services",
]
