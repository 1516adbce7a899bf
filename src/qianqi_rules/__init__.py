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
from .ledger.services import ServiceRecord, ServiceRecords, ServicesFileError, read_services
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
