import pytest

from qianqi_rules.citations import chinese_number, citation_problem, citation_text


@pytest.mark.parametrize(("n", "text"), [(1, "一"), (9, "九"), (10, "十"), (11, "十一"), (13, "十三"), (18, "十八"), (20, "二十")])
def test_chinese_numbers(n: int, text: str) -> None:
    assert chinese_number(n) == text


def test_citation_text_matches_the_regulation() -> None:
    assert citation_text(10, 1) == "第十条第（一）项"
    assert citation_text(13, 4) == "第十三条第（四）项"
    assert citation_text(12, None) == "第十二条"


def test_citation_problems() -> None:
    assert citation_problem(10, 9) is None
    assert citation_problem(12, None) is None
    assert "没有第 10 项" in citation_problem(10, 10)
    assert "没有分项" in citation_problem(12, 1)
    assert "没有第 19 条" in citation_problem(19, None)
