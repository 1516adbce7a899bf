"""Places as ledgers write them: resolved through the standard's names and the national division table."""

from decimal import Decimal

import pytest

from qianqi_rules.rules.pack import bundled_pack_path
from qianqi_rules.rules.places import Gazetteer, load_gazetteer, resolve, short_name


@pytest.fixture(scope="module")
def standards(pack):
    return pack.standards["travel-meals"], pack.standards["travel-lodging"]


@pytest.mark.parametrize(("written", "rate", "key"), [
    ("新疆喀什", "120", "新疆"),           # the issue: a 120 元/天 subsidy there is within the standard
    ("喀什市", "120", "新疆"),
    ("塔什库尔干塔吉克自治县", "120", "新疆"),  # a county, found only through the table
    ("日喀则市", "120", "西藏"),
    ("西安", "100", "西安"),              # not listed: the default
])
def test_meal_subsidy_places(standards, written, rate, key) -> None:
    assert standards[0].rate_for(written) == (Decimal(rate), key)


@pytest.mark.parametrize(("written", "key"), [
    ("广州番禺", "广州"), ("番禺区", "广州"), ("广东省广州市番禺区", "广州"), ("浦东新区", "上海"), ("北京朝阳", "北京"),
])
def test_lodging_places(standards, written, key) -> None:
    assert standards[1].rate_for(written)[1] == key


@pytest.mark.parametrize("written", ["朝阳区", "南山区", "西安"])
def test_an_ambiguous_or_unlisted_place_is_not_guessed(standards, written) -> None:
    rate, _ = standards[1].rate_for(written)  # 朝阳区 is in 北京 and 长春, 南山区 in 深圳 and 鹤岗
    assert rate is None


def test_the_table_ships_with_its_source() -> None:
    path = bundled_pack_path() / "places" / "divisions.csv"
    head = path.read_text(encoding="utf-8").splitlines()[:3]
    assert any("来源" in line and "cpca" in line for line in head)
    gazetteer = load_gazetteer(str(path))
    assert gazetteer is not None and ("喀什", "喀什", "新疆") in gazetteer.places("喀什市")


def test_names_and_a_small_table() -> None:
    assert [short_name(n) for n in ("新疆维吾尔自治区", "喀什地区", "番禺区", "延边朝鲜族自治州")] == [
        "新疆", "喀什", "番禺", "延边"]
    table = Gazetteer([("650000", "新疆维吾尔自治区"), ("653100", "喀什地区"), ("653131", "塔什库尔干塔吉克自治县")])
    assert resolve("塔什库尔干", {"新疆": "新疆"}, {"新疆"}.__contains__, table) == "新疆"
    assert resolve("塔什库尔干", {"新疆": "新疆"}, {"新疆"}.__contains__, None) is None


# The gazetteer finds names with a set lookup instead of a compiled alternation of every name; it must find
# exactly what the alternation (longest name first, left to right) found.
from hypothesis import given  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from qianqi_rules.rules.places import _Names  # noqa: E402

_SAMPLE = ["广州", "广州市", "番禺区", "番禺", "州", "新疆", "喀什", "喀什地区", "朝阳", "朝阳区"]


@given(st.lists(st.sampled_from([*_SAMPLE, "赴", "出差", "市", "区", "x", " "]), max_size=12).map("".join),
       st.sets(st.sampled_from(_SAMPLE), min_size=1))
def test_names_match_the_alternation_they_replace(text: str, names: set[str]) -> None:
    import re

    alternation = re.compile("|".join(re.escape(n) for n in sorted(names, key=len, reverse=True)))
    assert _Names(names).find(text) == [m.group(0) for m in alternation.finditer(text)]
