"""Word families: the wording a ledger uses for one kind of spending.

A family such as ``业务招待`` lists words (招待, 宴请 …).  Three things keep
legitimate wording from matching:

* ``except``: phrases removed before the family is searched (伙食补助 is not a
  meal bought on project money, 招待所 is lodging);
* ``not_followed_by``: a word does not count when the very next characters name
  a subject rather than a purchase (礼品 in 礼品包装企业, 门票 in 门票收入预测模型);
* pack-wide masks: text such as a book title 《…》 or a patent title 一种…方法 is
  blanked before any family is searched.

The engine scans an entry's text once for all families and hands rules the set
of families found (the ``mentions`` symbol), plus the words that matched, which
go into the finding as evidence.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class TermFamily:
    name: str
    words: tuple[str, ...]
    excepts: tuple[str, ...] = ()
    not_followed_by: tuple[str, ...] = ()
    description: str = ""


def fold(text: str) -> str:
    """Matching ignores full-/half-width and Latin case."""
    return unicodedata.normalize("NFKC", text).lower()


def _alternation(words: Sequence[str]) -> str:
    unique = sorted({fold(w) for w in words}, key=len, reverse=True)
    return "|".join(re.escape(w) for w in unique)


class TermScanner:
    """Finds which families an entry's text mentions, and with which words."""

    def __init__(self, families: Mapping[str, TermFamily], masks: Sequence[re.Pattern[str]] = ()) -> None:
        self.families = dict(families)
        self.masks = tuple(masks)
        self._compiled: list[tuple[str, re.Pattern[str], re.Pattern[str] | None]] = []
        for name, family in self.families.items():
            pattern = f"(?:{_alternation(family.words)})"
            if family.not_followed_by:
                pattern += f"(?!{_alternation(family.not_followed_by)})"
            mask = re.compile(_alternation(family.excepts)) if family.excepts else None
            self._compiled.append((name, re.compile(pattern), mask))

    def scan(self, text: str) -> dict[str, tuple[str, ...]]:
        """family name -> the distinct words found, in order of appearance."""
        if not text:
            return {}
        folded = fold(text)
        for mask in self.masks:
            folded = mask.sub("\x00", folded)
        found: dict[str, tuple[str, ...]] = {}
        for name, pattern, excepts in self._compiled:
            subject = excepts.sub("\x00", folded) if excepts is not None else folded
            hits = pattern.findall(subject)
            if hits:
                found[name] = tuple(dict.fromkeys(hits))
        return found
