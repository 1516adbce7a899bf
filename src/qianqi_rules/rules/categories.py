"""The nine fundable categories of Article 10 and the names ledgers give them.

Ledgers write ``差旅``, ``会议费用``, ``研发支出-专家咨询费`` or
``6602.03 培训费``; :meth:`CategoryTable.canonical` maps such text to the
regulation's name, or ``None`` when it is none of the nine (an unfundable
category is a finding, not an input error).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache

_SEPARATORS = "-_—–:>|\\/·"
_CODE_PREFIX = re.compile(r"^[0-9.\-_ ]+")
_TRAILING_NOTE = re.compile(r"[(（][^()（）]*[)）]$")
#: account-path separators other than "/" (which is part of 档案/出版/… itself)
_SEGMENT_SPLIT = re.compile(f"[{re.escape(_SEPARATORS.replace('/', ''))}]")


def _clean(text: str) -> str:
    s = unicodedata.normalize("NFKC", text)
    s = re.sub(r"\s+", "", s)
    return s.replace("、", "/")  # 档案、出版、文献… is the same name as 档案/出版/文献…


@dataclass(frozen=True)
class CategoryTable:
    """Canonical category names (in regulation order) and their accepted variants."""

    names: tuple[str, ...]
    aliases: Mapping[str, str] = field(default_factory=dict)  # cleaned variant -> canonical
    #: named groups of categories (服务类 …) that conditions test with ``"组名" in category_groups``
    groups: Mapping[str, frozenset[str]] = field(default_factory=dict)

    @classmethod
    def build(
        cls, table: Mapping[str, Iterable[str]], groups: Mapping[str, Iterable[str]] | None = None
    ) -> CategoryTable:
        aliases: dict[str, str] = {}
        for name, variants in table.items():
            for variant in (name, *variants):
                aliases[_clean(variant)] = name
        return cls(tuple(table), aliases, {g: frozenset(members) for g, members in (groups or {}).items()})

    def groups_of(self, category: str) -> frozenset[str]:
        """The groups a (canonical) category belongs to."""
        return frozenset(g for g, members in self.groups.items() if category in members)

    def canonical(self, text: str) -> str | None:
        return _canonical(self, text)

    def sub_account(self, text: str) -> str:
        """What an account path names below its category: 住宿费 in 差旅费-住宿费, 招待费 in 其他费用-招待费
        (nothing for 管理费用-专家咨询费, whose category is the last part)."""
        segments = _SEGMENT_SPLIT.split(_clean(text))
        for i, seg in enumerate(segments):
            if _alias(self, seg):
                return "-".join(segments[i + 1:])
        return ""

    def __hash__(self) -> int:
        return hash(self.names)


@lru_cache(maxsize=4096)
def _canonical(table: CategoryTable, text: str) -> str | None:
    s = _clean(text)
    for candidate in _candidates(s):
        if hit := _alias(table, candidate):
            return hit
    # an account path: the first of the nine from the left is the account; what follows it is a sub-account
    # (会议费-资料费 is 会议费, 差旅费-住宿费 is 差旅费; 研发支出-委托业务费 and 管理费用-专家咨询费 name it last)
    for segment in _SEGMENT_SPLIT.split(_TRAILING_NOTE.sub("", _CODE_PREFIX.sub("", s))):
        if hit := _alias(table, segment):
            return hit
    # a prefixed account path such as 研发支出/档案/出版/... : the longest alias ending the text
    for alias in sorted(table.aliases, key=len, reverse=True):
        if s.endswith(alias) and len(s) > len(alias) and s[-len(alias) - 1] in _SEPARATORS:
            return table.aliases[alias]
    return None


def _alias(table: CategoryTable, candidate: str) -> str | None:
    """The category a whole name stands for: as written, with 费用 for 费, or with 费 added."""
    if hit := table.aliases.get(candidate):
        return hit
    if candidate.endswith("费用") and (hit := table.aliases.get(candidate[:-1])):
        return hit
    if candidate and not candidate.endswith("费") and (hit := table.aliases.get(candidate + "费")):
        return hit
    return None


def _candidates(s: str) -> list[str]:
    out = [s]
    bare = _CODE_PREFIX.sub("", s)
    if bare != s:
        out.append(bare)
    noted = _TRAILING_NOTE.sub("", bare)
    if noted != bare:
        out.append(noted)
    return out
