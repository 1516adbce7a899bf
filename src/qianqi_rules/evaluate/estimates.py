"""Judging a fee against an Article 6 standard from what its description states.

A ledger in the contract's format has no columns for persons, days, hours or
titles, so the exact standards rules — which never guess — cannot run on it.
Yet bookkeepers often write the quantities into the description: 半天, 3天,
4学时, 20人.  An estimate reads those and fills in only what the text leaves
open, each time in the fee's favour except for the number of people:

* persons: as stated (20人, 3位, or a payee written 张三等3人); otherwise as
  the standard says (``estimate.persons`` in its YAML): one for a traveller's
  own costs, one when the payee is an individual (a fee paid to one person is
  that person's fee), or no estimate (a meeting's cost is for many);
* the title, class or city the rate depends on: as stated, otherwise the most
  generous rate the standard lists — or no estimate where the list is not
  complete (lodging: cities);
* days, nights or hours: as stated, otherwise no estimate.

So an estimate that is over the standard is over at every reading of what the
text leaves open, except that more people shared the money.  Rules using it
report a warning to verify, never money to recover.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from ..values import normalise_name
from ..rules.standards import FIELD_LABELS, Standard, place_key

_DIGITS = {"零": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_NUMBER = r"(\d{1,4}(?:\.\d{1,2})?|[一二两三四五六七八九十]{1,3})"
# English quantities (15 people, 1 day, 2 nights) are read too: some ledgers are kept for foreign partners.
_DAYS = re.compile(rf"(?<![第每]){_NUMBER}\s*个?(?:天|工作日)(半)?|(半天|半日|half[- ]?day)"
                   r"|(?<![A-Za-z0-9.])(\d{1,4}(?:\.\d{1,2})?)\s*(?:days?|working days?)(?![A-Za-z])", re.IGNORECASE)
_HOURS = re.compile(rf"(?<![第每]){_NUMBER}\s*个?(?:学时|课时|小时)"
                    r"|(?<![A-Za-z0-9.])(\d{1,4}(?:\.\d{1,2})?)\s*(?:hours?|hrs?|class hours?)(?![A-Za-z])",
                    re.IGNORECASE)
_TIMES = re.compile(rf"(?<![第每]){_NUMBER}\s*次(?!数)")
_NIGHTS = re.compile(rf"(?<![第每]){_NUMBER}\s*(?:晚|夜|个晚上)"
                     r"|(?<![A-Za-z0-9.])(\d{1,4})\s*nights?(?![A-Za-z])", re.IGNORECASE)
_PERSONS = re.compile(rf"(?<![第每]){_NUMBER}\s*(?:人|名|位)(?![民员次天工])"
                      r"|(?<![A-Za-z0-9.])(\d{1,4})\s*"
                      r"(?:people|persons?|pax|participants?|attendees?|guests?|trainees?)(?![A-Za-z])",
                      re.IGNORECASE)
#: rooms booked (2间, 3个房间, 2 rooms): in a lodging estimate each room is at least one person
_ROOMS = re.compile(rf"(?<![第每]){_NUMBER}\s*(?:间|个房间)(?![隔距])"
                    r"|(?<![A-Za-z0-9.])(\d{1,3})\s*rooms?(?![A-Za-z])", re.IGNORECASE)
_CONSULT_BY_POST = re.compile(r"通讯|函评|函审|书面评审|网上评审|线上评审")
#: a payee that names an organisation rather than a person
_ORGANISATION = re.compile(r"公司|中心|医院|学院|大学|学校|酒店|宾馆|饭店|集团|研究|所$|院$|局$|厂$|店$|部$|社$|会$|馆$")
_PERSON_NAME = re.compile(r"^[\u4e00-\u9fff·]{2,4}$")


def chinese_number(text: str) -> Decimal | None:
    """``3``, ``2.5``, ``三``, ``两``, ``十二``, ``二十`` → the number; anything else → ``None``."""
    if text[0].isdigit():
        return Decimal(text)
    if "十" in text:
        tens, _, units = text.partition("十")
        if (tens and tens not in _DIGITS) or (units and units not in _DIGITS):
            return None
        return Decimal((_DIGITS[tens] if tens else 1) * 10 + (_DIGITS[units] if units else 0))
    if len(text) == 1 and text in _DIGITS:
        return Decimal(_DIGITS[text])
    return None


def _one_value(values: list[Decimal]) -> Decimal | None:
    """The quantity a text states, or ``None`` when it states none or several different ones."""
    distinct = set(values)
    return distinct.pop() if len(distinct) == 1 else None


def _numbers(pattern: re.Pattern[str], text: str) -> list[Decimal]:
    """The positive numbers stated before a unit, from whichever alternative (Chinese or English) matched."""
    found = []
    for match in pattern.finditer(text):
        written = next((g for g in match.groups() if g and (g[0].isdigit() or g[0] in _DIGITS or g[0] == "十")), None)
        number = chinese_number(written) if written else None
        if number is not None and number > 0:
            found.append(number)
    return found


def stated_days(text: str) -> Decimal | None:
    found = []
    for match in _DAYS.finditer(text):
        if match.group(3):
            found.append(Decimal("0.5"))
            continue
        number = chinese_number(match.group(1) or match.group(4))
        if number is not None and number > 0:
            found.append(number + (Decimal("0.5") if match.group(2) else 0))
    return _one_value(found)


def stated_nights(text: str) -> Decimal | None:
    return _one_value(_numbers(_NIGHTS, text))


def stated_times(text: str) -> Decimal | None:
    """How many occasions (2次): consulting by correspondence is paid per occasion."""
    found = [n for m in _TIMES.finditer(text) if (n := chinese_number(m.group(1))) is not None and n > 0]
    return _one_value(found)


def stated_hours(text: str) -> Decimal | None:
    return _one_value(_numbers(_HOURS, text))


def _whole(value: Decimal | None) -> int | None:
    return int(value) if value is not None and value == int(value) else None


def stated_persons(text: str) -> int | None:
    return _whole(_one_value(_numbers(_PERSONS, text)))


def stated_rooms(text: str) -> int | None:
    """Rooms booked (2间, 2 rooms): the fewest people a lodging entry can be for."""
    return _whole(_one_value(_numbers(_ROOMS, text)))


def is_individual(payee: str) -> bool:
    """Whether a payee reads as one person's name (2–4 Chinese characters, no organisation word)."""
    name = normalise_name(payee)
    return bool(_PERSON_NAME.match(name)) and not _ORGANISATION.search(name)


def stated_key(standard: Standard, text: str) -> str | None:
    """The rates key (title, class, city) the text names, if it names exactly one (aliases of 2+ characters).

    The longest alias wins where aliases overlap: 高级工程师 is 副高, not the 工程师 inside it.
    """
    if standard.key is None:
        return None
    found = {standard.aliases[m.group()] for m in standard.alias_pattern.finditer(normalise_name(text))}
    if not found and standard.key == "city":  # 番禺区, 浦东新区: a district of a listed city
        return place_key(standard, normalise_name(text), in_text=True)
    if len(found) != 1:
        return None
    key = found.pop()
    return key if key in standard.rates else None


def most_generous(standard: Standard) -> tuple[str, Decimal | None]:
    """(the key to judge by, its rate) when the text does not say: the highest rate the standard lists."""
    candidates = [(rate, key) for key, rate in standard.rates.items()]
    if standard.default is not None:
        candidates.append((standard.default, ""))
    if not candidates:
        return "", standard.rate
    rate, key = max(candidates, key=lambda c: c[0])
    return key, rate


@dataclass(frozen=True)
class EstimatedEntry:
    """The fields :func:`~qianqi_rules.rules.standards.judge` reads, with gaps filled from the text."""

    date: dt.date
    amount: Decimal
    persons: int | None = None
    days: Decimal | None = None
    hours: Decimal | None = None
    consult_mode: str | None = None
    title: str | None = None
    conference_class: str | None = None
    training_class: str | None = None
    city: str | None = None


@dataclass(frozen=True)
class Estimate:
    entry: EstimatedEntry
    stated: str  # what was read or assumed, for the message: “半天、1 人（按收款人计）”
    key_text: str  # the rate's key as the message names it: “院士” or “未写明职称，按最高的院士”
    evidence: dict[str, str]
    fallback: Decimal | None = None  # the rate for a place the standard does not list (its highest anywhere)


def _units(basis: str, text: str) -> tuple[Decimal | None, str]:
    """(days, nights or hours the text states, how to say it) for a standard's basis."""
    if basis == "person_hour":
        hours = stated_hours(text)
        return hours, f"{hours} 学时" if hours is not None else ""
    if basis == "person_night":
        nights = stated_nights(text)
        if nights is not None:
            return nights, f"{nights} 晚"
        days = stated_days(text)  # 住宿3天: counting a night per day is the generous reading
        return days, f"{days} 天" if days is not None else ""
    days = stated_days(text)
    if days is None:
        return None, ""
    return days, "半天" if days == Decimal("0.5") else f"{days} 天"


#: the fields an estimate may fill in, in :class:`EstimatedEntry`'s order
ESTIMATED_FIELDS = ("persons", "days", "hours", "consult_mode", "title", "conference_class", "training_class", "city")


@dataclass(frozen=True)
class _Reading:
    """What an estimate reads from the texts, before the entry's date and amount are added: the same for every
    entry with the same texts and the same fields filled in, so :func:`estimate` can keep it (``memo``)."""

    values: dict[str, object]
    stated: str
    key_text: str
    evidence: dict[str, str]
    fallback: Decimal | None = None


def estimate(standard: Standard, entry: Any, description: str, payee: str,
             memo: dict[Any, _Reading | None] | None = None) -> Estimate | None:
    """An estimated reading of ``entry`` for ``standard``, or ``None`` when the text does not say enough.

    ``memo`` (one dict per standard, kept by the caller) holds the readings of texts already read.
    """
    written = tuple(None if (value := getattr(entry, name, None)) in (None, "") else value
                    for name in ESTIMATED_FIELDS)
    if written == _NOTHING_WRITTEN:  # what a ledger without these columns gives: one key tuple for all of them
        written = _NOTHING_WRITTEN
    if memo is None:
        reading = _read(standard, written, description, payee)
    else:
        key = (written, description, payee)
        try:
            reading = memo[key]
        except KeyError:
            reading = _read(standard, written, description, payee)
            if len(memo) >= _MEMO_LIMIT:
                memo.clear()
            memo[key] = reading
    if reading is None:
        return None
    return Estimate(EstimatedEntry(date=entry.date, amount=entry.amount, **reading.values),  # type: ignore[arg-type]
                    reading.stated, reading.key_text, dict(reading.evidence), reading.fallback)


_MEMO_LIMIT = 10_000
_NOTHING_WRITTEN = (None,) * len(ESTIMATED_FIELDS)


def _read(standard: Standard, written: tuple[object, ...], description: str, payee: str) -> _Reading | None:
    """What the texts say for ``standard``, given the fields the entry has (``written``, in ESTIMATED_FIELDS order)."""
    values: dict[str, object] = dict(zip(ESTIMATED_FIELDS, written))
    stated: list[str] = []
    evidence: dict[str, str] = {"estimated_from": description}
    if values["consult_mode"] is None and _CONSULT_BY_POST.search(description):
        values["consult_mode"] = "通讯"
        stated.append("通讯咨询")
    unit_field = "hours" if standard.basis == "person_hour" else "days"
    if values[unit_field] is None:
        found, said = _units(standard.basis, description)
        if found is None and not (unit_field == "days" and values["consult_mode"] == "通讯"):
            return None
        if found is None:  # by correspondence: paid per occasion, the days column counts them
            times = stated_times(description)
            found, said = (times, f"{times} 次") if times is not None else (Decimal(1), "")
        values[unit_field] = found
        if said:
            stated.append(said)
    if values["persons"] is None:
        persons = stated_persons(description)
        if persons is not None:
            stated.append(f"{persons} 人")
        elif (counted := stated_persons(payee)) is not None:
            persons = counted
            stated.append(f"{persons} 人（按收款人）")
        elif standard.basis == "person_night" and (rooms := stated_rooms(description)) is not None:
            persons = rooms
            stated.append(f"{persons} 人（按 {rooms} 间房）")
        elif standard.estimate_persons == "one" or (standard.estimate_persons == "payee" and is_individual(payee)):
            persons = 1
            stated.append("1 人（按收款人计）" if standard.estimate_persons == "payee" else "1 人（摘要未写人数）")
        else:
            return None
        values["persons"] = persons
    key_text = ""
    if standard.key is not None:
        written = values[standard.key]
        if written is not None:
            key_text = str(written)
        else:
            found_key = stated_key(standard, description)
            if found_key is not None:
                values[standard.key] = found_key
                key_text = found_key
                stated.append(found_key)
            elif standard.estimate_unstated_key == "skip" and standard.estimate_unlisted_cap is None:
                return None
            elif standard.estimate_unstated_key == "skip":
                values[standard.key] = "各地最高"  # not a listed key: judged at the fallback rate
                label = FIELD_LABELS.get(standard.key, standard.key)
                key_text = f"{label}不在标准表中或未写明，按各地最高"
                evidence["stated"] = "、".join(stated)
                return _Reading(values, "、".join(stated), key_text, evidence, standard.estimate_unlisted_cap)
            else:
                generous, _ = most_generous(standard)
                values[standard.key] = generous
                label = FIELD_LABELS.get(standard.key, standard.key)
                key_text = f"未写明{label}，按最高的{generous or '一般标准'}"
    evidence["stated"] = "、".join(stated)
    return _Reading(values, "、".join(stated), key_text, evidence)
