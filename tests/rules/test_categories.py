import pytest

CATS = ["专家咨询费", "劳务费", "委托业务费", "差旅费", "会议费", "培训费",
        "档案/出版/文献/信息传播/知识产权事务费", "燃料动力费", "其他费用"]


def test_the_nine_categories_in_regulation_order(pack) -> None:
    assert list(pack.categories.names) == CATS


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("专家咨询费", "专家咨询费"),
        (" 差旅 ", "差旅费"),
        ("会议费用", "会议费"),
        ("培训", "培训费"),
        ("研发支出-专家咨询费", "专家咨询费"),
        ("研发支出/档案/出版/文献/信息传播/知识产权事务费", "档案/出版/文献/信息传播/知识产权事务费"),
        ("档案／出版／文献／信息传播／知识产权事务费", "档案/出版/文献/信息传播/知识产权事务费"),
        ("6602.03 培训费", "培训费"),
        ("出版/文献/信息传播/知识产权事务费", "档案/出版/文献/信息传播/知识产权事务费"),
        ("其它", "其他费用"),
        ("测试化验加工费", "委托业务费"),
        ("差旅费（项目）", "差旅费"),
        ("招待费", None),
        ("设备费", None),
        ("餐费", None),
        ("办公费", None),
        ("业务咨询服务费", None),
        ("差旅费-住宿费", "差旅费"),
        ("其他费用-市内交通费", "其他费用"),
        ("研发支出-差旅费-伙食补助费", "差旅费"),
        ("档案、出版、文献、信息传播、知识产权事务费", "档案/出版/文献/信息传播/知识产权事务费"),
        ("其他应收款-员工借款", None),
        # the first of the nine from the left is the account, even when a sub-account is itself a category's alias
        ("会议费-资料费", "会议费"),
        ("其他费用-资料费", "其他费用"),
        ("研发支出-委托业务费", "委托业务费"),
        ("管理费用-业务招待费", None),
    ],
)
def test_variants_map_to_the_regulation_name(pack, text: str, expected: str | None) -> None:
    assert pack.categories.canonical(text) == expected


@pytest.mark.parametrize(("text", "below"), [("差旅费-住宿费", "住宿费"), ("其他费用-招待费", "招待费"),
                                             ("管理费用-专家咨询费", ""), ("差旅费", ""), ("招待费", ""),
                                             ("会议费-资料费", "资料费")])
def test_sub_accounts_name_what_was_bought(pack, text: str, below: str) -> None:
    assert pack.categories.sub_account(text) == below


def test_a_sub_account_is_read_like_the_description(project, pack) -> None:
    from qianqi_rules import check_entries

    def rules(category: str, description: str) -> set[str]:
        entry = {"date": "2025-06-01", "category": category, "amount": "500", "description": description,
                 "payee": "赵六", "project_code": project.code}
        return {v.rule_id for v in check_entries([entry], project, pack).violations}

    assert "QQ1120" in rules("其他费用-招待费", "商务活动")
    assert "QQ1140" not in rules("管理费用-专家咨询费", "外聘专家咨询")  # a parent account says nothing
