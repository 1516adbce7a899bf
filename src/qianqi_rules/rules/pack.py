"""A loaded rule pack: immutable :class:`Rule` and :class:`RulePack` objects.

A pack is made of one or more *layers*: a complete pack (the bundled one, or
an office's own) and, on top of it, packs that ``extends`` it to add rules,
change a rule's severity or disable it — without copying files.  Layering
makes a new pack; nothing is ever changed in place.  Loading and checking
happen in :mod:`.loader` (which imports this module, never the other way);
the bundled pack is loaded once per process by :func:`.loader.default_pack`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import importlib.resources
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path
from typing import Any

from ..errors import Position
from ..models import Citation, Project, Severity
from ..regulation import Article
from .categories import CategoryTable
from .compiled import Expression
from .spec import ExamplesSpec
from .standards import Standard
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
    #: an entry rule's named cases (``when_any``), in order; ``when`` is then their disjunction
    cases: tuple[tuple[str, Expression], ...] = ()
    #: the Article 6 standard a ``standard`` rule applies
    standard: Standard | None = None
    #: a ``standard`` rule that estimates from the description what the ledger has no column for
    estimate: bool = False
    #: further articles the finding cites (a standard overrun cites Article 6 and the category's Article 10 item)
    see_also: tuple[Citation, ...] = ()
    #: the Article 13 trigger under which money recovered for this rule is reported
    recover_under: Citation | None = None
    #: ledger columns (beyond date/category/amount) the rule reads
    needs_columns: frozenset[str] = frozenset()
    #: optional project-file fields the rule reads
    needs_project: frozenset[str] = frozenset()
    #: the first and last day the rule is in force (None: open-ended)
    effective_from: dt.date | None = None
    effective_until: dt.date | None = None
    #: the layer that declared the rule, and the layers that changed it
    layer: str = ""
    disabled: bool = False
    changes: tuple[str, ...] = ()

    @property
    def expressions(self) -> tuple[Expression, ...]:
        return tuple(e for e in (self.where, self.when, self.group_by, self.limit, self.key) if e is not None)

    @cached_property
    def entry_terms(self) -> frozenset[str]:
        return frozenset().union(*(e.terms for e in self.expressions))

    @property
    def active(self) -> bool:
        return not (self.retired or self.disabled)

    @cached_property  # read for every entry a rule could judge
    def dated(self) -> bool:
        """Whether the rule has effective dates (otherwise it is in force on every date)."""
        return self.effective_from is not None or self.effective_until is not None

    def in_force(self, day: dt.date) -> bool:
        """Whether an entry dated ``day`` is judged by this rule."""
        if self.effective_from is not None and day < self.effective_from:
            return False
        return self.effective_until is None or day <= self.effective_until


@dataclass(frozen=True)
class Definition:
    """A named condition (``definitions:``): evaluated once per entry, read by rules as a true/false name."""

    name: str
    description: str
    when: Expression
    source: Position
    #: ledger columns (beyond date/category/amount) the condition reads
    needs_columns: frozenset[str] = frozenset()


@dataclass(frozen=True)
class PackLayer:
    """One folder of rule files as loaded: what it is and a digest of exactly what it held."""

    name: str
    version: str
    path: str
    sha256: str
    files: tuple[str, ...]
    source: str = ""
    description: str = ""
    extends: str | None = None
    effective_from: dt.date | None = None
    effective_until: dt.date | None = None


@dataclass(frozen=True)
class LedgerSettings:
    """The pack's ``ledger:`` sections, layered: plain data the pipeline hands to the reader."""

    #: ``names``, ``codes``, ``cash_names``, ``cash_codes`` of the counter-entry accounts
    counter_accounts: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    #: field -> headers
    columns: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    def layered(self, counter_accounts: Mapping[str, Sequence[str]], columns: Mapping[str, Sequence[str]]) -> LedgerSettings:
        """These settings with a layer's added: lists are joined, a layer's headers tried first."""
        accounts = {k: tuple(dict.fromkeys((*self.counter_accounts.get(k, ()), *v)))
                    for k, v in {**{k: () for k in self.counter_accounts}, **counter_accounts}.items()}
        merged = {f: tuple(h) for f, h in self.columns.items()}
        for f, headers in columns.items():
            merged[f] = tuple(dict.fromkeys((*headers, *merged.get(f, ()))))
        return LedgerSettings(accounts, merged)


@dataclass(frozen=True)
class RulePack:
    """An immutable, checked set of rules with the data they share."""

    layers: tuple[PackLayer, ...]
    rules: tuple[Rule, ...]
    categories: CategoryTable
    terms: Mapping[str, TermFamily]
    #: compiled by RE2 (:func:`.regex_safety.compile_pattern`)
    masks: tuple[Any, ...]
    standards: Mapping[str, Standard]
    example_project: Project | None
    example_defaults: Mapping[str, Any]
    regulation: Mapping[int, Article] = field(default_factory=dict, repr=False)
    #: named conditions, in the order they are defined (a later one may use an earlier one)
    definitions: tuple[Definition, ...] = ()
    scanner: TermScanner = field(repr=False, compare=False, default=None)  # type: ignore[assignment]
    #: what the ledger reader is told (``ledger:`` sections): counter-entry accounts and the office's own headers
    ledger: LedgerSettings = field(default_factory=lambda: LedgerSettings())

    @property
    def name(self) -> str:
        return " + ".join(layer.name for layer in self.layers)

    @property
    def version(self) -> str:
        return " + ".join(layer.version for layer in self.layers)

    @property
    def sha256(self) -> str:
        """A digest over every layer's files: the same rules always give the same digest."""
        if len(self.layers) == 1:
            return self.layers[0].sha256
        return hashlib.sha256("".join(layer.sha256 for layer in self.layers).encode()).hexdigest()

    @property
    def active_rules(self) -> tuple[Rule, ...]:
        return tuple(r for r in self.rules if r.active)

    def rule(self, rule_id: str) -> Rule:
        for rule in self.rules:
            if rule.id == rule_id:
                return rule
        raise KeyError(rule_id)

    def reference(self) -> RulePack:
        """The same pack, evaluated by rule-engine's own evaluator instead of compiled closures.

        Slow; it exists so that tests and benchmarks can show the compiled path
        gives identical findings.
        """

        def plain(rule: Rule) -> Rule:
            changes = {
                name: replace(expression, closure=None)
                for name in ("when", "where", "group_by", "limit", "key")
                if (expression := getattr(rule, name)) is not None
            }
            return replace(rule, **changes)

        return replace(
            self,
            rules=tuple(plain(r) for r in self.rules),
            definitions=tuple(replace(d, when=replace(d.when, closure=None)) for d in self.definitions),
        )


def bundled_pack_path() -> Path:
    """The folder of the rule pack shipped inside the package."""
    return Path(str(importlib.resources.files("qianqi_rules.pack")))
