"""What rules about totals and repeats remember between entries — compactly.

Per entry the checker keeps three numbers (row, date, amount) in arrays;
per group a running total and the ordinals of its entries; per duplicate key
the ordinals that share it.  Entries themselves are kept only where a
finding needs them, so memory grows with the findings and the groups, not
with the ledger.  State from several checkers (one per file or process)
merges by offsetting ordinals.
"""

from __future__ import annotations

import datetime as dt
from array import array
from collections.abc import Callable
from dataclasses import dataclass, field, fields, replace
from decimal import Decimal
from typing import Any

from ..values import ZERO

_LIMIT = 2**62


@dataclass
class EntryTable:
    """Row number, date and net amount of every entry seen, by ordinal (the order it was added)."""

    rows: array = field(default_factory=lambda: array("q"))
    dates: array = field(default_factory=lambda: array("l"))
    cents: array = field(default_factory=lambda: array("q"))
    files: array = field(default_factory=lambda: array("H"))  # which ledger file (several may be checked as one)
    categories: array = field(default_factory=lambda: array("H"))  # index into ``category_names``
    category_names: list[str] = field(default_factory=list)
    category_ids: dict[str, int] = field(default_factory=dict)
    exact: dict[int, Decimal] = field(default_factory=dict)  # amounts that are not whole cents

    def __len__(self) -> int:
        return len(self.rows)

    def category_index(self, name: str) -> int:
        index = self.category_ids.get(name)
        if index is None:
            index = self.category_ids[name] = len(self.category_names)
            self.category_names.append(name)
        return index

    def category(self, ordinal: int) -> str:
        return self.category_names[self.categories[ordinal]]

    def append(self, row: int, date: dt.date, amount: Decimal, file: int = 0, category: str = "") -> int:
        ordinal = len(self.rows)
        self.rows.append(row)
        self.files.append(file)
        self.categories.append(self.category_index(category))
        self.dates.append(date.toordinal())
        scaled = amount.scaleb(2)
        if scaled == scaled.to_integral_value() and abs(scaled) < _LIMIT:
            self.cents.append(int(scaled))
        else:
            self.cents.append(0)
            self.exact[ordinal] = amount
        return ordinal

    def amount(self, ordinal: int) -> Decimal:
        exact = self.exact.get(ordinal)
        return exact if exact is not None else Decimal(self.cents[ordinal]).scaleb(-2)

    def order_key(self, ordinal: int) -> tuple[int, int, int, int]:
        """Earliest date first, then file, then row, then the order entries were added."""
        return (self.dates[ordinal], self.files[ordinal], self.rows[ordinal], ordinal)

    def extend(self, other: EntryTable, file: int | None = None) -> int:
        """Append another table (all of it from ledger ``file`` when given); returns the ordinal offset."""
        offset = len(self.rows)
        self.rows.extend(other.rows)
        self.files.extend(array("H", [file]) * len(other.rows) if file is not None else other.files)
        remap = [self.category_index(name) for name in other.category_names]
        self.categories.extend(remap[i] for i in other.categories)
        self.dates.extend(other.dates)
        self.cents.extend(other.cents)
        for ordinal, amount in other.exact.items():
            self.exact[ordinal + offset] = amount
        return offset


class _Appended:
    """A column as it stood at ``length`` values, and one more value after them."""

    __slots__ = ("base", "length", "last")

    def __init__(self, base: array, length: int, last: int) -> None:
        self.base, self.length, self.last = base, length, last

    def __getitem__(self, index: int) -> int:
        if index < self.length:
            return self.base[index]  # type: ignore[no-any-return]
        if index == self.length:
            return self.last
        raise IndexError(index)

    def __len__(self) -> int:
        return self.length + 1


class TableView:
    """An :class:`EntryTable` as it stood at ``length`` entries, with one more entry (a previewed claim) after them.

    It reads the table and never writes it.  A table only grows (entries are appended, never
    changed or removed), so ordinals below ``length`` keep their values while other threads record
    further entries: a preview judges against a consistent snapshot without copying the table.
    """

    def __init__(self, table: EntryTable, length: int, row: int, date: dt.date, amount: Decimal,
                 file: int = 0, category: str = "") -> None:
        self.table, self.length = table, length
        self.rows = _Appended(table.rows, length, row)
        self.dates = _Appended(table.dates, length, date.toordinal())
        self.files = _Appended(table.files, length, file)
        self.last_amount, self.last_category = amount, category

    def __len__(self) -> int:
        return self.length + 1

    def amount(self, ordinal: int) -> Decimal:
        return self.last_amount if ordinal == self.length else self.table.amount(ordinal)

    def category(self, ordinal: int) -> str:
        return self.last_category if ordinal == self.length else self.table.category(ordinal)

    def order_key(self, ordinal: int) -> tuple[int, int, int, int]:
        return (self.dates[ordinal], self.files[ordinal], self.rows[ordinal], ordinal)


#: what findings read entries from: the recorded table, or a preview's view of it
Table = EntryTable | TableView


@dataclass
class Group:
    """A group of an aggregate rule: the net total so far and the entries in it."""

    total: Decimal = ZERO
    ordinals: array = field(default_factory=lambda: array("q"))


class GroupTable:
    """key → :class:`Group`, one table per aggregate rule."""

    def __init__(self) -> None:
        self.groups: dict[str, Group] = {}

    def add(self, key: str, ordinal: int, amount: Decimal) -> None:
        group = self.groups.get(key)
        if group is None:
            group = self.groups[key] = Group()
        group.total += amount
        group.ordinals.append(ordinal)

    def merge(self, other: GroupTable, offset: int) -> None:
        for key, theirs in other.groups.items():
            mine = self.groups.get(key)
            if mine is None:
                mine = self.groups[key] = Group()
            mine.total += theirs.total
            mine.ordinals.extend(o + offset for o in theirs.ordinals)


_EMPTY = -(2**63)  # an unused slot of the number table
_MIX = 0x9E3779B97F4A7C15  # Fibonacci hashing: invoice numbers run in sequence, their slots must not
_LOW = 10**18


class KeyTable:
    """key → ordinals sharing it, one table per duplicate rule — compactly.

    Most keys are invoice numbers, all digits (20 for a 全电发票), seen once.  Those are
    kept in an open-addressing table of arrays (the number's last 18 digits, the two
    before them, its ordinal), about 25 bytes a key instead of ~110 as a dict of ints.
    A repeated key's slot points into ``lists`` (``-1 - index``), where its ordinals
    grow in place; keys that are not such numbers (letters, a leading zero, more than
    20 digits) go to ``text``, a dict, as bare int or list the same way.
    """

    def __init__(self) -> None:
        self.numbers = array("q", [0]) * 8  # the last 18 digits
        self.highs = array("B", [0]) * 8  # the digits before them (a 20-digit number's first two)
        self.slots = array("q", [_EMPTY]) * 8
        self.bits = 3
        self.used = 0
        self.lists: list[list[int]] = []
        self.text: dict[str, int | list[int]] = {}

    @staticmethod
    def _number(key: str) -> int | None:
        if len(key) <= 20 and key.isdigit() and key.isascii() and not key.startswith("0"):
            return int(key)
        return None

    def _slot(self, number: int) -> int:
        """The slot holding ``number``, or the empty slot where it would go (linear probing)."""
        mask = (1 << self.bits) - 1
        index = ((number * _MIX) & 0xFFFFFFFFFFFFFFFF) >> (64 - self.bits)
        high, low = divmod(number, _LOW)
        numbers, highs, slots = self.numbers, self.highs, self.slots
        while slots[index] != _EMPTY and (numbers[index] != low or highs[index] != high):
            index = (index + 1) & mask
        return index

    def _store(self, index: int, number: int, value: int) -> None:
        self.highs[index], self.numbers[index] = divmod(number, _LOW)
        self.slots[index] = value

    def _stored(self) -> list[tuple[int, int]]:
        """(number, slot value) of every used slot."""
        return [(h * _LOW + n, v) for n, h, v in zip(self.numbers, self.highs, self.slots) if v != _EMPTY]

    def _grow(self) -> None:
        old = self._stored()
        self.bits += 1
        self.numbers = array("q", [0]) * (1 << self.bits)
        self.highs = array("B", [0]) * (1 << self.bits)
        self.slots = array("q", [_EMPTY]) * (1 << self.bits)
        for number, value in old:
            self._store(self._slot(number), number, value)

    def add(self, key: str, ordinal: int) -> bool:
        """Record ``ordinal`` under ``key``; whether the key was seen before.

        Amortised O(1) however often a key repeats: a repeated key's ordinals grow
        in place and are never copied (one invoice number on every row of a
        200,000-row ledger copied the list on every add, quadratically).
        """
        number = self._number(key)
        if number is None:
            seen = self.text.get(key)
            if seen is None:
                self.text[key] = ordinal
                return False
            if isinstance(seen, int):
                self.text[key] = [seen, ordinal]
            else:
                seen.append(ordinal)
            return True
        index = self._slot(number)
        value = self.slots[index]
        if value == _EMPTY:
            self._store(index, number, ordinal)
            self.used += 1
            if self.used * 10 > 7 << self.bits:  # at most 70 % full
                self._grow()
            return False
        if value >= 0:
            self.slots[index] = -1 - len(self.lists)
            self.lists.append([value, ordinal])
        else:
            self.lists[-1 - value].append(ordinal)
        return True

    def get(self, key: str) -> list[int]:
        number = self._number(key)
        if number is None:
            seen = self.text.get(key)
            if seen is None:
                return []
            return [seen] if isinstance(seen, int) else list(seen)
        value = self.slots[self._slot(number)]
        if value == _EMPTY:
            return []
        return [value] if value >= 0 else list(self.lists[-1 - value])

    def items(self) -> list[tuple[str, int | list[int]]]:
        """Every key with its ordinal (seen once) or its ordinals (repeated), in the order keys were first seen
        (a key's first ordinal is the smallest it holds, merged tables included)."""
        out: list[tuple[str, int | list[int]]] = [
            (str(n), v if v >= 0 else self.lists[-1 - v]) for n, v in self._stored()
        ]
        out += self.text.items()
        out.sort(key=lambda kv: kv[1] if isinstance(kv[1], int) else kv[1][0])
        return out

    def repeated(self) -> list[tuple[str, list[int]]]:
        """The repeated keys with their ordinals, in the order the keys were first seen."""
        numbers = [(str(n), self.lists[-1 - v]) for n, v in self._stored() if v < 0]
        out = numbers + [(k, v) for k, v in self.text.items() if isinstance(v, list)]
        out.sort(key=lambda kv: kv[1][0])
        return [(k, list(v)) for k, v in out]

    def merge(self, other: KeyTable, offset: int) -> None:
        for key, theirs in other.items():
            for ordinal in [theirs] if isinstance(theirs, int) else theirs:
                self.add(key, ordinal + offset)


# ---------------------------------------------------------------------- a checker's whole state


def _add(mine: Decimal, theirs: Decimal, offset: int, rules: Any) -> Decimal:
    return mine + theirs


def _add_each(mine: dict[Any, Any], theirs: dict[Any, Any], offset: int, rules: Any) -> dict[Any, Any]:
    for key, value in theirs.items():
        mine[key] = mine[key] + value if key in mine else value
    return mine


def _moved_keys(mine: dict[int, Any], theirs: dict[int, Any], offset: int, rules: Any) -> dict[int, Any]:
    mine.update({o + offset: e for o, e in theirs.items()})
    return mine


def _moved_lists(mine: dict[Any, list[int]], theirs: dict[Any, list[int]], offset: int, rules: Any) -> dict[Any, Any]:
    for key, ordinals in theirs.items():
        mine.setdefault(key, []).extend(o + offset for o in ordinals)
    return mine


def _entries(mine: list[Any] | None, theirs: list[Any] | None, offset: int, rules: Any) -> list[Any] | None:
    if mine is None or theirs is None:
        return None  # one part kept only what its findings need: so does the whole
    mine.extend(theirs)
    return mine


def _tables(factory: Callable[[], Any]) -> Callable[..., dict[str, Any]]:
    def merge(mine: dict[str, Any], theirs: dict[str, Any], offset: int, rules: Any) -> dict[str, Any]:
        for rule_id, table in theirs.items():
            mine.setdefault(rule_id, factory()).merge(table, offset)
        return mine
    return merge


def _findings(mine: list[Any], theirs: list[Any], offset: int, restore: Any) -> list[Any]:
    mine.extend(restore(w, offset) for w in theirs)
    return mine


def _reversals(mine: list[Any], theirs: list[Any], offset: int, rules: Any) -> list[Any]:
    mine.extend(r.moved(offset) for r in theirs)
    return mine


def _how(merge: Callable[..., Any], wire: Callable[[Any], Any] | None = None) -> dict[str, Any]:
    return {"merge": merge, "wire": wire}


@dataclass
class CheckerState:
    """Everything a checker records, in one place: each field says once how it merges and how it travels.

    Ordinals are positions in ``table``; merging another state (another file,
    or another process's part of one) appends its table and moves its ordinals
    by the offset.  :meth:`portable` is the picklable form (findings carry rule
    ids, not compiled rules), which :meth:`merge` takes.
    """

    table: EntryTable = field(default_factory=EntryTable)
    #: findings of single entries (entry and standard rules), in the order recorded
    findings: list[Any] = field(default_factory=list, metadata=_how(_findings, lambda fs: [f.to_wire() for f in fs]))
    #: aggregate rule id -> its groups
    groups: dict[str, GroupTable] = field(default_factory=dict, metadata=_how(_tables(lambda: GroupTable())))
    #: duplicate rule id -> its keys
    keys: dict[str, KeyTable] = field(default_factory=dict, metadata=_how(_tables(lambda: KeyTable())))
    #: entries in duplicate groups, when not every entry is kept
    held: dict[int, Any] = field(default_factory=dict, metadata=_how(_moved_keys))
    #: every entry (``None``: only those findings need are kept; a report then fetches the others again)
    entries: list[Any] | None = field(default_factory=list, metadata=_how(_entries))
    spent: Decimal = field(default=ZERO, metadata=_how(_add))
    #: net spending per category (canonical, or as written)
    spent_by: dict[str, Decimal] = field(default_factory=dict, metadata=_how(_add_each))
    #: (rule id, reason) -> ordinals a standards rule could not judge
    gaps: dict[tuple[str, str], list[int]] = field(default_factory=dict, metadata=_how(_moved_lists))
    #: negative entries, which may undo an earlier entry
    reversals: list[Any] = field(default_factory=list, metadata=_how(_reversals))
    #: (category, payee as written) -> how many positive entries
    payments: dict[tuple[str, str], int] = field(default_factory=dict, metadata=_how(_add_each))

    def portable(self) -> CheckerState:
        """This state with every field in the form that pickles (the containers are shared, not copied)."""
        return replace(self, **{f.name: f.metadata["wire"](getattr(self, f.name))
                                for f in fields(self) if f.metadata.get("wire")})

    def merge(self, other: CheckerState, file: int | None, restore: Callable[[Any, int], Any]) -> None:
        """Append ``other`` (a portable state) as entries after these; ``file`` is the ledger file it came from.

        ``restore(wire, offset)`` makes a finding of its portable form, its ordinals moved by ``offset``.
        """
        offset = self.table.extend(other.table, file)
        for f in fields(self):
            how = f.metadata.get("merge")
            if how is not None:
                setattr(self, f.name, how(getattr(self, f.name), getattr(other, f.name), offset, restore))
