from qianqi_rules.citations import ARTICLE_ITEMS
from qianqi_rules.regulation import cited_text, parse_regulation


def test_bundled_regulation_matches_the_citation_table(pack) -> None:
    articles = pack.regulation
    assert sorted(articles) == list(range(1, 19))
    for number, article in articles.items():
        assert len(article.items) == ARTICLE_ITEMS[number], number


def test_wrapped_lines_are_joined_and_items_split(pack) -> None:
    text = cited_text(dict(pack.regulation), 10, 2)
    assert text.startswith("第十条 资助经费的支出范围包括：")
    assert "财政供养人员不得列支劳务费。" in text
    assert "\n" in text and "（三）" not in text
    assert cited_text(dict(pack.regulation), 13, None).count("（") >= 7  # lead sentence + six items


def test_parse_ignores_chapters_and_page_furniture() -> None:
    articles = parse_regulation("附件 2\n\n第一章 总 则\n\n第一条 为规范\n\n并加强管理。\n第二条 其他。\n")
    assert articles[1].text == "第一条 为规范并加强管理。"
    assert articles[2].items == {}
