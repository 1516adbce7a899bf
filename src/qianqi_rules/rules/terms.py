"""Word families: the wording a ledger uses for one kind of spending.

A family such as ``业务招待`` lists words (招待, 宴请 …) and optionally
phrases to ignore first (``except``: 伙食补助 is not a meal bought on project
money).  The engine scans an entry's text once for all families and hands
rules the set of families found (the ``mentions`` symbol), plus the words that
matched, which go into the finding as evidence.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class TermFamily:
    name: str
    words: tuple[str, ...]
    excepts: tuple[str, ...] = ()
    description: str = ""


def _fold(text: str) -> str:
    return unicodedata.normalize("NFKC", text).lower()


class TermScanner:
    """Finds which families an entry's text mentions, and with which words."""

    def __init__(self, families: Mapping[str, TermFamily]) -> None:
        self.families = dict(families)
        self._compiled: list[tuple[str, re.Pattern[str], re.Pattern[str] | None]] = []
        for name, family in self.families.items():
            words = sorted({_fold(w) for w in family.words}, key=len, reverse=True)
            pattern = re.compile("|".join(re.escape(w) for w in words))
            excepts = sorted({_fold(w) for w in family.excepts}, key=len, reverse=True)
            mask = re.compile("|".join(re.escape(w) for w in excepts)) if excepts else None
            self._compiled.append((name, pattern, mask))

    def scan(self, text: str) -> dict[str, tuple[str, ...]]:
        """family name -> the distinct words found, in order of appearance."""
        if not text:
            return {}
        folded = _fold(text)
        found: dict[str, tuple[str, ...]] = {}
        for name, pattern, mask in self._compiled:
            subject = mask.sub("\x00", folded) if mask is not None else folded
            hits = pattern.findall(subject)
            if hits:
                found[name] = tuple(dict.fromkeys(hits))
        return found
