"""The names a rule condition may use, their types, and what each one needs.

Conditions are type-checked against these tables when the pack loads, so a
misspelt field (``payye``) or a comparison of text with a number is a load
error, not a silent miss.  Entry symbols that come from optional ledger
columns name that column: a rule using them does not run on a ledger without it.
"""

from __future__ import annotations

from rule_engine import DataType

_PROJECT_ATTRIBUTES = {
    "code": DataType.STRING,
    "name": DataType.STRING,
    "grantee": DataType.STRING,
    "start": DataType.DATETIME,
    "end": DataType.DATETIME,
    "budget": DataType.MAPPING(DataType.STRING, DataType.FLOAT),
    "staff": DataType.SET(DataType.STRING),
    "fiscal_funded": DataType.SET(DataType.STRING),
}

#: The project, seen from a condition as ``project.staff``, ``project.budget[category]`` …
PROJECT_TYPE = DataType.OBJECT("Project", _PROJECT_ATTRIBUTES, accessor=lambda value, name: value[name])

#: Project attributes that a project file may leave out (the rule then does not run).
OPTIONAL_PROJECT_ATTRIBUTES = {
    "budget": "budget（各科目批复预算）",
    "staff": "staff（受资助单位工作人员名单）",
    "fiscal_funded": "fiscal_funded（财政供养人员名单）",
}

#: Symbols of a per-entry condition.
ENTRY_SYMBOLS = {
    "row": DataType.FLOAT,
    "entry_id": DataType.STRING,
    "date": DataType.DATETIME,
    "voucher_no": DataType.STRING,
    "category": DataType.STRING,
    "category_raw": DataType.STRING,
    "fundable": DataType.BOOLEAN,
    "description": DataType.STRING,
    "payee": DataType.STRING,
    "payee_is_staff": DataType.BOOLEAN,
    "payee_is_fiscal_funded": DataType.BOOLEAN,
    "payee_is_grantee": DataType.BOOLEAN,
    "payee_in_grantee": DataType.BOOLEAN,
    "description_names_staff": DataType.BOOLEAN,
    "description_names_fiscal_funded": DataType.BOOLEAN,
    "paid_to_staff": DataType.BOOLEAN,
    "amount": DataType.FLOAT,
    "invoice_no": DataType.STRING,
    "project_code": DataType.STRING,
    "mentions": DataType.SET(DataType.STRING),
    "payee_mentions": DataType.SET(DataType.STRING),
    "category_groups": DataType.SET(DataType.STRING),
    "project": PROJECT_TYPE,
}

#: Entry symbols derived from another one: the evidence of a finding shows the value they were read from too.
DERIVED_FROM = {
    "payee_is_staff": "payee",
    "payee_is_fiscal_funded": "payee",
    "payee_is_grantee": "payee",
    "payee_in_grantee": "payee",
    "description_names_staff": "description",
    "description_names_fiscal_funded": "description",
}

#: Entry symbols that need an optional ledger column (a derived symbol needs the column it is read from).
SYMBOL_COLUMNS = {
    "voucher_no": "voucher_no",
    "description": "description",
    "mentions": "description",
    "payee": "payee",
    "payee_mentions": "payee",
    "invoice_no": "invoice_no",
    "project_code": "project_code",
    **DERIVED_FROM,
}

#: Entry symbols that read a roster of the project file (the rule does not run without it).
SYMBOL_PROJECT_FIELDS = {
    "payee_is_staff": "staff",
    "payee_is_fiscal_funded": "fiscal_funded",
    "description_names_staff": "staff",
    "description_names_fiscal_funded": "fiscal_funded",
}

#: Symbols of a group condition (``when`` and ``limit`` of an aggregate rule).
GROUP_SYMBOLS = {
    "key": DataType.STRING,
    "total": DataType.FLOAT,
    "count": DataType.FLOAT,
    "project": PROJECT_TYPE,
}

#: What each symbol means, for error hints and the docs.
SYMBOL_HELP = {
    "row": "表格行号",
    "entry_id": "序号/编号",
    "date": "日期",
    "voucher_no": "凭证号",
    "category": "费用科目（已归一为第十条的名称；不属于九类时为原文）",
    "category_raw": "费用科目原文",
    "fundable": "科目是否属于第十条九类之一",
    "description": "摘要",
    "payee": "收款人（已去除空白）",
    "payee_is_staff": "收款人中有受资助单位工作人员（名单 project.staff；认得“王伟等2人”“张三、李四”“马丽娟老师”、有无间隔点）",
    "payee_is_fiscal_funded": "收款人中有财政供养人员（名单 project.fiscal_funded，认法同上）",
    "payee_is_grantee": "收款人是受资助单位自身（全称、简称如“华芯智测”“华芯智测公司”，或“本公司”“本单位”）",
    "payee_in_grantee": "收款人是受资助单位的部门、分支机构（“……公司上海分公司”“华芯智测测试事业部”）",
    "description_names_staff": "摘要中写了工作人员名单上的名字（收款人本人的名字除外），如“劳务费（实发 陈雨桐）”",
    "description_names_fiscal_funded": "摘要中写了财政供养人员名单上的名字（收款人本人的名字除外）",
    "paid_to_staff": "钱付给了工作人员名单上的人（收款人，或摘要写明的实际收款人）；没有名单或收款人时为假，用它的规则照常运行",
    "amount": "金额（借方 − 贷方，退款为负）",
    "invoice_no": "发票号",
    "project_code": "该行的项目编号",
    "mentions": "摘要中出现的词族名称集合（见 terms.yaml）",
    "payee_mentions": "收款人名称中出现的词族名称集合（如“餐饮企业”：收款方是饭馆）",
    "category_groups": "科目所属的科目组（categories.yaml 的 category_groups，如“服务类”）",
    "project": "项目文件：project.code / grantee / start / end / budget / staff / fiscal_funded",
    "key": "分组的键（如科目名称）或重复的键（如发票号）",
    "total": "分组金额合计",
    "count": "分组的条目数",
}
