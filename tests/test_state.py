"""The evaluator's compact state: entry table, previews' view of it, duplicate keys."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from qianqi_rules.evaluate.state import EntryTable, KeyTable, TableView


class CountingList(list):
    """A list that counts every read of its items, however they are read (iteration, copy, slice, index)."""

    reads = 0

    def __iter__(self):
        CountingList.reads += 1
        return super().__iter__()

    def __getitem__(self, index):
        CountingList.reads += 1
        return super().__getitem__(index)

    def copy(self):
        CountingList.reads += 1
        return super().copy()


def test_a_repeated_key_grows_in_place_without_copying_what_it_holds() -> None:
    """One invoice number on every row: each add appends, it never reads or copies the earlier ordinals.

    (Copying them on every add made a 200,000-row ledger with one invoice take two minutes.)
    """
    for key in ("251100000000000000001", "25110000000000000001"):  # kept as text (21 digits), as a number (20)
        keys = KeyTable()
        assert keys.add(key, 0) is False
        assert keys.add(key, 1) is True
        (stored,) = keys.lists or list(keys.text.values())
        spy = CountingList(stored)
        if keys.lists:
            keys.lists[0] = spy
        else:
            keys.text[key] = spy
        CountingList.reads = 0
        for ordinal in range(2, 5_002):
            assert keys.add(key, ordinal) is True
        assert CountingList.reads == 0  # no add looked at the ordinals already stored
        assert list.__len__(spy) == 5_002  # the same list, grown in place
        assert keys.get(key) == list(range(5_002))


def test_keys_seen_once_take_no_list_and_merge_offsets_ordinals() -> None:
    keys = KeyTable()
    keys.add("A1", 0)
    keys.add("123", 1)
    keys.add("A1", 2)
    assert keys.text == {"A1": [0, 2]} and keys.lists == [] and keys.used == 1  # 123 is a number, seen once
    assert keys.items() == [("A1", [0, 2]), ("123", 1)]
    other = KeyTable()
    other.add("123", 0)
    other.add("B", 1)
    keys.merge(other, 10)
    assert keys.repeated() == [("A1", [0, 2]), ("123", [1, 10])]  # in the order the keys were first seen
    assert keys.get("B") == [11] and keys.get("none") == [] and keys.get("124") == []


@settings(max_examples=60, deadline=None)
@given(st.lists(st.sampled_from(["1", "2", "017", "999999999999999999", "99999999999999999999", "100000000000000000000",
                                             "25110000000000000001", "35110000000000000001", "X", *map(str, range(3, 40))]),
                max_size=300))
def test_the_compact_key_table_is_a_dict_of_first_seen_keys(seq: list[str]) -> None:
    """However the numbers collide and the table grows, it answers as a plain dict of lists would."""
    keys, plain = KeyTable(), {}
    for ordinal, key in enumerate(seq):
        assert keys.add(key, ordinal) is (key in plain)
        plain.setdefault(key, []).append(ordinal)
    assert keys.repeated() == [(k, v) for k, v in plain.items() if len(v) > 1]
    assert all(keys.get(k) == v for k, v in plain.items())
    assert keys.items() == [(k, v[0] if len(v) == 1 else v) for k, v in plain.items()]


def test_a_table_view_reads_the_table_as_it_stood_plus_one_claim() -> None:
    table = EntryTable()
    day = dt.date(2025, 6, 1)
    table.append(2, day, D("10.00"), category="会议费")
    table.append(3, day, D("20.50"), category="差旅费")
    view = TableView(table, 2, 9, day + dt.timedelta(days=1), D("7.25"), category="差旅费")
    table.append(4, day, D("99.00"), category="会议费")  # recorded by another thread after the snapshot
    assert len(view) == 3
    assert [view.rows[o] for o in range(3)] == [2, 3, 9]
    assert [view.amount(o) for o in range(3)] == [D("10.00"), D("20.50"), D("7.25")]
    assert view.category(2) == "差旅费" and view.category(0) == "会议费"
    assert view.order_key(2) == ((day + dt.timedelta(days=1)).toordinal(), 0, 9, 2)
    with pytest.raises(IndexError):
        view.rows[3]  # the entry recorded after the snapshot is not part of it
    assert len(table) == 3  # the view never wrote to the table
