"""The typed data: the cheap internal entry mirrors the public one exactly."""

from qianqi_rules.models import Entry, EntryRecord


def test_entry_record_has_the_fields_of_entry_in_order() -> None:
    assert EntryRecord._fields == tuple(Entry.model_fields)
