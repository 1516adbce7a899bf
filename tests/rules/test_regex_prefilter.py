"""The RE2 prefilter only ever skips a call whose answer is "no match"."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from qianqi_rules.rules import expressions, sections
from qianqi_rules.rules.regex_prefilter import prefilter, required_literals
from qianqi_rules.rules.regex_safety import compile_pattern


def _pack_patterns() -> list[str]:
    """Every pattern the bundled pack compiles (read while loading it from its files)."""
    from qianqi_rules.rules.loader import load_packs
    from qianqi_rules.rules.pack import bundled_pack_path

    seen: list[str] = []
    original = expressions.compile_pattern

    def spy(pattern: str):  # type: ignore[no-untyped-def]
        seen.append(pattern)
        return original(pattern)

    expressions.compile_pattern, sections.compile_pattern = spy, spy
    try:
        load_packs([bundled_pack_path()])  # from the files, not the pack cache: every pattern is compiled
    finally:
        expressions.compile_pattern, sections.compile_pattern = original, original
    return seen


HAND_MADE = [
    "(拿|用|以|找)[^，。,;；]{0,8}(发票|票据|小票|票)[^，。,;；]{0,3}(冲|抵|顶|充|报)",
    "(发票|票)是[^，。,;；]{1,8}开的",
    r"(?i)[a-z]{2,8}(-[a-z]{2,8})*-\d{4}-\d{2,6}",
    r"(?i)ab(?-i:CD)ef",
    r"x(?i:Kb)y",
    r".*(实发|实付|代领).*",
    r"^\s*(无|略|/|-|—)\s*$",
    r"a{2}b+c*d?",
    r"(ab|)c",
    r"[[:digit:]]+元",
    r"\p{Han}{2}费",
    r"[a-c]x[^y]z|q",
    "\ufffd+",
]


def test_literals_are_read_off_the_pattern() -> None:
    assert required_literals("(发票|票)是[^，]{1,8}开的") == (frozenset({"开的"}), frozenset({"票"}), frozenset({"是"}))
    assert required_literals(".*(代领|实付).*") == (frozenset({"代领", "实付"}),)
    assert required_literals(".*(实发|实付).*") == (frozenset({"实"}), frozenset({"发", "付"}))  # re factors 实 out
    assert required_literals(r"(?i)[a-z]+-\d") == (frozenset({"-"}),)  # letters have case: not required
    assert required_literals("(?i)abc") == ()
    assert required_literals("(ab|)c") == (frozenset({"c"}),)  # an empty alternative requires nothing
    assert required_literals("a?b*") == ()
    assert required_literals("[[:digit:]]x") == ()  # RE2 and re read [[:digit:]] differently: no prefilter
    assert required_literals(r"\p{Han}") == ()  # not re syntax
    assert required_literals("\ufffd") == ()  # what a lone surrogate becomes for RE2


def test_prefilter_answers() -> None:
    possible = prefilter("(发票|票)是[^，]{1,8}开的")
    assert possible is not None
    assert not possible("拿发票报销")
    assert possible("票是别人开的")
    assert prefilter("a?b*") is None


def test_the_pack_has_patterns_with_prefilters() -> None:
    patterns = _pack_patterns()
    assert patterns
    assert sum(prefilter(p) is not None for p in patterns) >= len(patterns) // 2


def _alphabet(patterns: list[str]) -> list[str]:
    chars = {c for p in patterns for c in p if not c.isspace()} | set("abcXYZ-0189 ，。")
    return sorted(chars)


PATTERNS = _pack_patterns() + HAND_MADE
ALPHABET = _alphabet(PATTERNS)
#: texts made of the patterns' own characters and words, so that matches are common
WORDS = sorted({w for p in PATTERNS for w in re.findall(r"[\u4e00-\u9fff]+|[A-Za-z]+", p)})
texts = st.lists(st.one_of(st.sampled_from(ALPHABET), st.sampled_from(WORDS), st.text(max_size=3)),
                 max_size=12).map("".join)


@pytest.mark.parametrize("pattern", PATTERNS)
@settings(max_examples=60, deadline=None)
@given(text=texts)
def test_a_prefiltered_pattern_matches_exactly_where_re2_does(pattern: str, text: str) -> None:
    compiled = compile_pattern(pattern)
    raw = compiled._regexp
    assert (compiled.search(text) is None) == (raw.search(text) is None)
    assert (compiled.match(text) is None) == (raw.match(text) is None)
    possible = prefilter(pattern)
    if possible is not None and raw.search(text) is not None:
        assert possible(text)


def test_a_pattern_pickles_with_its_prefilter() -> None:  # the pack cache stores compiled patterns
    import pickle

    pattern = compile_pattern("(发票|票)是[^，]{1,8}开的")
    restored = pickle.loads(pickle.dumps(pattern))
    assert restored._clauses == pattern._clauses and restored._possible is not None
    assert restored.search("拿发票报销") is None and restored.search("票是别人开的") is not None
