"""A cheap test that says when a regular expression cannot match a text, so RE2 is not called.

Calling RE2 from Python costs several microseconds (the text is encoded to
UTF-8 and positions are converted back), and rules such as "a receipt used to
cover another cost" run a pattern over every description.  Most patterns need
some literal text: ``(发票|票)是[^，]{1,8}开的`` cannot match a description
without ``票是`` and ``开的`` in it.  :func:`required_literals` reads that off
the pattern as clauses — every clause must have one of its strings in the text —
and :func:`prefilter` turns them into a function that ``in`` checks each clause.
When it says no, the pattern cannot match; when it says yes, RE2 decides.

The pattern is read with Python's own ``re`` parser (rule files are written in
``re`` syntax, see :mod:`.regex_safety`).  Whatever it cannot read, or reads
differently from RE2 (a POSIX class ``[[:digit:]]``), gets no prefilter; with
``(?i)`` only characters without case (Chinese, digits, ASCII punctuation) are
required.  Being wrong here would change findings, so every doubt means "no
prefilter": the test is only ever a necessary condition.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from typing import Any

try:  # Python 3.11+
    import re._parser as _sre  # type: ignore[import-not-found]
except ImportError:  # pragma: no cover - Python 3.10
    import sre_parse as _sre  # type: ignore[no-redef]

Clause = frozenset[str]
_IGNORECASE = _sre.SRE_FLAG_IGNORECASE
_REPEATS = tuple(getattr(_sre, name) for name in ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT") if hasattr(_sre, name))
#: at most this many clauses are kept (the most selective); each costs an ``in`` test per call
MAX_CLAUSES = 4
#: a clause with more strings than this is not worth testing
MAX_STRINGS = 24
#: ``[:name:]`` inside a set: a POSIX class to RE2, plain characters to ``re``
_POSIX = re.compile(r"\[:.*:\]", re.DOTALL)


def _usable(char: str, ignorecase: bool) -> bool:
    """Whether ``char`` must appear as itself: always without ``(?i)``, only when it has no case with it."""
    if char in "\ufffd" or "\ud800" <= char <= "\udfff":  # RE2 sees U+FFFD where the text has a lone surrogate
        return False
    if not ignorecase:
        return True
    return unicodedata.category(char) == "Lo" or (char.isascii() and not char.isalpha())


def _best(clauses: list[Clause]) -> Clause:
    """The most selective clause: fewest strings, then the longest shortest string."""
    return min(clauses, key=lambda c: (len(c), -min(len(s) for s in c)))


def _reduce(clause: set[str]) -> Clause:
    """Drop a string that contains another of the clause: the shorter one occurs whenever it does."""
    return frozenset(s for s in clause if not any(o != s and o in s for o in clause))


def _sequence(items: Any, ignorecase: bool) -> list[Clause]:  # noqa: C901 - one branch per node kind
    """Clauses that hold for any text a match of ``items`` (one after another) occurs in."""
    clauses: list[Clause] = []
    run: list[str] = []

    def flush() -> None:
        if run:
            clauses.append(frozenset({"".join(run)}))
            run.clear()

    for op, av in items:
        if op is _sre.LITERAL and _usable(chr(av), ignorecase):
            run.append(chr(av))
            continue
        flush()
        if op is _sre.SUBPATTERN:
            _group, add, remove, inner = av
            clauses.extend(_sequence(inner, (ignorecase or bool(add & _IGNORECASE)) and not remove & _IGNORECASE))
        elif op is _sre.BRANCH:
            alternatives = [_sequence(alternative, ignorecase) for alternative in av[1]]
            if alternatives and all(alternatives):
                clauses.append(_reduce(set().union(*(_best(a) for a in alternatives))))
        elif op in _REPEATS:
            low, _high, inner = av
            if low >= 1:
                clauses.extend(_sequence(inner, ignorecase))
        elif op is _sre.IN:
            chars = {chr(v) for o, v in av if o is _sre.LITERAL}
            if len(chars) == len(av) and all(_usable(c, ignorecase) for c in chars):
                clauses.append(frozenset(chars))
        # anything else (., a category, a negated set, an anchor, a back-reference) requires no text
    flush()
    return clauses


def required_literals(pattern: str) -> tuple[Clause, ...]:
    """Clauses every text a match of ``pattern`` is found in satisfies; () when nothing is known."""
    if _POSIX.search(pattern):
        return ()
    try:
        parsed = _sre.parse(pattern)
    except Exception:  # noqa: BLE001 - anything ``re`` cannot read simply gets no prefilter
        return ()
    found = [c for c in dict.fromkeys(_sequence(parsed, bool(parsed.state.flags & _IGNORECASE)))
             if 0 < len(c) <= MAX_STRINGS and all(c)]
    found.sort(key=lambda c: (len(c), -min(len(s) for s in c)))
    return tuple(found[:MAX_CLAUSES])


def prefilter(pattern: str) -> Callable[[str], bool] | None:
    """A function false only for texts in which ``pattern`` cannot match; None when it would always be true."""
    return from_clauses(required_literals(pattern))


def from_clauses(clauses: tuple[Clause, ...]) -> Callable[[str], bool] | None:
    """The test :func:`prefilter` makes of a pattern's clauses (kept with a pickled pattern: functions do not pickle)."""
    if not clauses:
        return None
    if len(clauses) == 1 and len(clauses[0]) == 1:
        (only,) = clauses[0]
        return lambda text: only in text
    plan = tuple(tuple(sorted(c)) for c in clauses)

    def possible(text: str) -> bool:
        for clause in plan:
            for s in clause:
                if s in text:
                    break
            else:
                return False
        return True

    return possible
