"""The contract's JSON report: one document, money as two-place decimal strings.

JSON escapes the C0 controls itself; DEL, the C1 controls, the bidirectional
controls and the Unicode line separators are escaped here as well
(``\\u009b``), so a JSON document printed on a terminal cannot drive it.  The
escapes change no value: a parser reads exactly the strings of the report.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ..evaluate.assemble import ReportStream
from ..models import Report
from .json_stream import dump, json_pieces

#: DEL, C1, bidi controls, line separators, and lone surrogates (a file name that is not valid UTF-8)
_CONTROLS = [0x7F, *range(0x80, 0xA0), *range(0x202A, 0x202F), *range(0x2066, 0x206A), 0x2028, 0x2029,
             *range(0xD800, 0xE000)]
_ESCAPES = {c: f"\\u{c:04x}" for c in _CONTROLS}


def escape_json_controls(text: str) -> str:
    """JSON text with the controls JSON leaves raw written as ``\\uXXXX`` escapes.

    Outside strings JSON has only ASCII, so every such character is inside a
    string, where an escape means the same character.
    """
    return text.translate(_ESCAPES)


def _escape(char: str) -> str:
    code = ord(char)
    if code <= 0xFFFF:
        return f"\\u{code:04x}"
    code -= 0x10000
    return f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04x}"


def encodable_json(text: str, encoding: str | None) -> str:
    """JSON text whose every character ``encoding`` can write: the others become ``\\uXXXX`` escapes.

    For a console that cannot show every character (GBK has no ✗ and no
    emoji); the document stays valid and means exactly the same.
    """
    if not encoding:
        return text
    try:
        text.encode(encoding)
        return text
    except UnicodeEncodeError:
        pass
    except LookupError:
        return text
    known: dict[str, str] = {}
    out = []
    for char in text:
        if char.isascii():
            out.append(char)
            continue
        if char not in known:
            try:
                char.encode(encoding)
                known[char] = char
            except UnicodeEncodeError:
                known[char] = _escape(char)
        out.append(known[char])
    return "".join(out)


def json_document(model: Any) -> str:
    """``model.to_json()``, controls escaped; also when a text holds a lone surrogate, which pydantic
    refuses (a ledger named on the command line by bytes that are not UTF-8): it is kept as a
    ``\\udcff`` escape, so the path reads back exactly as given."""
    return escape_json_controls(dump(model))


#: an element with more rows than this is written with its rows from their array (a budget overrun's)
LONG_ROWS = 1024


def json_chunks(report: Report | ReportStream, *, color: bool = False, width: int | None = None) -> Iterator[str]:
    """The JSON report in pieces that join to :func:`render_json`'s text (what the command line writes).

    A :class:`ReportStream` is written from its envelope, its violations made one at a time: the same
    text as its ``report()``'s.
    """
    if isinstance(report, ReportStream):
        return json_pieces(report.envelope, escape_json_controls, report.lists(LONG_ROWS))
    return json_pieces(report, escape_json_controls)


def render_json(report: Report, *, color: bool = False, width: int | None = None) -> str:
    return "".join(json_chunks(report))
