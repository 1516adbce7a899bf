"""A realistic synthetic ledger: Chinese text, all nine categories, a few percent violations.

Descriptions are built from templates with names, places, dates and amounts, so
most are unique (as in real exports) and caches do not flatter the numbers.
"""

from __future__ import annotations

import csv
import random
from pathlib import Path

CATEGORIES = {
    "专家咨询费": ["{place}企业{topic}专家咨询费（外聘，{n}天）", "{topic}方案评审专家咨询费-{name}", "{topic}技术诊断咨询"],
    "劳务费": ["临时聘用试验员劳务费（{month}月）", "研究生{topic}数据采集劳务费{n}天", "临时聘用人员社会保险补助{month}月"],
    "委托业务费": ["委托第三方检测{topic}样品第{n}批", "委托加工{topic}样件{n}件", "委托{place}测试中心{topic}性能测试"],
    "差旅费": ["赴{place}调研高铁票（{name}）", "{place}调研住宿费{n}晚", "赴{place}出差伙食补助费{n}天", "{place}市内交通费"],
    "会议费": ["{topic}研讨会场地费（{place}）", "{topic}研讨会期间工作餐", "{topic}论证会资料印刷费"],
    "培训费": ["企业工程师{topic}培训讲课费", "{topic}操作培训场地费"],
    "档案/出版/文献/信息传播/知识产权事务费": ["发明专利申请代理费（{topic}）", "{topic}文献检索费", "{topic}专用软件许可"],
    "燃料动力费": ["{topic}试验机单独计量电费{month}月", "{topic}测试平台单独计量用气"],
    "其他费用": ["北京市内交通费（打车，{name}）", "国际合作交流费（{topic}线上讲座翻译）", "{topic}样品快递费"],
}
VIOLATIONS = [
    ("其他费用", "招待{place}客户晚餐"), ("其他费用", "项目组员工年终奖（{name}）"), ("其他费用", "购买台式电脑{n}台"),
    ("其他费用", "合同违约金"), ("其他费用", "单位管理费分摊{month}月"), ("其他费用", "购买办公用品"),
    ("差旅费", "{place}调研期间景区门票"), ("燃料动力费", "办公楼空调电费分摊{month}月"), ("招待费", "商务接待"),
    ("其他费用", "为其他课题购买耗材"),
]
#: per-day (per-night) prices, in yuan, of the templates that state days or nights: within the Article 6
#: standards as a real ledger mostly is, so the estimated standards checks fire on the violations only
UNIT_PRICES = {
    "{place}企业{topic}专家咨询费（外聘，{n}天）": (1200, 2400),
    "研究生{topic}数据采集劳务费{n}天": (150, 300),
    "{place}调研住宿费{n}晚": (250, 380),
    "赴{place}出差伙食补助费{n}天": (80, 100),
}
PLACES = ["天津", "宁波", "常州", "苏州", "西安", "成都", "廊坊", "保定", "石家庄", "合肥", "武汉", "长沙"]
TOPICS = ["注塑工艺", "热管理", "电池模组", "算法", "传感器", "材料成分", "控制系统", "质量追溯", "机器视觉", "结构仿真"]
NAMES = ["卢国栋", "邱晓东", "钱国强", "冯雅琴", "周明", "吴小燕", "郑浩", "张一鸣", "高晓峰", "罗振宇", "孙立新"]
PAYEES = NAMES + ["北京材料分析测试中心", "北京友谊宾馆", "国网北京市电力公司", "北京集佳知识产权代理有限公司"]
ROSTER = ["杨帆", "谢婉清", "贺永年"]  # the project's own staff and fiscally funded people: rarely paid

HEADER = ["序号", "日期", "凭证号", "费用科目", "摘要", "收款人", "金额", "发票号", "项目编号"]
PROJECT_CODE = "BJKX-QQ-BENCH"
PROJECT_YAML = f"""code: {PROJECT_CODE}
name: 基准测试项目
grantee: 北京基准科技有限公司
period: {{start: 2025-01-01, end: 2025-12-31}}
budget: {{专家咨询费: 50000000, 劳务费: 50000000, 委托业务费: 50000000, 差旅费: 50000000, 会议费: 1000000,
         培训费: 50000000, 档案/出版/文献/信息传播/知识产权事务费: 50000000, 燃料动力费: 50000000, 其他费用: 50000000}}
staff: [杨帆, 谢婉清]
fiscal_funded: [贺永年]
"""


def money(cents: int) -> str:
    """Cents as a ledger amount: ``-1,234.50``."""
    sign = "-" if cents < 0 else ""
    yuan, fen = divmod(abs(cents), 100)
    return f"{sign}{yuan:,}.{fen:02d}"


def write_ledger(path: Path, rows: int, seed: int = 7, invoice: str | None = None, code: str = PROJECT_CODE) -> None:
    """``rows`` rows; with ``invoice``, every row carries that one invoice number (the worst case for repeats)."""
    rnd = random.Random(seed)
    same_invoice = invoice
    names = list(CATEGORIES)
    invoices: list[str] = []
    with open(path, "w", encoding="utf-8-sig", newline="") as f:
        out = csv.writer(f)
        out.writerow(HEADER)
        for i in range(rows):
            fill = {"place": rnd.choice(PLACES), "topic": rnd.choice(TOPICS), "name": rnd.choice(NAMES),
                    "n": rnd.randint(1, 9), "month": rnd.randint(1, 12)}
            if rnd.random() < 0.03:
                category, template = rnd.choice(VIOLATIONS)
            else:
                category = rnd.choice(names)
                template = rnd.choice(CATEGORIES[category])
            unit = UNIT_PRICES.get(template)
            cents = fill["n"] * rnd.randint(unit[0] * 100, unit[1] * 100) if unit else rnd.randint(1_000, 5_000_000)
            if rnd.random() < 0.01:
                cents = -cents  # refunds
            invoice = ""
            if rnd.random() < 0.6:
                invoice = rnd.choice(invoices) if invoices and rnd.random() < 0.003 else f"2511{rnd.randrange(10**16):016d}"
                invoices.append(invoice)
                if len(invoices) > 1000:
                    invoices.pop(0)
            if same_invoice is not None:
                invoice = same_invoice
            out.writerow([
                i + 1, f"2025-{rnd.randint(1, 12):02d}-{rnd.randint(1, 28):02d}", f"记-{i % 997:03d}", category,
                template.format(**fill), rnd.choice(ROSTER) if rnd.random() < 0.01 else rnd.choice(PAYEES),
                money(cents), invoice, code,
            ])


def write_project(path: Path, code: str = PROJECT_CODE) -> None:
    path.write_text(PROJECT_YAML.replace(PROJECT_CODE, code), encoding="utf-8")
