"""Rule packs: YAML declarations loaded into immutable, type-checked rules.

A rule says *what* is forbidden and *why* (citation, message, examples); the
evaluator (:mod:`qianqi_rules.evaluate`) owns *how* each kind of rule runs.
"""

from .categories import CategoryTable
from .loader import default_pack, load_pack, load_packs
from .pack import Rule, RulePack, bundled_pack_path
from .terms import TermFamily, TermScanner

__all__ = [
    "CategoryTable", "Rule", "RulePack", "TermFamily", "TermScanner",
    "bundled_pack_path", "default_pack", "load_pack", "load_packs",
]
