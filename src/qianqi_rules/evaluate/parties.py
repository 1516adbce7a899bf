"""Who a payee is, measured against the project: its staff, its fiscally funded people, the grantee.

A bookkeeper writes the payee as it came: ``王伟等2人``, ``赵文静、郑国强``, ``马丽娟老师``,
``阿依古丽买买提`` (the roster has ``阿依古丽·买买提``), ``华芯智测`` or ``本公司`` for
``北京华芯智测科技有限公司``, ``华芯智测公司测试事业部`` for one of its departments.  The
roster rules of Article 10 must see through all of these, and a rule must not have to:
conditions read four yes/no answers (``payee_is_staff`` …) computed here, once per payee.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..models import Project
from ..values import name_key, normalise_name, roster_key

#: ``等2人``, ``等三人``, ``等人`` after the first name of a group payment
_GROUP = re.compile(r"等(?:\d{1,3}|[一二两三四五六七八九十]{1,3})?[人位名]$")
#: between the people of one payment
_SEPARATORS = re.compile(r"[、,，;；/／&＆+＋\-—–]|(?<=[\u4e00-\u9fff])(?:和|及|与)(?=[\u4e00-\u9fff]{2})")
#: the separators that only lists use (和, 及, 与 also occur inside names: 北京和平科技)
_LISTED = re.compile(r"[、,，;；/／&＆+＋\-—–]")
#: what follows a name without being part of it
_HONORIFICS = re.compile(r"(?:老师|教授|副教授|研究员|副研究员|博士|先生|女士|同志|工程师|高工|院士|主任|专家)$")
#: what precedes a name without being part of it (the role written before it)
_ROLES = re.compile(r"^(?:出纳|会计|司机|专家|员工|职工|经办人|收款人|领款人)[:：]?")
_DOTS = re.compile(r"[·•・‧.．]")

#: how a payee names its own unit without naming it
_SELF = frozenset({"本公司", "本司", "本单位", "本企业", "我公司", "我司", "我单位", "本院", "本所", "本中心", "本社"})
#: region prefixes and legal-form suffixes around the distinctive part of a company name
_REGION = re.compile(r"^(?:中国|北京市|北京|天津市|天津|上海市|上海|河北省|河北)?(?:中关村)?")
_FORMS = r"股份有限公司|有限责任公司|有限公司|股份公司|集团公司|公司|集团|合作社|研究院|研究所"
_TRADES = (r"科技|技术|信息技术|信息|智能|网络|生物|医药|医疗|环境|环保|数据|软件|电子|新材料|材料|能源|农业|食品|"
           r"文化|传媒|咨询|服务|工程|设计|实业|发展|制造|专业")
_FORM = re.compile(rf"(?:{_FORMS})$")
_TRADE = re.compile(rf"(?:{_TRADES})+$")
#: what may follow the distinctive part and still be the company itself: 科技, 公司, 科技有限公司
_SAME_COMPANY = re.compile(rf"(?:{_TRADES})*(?:{_FORMS})?")
#: what a department or branch is called after its company's name
_UNIT = re.compile(
    r"(?:分公司|子公司|事业部|研发中心|技术中心|检测中心|测试中心|中心|研发部|技术部|部|实验室|研究院|研究所|车间|"
    r"分厂|工厂|办事处|分部|本部|总部|分社|门店|分店)$"
)


def person_keys(payee: str) -> tuple[str, ...]:
    """The people a payee field names, as roster keys (no dots, no honorific, no ``等2人``).

    An organisation (a name ending in 公司, 中心, 部 …) names nobody; 陈思远/配餐部 names 陈思远.
    """
    key = name_key(payee)
    if (_FORM.search(key) or _UNIT.search(key)) and not _LISTED.search(key):
        return ()
    keys = []
    for part in _SEPARATORS.split(key):
        if _FORM.search(part) or _UNIT.search(part):  # 陈思远/配餐部: the department is not a person
            continue
        part = _ROLES.sub("", _GROUP.sub("", part.strip()))
        bare = _HONORIFICS.sub("", part)
        part = _DOTS.sub("", bare if len(_DOTS.sub("", bare)) >= 2 else part)
        if part:
            keys.append(part)
    return tuple(keys)


def company_core(name: str) -> str:
    """The distinctive part of a company name: 北京华芯智测科技有限公司 → 华芯智测 ("" when under two characters)."""
    core = _REGION.sub("", name_key(name))
    for _ in range(2):  # 集团有限公司, 科技有限公司
        core = _FORM.sub("", core)
    core = _TRADE.sub("", core)
    return core if len(core) >= 2 else ""


@dataclass(frozen=True)
class Parties:
    """What a payee is to the project."""

    staff: bool = False
    fiscal_funded: bool = False
    grantee: bool = False
    grantee_unit: bool = False


_NOBODY = Parties()


class ProjectParties:
    """Answers "who is this payee?" for one project; cached by the payee as written."""

    def __init__(self, project: Project) -> None:
        # an empty key is in every text: the project file refuses such names, a Project built in Python may not
        self._staff = {roster_key(n) for n in project.staff or ()} - {""}
        self._fiscal = {roster_key(n) for n in project.fiscal_funded or ()} - {""}
        self._grantee = name_key(project.grantee)
        self._core = company_core(project.grantee)
        self._cache: dict[str, Parties] = {}
        self._identities: dict[str, str] = {}

    def of(self, payee: str) -> Parties:
        found = self._cache.get(payee)
        if found is None:
            found = self._judge(payee)
            if len(self._cache) < 100_000:
                self._cache[payee] = found
        return found

    def _judge(self, payee: str) -> Parties:
        if not payee:
            return _NOBODY
        people = set(person_keys(payee))
        key = name_key(payee)
        grantee = key == self._grantee or key in _SELF or self._is_core(key)
        unit = not grantee and self._is_unit(key)
        staff, fiscal = bool(people & self._staff), bool(people & self._fiscal)
        if not (staff or fiscal or grantee or unit):
            return _NOBODY
        return Parties(staff=staff, fiscal_funded=fiscal, grantee=grantee, grantee_unit=unit)

    def identity(self, payee: str) -> str:
        """Who was paid, the same however it is written: the grantee by any of its names, people in any order."""
        found = self._identities.get(payee)
        if found is None:
            if not payee:
                found = ""
            elif self.of(payee).grantee:
                found = "@grantee"
            else:
                people = person_keys(payee)
                found = "|".join(sorted(set(people))) if people else name_key(payee)
            if len(self._identities) < 100_000:
                self._identities[payee] = found
        return found

    def named_in(self, description: str, payee: str) -> Parties:
        """Roster names written in the description, other than the payee's own (劳务费（实发 陈雨桐）)."""
        if not (self._staff or self._fiscal) or not description:
            return _NOBODY
        text = _DOTS.sub("", normalise_name(description).casefold())
        for person in person_keys(payee):  # 王伟东's fee names 王伟东, not staff member 王伟
            text = text.replace(person, "|")
        return Parties(staff=any(n in text for n in self._staff), fiscal_funded=any(n in text for n in self._fiscal))

    def _is_core(self, key: str) -> bool:
        """The grantee by its distinctive name alone (华芯智测, 华芯智测公司, 华芯智测科技)."""
        return bool(self._core) and key.startswith(self._core) and bool(
            _SAME_COMPANY.fullmatch(key[len(self._core):]))

    def _is_unit(self, key: str) -> bool:
        """A department, branch or centre of the grantee (北京华芯智测科技有限公司上海分公司, 华芯智测公司测试事业部)."""
        return any(stem and key.startswith(stem) and _UNIT.search(key[len(stem):])
                   for stem in (self._grantee, self._core))
