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


def column_letter(column: int) -> str:
    """A 1-based column number as Excel names it: 1 → A, 27 → AA."""
    letters = ""
    while column > 0:
        column, rest = divmod(column - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


@dataclass(frozen=True)
class Position:
    """Where a problem is: a file and, when known, a 1-based line and column.

    In a workbook (``sheet`` set) the line is the sheet's row and the column its
    1-based column, shown as Excel shows them: ``项目.xlsx（工作表“预算”，第 5 行 B 列）``.
    """

    path: str
    line: int | None = None
    column: int | None = None
    sheet: str | None = None

    def __str__(self) -> str:
        if self.sheet is not None:
            where = [f"工作表“{self.sheet}”"]
            if self.line is not None:
                where.append(f"第 {self.line} 行" + (f" {column_letter(self.column)} 列" if self.column else ""))
            return f"{self.path}（{'，'.join(where)}）"
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

