"""Regular expressions written by finance officers run on RE2, never on backtracking ``re``.

A pattern in a rule's condition (``=~``, ``=~~``, ``!~``, ``!~~``) or in the
pack's ``masks`` is compiled here, once, at load time, with google-re2: its
matching time grows linearly with the text, whatever the pattern — ``(a|aa)+$``
or ``(.*a){25}$`` cannot hang a check on a long description.  What RE2 cannot
do in linear time it does not accept at all; those constructs are refused with
their own code and a plain message, at ``qianqi-rules lint`` already:

* ``regex-unsupported``: back-references (``\\1``, ``(?P=name)``), look-ahead and
  look-behind (``(?=…)``, ``(?!…)``, ``(?<=…)``, ``(?<!…)``), atomic groups
  ``(?>…)``, possessive repeats (``a*+``), conditionals ``(?(1)…)``, comments
  ``(?#…)`` and ``\\W`` inside ``[…]``;
* ``unsafe-regex``: a pattern over :data:`MAX_PATTERN` characters, a repeat count
  over 1000 (also when nested counts multiply past it, ``(a{1,100}){1,100}``), or
  a compiled program too large for RE2's memory budget;
* ``bad-regex``: anything else that is not a regular expression.

Rule files were written for Python's ``re``, whose ``\\d``, ``\\w`` and ``\\s``
match Unicode (full-width digits, Chinese characters, the ideographic space);
RE2's match ASCII only.  So those classes are rewritten to the Unicode classes
Python means before RE2 sees the pattern, ``\\Z`` becomes RE2's ``\\z``,
``\\uXXXX`` becomes ``\\x{XXXX}`` and ``{,n}`` becomes ``{0,n}``.  Two differences
remain, documented in docs/rules.md: ``\\b`` is a boundary between ASCII word
characters and anything else, and ``$`` matches only at the very end.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import re2

from .regex_prefilter import from_clauses, required_literals

MAX_PATTERN = 500
#: RE2's own limit for one ``{m,n}`` (and for counts multiplied through nesting)
MAX_REPEAT = 1000

#: the characters for which Python's ``str.isspace()`` is true: what ``re``'s ``\s`` matches
_SPACE_RANGES = ((0x09, 0x0D), (0x1C, 0x20), (0x85, 0x85), (0xA0, 0xA0), (0x1680, 0x1680), (0x2000, 0x200A),
                 (0x2028, 0x2029), (0x202F, 0x202F), (0x205F, 0x205F), (0x3000, 0x3000))


def _ranges(ranges: tuple[tuple[int, int], ...]) -> str:
    return "".join(f"\\x{{{a:x}}}" if a == b else f"\\x{{{a:x}}}-\\x{{{b:x}}}" for a, b in ranges)


def _complement(ranges: tuple[tuple[int, int], ...]) -> tuple[tuple[int, int], ...]:
    out, low = [], 0
    for a, b in ranges:
        if a > low:
            out.append((low, a - 1))
        low = b + 1
    out.append((low, 0x10FFFF))
    return tuple(out)


_SPACE = _ranges(_SPACE_RANGES)
_NOT_SPACE = _ranges(_complement(_SPACE_RANGES))
_WORD = r"\p{L}\p{N}_"
#: Python's Unicode meaning of each class: (outside a [...] set, inside one); None: cannot be written inside
_CLASSES: dict[str, tuple[str, str | None]] = {
    "d": (r"\p{Nd}", r"\p{Nd}"),
    "D": (r"\P{Nd}", r"\P{Nd}"),
    "w": (f"[{_WORD}]", _WORD),
    "W": (f"[^{_WORD}]", None),
    "s": (f"[{_SPACE}]", _SPACE),
    "S": (f"[^{_SPACE}]", _NOT_SPACE),
}
_QUANTIFIER = re.compile(r"\{(\d*)(,?)(\d*)\}")
_HEX = re.compile(r"[0-9a-fA-F]+")

_UNSUPPORTED_HINT = "RE2 为了保证检查不会卡住，不支持这种写法；请改写，或拆成几个条件用 and / not 组合。"


@dataclass
class PatternError(Exception):
    """A pattern that is refused: ``offset`` is 0-based into the pattern (None when unknown)."""

    code: str
    message: str
    offset: int | None = None
    hint: str | None = None

    def __str__(self) -> str:
        return self.message


#: (start of RE2's error text, code, Chinese message, hint)
_RE2_ERRORS = (
    ("missing )", "bad-regex", "的括号 ( ) 不成对，缺少右括号", "每个 ( 都要有对应的 )；要匹配字面的 ( 请写 \\(。"),
    ("unexpected )", "bad-regex", "多了一个右括号 )", "要匹配字面的 ) 请写 \\)。"),
    ("missing ]", "bad-regex", "的方括号 [ ] 不成对", "要匹配字面的 [ 请写 \\[。"),
    ("trailing \\", "bad-regex", "末尾多了一个反斜杠 \\", "要匹配字面的反斜杠请写 \\\\。"),
    ("no argument for repetition operator", "bad-regex", "中重复符号（* + ? {n}）前面没有可重复的内容",
     "要匹配字面的 * + ? 请写 \\* \\+ \\?。"),
    ("missing argument to repetition operator", "bad-regex", "中重复符号（* + ? {n}）前面没有可重复的内容",
     "要匹配字面的 * + ? 请写 \\* \\+ \\?。"),
    ("bad repetition operator", "bad-regex", "中重复符号连用（如 ** 或 a{2}{3}）", "去掉多余的重复符号。"),
    ("invalid repetition size", "unsafe-regex", f"的重复次数过大（{{m,n}} 中的数不能超过 {MAX_REPEAT}，嵌套的重复次数相乘也不能超过）",
     "摘要最长 4000 字，一般用 * 或 + 即可，不必写出很大的次数。"),
    ("pattern too large", "unsafe-regex", "正则表达式展开后过大，运行会占用过多内存", "减少重复次数或拆成几个较短的正则表达式。"),
    ("invalid character class range", "bad-regex", "中的字符范围写反了或无效（如 [9-0]）", "范围要从小到大写，如 [0-9]。"),
    ("invalid character class", "bad-regex", "中的字符类写法不对（如 [[:foo:]] 或 \\p{Foo}）", "常用的有 [[:digit:]]、\\p{Han}（汉字）。"),
    ("invalid named capture group", "bad-regex", "中的命名分组写法不对", "写成 (?P<名称>…)，名称只用英文字母、数字和下划线。"),
    ("invalid perl operator", "regex-unsupported", "中有不支持的 (?…) 写法", _UNSUPPORTED_HINT),
    ("invalid escape sequence", "bad-regex", "中有不认识的转义", "要匹配字面的符号，在它前面加 \\；字母前不要随意加 \\。"),
    ("invalid UTF-8", "bad-regex", "中有无效的字符", None),
)


def _options() -> Any:
    options = re2.Options()
    options.log_errors = False  # errors are reported as problems, not logged to stderr
    return options


_OPTIONS = _options()


#: a lone surrogate: a Python string may hold one (from a library caller), UTF-8 — and so RE2 — cannot
_SURROGATE = re.compile("[\ud800-\udfff]")


class LinearPattern:
    """An RE2 pattern with the ``search`` / ``match`` / ``sub`` of ``re.Pattern``.

    A text RE2 cannot take (a lone surrogate) is matched with U+FFFD in its place,
    which keeps every position, instead of failing the check.  ``search`` and
    ``match`` first ask the pattern's prefilter (:mod:`.regex_prefilter`) whether
    the text has the literal text a match needs; most descriptions do not, and
    answering None for them saves the call into RE2.
    """

    __slots__ = ("pattern", "_regexp", "_clauses", "_possible")

    def __init__(self, pattern: str, regexp: Any, clauses: tuple[frozenset[str], ...] | None = None) -> None:
        self.pattern = pattern
        self._regexp = regexp
        self._clauses = required_literals(pattern) if clauses is None else clauses
        self._possible = from_clauses(self._clauses)

    def __reduce__(self) -> tuple[Any, ...]:  # the pack cache: the test is rebuilt from its clauses
        return (LinearPattern, (self.pattern, self._regexp, self._clauses))

    def search(self, text: str, *args: Any) -> Any:
        possible = self._possible
        if possible is not None and not args and type(text) is str and not possible(text):
            return None
        try:
            return self._regexp.search(text, *args)
        except UnicodeEncodeError:
            return self._regexp.search(_SURROGATE.sub("\ufffd", text), *args)

    def match(self, text: str, *args: Any) -> Any:
        possible = self._possible
        if possible is not None and not args and type(text) is str and not possible(text):
            return None
        try:
            return self._regexp.match(text, *args)
        except UnicodeEncodeError:
            return self._regexp.match(_SURROGATE.sub("\ufffd", text), *args)

    def sub(self, repl: Any, text: str, count: int = 0) -> str:
        try:
            return self._regexp.sub(repl, text, count)
        except UnicodeEncodeError:
            return self._regexp.sub(repl, _SURROGATE.sub("\ufffd", text), count)

    def __repr__(self) -> str:
        return f"LinearPattern({self.pattern!r})"


def compile_pattern(pattern: str) -> LinearPattern:
    """``pattern`` compiled by RE2, or :class:`PatternError` saying why it is refused."""
    if len(pattern) > MAX_PATTERN:
        raise PatternError("unsafe-regex", f"正则表达式过长（{len(pattern)} 个字符，上限 {MAX_PATTERN}）", 0,
                           "拆成几个较短的正则表达式，或改用词族（terms.yaml）。")
    translated = translate(pattern)
    try:
        return LinearPattern(pattern, re2.compile(translated, _OPTIONS))
    except re2.error as exc:
        raise _re2_problem(pattern, exc) from None


def _re2_problem(pattern: str, exc: Exception) -> PatternError:
    raw = exc.args[0] if exc.args else str(exc)
    text = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(raw)
    what, _, fragment = text.partition(": ")
    offset = pattern.find(fragment) if fragment else -1
    for prefix, code, message, hint in _RE2_ERRORS:
        if what.startswith(prefix):
            shown = f"：{fragment}" if fragment and code != "unsafe-regex" else ""
            return PatternError(code, f"正则表达式{message}{shown}", offset if offset >= 0 else None, hint)
    return PatternError("bad-regex", f"正则表达式无效（{text}）", offset if offset >= 0 else None)


def _unsupported(what: str, offset: int) -> PatternError:
    return PatternError("regex-unsupported", f"正则表达式不支持{what}", offset, _UNSUPPORTED_HINT)


_GROUP_PREFIXES = (
    ("?=", "向前查找 (?=…)"),
    ("?!", "否定向前查找 (?!…)"),
    ("?<=", "向后查找 (?<=…)"),
    ("?<!", "否定向后查找 (?<!…)"),
    ("?>", "固化分组 (?>…)"),
    ("?P=", "反向引用 (?P=名称)"),
    ("?(", "条件分组 (?(…)…)"),
    ("?#", "注释 (?#…)"),
)


def translate(pattern: str) -> str:  # noqa: C901 - one branch per construct
    """Python ``re`` syntax → RE2 syntax with Python's meaning; :class:`PatternError` for what RE2 cannot do."""
    out: list[str] = []
    i, n = 0, len(pattern)
    in_set = False
    set_body = 0  # index of the first character of the current [...] set's body
    while i < n:
        c = pattern[i]
        if c == "\\":
            if i + 1 >= n:
                raise PatternError("bad-regex", "正则表达式末尾多了一个反斜杠 \\", i, "要匹配字面的反斜杠请写 \\\\。")
            e = pattern[i + 1]
            if e in _CLASSES:
                outside, inside = _CLASSES[e]
                if in_set and inside is None:
                    raise _unsupported(f"方括号 […] 里的 \\{e}", i)
                out.append(inside if in_set else outside)  # type: ignore[arg-type]
                i += 2
                continue
            if e in "123456789" and not in_set:
                raise _unsupported(f"反向引用 \\{e}", i)
            if e == "Z":
                out.append(r"\z")
            elif e in "uU":
                width = 4 if e == "u" else 8
                digits = pattern[i + 2:i + 2 + width]
                if len(digits) != width or not _HEX.fullmatch(digits):
                    raise PatternError("bad-regex", f"正则表达式中的 \\{e} 后面应是 {width} 位十六进制数", i)
                out.append(f"\\x{{{digits}}}")
                i += 2 + width
                continue
            elif not e.isascii():
                out.append(f"\\x{{{ord(e):x}}}")  # Python allows \（; RE2 escapes only ASCII punctuation
            else:
                out.append(pattern[i:i + 2])
            i += 2
            continue
        if in_set:
            if c == "]" and i > set_body:
                in_set = False
            elif c == "[" and pattern.startswith("[:", i):  # a POSIX class such as [:digit:] stays as it is
                end = pattern.find(":]", i + 2)
                if end != -1:
                    out.append(pattern[i:end + 2])
                    i = end + 2
                    continue
            out.append(c)
            i += 1
            continue
        if c == "[":
            in_set = True
            j = i + 1
            if pattern.startswith("^", j):
                j += 1
            if pattern.startswith("]", j):  # a ] first in the set is literal
                j += 1
            out.append(pattern[i:j])
            set_body = j
            i = j
            continue
        if c == "(" and pattern.startswith("?", i + 1):
            for prefix, what in _GROUP_PREFIXES:
                if pattern.startswith(prefix, i + 1):
                    raise _unsupported(what, i)
        if c == "{":
            m = _QUANTIFIER.match(pattern, i)
            if m and (m.group(1) or m.group(3)):
                low, comma, high = m.groups()
                out.append("{" + (low or ("0" if comma else "")) + comma + high + "}")
                i = m.end()
                if pattern.startswith("+", i):
                    raise _unsupported(f"占有量词 {m.group()}+", m.start())
                continue
        if c in "*+?" and pattern.startswith("+", i + 1) and not (c == "?" and out and out[-1] in ("*", "+", "?", "}")):
            raise _unsupported(f"占有量词 {c}+", i)
        out.append(c)
        i += 1
    return "".join(out)
