"""What the web page shows, worked out from a finished Report: filtered findings, the budget chart.

Pure functions over the report and the officers' reviews; the templates only lay them out.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from .. import Citation, Report, RulePack, Violation

SEVERITY_LABELS = {"error": "错误", "warning": "警告", "info": "提示"}
REVIEW_LABELS = {"confirmed": "已确认", "dismissed": "已排除", "waived": "已豁免"}


def finding_key(v: Violation) -> str:
    """A finding's identity across re-checks of the same upload: its rule and rows."""
    return f"{v.rule_id}:{','.join(str(r) for r in v.rows)}"


@dataclass(frozen=True)
class Filters:
    severity: str = ""
    article: str = ""
    category: str = ""
    row: str = ""

    def keep(self, v: Violation) -> bool:
        if self.severity and v.severity != self.severity:
            return False
        if self.article and str(v.citation.article) != self.article:
            return False
        if self.category and self.category not in categories_of(v):
            return False
        if self.row.strip():
            try:
                return int(self.row) in v.rows
            except ValueError:
                return False
        return True

    def query(self) -> dict[str, str]:
        return {k: v for k, v in vars(self).items() if v}


def categories_of(v: Violation) -> set[str]:
    return {e.category for e in v.entries} or ({v.evidence["category"]} if "category" in v.evidence else set())


def finding_rows(report: Report, reviews: dict[str, dict[str, Any]], filters: Filters) -> list[dict[str, Any]]:
    out = []
    for index, v in enumerate(report.violations):
        if not filters.keep(v):
            continue
        review = reviews.get(finding_key(v))
        out.append({
            "index": index, "v": v, "severity": SEVERITY_LABELS.get(v.severity, v.severity),
            "categories": "、".join(sorted(categories_of(v))),
            "rows": "、".join(str(r) for r in v.rows[:8]) + (" …" if len(v.rows) > 8 else ""),
            "review": REVIEW_LABELS.get(review["status"], "") if review else "",
        })
    return out


def filter_choices(report: Report) -> dict[str, list[tuple[str, str]]]:
    articles = sorted({v.citation.article for v in report.violations})
    categories = sorted({c for v in report.violations for c in categories_of(v)})
    return {
        "severity": [(k, SEVERITY_LABELS[k]) for k in ("error", "warning", "info")
                     if any(v.severity == k for v in report.violations)],
        "article": [(str(a), citation_label(a)) for a in articles],
        "category": [(c, c) for c in categories],
    }


def citation_label(article: int) -> str:
    return Citation(article=article).text


def article_text(pack: RulePack, article: int, item: int | None) -> list[str]:
    """The regulation's words for a citation: the article's lead sentence and the item, or all items."""
    found = pack.regulation.get(article)
    if found is None:
        return []
    if item is None:
        return [found.text, *found.items.values()]
    return [t for t in (found.text, found.items.get(item, "")) if t]


def rule_of(pack: RulePack, rule_id: str):  # noqa: ANN201 - a Rule or None
    return next((r for r in pack.rules if r.id == rule_id), None)


def budget_chart(report: Report) -> dict[str, Any]:
    """Bars for the Article 14 budget execution: spent against the adjusted budget, 100 % marked."""
    lines = [b for b in report.budget if b.adjusted or b.spent]
    top = max([Decimal(100)] + [_percent(b) for b in lines]).min(Decimal(250))
    bar_h, gap, label_w, width = 22, 10, 230, 760
    plot_w = width - label_w - 90
    bars = []
    for i, b in enumerate(lines):
        pct = _percent(b)
        shown = min(pct, top)
        bars.append({
            "y": i * (bar_h + gap), "label": _short(b.category), "name": b.category, "w": int(plot_w * shown / top),
            "pct": f"{pct:.1f}%" if b.adjusted else "无预算", "over": pct > 100 or not b.adjusted,
        })
    return {"bars": bars, "height": len(bars) * (bar_h + gap) + 24, "width": width, "label_w": label_w,
            "bar_h": bar_h, "mark": label_w + int(plot_w * 100 / top), "plot_w": plot_w}


def _short(label: str, limit: int = 12) -> str:
    return label if len(label) <= limit else label[:limit - 1] + "…"


def _percent(b) -> Decimal:  # noqa: ANN001 - a BudgetLine
    if not b.adjusted:
        return Decimal(100) if b.spent else Decimal(0)
    return (Decimal(b.spent) * 100 / Decimal(b.adjusted)).quantize(Decimal("0.1"))


#: Chinese names of the evidence a finding carries (the values that fired); a key not listed is shown as it is
EVIDENCE_LABELS = {
    "standard": "开支标准", "source": "标准出处", "unit": "单位", "rate": "标准", "basis": "计算口径", "title": "职称",
    "per_person_paid": "每人实付", "per_person_compared": "每人比较金额", "per_person_allowed": "每人允许",
    "per_person_tax": "每人预扣个税", "figure": "比较数值", "excess": "超出部分", "payee": "收款人",
    "payee_is_grantee": "收款人是受资助单位", "payee_is_staff": "收款人是本单位工作人员",
    "payee_is_fiscal_funded": "收款人是财政供养人员", "payee_in_grantee": "收款人属于受资助单位",
    "key": "重复的值", "first_row": "首次出现的行", "count": "次数", "repeats": "重复部分", "total": "合计",
    "limit": "上限", "budget": "预算", "already_recovered": "已计入追回", "matched": "命中的词",
    "mentions": "摘要提到", "category": "科目", "category_raw": "台账中的科目", "description": "摘要",
    "project_code": "项目编号", "date": "日期", "amount": "金额", "invoice_no": "发票号",
    "estimated_from": "估算依据", "refunded": "已退回", "refunded_by": "退回所在行",
    "description_names_staff": "摘要提到本单位工作人员", "description_names_fiscal_funded": "摘要提到财政供养人员",
}


def evidence_rows(evidence: dict[str, Any]) -> list[tuple[str, str]]:
    """(label, value) pairs: booleans as 是/否, word families as 族：词."""
    out = []
    for key, value in evidence.items():
        if isinstance(value, bool):
            shown = "是" if value else "否"
        elif isinstance(value, dict):
            shown = "；".join(f"{k}：{'、'.join(map(str, v)) if isinstance(v, list) else v}" for k, v in value.items())
        elif isinstance(value, list):
            shown = "、".join(map(str, value))
        else:
            shown = str(value)
        label = EVIDENCE_LABELS.get(key)
        out.append((f"{label}（{key}）" if label else key, shown))
    return out
