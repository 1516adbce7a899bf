"""The names a rule condition may use, their types, and what each one needs.

Conditions are type-checked against these tables when the pack loads, so a
misspelt field (``payye``) or a comparison of text with a number is a load
error, not a silent miss.  Entry symbols that come from optional ledger
columns name that column: a rule using them does not run on a ledger without it.

Types are written as names (``"STRING"``, ``"WORDS"`` …) and turned into
rule-engine's types only when a table of them is asked for
(``ENTRY_SYMBOLS``, ``GROUP_SYMBOLS``, ``PROJECT_TYPE``): the evaluator reads
the other tables here without importing rule-engine (see :mod:`.cache`).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

_PROJECT_ATTRIBUTES = {
    "code": "STRING",
    "name": "STRING",
    "grantee": "STRING",
    "start": "DATETIME",
    "end": "DATETIME",
    "budget": "BUDGET",
    "staff": "WORDS",
    "fiscal_funded": "WORDS",
}


#: Project attributes that a project file may leave out (the rule then does not run).
OPTIONAL_PROJECT_ATTRIBUTES = {
    "budget": "budget（各科目批复预算）",
    "staff": "staff（受资助单位工作人员名单）",
    "fiscal_funded": "fiscal_funded（财政供养人员名单）",
}

@dataclass(frozen=True)
class Symbol:
    """A name a condition may use: its type, what it means, and what it needs to run."""

    name: str
    type: Any
    help: str
    #: the optional ledger column it is read from (a rule using it does not run on a ledger without it)
    column: str | None = None
    #: the entry symbol it is derived from (the evidence of a finding shows that value too)
    derived_from: str | None = None
    #: the roster of the project file it reads (the rule does not run without it)
    project_field: str | None = None


def _s(name: str, type_: Any, help_: str, *, column: str | None = None, derived_from: str | None = None,
       project_field: str | None = None) -> Symbol:
    return Symbol(name, type_, help_, column or derived_from, derived_from, project_field)


_STRING, _FLOAT, _BOOL, _DATE, _WORDS = "STRING", "FLOAT", "BOOLEAN", "DATETIME", "WORDS"
PROJECT = "PROJECT"

#: The one catalogue of a per-entry condition's symbols; the tables below are derived from it.
ENTRY_CATALOGUE: tuple[Symbol, ...] = (
    _s("row", _FLOAT, "表格行号"),
    _s("entry_id", _STRING, "序号/编号"),
    _s("date", _DATE, "日期"),
    _s("voucher_no", _STRING, "凭证号", column="voucher_no"),
    _s("category", _STRING, "费用科目（已归一为第十条的名称；不属于九类时为原文）"),
    _s("category_raw", _STRING, "费用科目原文"),
    _s("fundable", _BOOL, "科目是否属于第十条九类之一"),
    _s("description", _STRING, "摘要", column="description"),
    _s("payee", _STRING, "收款人（已去除空白）", column="payee"),
    _s("payee_is_staff", _BOOL,
       "收款人中有受资助单位工作人员（名单 project.staff；认得“王伟等2人”“张三、李四”“马丽娟老师”、有无间隔点）",
       derived_from="payee", project_field="staff"),
    _s("payee_is_fiscal_funded", _BOOL, "收款人中有财政供养人员（名单 project.fiscal_funded，认法同上）",
       derived_from="payee", project_field="fiscal_funded"),
    _s("payee_is_grantee", _BOOL, "收款人是受资助单位自身（全称、简称如“华芯智测”“华芯智测公司”，或“本公司”“本单位”）",
       derived_from="payee"),
    _s("payee_in_grantee", _BOOL, "收款人是受资助单位的部门、分支机构（“……公司上海分公司”“华芯智测测试事业部”）",
       derived_from="payee"),
    _s("description_names_staff", _BOOL, "摘要中写了工作人员名单上的名字（收款人本人的名字除外），如“劳务费（实发 陈雨桐）”",
       derived_from="description", project_field="staff"),
    _s("description_names_fiscal_funded", _BOOL, "摘要中写了财政供养人员名单上的名字（收款人本人的名字除外）",
       derived_from="description", project_field="fiscal_funded"),
    _s("paid_to_staff", _BOOL,
       "钱付给了工作人员名单上的人（收款人，或摘要写明的实际收款人）；没有名单或收款人时为假，用它的规则照常运行"),
    _s("amount", _FLOAT, "金额（借方 − 贷方，退款为负）"),
    _s("invoice_no", _STRING, "发票号", column="invoice_no"),
    _s("project_code", _STRING, "该行的项目编号", column="project_code"),
    _s("mentions", _WORDS, "摘要中出现的词族名称集合（见 terms.yaml）", column="description"),
    _s("payee_mentions", _WORDS, "收款人名称中出现的词族名称集合（如“餐饮企业”：收款方是饭馆）", column="payee"),
    _s("category_groups", _WORDS, "科目所属的科目组（categories.yaml 的 category_groups，如“服务类”）"),
    _s("project", PROJECT, "项目文件：project.code / grantee / start / end / budget / staff / fiscal_funded"),
)

#: The catalogue of a group condition's symbols (``when`` and ``limit`` of an aggregate rule).
GROUP_CATALOGUE: tuple[Symbol, ...] = (
    _s("key", _STRING, "分组的键（如科目名称）或重复的键（如发票号）"),
    _s("total", _FLOAT, "分组金额合计"),
    _s("count", _FLOAT, "分组的条目数"),
    _s("project", PROJECT, ENTRY_CATALOGUE[-1].help),
)

#: Entry symbols derived from another one: the evidence of a finding shows the value they were read from too.
DERIVED_FROM = {s.name: s.derived_from for s in ENTRY_CATALOGUE if s.derived_from}
#: Entry symbols that need an optional ledger column (a derived symbol needs the column it is read from).
SYMBOL_COLUMNS = {s.name: s.column for s in ENTRY_CATALOGUE if s.column}
#: Entry symbols that read a roster of the project file (the rule does not run without it).
SYMBOL_PROJECT_FIELDS = {s.name: s.project_field for s in ENTRY_CATALOGUE if s.project_field}
#: What each symbol means, for error hints and the docs.
SYMBOL_HELP = {s.name: s.help for s in (*ENTRY_CATALOGUE, *GROUP_CATALOGUE)}


@cache
def rule_engine_type(name: str) -> Any:
    """rule-engine's type for a type name of the catalogues."""
    from rule_engine import DataType

    if name == PROJECT:  # the project, seen from a condition as ``project.staff``, ``project.budget[category]`` …
        attributes = {k: rule_engine_type(v) for k, v in _PROJECT_ATTRIBUTES.items()}
        return DataType.OBJECT("Project", attributes, accessor=lambda value, name: value[name])
    if name == "WORDS":
        return DataType.SET(DataType.STRING)
    if name == "BUDGET":
        return DataType.MAPPING(DataType.STRING, DataType.FLOAT)
    return getattr(DataType, name)


@cache
def _tables() -> dict[str, Any]:
    return {
        #: Symbols of a per-entry condition.
        "ENTRY_SYMBOLS": {s.name: rule_engine_type(s.type) for s in ENTRY_CATALOGUE},
        #: Symbols of a group condition.
        "GROUP_SYMBOLS": {s.name: rule_engine_type(s.type) for s in GROUP_CATALOGUE},
        "PROJECT_TYPE": rule_engine_type(PROJECT),
    }


def __getattr__(name: str) -> Any:  # the typed tables, built (and rule-engine imported) on first use
    if name in ("ENTRY_SYMBOLS", "GROUP_SYMBOLS", "PROJECT_TYPE"):
        return _tables()[name]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
