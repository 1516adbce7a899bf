"""The regulation's own text, split into articles and items, for ``explain`` and citations.

The pack ships the text it encodes (``regulation.txt``, as published: page
breaks, wrapped lines, chapter headings).  This module rebuilds each
article's text and its items （一）…, so a finance officer can read, next to a
rule, the words it enforces.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from .citations import chinese_number

_ARTICLE = re.compile(r"^第([一二三四五六七八九十百]+)条\s*")
_ITEM = re.compile(r"^（([一二三四五六七八九十]+)）")
_CHAPTER = re.compile(r"^第[一二三四五六七八九十]+章")


def _number(chinese: str) -> int:
    for n in range(1, 100):
        if chinese_number(n) == chinese:
            return n
    raise ValueError(chinese)


@dataclass(frozen=True)
class Article:
    number: int
    text: str
    items: dict[int, str] = field(default_factory=dict)


def parse_regulation(text: str) -> dict[int, Article]:
    """Article number -> :class:`Article`; wrapped lines are joined, chapter headings dropped."""
    articles: dict[int, list[str]] = {}
    current: int | None = None
    for raw in text.splitlines():
        line = raw.strip()
        if not line or _CHAPTER.match(line):
            continue
        m = _ARTICLE.match(line)
        if m:
            current = _number(m.group(1))
            articles[current] = [line]
            continue
        if current is not None:
            if _ITEM.match(line):
                articles[current].append("\n" + line)
            else:
                articles[current].append(line)
    out: dict[int, Article] = {}
    for number, parts in articles.items():
        body = "".join(parts)
        items: dict[int, str] = {}
        for chunk in body.split("\n")[1:]:
            m = _ITEM.match(chunk)
            if m:
                items[_number(m.group(1))] = chunk
        out[number] = Article(number, body.split("\n")[0], items)
    return out


def load_regulation(path: str | Path) -> dict[int, Article]:
    return parse_regulation(Path(path).read_text(encoding="utf-8"))


def cited_text(articles: dict[int, Article], article: int, item: int | None) -> str:
    """The words of an article (its lead sentence and, when given, the item)."""
    found = articles.get(article)
    if found is None:
        return ""
    if item is None:
        return "\n".join([found.text, *found.items.values()])
    return "\n".join(t for t in (found.text, found.items.get(item, "")) if t)
