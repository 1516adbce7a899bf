"""Word families: the wording a ledger uses for one kind of spending.

A family such as ``业务招待`` lists words (招待, 宴请 …).  Three things keep
legitimate wording from matching:

* ``except``: phrases removed before the family is searched (伙食补助 is not a
  meal bought on project money, 招待所 is lodging);
* ``not_followed_by``: a word does not count when the very next characters name
  a subject rather than a purchase (礼品 in 礼品包装企业, 门票 in 门票收入预测模型);
* pack-wide masks: text such as a book title 《…》 or a patent title 一种…方法 is
  blanked before any family is searched.

Officer-written text never becomes a Python ``re`` pattern here: words and
phrases are looked up as plain strings (an index by their first characters),
and masks are RE2 patterns compiled by :mod:`.regex_safety`, which match in
linear time.  The one ``re`` pattern of this module is the engine's own fixed
white-space rule below.

Chinese has no spaces, so Chinese words match anywhere; a word that begins or
ends with a Latin letter or digit matches only as a whole word on that side
(``mba`` is not in ``Embase``, ``spa`` is not in ``space``).

The engine scans an entry's text once for all families and hands rules the set
of families found (the ``mentions`` symbol), plus the words that matched, which
go into the finding as evidence.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from typing import Any
from dataclasses import dataclass


@dataclass(frozen=True)
class TermFamily:
    name: str
    words: tuple[str, ...]
    excepts: tuple[str, ...] = ()
    not_followed_by: tuple[str, ...] = ()
    description: str = ""
    #: only qualifies other families (who the money went to, whose activity it was): its words are
    #: evidence, but a finding's message names the words of the families that say what was bought
    qualifier: bool = False


#: white space between two non-ASCII characters: bookkeepers space Chinese words apart at will (项目经费 转)
_SPACE_IN_CHINESE = re.compile(r"(?<=[^\x00-\x7f])\s+(?=[^\x00-\x7f])")


def fold(text: str) -> str:
    """Matching ignores full-/half-width, Latin case and white space between Chinese characters."""
    return _SPACE_IN_CHINESE.sub("", unicodedata.normalize("NFKC", text).lower())


Index = dict[str, list[tuple[str, tuple[int, ...]]]]


def _index(phrases_by_family: Sequence[Sequence[str]]) -> tuple[Index, Index]:
    """(first two characters -> [(phrase, families)], one-character phrase -> [(phrase, families)]).

    Longest phrases first, so that the first phrase found for a family at a
    position is its longest one there.
    """
    owners: dict[str, list[int]] = {}
    for index, phrases in enumerate(phrases_by_family):
        for phrase in {fold(p) for p in phrases}:
            if phrase:
                owners.setdefault(phrase, []).append(index)
    pairs: dict[str, list[tuple[str, tuple[int, ...]]]] = {}
    singles: dict[str, list[tuple[str, tuple[int, ...]]]] = {}
    for phrase, families in owners.items():
        target = singles if len(phrase) == 1 else pairs
        target.setdefault(phrase[:2], []).append((phrase, tuple(families)))
    for table in (pairs, singles):
        for candidates in table.values():
            candidates.sort(key=lambda item: -len(item[0]))
    return pairs, singles


def _occurrences(text: str, pairs: Index, singles: Index) -> list[tuple[int, str, tuple[int, ...]]]:
    """Every (position, phrase, families) where an indexed phrase occurs, overlaps included."""
    found = []
    pair_get, single_get = pairs.get, singles.get
    for i in range(len(text)):
        candidates = pair_get(text[i:i + 2])
        if candidates:
            for phrase, families in candidates:
                if text.startswith(phrase, i):
                    found.append((i, phrase, families))
        candidates = single_get(text[i])
        if candidates:
            for phrase, families in candidates:
                found.append((i, phrase, families))
    return found


def _latin(char: str) -> bool:
    return char.isascii() and char.isalnum()


def _inside_latin_word(text: str, word: str, start: int, end: int) -> bool:
    """Whether a word with a Latin edge continues into more Latin letters or digits on that side."""
    return bool(
        (_latin(word[0]) and start > 0 and _latin(text[start - 1]))
        or (_latin(word[-1]) and end < len(text) and _latin(text[end]))
    )


class TermScanner:
    """Finds which families an entry's text mentions, and with which words — in one pass.

    Every occurrence of every word counts (overlaps included), except an
    occurrence that overlaps one of its family's ``except`` phrases or is
    followed directly by one of its ``not_followed_by`` words.  A family reports
    the longest of its words at each position, in order of position.
    """

    def __init__(self, families: Mapping[str, TermFamily], masks: Sequence[Any] = ()) -> None:
        self.families = dict(families)
        self.masks = tuple(masks)
        self._names = list(self.families)
        listed = [self.families[n] for n in self._names]
        self._words = _index([f.words for f in listed])
        self._excepts = _index([f.excepts for f in listed])
        self._has_excepts = any(f.excepts for f in listed)
        self._not_before = [tuple(fold(w) for w in f.not_followed_by) for f in listed]

    def scan(self, text: str) -> dict[str, tuple[str, ...]]:
        """family name -> the distinct words found, in order of appearance."""
        if not text:
            return {}
        folded = fold(text)
        for mask in self.masks:
            folded = mask.sub(lambda m: "\x00" * len(m.group()), folded)
        hits = _occurrences(folded, *self._words)
        if not hits:
            return {}
        blocked: dict[int, list[tuple[int, int]]] = {}
        if self._has_excepts:
            for start, phrase, families in _occurrences(folded, *self._excepts):
                for family in families:
                    blocked.setdefault(family, []).append((start, start + len(phrase)))
        words: dict[int, list[str]] = {}
        taken: set[tuple[int, int]] = set()
        for start, word, families in hits:
            end = start + len(word)
            if _inside_latin_word(folded, word, start, end):
                continue
            for family in families:
                if (family, start) in taken:
                    continue  # a longer word of this family already starts here
                not_before = self._not_before[family]
                if not_before and folded.startswith(not_before, end):
                    continue
                spans = blocked.get(family)
                if spans and any(s < end and start < e for s, e in spans):
                    continue
                taken.add((family, start))
                found = words.setdefault(family, [])
                if word not in found:
                    found.append(word)
        return {self._names[f]: tuple(ws) for f, ws in sorted(words.items())}
