"""Failures that stop a check from running, each with the position at fault.

A *finding* about the ledger is data (see :class:`qianqi_rules.models.Violation`);
an unreadable ledger row is data too (:class:`qianqi_rules.models.InputError`).
What lives here are the problems that make a check impossible: a broken rule
file, an invalid project file, a ledger that cannot be read at all.  The CLI
turns every one of them into exit status 2 and one short message.

Positions are 1-based (line, column) and are converted once, where the error
is made; ``str(error)`` gives ``file:line:col: message`` followed by a hint.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Position:
    """Where a problem is: a file and, when known, a 1-based line and column."""

    path: str
    line: int | None = None
    column: int | None = None

    def __str__(self) -> str:
        parts = [self.path]
        if self.line is not None:
            parts.append(str(self.line))
            if self.column is not None:
                parts.append(str(self.column))
        return ":".join(parts)


class QianqiError(Exception):
    """Base class: the check could not run.

    ``code`` is a stable kebab-case identifier for the kind of failure,
    ``hint`` says what to do about it.
    """


    def __init__(
        self,
        message: str,
        *,
        position: Position | None = None,
        code: str = "error",
        hint: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.position = position
        self.code = code
        self.hint = hint

    def __str__(self) -> str:
        where = f"{self.position}: " if self.position else ""
        text = f"{where}{self.message} [{self.code}]"
        if self.hint:
            text += f"\n  提示: {self.hint}"
        return text


class RuleFileError(QianqiError):
    """A rule pack file is not valid (YAML, schema, condition, template …)."""



class RulePackError(QianqiError):
    """Several rule-file problems found while loading one pack; all are kept."""


    def __init__(self, errors: list[RuleFileError]) -> None:
        self.errors = list(errors)
        first = self.errors[0]
        super().__init__(
            first.message, position=first.position, code=first.code, hint=first.hint
        )

    def __str__(self) -> str:
        return "\n".join(str(e) for e in self.errors)


class ProjectFileError(QianqiError):
    """The project file (budget, rosters, period) is missing or invalid."""



class LedgerFileError(QianqiError):
    """The ledger as a whole cannot be read (encoding, missing column …)."""



class EntryError(QianqiError):
    """An entry handed to the library API is not valid (not a ledger row)."""



class RuleRuntimeError(QianqiError):
    """A rule raised while being evaluated: a defect in the rule, not a finding."""

