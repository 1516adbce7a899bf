"""Small helpers shared by tests."""

from __future__ import annotations

from qianqi_rules import Report


def flatten(report: Report) -> set[tuple[int, str]]:
    """(row, rule_id) for every finding: what most tests compare (like frictionless' report.flatten)."""
    return {(row, v.rule_id) for v in report.violations for row in v.rows}


def entry(row: int, category: str, amount: str, **kw) -> dict:
    """One entry of the test project (tests/data/project.yaml) as a mapping; ``kw`` overrides any field."""
    base = {"row": row, "date": "2025-06-01", "category": category, "amount": amount,
            "description": "项目支出", "payee": "赵六", "invoice_no": "", "project_code": "BJKX-QQ-T01"}
    base.update(kw)
    return base
