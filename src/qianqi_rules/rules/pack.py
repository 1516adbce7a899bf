"""A loaded rule pack: immutable :class:`Rule` and :class:`RulePack` objects.

Packs are made by :func:`load_pack` (the checking happens in :mod:`.loader`);
the bundled pack is loaded once per process by :func:`default_pack`.
"""

from __future__ import annotations

import importlib.resources
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import Position
from ..models import Citation, Project, Severity
from .categories import CategoryTable
from .expressions import Expression
from .spec import ExamplesSpec
from .terms import TermFamily, TermScanner


@dataclass(frozen=True)
class Rule:
    """One loaded rule: its declaration plus compiled expressions and what it needs to run."""

    id: str
    name: str
    title: str
    citation: Citation
    severity: Severity
    kind: str
    categories: frozenset[str] | None
    refunds: bool
    message: str
    clawback: str
    rationale: str
    examples: ExamplesSpec
    retired: bool
    source: Position
    when: Expression | None = None
    where: Expression | None = None
    group_by: Expression | None = None
    limit: Expression | None = None
    key: Expression | None = None
    #: ledger columns (beyond date/category/amount) the rule reads
    needs_columns: frozenset[str] = frozenset()
    #: optional project-file fields the rule reads
    needs_project: frozenset[str] = frozenset()

    @property
    def expressions(self) -> tuple[Expression, ...]:
        return tuple(e for e in (self.where, self.when, self.group_by, self.limit, self.key) if e is not None)

    @property
    def entry_terms(self) -> frozenset[str]:
        return frozenset().union(*(e.terms for e in self.expressions))


@dataclass(frozen=True)
class RulePack:
    """An immutable, checked set of rules with the data they share."""

    name: str
    version: str
    source: str
    description: str
    rules: tuple[Rule, ...]
    categories: CategoryTable
    terms: Mapping[str, TermFamily]
    example_project: Project | None
    example_defaults: Mapping[str, Any]
    files: tuple[str, ...]
    sha256: str
    scanner: TermScanner = field(repr=False, compare=False, default=None)  # type: ignore[assignment]

    @property
    def active_rules(self) -> tuple[Rule, ...]:
        return tuple(r for r in self.rules if not r.retired)

    def rule(self, rule_id: str) -> Rule:
        for rule in self.rules:
            if rule.id == rule_id:
                return rule
        raise KeyError(rule_id)


def bundled_pack_path() -> Path:
    """The folder of the rule pack shipped inside the package."""
    return Path(str(importlib.resources.files("qianqi_rules.pack")))


_DEFAULT_PACK: RulePack | None = None


def default_pack() -> RulePack:
    """The bundled pack, loaded once per process (it is immutable)."""
    global _DEFAULT_PACK
    if _DEFAULT_PACK is None:
        _DEFAULT_PACK = load_pack(bundled_pack_path())
    return _DEFAULT_PACK


def load_pack(path: str | Path) -> RulePack:
    """Load and check every ``*.yaml`` file of a pack folder; raises :class:`~qianqi_rules.errors.RulePackError`."""
    from .loader import load_pack_folder

    return load_pack_folder(Path(path))
