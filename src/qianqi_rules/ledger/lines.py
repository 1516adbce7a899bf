"""What a line of an export is when it is not an entry: subtotals, balances, carry-forwards, page furniture.

The words and patterns the reader recognises — 本月合计, 期初余额, 期末结转, “第 3 页 共 9 页” — and the
reasons a skipped line is reported under (:data:`SKIP_REASONS`); :mod:`.tabular` classifies each row with them.
"""

from __future__ import annotations

import re
import unicodedata


#: text that, found anywhere in a line without a category, makes it a subtotal or balance line
SUBTOTAL_MARKERS = (
    "期初余额", "期末余额", "本月合计", "本期合计", "本年累计", "合计", "小计", "累计", "总计", "承前页", "过次页",
)
#: the same lines when they do carry a category (金蝶 明细分类账): the description must *be* such a label
_NEVER_SPENDING = re.compile(
    r"(?:\d{4}年)?(?:\d{1,2}月(?:份)?)?(?:"
    r"(?P<subtotal>(?:本月|本期|本季度?|本年|当前|本页|全年|上年|以前年度)?(?:合计|累计|小计|总计|发生额合计)"
    r"|(?:期初|期末|年初|年末|月初|月末|上年|上期)(?:余额|结余)|承前页|过次页|承上页|过下页|转下页|接上页)"
    r"|(?P<carry>(?:期末|月末|年末|年终|季末)?结转.*|.*(?:结转|转入)(?:本年利润|损益|下年|下期|以后年度)))"
)
FOOTER_MARKERS = (
    "制单人", "制单", "制表人", "审核人", "记账人", "出纳", "打印时间", "打印日期", "财务负责人",
)
#: the characters a never-spending label can begin with (a cheap test before the pattern)
_LABEL_STARTS = frozenset("0123456789０１２３４５６７８９本当全上以合累小总期年月季承过接转结[【(（<《*＊ \u3000")
_LABEL_STRIP = re.compile(r"[\s\u3000\[\]【】()（）<>《》*＊:：\-—]+")
#: a project code in a 核算项目 cell: letters and digits, with at least one of each, six or more long
_AUX_CODE = re.compile(r"(?<![A-Za-z0-9])(?=[A-Za-z0-9\-_]*[A-Za-z])(?=[A-Za-z0-9\-_]*\d)[A-Za-z0-9][A-Za-z0-9\-_]{5,}")

#: reason code -> the reason written in the row accounting
SKIP_REASONS = {
    "title": "表头之前的标题行",
    "title_repeat": "分页处重复的标题行",
    "page": "页码行",
    "blank": "空行",
    "subtotal": "合计/余额行",
    "carry_forward": "结转行",
    "counter_entry": "对方科目行",
    "header_repeat": "重复的表头行",
    "footer": "表尾说明行",
}

#: skipped lines whose cells are words, never money
TEXT_ONLY = frozenset({"header_repeat", "footer", "page", "title_repeat"})
PAGE_NUMBER = re.compile(r"第\s*\d+\s*页(?:\s*[/／,，]?\s*共\s*\d+\s*页)?|共\s*\d+\s*页|-\s*\d+\s*-"
                   r"|page\s*\d+(?:\s*(?:of|/)\s*\d+)?", re.IGNORECASE)
def cells_text(cells: list[str]) -> str:
    return " ".join(cell_texts(cells))[:60]




def is_blank(cells: list[str]) -> bool:
    return all(not c.strip() for c in cells)


def never_spending(text: str) -> str | None:
    """``subtotal`` or ``carry_forward`` when a description is such a label (本月合计, 期末结转 …)."""
    head = text.lstrip()[:1]
    if not head or (head not in _LABEL_STARTS and "结转" not in text and "转入" not in text):
        return None  # most descriptions: decided by their first character
    label = _LABEL_STRIP.sub("", unicodedata.normalize("NFKC", text))
    found = _NEVER_SPENDING.fullmatch(label)
    if found is None:
        return None
    return "carry_forward" if found.group("carry") else "subtotal"


def aux_project_code(text: str) -> str:
    """The project code a 核算项目 / 辅助核算 cell holds, or "" when it holds none (a department, a person)."""
    found = _AUX_CODE.search(unicodedata.normalize("NFKC", text))
    return found.group(0) if found else ""


def cell_texts(cells: list[str]) -> tuple[str, ...]:
    return tuple(c.strip() for c in cells if c.strip())
