"""Entry conditions answered once per distinct text, not once per row.

Ledgers repeat their descriptions: 200,000 synthetic rows have ~2,400 distinct
(category, description) pairs and ~26,000 with the payee, and real ledgers
repeat even more.  Many entry rules read nothing else — a pattern run over the
description, word families, the category — so their answer for a row is the
answer for every row with the same texts.  :func:`scope_of` says which texts a
condition depends on (following named conditions); :class:`TextMemo` keeps the
answers by those texts.  A rule whose condition reads the amount, the date or
another per-row value is evaluated on every row as before.

Only an answer is kept, never an error: a condition that fails on an entry
fails again on the next one with the same texts, as it always did.  Whether a
rule looks at an entry at all (refunds, the dates it is in force) is decided per
row before the memo is asked.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

#: symbols determined by the category as written and the description (``mentions`` is the scan of both)
TEXT_SYMBOLS = frozenset({"description", "mentions", "category", "category_raw", "fundable", "category_groups",
                          "project"})
#: symbols determined by those and the payee as written (the roster answers read the description too)
PAYEE_SYMBOLS = TEXT_SYMBOLS | frozenset({
    "payee", "payee_is_staff", "payee_is_fiscal_funded", "payee_is_grantee", "payee_in_grantee", "payee_mentions",
    "description_names_staff", "description_names_fiscal_funded", "paid_to_staff",
})
#: scopes: evaluated every row, memoised by (category, description), by (category, description, payee)
ROW, TEXT, PAYEE = 0, 1, 2
_LIMIT = 20_000


def scope_of(symbols: Iterable[str], definitions: Mapping[str, Any]) -> int:
    """The narrowest scope the symbols (and the named conditions among them, followed through) fall in."""
    seen: set[str] = set()
    pending = list(symbols)
    while pending:
        name = pending.pop()
        if name in seen:
            continue
        seen.add(name)
        definition = definitions.get(name)
        if definition is not None:
            pending.extend(definition.when.symbols)
    seen.difference_update(definitions)
    if seen <= TEXT_SYMBOLS:
        return TEXT
    if seen <= PAYEE_SYMBOLS:
        return PAYEE
    return ROW


class TextMemo:
    """Answers of conditions by the texts they depend on: ``answers(key)`` is a dict to read and fill.

    Bounded: past :data:`_LIMIT` keys it starts again (a ledger whose every description is new
    gains nothing from it and should not grow it without end).
    """

    __slots__ = ("_answers",)

    def __init__(self) -> None:
        self._answers: dict[Any, dict[Any, Any]] = {}

    def answers(self, key: Any) -> dict[Any, Any]:
        found = self._answers.get(key)
        if found is None:
            if len(self._answers) >= _LIMIT:
                self._answers.clear()
            found = self._answers[key] = {}
        return found

    def __len__(self) -> int:
        return len(self._answers)
