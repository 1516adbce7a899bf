"""Places as ledgers write them, resolved to the province and prefecture city a standard lists.

Article 6's city-keyed standards list provinces (新疆 for the meal subsidy) or cities (广州 for
lodging), but ledgers write 新疆喀什, 喀什市, 广东省广州市番禺区 or just 番禺区.  The national table of
administrative divisions (``places/divisions.csv`` in the pack, with its source) says which
province and prefecture each county or district is in; a place is tried as written, then by the
standard's names it contains, then through the table.  A name the table cannot place, or places in
two provinces whose rates differ (朝阳 is in 北京 and in 辽宁), is not guessed.
"""

from __future__ import annotations

import csv
import functools
import re
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path

_SUFFIX = re.compile(
    r"(维吾尔自治区|壮族自治区|回族自治区|自治区|特别行政区|省|市|地区|盟|自治州|自治县|自治旗|新区|林区|特区|区|县|旗)$")
_ETHNIC = re.compile(r"(蒙古族|藏族|回族|维吾尔族|苗族|彝族|壮族|布依族|朝鲜族|满族|侗族|瑶族|白族|土家族|哈尼族|哈萨克族|傣族|黎族|"
                     r"傈僳族|佤族|畲族|拉祜族|水族|东乡族|纳西族|景颇族|柯尔克孜族|土族|达斡尔族|仫佬族|羌族|布朗族|撒拉族|"
                     r"毛南族|仡佬族|锡伯族|阿昌族|普米族|塔吉克族|怒族|乌孜别克族|俄罗斯族|鄂温克族|德昂族|保安族|裕固族|京族|"
                     r"塔塔尔族|独龙族|鄂伦春族|赫哲族|门巴族|珞巴族|基诺族|各族|塔吉克|哈萨克|蒙古|藏族|回族|苗族|土家族|"
                     r"侗族|彝族|布依族|壮族|瑶族|傣族|景颇族|白族|哈尼族|傈僳族|朝鲜族)+$")
_NOT_PLACES = {"市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划"}


def short_name(name: str) -> str:
    """新疆维吾尔自治区 → 新疆, 喀什地区 → 喀什, 塔什库尔干塔吉克自治县 → 塔什库尔干, 番禺区 → 番禺."""
    short = _SUFFIX.sub("", name)
    short = _ETHNIC.sub("", short) or short
    return short if len(short) >= 2 else name


class Gazetteer:
    """County-level divisions and above, by name: what province and prefecture each is in."""

    def __init__(self, rows: Iterable[tuple[str, str]]) -> None:
        names = {code: name for code, name in rows if name not in _NOT_PLACES}
        self._parents: dict[str, list[tuple[str, ...]]] = {}
        for code, name in names.items():
            province = names.get(code[:2] + "0000", "")
            prefecture = names.get(code[:4] + "00", "") if code[2:4] != "00" else ""
            chain = tuple(short_name(n) for n in (name, prefecture, province) if n)
            for key in {name, short_name(name)}:
                self._parents.setdefault(key, []).append(chain)
        # longest names first, so that 广州市番禺区 finds 番禺区 before 广州 and 州
        self._names = _Names(n for n in self._parents if len(n) >= 2)
        # in free text only full names (番禺区, 喀什市): 和平, 新华, 中山 are also ordinary words
        self._full = _Names(n for n in names.values() if len(n) >= 3)

    def places(self, text: str) -> list[tuple[str, ...]]:
        """For each division named in ``text``: (its short name, its prefecture's, its province's)."""
        return [chain for name in self._names.find(text) for chain in self._parents[name]]

    def places_in_text(self, text: str) -> list[tuple[str, ...]]:
        """Like :meth:`places`, for a description: only divisions written with their full name."""
        return [chain for name in self._full.find(text) for chain in self._parents[name]]


class _Names:
    """A set of names found in a text left to right, the longest at each position, without overlaps.

    The same matches as a regular expression of the names joined longest first, without compiling one
    (an alternation of three thousand names takes most of a warm start to compile).
    """

    def __init__(self, names: Iterable[str]) -> None:
        self._names = frozenset(names)
        self._lengths = sorted({len(n) for n in self._names}, reverse=True)

    def find(self, text: str) -> list[str]:
        found: list[str] = []
        names, lengths = self._names, self._lengths
        i, end = 0, len(text)
        while i < end:
            for length in lengths:
                if i + length <= end and text[i:i + length] in names:
                    found.append(text[i:i + length])
                    i += length
                    break
            else:
                i += 1
        return found


@functools.lru_cache(maxsize=4)
def load_gazetteer(path: str) -> Gazetteer | None:
    """The table in a pack (``places/divisions.csv``), or ``None`` when the pack ships none."""
    file = Path(path)
    if not file.is_file():
        return None
    source = file.read_bytes()
    from .stored import stored  # building the table takes most of a small check; reading it back, a few ms

    return stored("gazetteer", source, lambda: gazetteer_of(source), lambda g: isinstance(g, Gazetteer))


def gazetteer_of(source: bytes) -> Gazetteer:
    """The table of a division file's bytes (``code,name`` lines; ``#`` lines are comments)."""
    lines = (line for line in source.decode("utf-8").splitlines() if not line.startswith("#"))
    rows = [(r["code"].strip(), r["name"].strip()) for r in csv.DictReader(lines) if r.get("code")]
    return Gazetteer(rows)


def resolve(written: str, aliases: Mapping[str, str], listed: Callable[[str], bool],
            gazetteer: Gazetteer | None, *, in_text: bool = False) -> str | None:
    """The rates key a place written in a ledger stands for, or ``None`` when it cannot be said for sure.

    ``aliases`` maps written names to keys (拉萨 → 西藏); ``listed`` says whether a key has a rate.
    ``in_text``: ``written`` is a whole description, where only full division names count.
    """
    def key_of(name: str) -> str | None:
        key = aliases.get(name, name)
        return key if listed(key) else None

    contained = {k for a in aliases if len(a) >= 2 and a in written and (k := key_of(a)) is not None}
    if len(contained) == 1:
        return contained.pop()
    if contained or gazetteer is None:
        return None
    keys = set()
    for chain in (gazetteer.places_in_text(written) if in_text else gazetteer.places(written)):
        keys.add(next((k for name in chain if (k := key_of(name)) is not None), ""))
    if len(keys) != 1:
        return None  # not in the table, or in places with different rates: not guessed
    return keys.pop() or None
