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
from collections.abc import Iterator
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


def json_pieces(model: Any, escape: Any) -> Iterator[str]:
    """The document of ``model`` (a pydantic model with list fields among ``_STREAMED``) in pieces.

    ``escape`` is applied to every piece (controls escaping is per character, so pieces may be
    escaped apart).
    """
    names = [n for n in _STREAMED if n in type(model).model_fields and getattr(model, n)]
    envelope = dump(model.model_copy(update={n: [] for n in names}))
    for name in names:
        marker = f'\n  "{name}": []'  # top-level keys are the only ones indented by two spaces
        head, found, envelope = envelope.partition(marker)
        if not found:  # pragma: no cover - the envelope always holds its own fields
            raise AssertionError(f"no top-level {name!r} in the JSON envelope")
        yield escape(f'{head}\n  "{name}": [\n')
        items = getattr(model, name)
        for start in range(0, len(items), _BATCH):
            batch = ",\n".join(_indented(item, "    ") for item in items[start:start + _BATCH])
            yield escape(batch + (",\n" if start + _BATCH < len(items) else "\n  ]"))
    yield escape(envelope + "\n")

