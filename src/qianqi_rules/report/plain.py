"""Text from ledgers and rule files shown as data: never markup, never a terminal control sequence.

A ledger cell can hold anything an export or a person put there: rich markup
(``[link=…]``, ``[/red]``), ANSI colour codes, OSC 8 hyperlinks, a bell, a NUL.
Every renderer passes such text through :func:`visible` (or :func:`plain` for
rich) so that it is printed, not obeyed:

- C0 controls other than tab and line feed, DEL and the C1 controls are shown
  as ``\\x`` and two hex digits (ESC as ``\\x1b``, NUL as ``\\x00``, BEL as
  ``\\x07``, CSI as ``\\x9b``); a CR LF pair is one line break, a lone CR is ``\\x0d``;
- the bidirectional controls that can reorder what a line seems to say
  (U+202A–U+202E, U+2066–U+2069), the Unicode line and paragraph
  separators and lone surrogates (what Python makes of a file name that is
  not valid UTF-8; no encoding can write them) are shown as ``\\u`` and
  four hex digits;
- with ``lines=False`` (text meant to stay on one line) tab and line feed are
  shown as ``\\t`` and ``\\n`` too.

The escapes are plain ASCII, so they survive every console encoding.  A
literal backslash in the data is left as it is.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rich.text import Text

_CONTROLS = [*range(0x00, 0x20), 0x7F, *range(0x80, 0xA0)]
_FORMATS = [*range(0x202A, 0x202F), *range(0x2066, 0x206A), 0x2028, 0x2029, *range(0xD800, 0xE000)]

_MULTI_LINE: dict[int, str] = {c: f"\\x{c:02x}" for c in _CONTROLS if c not in (0x09, 0x0A)}
_MULTI_LINE.update({c: f"\\u{c:04x}" for c in _FORMATS})
_ONE_LINE: dict[int, str] = {**_MULTI_LINE, 0x09: "\\t", 0x0A: "\\n"}


def visible(text: object, *, lines: bool = True) -> str:
    """``text`` with every control character shown as an escape (see the module docstring)."""
    value = "" if text is None else str(text)
    value = value.replace("\r\n", "\n")
    return value.translate(_MULTI_LINE if lines else _ONE_LINE)


def plain(text: object, *, style: str = "", lines: bool = True) -> Text:
    """A rich :class:`~rich.text.Text` that shows ``text`` literally: no markup, no emoji codes, no controls."""
    from rich.text import Text  # only the table and the authoring output need rich

    return Text(visible(text, lines=lines), style=style)
