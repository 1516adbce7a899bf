"""Which ledger column holds which field: the contract's header aliases and those of real exports.

A header matches after removing surrounding spaces, NFKC (full-width → half-width),
lower-casing Latin letters and dropping a trailing unit such as ``（元）``.

Besides the entry fields, a few *layout* fields tell the reader how an export
is shaped; they never reach an entry: ``direction`` (借或贷, for a single amount
column), ``balance`` (余额, read and ignored), ``account_code`` (科目编码, for
counter-entry accounts), ``project_aux`` (核算项目, which may hold a project code),
``voucher_word`` (凭证字, joined to the voucher number) and the date parts
``year`` / ``month`` / ``day`` of exports that give 年 | 月 | 日 as columns.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping

#: field -> accepted headers, in order of preference when a file has several.
HEADER_ALIASES: dict[str, tuple[str, ...]] = {
    "entry_id": ("entry_id", "序号", "编号", "流水号"),
    "date": ("date", "日期", "凭证日期", "报销日期", "支付日期", "业务日期", "制单日期", "记账日期"),
    "voucher_no": ("voucher_no", "凭证号", "凭证字号", "凭证编号", "凭证号数", "凭证号码"),
    "category": ("category", "费用科目", "支出科目", "科目", "科目名称", "费用类别", "经费科目", "会计科目",
                 "科目全名", "科目全称"),
    "description": ("description", "摘要", "事由", "用途", "说明"),
    "payee": ("payee", "收款人", "收款单位", "领款人", "收款方"),
    "amount": ("amount", "金额", "报销金额", "支出金额", "借方金额", "借方", "借方发生额", "本期借方",
               "本期借方发生额", "借方本币", "借方金额本币"),
    "credit": ("credit", "贷方金额", "贷方", "贷方发生额", "本期贷方", "本期贷方发生额", "贷方本币", "贷方金额本币"),
    "invoice_no": ("invoice_no", "发票号", "发票号码"),
    "project_code": ("project_code", "项目编号", "项目代码"),
    # optional columns used by the Article 6 standards checks
    "persons": ("persons", "人数", "参会人数", "参训人数", "出差人数", "专家人数"),
    "days": ("days", "天数", "会期", "出差天数", "住宿天数"),
    "title": ("title", "职称", "专家职称"),
    "consult_mode": ("consult_mode", "咨询方式"),
    "conference_class": ("conference_class", "会议类别"),
    "training_class": ("training_class", "培训类别"),
    "city": ("city", "出差地点", "目的地"),
    "hours": ("hours", "学时"),
    # layout fields: how an export is shaped (never part of an entry)
    "direction": ("借或贷", "方向", "借贷方向", "借/贷", "借贷"),
    "balance": ("余额", "本期余额", "期末余额", "余额本币"),
    "account_code": ("科目编码", "科目代码", "科目编号", "科目号"),
    "project_aux": ("核算项目", "项目", "辅助核算", "辅助项", "项目核算", "辅助核算项目", "核算维度"),
    "voucher_word": ("凭证字", "凭证类别", "凭证类型"),
    "year": ("年",),
    "month": ("月",),
    "day": ("日",),
}

#: every field a header can stand for (what ``columns:`` in a project file or pack may name)
COLUMN_FIELDS = tuple(HEADER_ALIASES)
#: fields the reader uses to shape rows; they are not entry fields
LAYOUT_FIELDS = ("direction", "balance", "account_code", "project_aux", "voucher_word", "year", "month", "day")
DATE_PARTS = ("year", "month", "day")
REQUIRED_COLUMNS = ("date", "category", "amount")

_UNIT = re.compile(r"[(（][^()（）]*[)）]$")


def normalise_header(text: str) -> str:
    s = unicodedata.normalize("NFKC", text).strip().lower()
    s = _UNIT.sub("", s).strip()
    return re.sub(r"\s+", "", s)


def alias_lookup(extra: Mapping[str, tuple[str, ...]] | None = None) -> dict[str, tuple[str, int]]:
    """normalised header -> (field, rank); an office's own headers (``extra``) come first (rank -1)."""
    lookup = {
        normalise_header(alias): (field, rank)
        for field, aliases in HEADER_ALIASES.items()
        for rank, alias in enumerate(aliases)
    }
    for field, headers in (extra or {}).items():
        for header in headers:
            lookup[normalise_header(header)] = (field, -1)
    return lookup


_LOOKUP = alias_lookup()


def map_headers(cells: list[str], lookup: Mapping[str, tuple[str, int]] | None = None) -> dict[str, int]:
    """field -> column index for the header cells; the preferred alias wins, then the leftmost."""
    table = _LOOKUP if lookup is None else lookup
    best: dict[str, tuple[int, int]] = {}
    for index, cell in enumerate(cells):
        hit = table.get(normalise_header(cell))
        if hit is None:
            continue
        field, rank = hit
        if field not in best or (rank, index) < best[field]:
            best[field] = (rank, index)
    return {field: index for field, (_, index) in best.items()}


def missing_required(mapping: Mapping[str, int]) -> list[str]:
    """Required fields the mapping lacks; 年/月/日 columns together stand for the date."""
    return [f for f in REQUIRED_COLUMNS
            if f not in mapping and not (f == "date" and "month" in mapping and "day" in mapping)]
