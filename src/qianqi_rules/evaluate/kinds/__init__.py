"""The rule kinds, one module each: what a rule of the kind writes (its spec) and how it runs (its behaviour).

=========  ==========================================  ============================
kind       judged                                      module
=========  ==========================================  ============================
entry      each entry on its own, by ``when``          :mod:`.entry`
standard   each entry against an Article 6 standard    :mod:`.standard`
aggregate  net totals per group, at the end            :mod:`.aggregate`
duplicate  a key shared by several entries, at the end :mod:`.duplicate`
=========  ==========================================  ============================

Each module declares its :class:`~qianqi_rules.rules.kind_spec.KindSpec` and
defines its behaviour class; :data:`KINDS` is the one table of both, and
registers the specs in :data:`~qianqi_rules.rules.kind_spec.KIND_SPECS`, which
the pack loader reads.  A
new kind is a new module here and a line in :data:`KINDS`.
"""

from __future__ import annotations

from dataclasses import dataclass

from ...rules.kind_spec import KindSpec, register
from . import aggregate, duplicate, entry, standard


@dataclass(frozen=True)
class Kind:
    """A registered kind: its spec and its behaviour class."""

    spec: KindSpec
    behaviour: type
    #: ``entry``: judged as each entry comes; ``end``: judged over everything recorded, when the report is made
    judged: str


KINDS: dict[str, Kind] = {
    "entry": Kind(entry.SPEC, entry.EntryKind, "entry"),
    "standard": Kind(standard.SPEC, standard.StandardKind, "entry"),
    "aggregate": Kind(aggregate.SPEC, aggregate.AggregateKind, "end"),
    "duplicate": Kind(duplicate.SPEC, duplicate.DuplicateKind, "end"),
}

for _kind in KINDS.values():
    register(_kind.spec)

__all__ = ["KINDS", "Kind"]
