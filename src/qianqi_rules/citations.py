"""The structure of the regulation: which articles and items exist, and how to cite them.

管理办法 numbers its articles 第一条 … 第十八条 and some articles have items
（一）…; a citation is ``(article, item)`` with ``item`` None when the whole
article applies.  This table is what a rule's citation is checked against.
"""

from __future__ import annotations

# article -> number of items it has (0: no items)
ARTICLE_ITEMS: dict[int, int] = {
    1: 0, 2: 0, 3: 0, 4: 0, 5: 0, 6: 0, 7: 2, 8: 0, 9: 0,
    10: 9, 11: 6, 12: 0, 13: 6, 14: 0, 15: 0, 16: 0, 17: 0, 18: 0,
}

_DIGITS = "零一二三四五六七八九"


def chinese_number(n: int) -> str:
    """1 → 一, 10 → 十, 13 → 十三, 20 → 二十 (enough for the regulation's numbering)."""
    if n < 0 or n >= 100:
        return str(n)
    if n < 10:
        return _DIGITS[n]
    tens, ones = divmod(n, 10)
    head = "" if tens == 1 else _DIGITS[tens]
    return f"{head}十{_DIGITS[ones] if ones else ''}"


def citation_text(article: int, item: int | None) -> str:
    """``(10, 1)`` → 第十条第（一）项; ``(12, None)`` → 第十二条."""
    text = f"第{chinese_number(article)}条"
    if item is not None:
        text += f"第（{chinese_number(item)}）项"
    return text


def citation_problem(article: int, item: int | None) -> str | None:
    """None when the regulation has this article/item, else what is wrong, in Chinese."""
    if article not in ARTICLE_ITEMS:
        return f"管理办法没有第 {article} 条（共 {max(ARTICLE_ITEMS)} 条）"
    if item is None:
        return None
    items = ARTICLE_ITEMS[article]
    if items == 0:
        return f"{citation_text(article, None)}没有分项，item 应为空"
    if not 1 <= item <= items:
        return f"{citation_text(article, None)}只有第（一）至第（{chinese_number(items)}）项，没有第 {item} 项"
    return None
