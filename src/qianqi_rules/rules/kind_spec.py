"""What the pack loader needs to know about a rule kind, and the table the kinds register in.

Each kind lives in one module of :mod:`qianqi_rules.evaluate.kinds`, which
declares its :class:`KindSpec` (the fields a rule of that kind writes, its
clawback measures, its message fields, which expressions see a group) next to
its behaviour, and registers the spec here.  The rules layer reads only this
table, so it never imports the evaluator; the package's ``__init__`` imports
:mod:`qianqi_rules.evaluate` before any pack can be loaded, so the table is
full by then.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

#: message fields every kind offers: the project's own
PROJECT_FIELDS = frozenset({"project.code", "project.name", "project.grantee", "project.start", "project.end"})


@dataclass(frozen=True)
class KindSpec:
    """A rule kind as the pack file sees it."""

    name: str
    #: what the kind means, for the docs and ``explain``
    doc: str
    #: the kind's expression fields (``when``, ``where``, ``group_by``, ``limit``, ``key``) a rule may write
    expressions: frozenset[str]
    #: those of them that see a group (``key``, ``total``, ``count``), not one entry
    group_expressions: frozenset[str]
    #: clawback measures that make sense, the default first
    clawbacks: tuple[str, ...]
    #: the ``{placeholders}`` its message may use
    template_fields: frozenset[str]
    #: a complete rule of this kind in YAML, with examples: the docs show it and a test loads and runs it
    example: str
    #: raises ``ValueError`` (in Chinese) when a rule's fields do not fit the kind
    validate: Callable[[Any], None] = field(default=lambda spec: None)


#: kind name -> spec, in the order the kinds registered (entry, standard, aggregate, duplicate)
KIND_SPECS: dict[str, KindSpec] = {}


def register(spec: KindSpec) -> KindSpec:
    KIND_SPECS[spec.name] = spec
    return spec
