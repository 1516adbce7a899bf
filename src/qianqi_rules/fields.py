"""The one catalogue of ledger fields: what each is called, which headers stand for it, what kind it is.

Every other table of fields is derived from :data:`FIELDS`: the contract's
entry fields (:mod:`.models`), the header aliases the reader matches
(:mod:`.ledger.headers`), the Chinese labels in messages (a missing column,
a standard's missing value) and the fields examples and ``columns:`` may name.

Kinds: ``required`` (every entry has it), ``id`` and ``money`` (always read
when present), ``text`` (optional columns some rules need), ``standard``
(the Article 6 columns) and ``layout`` (how an export is shaped; never part
of an entry: ``direction`` 借或贷, ``balance`` 余额, ``account_code`` 科目编码,
``project_aux`` 核算项目, ``voucher_word`` 凭证字 and the date parts ``year`` /
``month`` / ``day`` of exports that give 年 | 月 | 日 as columns).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Field:
    name: str
    kind: str  # required | id | money | text | standard | layout
    #: the Chinese name shown to a finance officer
    label: str
    #: the headers that stand for it, in order of preference when a file has several
    headers: tuple[str, ...]


def _f(name: str, kind: str, label: str, *headers: str) -> Field:
    return Field(name, kind, label, headers)


#: in the contract's order (entries, then layout fields)
FIELDS: dict[str, Field] = {f.name: f for f in (
    _f("entry_id", "id", "序号", "entry_id", "序号", "编号", "流水号"),
    _f("date", "required", "日期", "date", "日期", "凭证日期", "报销日期", "支付日期", "业务日期", "制单日期", "记账日期"),
    _f("voucher_no", "text", "凭证号", "voucher_no", "凭证号", "凭证字号", "凭证编号", "凭证号数", "凭证号码"),
    _f("category", "required", "费用科目", "category", "费用科目", "支出科目", "科目", "科目名称", "费用类别", "经费科目",
       "会计科目", "科目全名", "科目全称"),
    _f("description", "text", "摘要", "description", "摘要", "事由", "用途", "说明"),
    _f("payee", "text", "收款人", "payee", "收款人", "收款单位", "领款人", "收款方"),
    _f("amount", "required", "金额", "amount", "金额", "报销金额", "支出金额", "借方金额", "借方", "借方发生额", "本期借方",
       "本期借方发生额", "借方本币", "借方金额本币"),
    _f("credit", "money", "贷方金额", "credit", "贷方金额", "贷方", "贷方发生额", "本期贷方", "本期贷方发生额", "贷方本币",
       "贷方金额本币"),
    _f("invoice_no", "text", "发票号", "invoice_no", "发票号", "发票号码"),
    _f("project_code", "text", "项目编号", "project_code", "项目编号", "项目代码"),
    _f("persons", "standard", "人数", "persons", "人数", "参会人数", "参训人数", "出差人数", "专家人数"),
    _f("days", "standard", "天数", "days", "天数", "会期", "出差天数", "住宿天数"),
    _f("title", "standard", "职称", "title", "职称", "专家职称"),
    _f("consult_mode", "standard", "咨询方式", "consult_mode", "咨询方式"),
    _f("conference_class", "standard", "会议类别", "conference_class", "会议类别"),
    _f("training_class", "standard", "培训类别", "training_class", "培训类别"),
    _f("city", "standard", "出差地点", "city", "出差地点", "目的地"),
    _f("hours", "standard", "学时", "hours", "学时"),
    _f("direction", "layout", "借或贷", "借或贷", "方向", "借贷方向", "借/贷", "借贷"),
    _f("balance", "layout", "余额", "余额", "本期余额", "期末余额", "余额本币"),
    _f("account_code", "layout", "科目编码", "科目编码", "科目代码", "科目编号", "科目号"),
    _f("project_aux", "layout", "核算项目", "核算项目", "项目", "辅助核算", "辅助项", "项目核算", "辅助核算项目", "核算维度"),
    _f("voucher_word", "layout", "凭证字", "凭证字", "凭证类别", "凭证类型"),
    _f("year", "layout", "年", "年"),
    _f("month", "layout", "月", "月"),
    _f("day", "layout", "日", "日"),
)}


def of_kind(*kinds: str) -> tuple[str, ...]:
    """The names of the fields of these kinds, in catalogue order."""
    return tuple(name for name, f in FIELDS.items() if f.kind in kinds)


def column_label(name: str) -> str:
    """``payee`` → ``收款人（payee）``: how a missing column is named to a finance officer."""
    field = FIELDS.get(name)
    return f"{field.label if field else name}（{name}）"
