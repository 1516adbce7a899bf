"""Reading persons, days, hours and titles from a description to estimate an Article 6 check."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from qianqi_rules import load_rules
from qianqi_rules.evaluate.estimates import (
    chinese_number,
    estimate,
    is_individual,
    most_generous,
    stated_days,
    stated_hours,
    stated_key,
    stated_persons,
)
from qianqi_rules.evaluate.standards import judge

PACK = load_rules()
EXPERT = PACK.standards["expert-consulting"]
MEALS = PACK.standards["travel-meals"]
D = Decimal


@pytest.mark.parametrize(("text", "value"), [("3", 3), ("2.5", D("2.5")), ("三", 3), ("两", 2), ("十", 10),
                                             ("十二", 12), ("二十", 20), ("二十五", 25), ("百", None)])
def test_chinese_numbers(text, value) -> None:
    assert chinese_number(text) == (None if value is None else D(value))


@pytest.mark.parametrize(("text", "days"), [
    ("外聘专家半天评审", D("0.5")), ("上海伙食补助3天", 3), ("调研一天半", D("1.5")), ("两天一夜", 2),
    ("3个工作日", 3), ("3月5日评审", None), ("第3天补贴", None), ("每天100元", None), ("3天，另2天", None),
])
def test_days_stated(text, days) -> None:
    assert stated_days(text) == (None if days is None else D(days))


def test_persons_and_hours_stated() -> None:
    assert stated_persons("健康筛查20人") == 20
    assert stated_persons("3位专家论证") == 3
    assert stated_persons("培训50人次") is None
    assert stated_persons("人民医院") is None
    assert stated_hours("讲课费（4学时）") == 4
    assert stated_hours("讲课费") is None


def test_individual_payees() -> None:
    assert is_individual("冯国强") and is_individual(" 林 晨阳 ")
    assert not is_individual("北京某酒店") and not is_individual("国家口腔医学质检中心") and not is_individual("Tom")


def test_title_stated_or_the_most_generous() -> None:
    assert stated_key(EXPERT, "高级工程师评审") == "副高"  # not the 工程师 inside it
    assert stated_key(EXPERT, "副教授咨询") == "副高"
    assert stated_key(EXPERT, "教授咨询") == "正高"
    assert stated_key(EXPERT, "教授、副教授咨询") is None  # two titles: not one reading
    assert most_generous(EXPERT) == ("院士", D(3600))
    assert most_generous(MEALS)[1] == D(120)


def entry(amount: str, **fields):
    from qianqi_rules.models import EntryRecord

    base = {"row": 2, "entry_id": "2", "date": dt.date(2025, 6, 1), "category": "专家咨询费", "amount": D(amount),
            "description": "", "payee": "", "voucher_no": "", "invoice_no": "", "project_code": ""}
    base.update(dict.fromkeys(("persons", "days", "title", "consult_mode", "conference_class", "training_class",
                               "city", "hours")))
    base.update(fields)
    return EntryRecord(**base)


def test_half_day_expert_fee_to_one_person_is_over_even_for_an_academician() -> None:
    reading = estimate(EXPERT, entry("6000"), "外聘专家半天评审 咨询费", "冯国强")
    assert reading is not None and reading.stated == "半天、1 人（按收款人计）"
    assert reading.key_text == "未写明职称，按最高的院士"
    outcome = judge(EXPERT, reading.entry)
    assert outcome.over and outcome.values["allowed"] == "2,160.00"


def test_no_estimate_without_a_stated_quantity_or_a_person() -> None:
    assert estimate(EXPERT, entry("6000"), "专家咨询费", "冯国强") is None
    assert estimate(EXPERT, entry("6000"), "专家1天咨询费", "北京某咨询有限公司") is None
    reading = estimate(EXPERT, entry("6000"), "3位专家1天咨询费", "北京某咨询有限公司")
    assert reading is not None and reading.entry.persons == 3


def test_what_the_ledger_states_wins_over_the_text() -> None:
    reading = estimate(EXPERT, entry("6000", title="中级"), "专家半天咨询", "冯国强")
    assert reading is not None and reading.entry.title == "中级" and reading.key_text == "中级"


@given(st.integers(1, 2_000_000), st.integers(1, 2_000_000),
       st.sampled_from(["专家半天咨询", "专家3天咨询", "两位专家1天咨询", "专家函评", "教授2天咨询"]))
def test_a_larger_fee_is_never_less_over(a: int, b: int, text: str) -> None:
    low, high = sorted((a, b))
    readings = [estimate(EXPERT, entry(str(D(cents).scaleb(-2))), text, "冯国强") for cents in (low, high)]
    assert all(r is not None for r in readings)
    over = [judge(EXPERT, r.entry).over for r in readings]  # type: ignore[union-attr]
    assert over[1] or not over[0]


LODGING = PACK.standards["travel-lodging"]
CONFERENCE = PACK.standards["conference"]


def test_nights_and_how_each_standard_fills_in_people() -> None:
    from qianqi_rules.evaluate.estimates import stated_nights

    assert stated_nights("深圳住宿3晚") == 3 and stated_nights("两天一夜") == 1 and stated_nights("今晚住宿") is None
    # lodging: a traveller's own cost, one person unless stated, but only in a city the table lists
    reading = estimate(LODGING, entry("7500"), "深圳住宿3晚", "深圳瑞吉酒店")
    assert reading is not None and reading.entry.persons == 1 and reading.entry.city == "深圳"
    assert judge(LODGING, reading.entry).over
    # a city not in the table is judged at the highest rate anywhere (the standard's estimate.unlisted_cap)
    ningbo = estimate(LODGING, entry("7500"), "宁波住宿3晚", "宁波某酒店")
    assert ningbo is not None and ningbo.fallback == 800
    assert judge(LODGING, ningbo.entry, ningbo.fallback).over
    assert not judge(LODGING, estimate(LODGING, entry("2100"), "宁波住宿3晚", "宁波某酒店").entry, ningbo.fallback).over
    assert judge(LODGING, ningbo.entry).gap  # the exact check never guesses a rate for an unlisted city
    # a meeting's cost is for many: no estimate unless the text says how many
    assert estimate(CONFERENCE, entry("30000"), "推介会1天", "张三") is None
    assert estimate(CONFERENCE, entry("30000"), "推介会（30人1天）", "北京某酒店") is not None


def test_a_payee_naming_several_people_counts_them() -> None:
    reading = estimate(EXPERT, entry("1500"), "配方函评 通讯", "贾文涛等3人")
    assert reading is not None and reading.entry.persons == 3 and reading.entry.consult_mode == "通讯"
    assert not judge(EXPERT, reading.entry).over  # 500 each by correspondence: within 50% of the day rate


def test_consulting_by_correspondence_is_paid_per_occasion() -> None:
    reading = estimate(EXPERT, entry("1600"), "通讯评审2次（正高）", "张三")
    assert reading is not None and reading.entry.days == 2 and reading.entry.title == "正高"
    assert not judge(EXPERT, reading.entry).over  # 800 an occasion, within 50 % of 2,400
    assert judge(EXPERT, estimate(EXPERT, entry("4000"), "通讯评审2次（正高）", "张三").entry).over


@pytest.mark.parametrize(("text", "days", "persons", "hours"), [
    ("workshop: 1 day, 15 people", 1, 15, None),
    ("Training 2 days x 40 participants", 2, 40, None),
    ("half-day review, 3 experts", D("0.5"), None, None),
    ("讲课 8 hours", None, None, 8),
    ("参会15 people 1 day", 1, 15, None),       # English units right after Chinese text
    ("Room 2, day 3", None, None, None),          # a number after the word is a label, not a quantity
    ("ab15 people, 2days", 2, None, None),       # digits glued to letters before are a code; 2days is 2 days
])
def test_english_quantities_are_read_too(text, days, persons, hours) -> None:
    assert stated_days(text) == (None if days is None else D(days))
    assert stated_persons(text) == persons
    assert stated_hours(text) == (None if hours is None else D(hours))


def test_rooms_count_the_fewest_people_a_lodging_entry_is_for() -> None:
    from qianqi_rules.evaluate.estimates import stated_rooms

    assert stated_rooms("深圳住宿2晚 2间") == 2 and stated_rooms("标间两间") == 2
    assert stated_rooms("Hotel 2 nights, 3 rooms") == 3 and stated_rooms("房间隔断改造") is None
    one_room = estimate(LODGING, entry("1600"), "深圳住宿2晚", "深圳某酒店")
    two_rooms = estimate(LODGING, entry("1600"), "深圳住宿2晚 2间", "深圳某酒店")
    assert one_room is not None and two_rooms is not None
    assert two_rooms.entry.persons == 2 and "2 间房" in two_rooms.stated
    assert judge(LODGING, one_room.entry).over and not judge(LODGING, two_rooms.entry).over
    # rooms are read for lodging only: a meeting's rooms say nothing about how many attended
    assert estimate(CONFERENCE, entry("30000"), "研讨会1天 会议室2间", "北京某酒店") is None


@given(st.sampled_from(["外聘专家半天评审 咨询费", "3位专家1天咨询费", "专家咨询费", "通讯评审", "专家2天咨询 院士"]),
       st.sampled_from(["冯国强", "北京某咨询有限公司", "张三等3人"]),
       st.lists(st.integers(1, 10_000_000), min_size=1, max_size=5))
def test_a_reading_kept_in_the_memo_is_the_reading_made_afresh(text: str, payee: str, cents: list[int]) -> None:
    memo: dict = {}
    for value in cents:  # the same texts with other amounts: the memo's reading, this entry's date and amount
        item = entry(str(D(value).scaleb(-2)))
        assert estimate(EXPERT, item, text, payee, memo) == estimate(EXPERT, item, text, payee)
    assert len(memo) == 1
