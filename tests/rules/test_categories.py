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
    ],
)
def test_variants_map_to_the_regulation_name(pack, text: str, expected: str | None) -> None:
    assert pack.categories.canonical(text) == expected
