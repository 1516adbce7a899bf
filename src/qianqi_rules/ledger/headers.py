"""Which ledger column holds which field: the contract's header aliases.

A header matches after removing surrounding spaces, NFKC (full-width → half-width),
lower-casing Latin letters and dropping a trailing unit such as ``（元）``.
"""

from __future__ import annotations

import re
import unicodedata

#: field -> accepted headers, in order of preference when a file has several.
HEADER_ALIASES: dict[str, tuple[str, ...]] = {
    "entry_id": ("entry_id", "序号", "编号", "流水号"),
    "date": ("date", "日期", "凭证日期", "报销日期", "支付日期", "业务日期"),
    "voucher_no": ("voucher_no", "凭证号", "凭证字号", "凭证编号"),
    "category": ("category", "费用科目", "支出科目", "科目", "科目名称", "费用类别", "经费科目"),
    "description": ("description", "摘要", "事由", "用途", "说明"),
    "payee": ("payee", "收款人", "收款单位", "领款人", "收款方"),
    "amount": ("amount", "金额", "报销金额", "支出金额", "借方金额"),
    "credit": ("credit", "贷方金额"),
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
}

REQUIRED_COLUMNS = ("date", "category", "amount")

_UNIT = re.compile(r"[(（][^()（）]*[)）]$")


def normalise_header(text: str) -> str:
    s = unicodedata.normalize("NFKC", text).strip().lower()
    s = _UNIT.sub("", s).strip()
    return re.sub(r"\s+", "", s)


_LOOKUP: dict[str, tuple[str, int]] = {
    normalise_header(alias): (field, rank)
    for field, aliases in HEADER_ALIASES.items()
    for rank, alias in enumerate(aliases)
}


def map_headers(cells: list[str]) -> dict[str, int]:
    """field -> column index for the header cells; the preferred alias wins, then the leftmost."""
    best: dict[str, tuple[int, int]] = {}
    for index, cell in enumerate(cells):
        hit = _LOOKUP.get(normalise_header(cell))
        if hit is None:
            continue
        field, rank = hit
        if field not in best or (rank, index) < best[field]:
            best[field] = (rank, index)
    return {field: index for field, (_, index) in best.items()}


def missing_required(mapping: dict[str, int]) -> list[str]:
    return [f for f in REQUIRED_COLUMNS if f not in mapping]
