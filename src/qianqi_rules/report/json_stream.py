"""The JSON report as a stream of text pieces, each list element serialised on its own.

``model.to_json()`` builds the whole document as one string, and escaping,
adding the newline and encoding it copy it three times more: at a million
rows that was most of the command's peak memory.  Here the envelope (the
report with its long lists emptied) is serialised once and every element of
those lists separately, indented as pydantic indents it inside the document,
so the pieces join to exactly the text of :func:`.json_report.json_document`
(``tests/report/test_json_stream.py`` and the golden files hold it to that).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping
from itertools import chain
from typing import Any

from pydantic import BaseModel
from pydantic_core import PydanticSerializationError

#: the top-level lists that can be long (one element per finding, row or rejected line)
_STREAMED = ("violations", "input_errors", "standards_unchecked", "clawback")
_BATCH = 256  # elements per piece: few enough to stay small, enough to keep writes few


def dump(model: BaseModel) -> str:
    """``model`` as indented JSON; a text pydantic refuses (a lone surrogate: a ledger named by bytes that are
    not UTF-8) goes through :mod:`json`, which lays the document out the same way and keeps the surrogate."""
    try:
        return model.model_dump_json(indent=2)
    except PydanticSerializationError:
        return json.dumps(model.model_dump(mode="json"), ensure_ascii=False, indent=2)


def _indented(model: BaseModel, depth: str) -> str:
    """``model`` as pydantic writes it inside a list at ``depth``: JSON text has no raw newline in a string,
    so every newline is a line break and prefixing each line is exact."""
    return depth + dump(model).replace("\n", "\n" + depth)


def _element(item: Any, depth: str) -> Iterator[str]:
    """One list element; a ``(model, rows)`` pair is the model with its ``rows`` written from ``rows``
    (an array of row numbers: a budget overrun lists every row of its category), in pieces."""
    if not isinstance(item, tuple):
        yield _indented(item, depth)
        return
    model, rows = item
    inner = depth + "  "
    head, found, tail = _indented(model, depth).partition(f'\n{inner}"rows": []')  # the element's own field
    if not found:  # pragma: no cover - the model always has its rows field
        raise AssertionError("no rows field in a list element")
    if not rows:
        yield head + found + tail
        return
    yield f'{head}\n{inner}"rows": [\n'
    prefix = inner + "  "
    for start in range(0, len(rows), _ROWS):
        part = rows[start:start + _ROWS]
        yield prefix + f",\n{prefix}".join(map(str, part)) + (",\n" if start + _ROWS < len(rows) else "")
    yield f"\n{inner}]" + tail


_ROWS = 65536  # row numbers per piece


def json_pieces(model: Any, escape: Any, lists: Mapping[str, Iterable[Any]] | None = None) -> Iterator[str]:
    """The document of ``model`` (a pydantic model with list fields among ``_STREAMED``) in pieces.

    ``lists`` gives some of those lists instead of ``model`` (which then leaves them empty), made as
    they are written; an element may be a ``(model, rows)`` pair (:func:`_element`).  ``escape`` is
    applied to every piece (controls escaping is per character, so pieces may be escaped apart).
    """
    lists = lists or {}
    fields = type(model).model_fields
    names = [n for n in _STREAMED if n in fields and (n in lists or getattr(model, n))]
    envelope = dump(model.model_copy(update={n: [] for n in names}))
    for name in names:
        marker = f'\n  "{name}": []'  # top-level keys are the only ones indented by two spaces
        head, found, envelope = envelope.partition(marker)
        if not found:  # pragma: no cover - the envelope always holds its own fields
            raise AssertionError(f"no top-level {name!r} in the JSON envelope")
        items = iter(lists[name] if name in lists else getattr(model, name))
        first = next(items, _NONE)
        if first is _NONE:
            yield escape(head + marker)
            continue
        batch = [f'{head}\n  "{name}": [\n']
        count = 0
        for item in chain((first,), items):
            if count:
                batch.append(",\n")
            count += 1
            if isinstance(item, tuple):  # long: written in pieces of its own
                batch.append(next(pieces := _element(item, "    ")))
                yield escape("".join(batch))
                batch = []
                for piece in pieces:
                    yield escape(piece)
                continue
            batch.append(_indented(item, "    "))
            if count % _BATCH == 0:
                yield escape("".join(batch))
                batch = []
        batch.append("\n  ]")
        yield escape("".join(batch))
    yield escape(envelope + "\n")


_NONE = object()
