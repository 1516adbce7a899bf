"""Article 6 standards as data: caps per person and day (or hour, or night), with their sources.

A :class:`Standard` says what a fee may be — by title, class or city — and
how to count days (half days, later days at a lower rate, correspondence
consultations per occasion) or hours.  Applying one to an entry is evaluation:
:func:`qianqi_rules.evaluate.standards.judge`.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from ..fields import FIELDS, of_kind
from ..values import normalise_name
from .places import load_gazetteer, resolve


#: which entry fields each basis needs, besides the standard's key column
BASIS_FIELDS = {
    "person_day": ("persons", "days"),
    "person_hour": ("persons", "hours"),
    "person_night": ("persons", "days"),
}
#: the Chinese names of the fields a standard reads (from the catalogue in :mod:`qianqi_rules.fields`)
FIELD_LABELS = {name: FIELDS[name].label for name in of_kind("standard")}
BASIS_TEXT = {"person_day": "每人每天", "person_hour": "每人每学时", "person_night": "每人每晚"}


@dataclass(frozen=True)
class Standard:
    id: str
    title: str
    source: str
    unit: str
    basis: str
    after_tax: bool = False
    key: str | None = None
    rates: Mapping[str, Decimal] = field(default_factory=dict)
    rate: Decimal | None = None
    default: Decimal | None = None
    effective_from: dt.date | None = None
    effective_until: dt.date | None = None
    half_day_share: Decimal | None = None
    full_rate_days: int | None = None
    later_day_share: Decimal | None = None
    mode_shares: Mapping[str, Decimal] = field(default_factory=dict)
    max_hours_per_half_day: int | None = None
    aliases: Mapping[str, str] = field(default_factory=dict)  # written value (normalised) -> rates key
    #: estimates from a description: people when none are stated (one / payee / stated) and, when no
    #: title/class/city is named, the highest rate or no estimate (highest / skip)
    estimate_persons: str = "payee"
    estimate_unstated_key: str = "highest"
    #: for estimates: the rate when the text names no listed title/class/city (the highest anywhere)
    estimate_unlisted_cap: Decimal | None = None
    #: the aliases of two or more characters as one alternation, longest first, for finding them in a text
    alias_pattern: re.Pattern[str] = field(init=False, compare=False, repr=False)
    #: places written in ledgers -> the rates key they resolve to (or None): ledgers repeat places
    place_keys: dict[str, str | None] = field(init=False, compare=False, repr=False, default_factory=dict)

    def __post_init__(self) -> None:
        """Build :attr:`alias_pattern` from the standard's word list.

        It stays on Python's ``re`` because it is only a plain alternation of escaped literals
        (``re.escape`` of every alias, joined by ``|``; ``(?!)`` when there are none): no repeat, no
        group, nothing an officer writes as a pattern, so matching cannot backtrack beyond the
        length of the longest alias.  Patterns officers write go through :mod:`.regex_safety` (RE2).
        """
        aliases = sorted((a for a in self.aliases if len(a) >= 2), key=lambda a: (-len(a), a))
        object.__setattr__(self, "alias_pattern", re.compile("|".join(re.escape(a) for a in aliases) or "(?!)"))

    @property
    def fields(self) -> tuple[str, ...]:
        """Entry fields this standard cannot be judged without."""
        return BASIS_FIELDS[self.basis] + ((self.key,) if self.key else ())

    def in_force(self, day: dt.date) -> bool:
        if self.effective_from is not None and day < self.effective_from:
            return False
        return self.effective_until is None or day <= self.effective_until

    def rate_for(self, value: str | None, fallback: Decimal | None = None) -> tuple[Decimal | None, str]:
        """(the rate, the key it was found under) for a title/class/city as written in the ledger;
        ``fallback`` (an estimate's ceiling) stands in for a missing default."""
        if self.key is None:
            return self.rate, ""
        written = normalise_name(value or "")
        key = self.aliases.get(written, written)
        if key not in self.rates and self.key == "city" and written:
            key = place_key(self, written) or key  # 新疆喀什, 番禺区: through the names it holds and the gazetteer
        if key in self.rates:
            return self.rates[key], key
        return (self.default if self.default is not None else fallback), key


def place_key(standard: Standard, written: str, *, in_text: bool = False) -> str | None:
    """The rates key of a place the standard's aliases do not name as written (``in_text``: in a description)."""
    cache = standard.place_keys
    marked = ("\0" if in_text else "") + written
    if marked not in cache:
        import importlib.resources  # the national table ships with the bundled pack (qianqi_rules.pack)

        gazetteer = load_gazetteer(str(importlib.resources.files("qianqi_rules.pack") / "places" / "divisions.csv"))
        if len(cache) > 10_000:
            cache.clear()
        cache[marked] = resolve(written, standard.aliases, standard.rates.__contains__, gazetteer, in_text=in_text)
    return cache[marked]
