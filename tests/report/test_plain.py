"""Text shown as data: every control character as an escape, nothing else changed."""

from __future__ import annotations

import pytest
from rich.console import Console

from qianqi_rules.report.json_report import encodable_json, escape_json_controls
from qianqi_rules.report.plain import plain, visible


@pytest.mark.parametrize(("text", "shown"), [
    ("普通文字 abc 123", "普通文字 abc 123"),
    ("a\x1b[31mb", "a\\x1b[31mb"),
    ("\x00\x07\x0b\x0c\x7f", "\\x00\\x07\\x0b\\x0c\\x7f"),
    ("\x9b2J\x85", "\\x9b2J\\x85"),
    ("上\r\n下", "上\n下"),
    ("回\r车", "回\\x0d车"),
    ("制\t表\n换行", "制\t表\n换行"),
    ("\u202e反向\u2066", "\\u202e反向\\u2066"),
    ("bad\udcff.csv", "bad\\udcff.csv"),  # a file name that is not valid UTF-8
    ("C:\\路径\\x1b", "C:\\路径\\x1b"),  # a literal backslash is left alone
    (None, ""),
])
def test_visible(text, shown) -> None:
    assert visible(text) == shown


def test_one_line_shows_tab_and_line_feed_too() -> None:
    assert visible("a\tb\nc\r\nd", lines=False) == "a\\tb\\nc\\nd"


def test_visible_is_idempotent() -> None:
    once = visible("\x1b]8;;http://x\x07a\x1b]8;;\x07")
    assert visible(once) == once


def test_plain_is_never_markup_or_emoji() -> None:
    console = Console(width=80, record=True, color_system=None)
    console.print(plain("[link=http://x]a[/link] [/red] :warning:"))
    assert console.export_text().strip() == "[link=http://x]a[/link] [/red] :warning:"


def test_json_escapes_keep_the_document_and_its_values() -> None:
    import json

    text = json.dumps({"摘要": "\x7f\x9b\u202e ✗😀"}, ensure_ascii=False)
    escaped = escape_json_controls(text)
    assert "\x9b" not in escaped and json.loads(escaped) == json.loads(text)
    for_gbk = encodable_json(escaped, "gbk")
    for_gbk.encode("gbk")
    assert "摘要" in for_gbk and "\\u2717" in for_gbk and "\\ud83d\\ude00" in for_gbk
    assert json.loads(for_gbk) == json.loads(text)
    assert encodable_json(text, None) == text and encodable_json(text, "utf-8") == text
