"""Rule packs: YAML declarations loaded into immutable, type-checked rules.

A rule says *what* is forbidden and *why* (citation, message, examples); the
evaluator (:mod:`qianqi_rules.evaluate`) owns *how* each kind of rule runs.
The loader (and with it rule-engine) is imported on first use, so a check
served from the pack cache (:mod:`.cache`) never imports it.
"""

from typing import Any

from .categories import CategoryTable
from .pack import Rule, RulePack, bundled_pack_path
from .terms import TermFamily, TermScanner

__all__ = [
    "CategoryTable", "Rule", "RulePack", "TermFamily", "TermScanner",
    "bundled_pack_path", "default_pack", "load_pack", "load_packs",
]


def __getattr__(name: str) -> Any:
    if name in ("default_pack", "load_pack", "load_packs"):
        from . import loader

        return getattr(loader, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
