"""Who a payee is to the project: staff, fiscally funded people, the grantee or one of its units."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from qianqi_rules import Project
from qianqi_rules.evaluate.parties import ProjectParties, company_core, person_keys

PROJECT = Project(
    code="BJKX-QQ-T09", name="测试", grantee="北京华芯智测科技有限公司",
    period_start=dt.date(2025, 6, 1), period_end=dt.date(2026, 5, 31),
    staff=("王伟", "阿依古丽·买买提", "陈晓峰"), fiscal_funded=("孙立新", "马丽娟"),
)
PARTIES = ProjectParties(PROJECT)


@pytest.mark.parametrize(("payee", "people"), [
    ("王伟等2人", ("王伟",)), ("王伟等三人", ("王伟",)), ("赵文静、郑国强", ("赵文静", "郑国强")),
    ("马丽娟老师", ("马丽娟",)), ("王伟（教授）", ("王伟",)), ("出纳 赵文静", ("赵文静",)),
    ("张三和李四", ("张三", "李四")), ("阿依古丽•买买提", ("阿依古丽买买提",)), ("Wang Wei", ("wangwei",)),
    ("北京和平科技有限公司", ()), ("国家口腔医学质检中心", ()), ("陈思远/配餐部", ("陈思远",)), ("李红梅-品控部", ("李红梅",)),
])
def test_the_people_a_payee_names(payee, people) -> None:
    assert person_keys(payee) == people


@pytest.mark.parametrize(("payee", "staff", "fiscal"), [
    ("王伟等2人", True, False), ("陈晓峰、吴超", True, False), ("阿依古丽买买提", True, False),
    ("马丽娟老师", False, True), ("孙立新等2人", False, True), ("王 伟", True, False),
    # look-alikes are other people
    ("王伟东", False, False), ("王玮", False, False), ("阿依古丽·吐尔逊", False, False), ("孙立", False, False),
    ("王伟东等2人", False, False), ("", False, False),
])
def test_rosters_see_through_how_a_name_is_written(payee, staff, fiscal) -> None:
    found = PARTIES.of(payee)
    assert (found.staff, found.fiscal_funded) == (staff, fiscal)


@pytest.mark.parametrize(("payee", "grantee", "unit"), [
    ("北京华芯智测科技有限公司", True, False), ("北京华芯智测科技有限公司（本部）", True, False),
    ("华芯智测", True, False), ("华芯智测公司", True, False), ("华芯智测科技", True, False),
    ("本公司", True, False), ("本单位", True, False),
    ("北京华芯智测科技有限公司上海分公司", False, True), ("华芯智测公司测试事业部", False, True),
    ("北京华芯智测科技有限公司 研发中心", False, True),
    # other companies
    ("华新智测", False, False), ("深圳华芯智能测试有限公司", False, False), ("北京华芯智测检测设备厂", False, False),
    ("北京材料分析测试中心", False, False),
])
def test_the_grantee_by_full_name_short_name_self_reference_or_unit(payee, grantee, unit) -> None:
    found = PARTIES.of(payee)
    assert (found.grantee, found.grantee_unit) == (grantee, unit)


def test_the_distinctive_part_of_a_company_name() -> None:
    assert company_core("北京华芯智测科技有限公司") == "华芯智测"
    assert company_core("北京灵山茶叶种植专业合作社") == "灵山茶叶种植"
    assert company_core("北京测试科技有限公司") == "测试"
    assert company_core("北京科技有限公司") == ""  # nothing distinctive: only the full name counts


_NAMES = st.sampled_from(["王伟", "阿依古丽·买买提", "陈晓峰", "孙立新", "马丽娟"])
_OTHERS = st.sampled_from(["赵文静", "郑国强", "吴超", "李娟"])
_JOIN = st.sampled_from(["、", "，", ",", "/", "和"])
_AFTER = st.sampled_from(["", "老师", "（教授）", "等2人", " "])


@given(st.lists(_OTHERS, max_size=3), _NAMES, _JOIN, _AFTER, st.integers(0, 3))
def test_a_roster_name_is_found_wherever_it_stands_in_a_group_payee(others, name, join, after, at) -> None:
    people = list(others)
    people.insert(min(at, len(people)), name)
    payee = join.join(people) + after
    found = PARTIES.of(payee)
    assert found.staff == (name in PROJECT.staff) and found.fiscal_funded == (name in PROJECT.fiscal_funded)
    assert not found.grantee and not found.grantee_unit


@pytest.mark.parametrize(("description", "payee", "staff", "fiscal"), [
    ("支付陈晓峰评审咨询费", "", True, False),
    ("劳务费（实发 马丽娟）", "杨柳青", False, True),
    ("阿依古丽买买提 代领", "赵文静", True, False),          # the roster's dot need not be written
    ("王伟东 外聘专家咨询费", "王伟东", False, False),       # the payee's own name hides the 王伟 inside it
    ("外聘专家咨询费", "王伟", False, False),
])
def test_roster_names_written_in_the_description(description, payee, staff, fiscal) -> None:
    found = PARTIES.named_in(description, payee)
    assert (found.staff, found.fiscal_funded) == (staff, fiscal)


def test_the_description_is_read_for_names_only_when_a_rule_asks(pack, project) -> None:
    from qianqi_rules.evaluate.context import EntryContext
    from qianqi_rules.models import EntryRecord

    fields = dict.fromkeys(EntryRecord._fields)
    fields.update(row=2, entry_id="2", date=dt.date(2025, 6, 1), category="劳务费", amount=1,
                  description="劳务费（实发 王五）", payee="赵六")
    ctx, _ = EntryContext(pack, project).build(EntryRecord(**fields))
    assert "description_names_fiscal_funded" not in dict(ctx)  # not computed yet
    assert "description_names_fiscal_funded" in ctx and ctx["description_names_fiscal_funded"] is True
