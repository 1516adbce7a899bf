"""Small helpers shared by tests."""

from __future__ import annotations

from qianqi_rules import Report


def flatten(report: Report) -> set[tuple[int, str]]:
    """(row, rule_id) for every finding: what most tests compare (like frictionless' report.flatten)."""
    return {(row, v.rule_id) for v in report.violations for row in v.rows}
