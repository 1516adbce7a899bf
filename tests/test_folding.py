"""A warning on a row already in error is folded into that error's evidence (issue 17)."""

import datetime as dt
from decimal import Decimal

from qianqi_rules import Checker, check_entries
from qianqi_rules.evaluate.folding import FOLDED
from qianqi_rules.waivers import Waiver

TODAY = dt.date(2026, 1, 15)
# 项目结余资金转至公司基本户 paid to the grantee: QQ1327 (error) with QQ1321 and QQ1351 (warnings) on the same row
IN_ERROR = {"row": 2, "date": "2025-06-01", "category": "其他费用", "amount": "18000", "payee": "北京测试科技有限公司",
            "description": "项目结余资金转至公司基本户"}
# paid to the grantee itself, nothing else wrong: QQ1321 alone
WARNING_ONLY = {"row": 3, "date": "2025-06-02", "category": "其他费用", "amount": "300", "payee": "北京测试科技有限公司",
                "description": "场地使用费"}


def test_warnings_on_a_row_in_error_become_its_evidence(project, pack) -> None:
    report = check_entries([IN_ERROR, WARNING_ONLY], project, pack, today=TODAY)
    on_row_2 = [v for v in report.violations if v.rows == [2]]
    assert [(v.rule_id, v.severity) for v in on_row_2] == [("QQ1327", "error")]
    folded = on_row_2[0].evidence[FOLDED]
    assert {w["rule_id"] for w in folded} == {"QQ1321", "QQ1351"}
    assert all(w["message"] and w["citation"].startswith("第十三条") and w["article"] == 13 for w in folded)
    assert {(w["rule_id"], w["item"]) for w in folded} == {("QQ1321", 2), ("QQ1351", 5)}
    # the row with a warning only keeps it, and the summary counts what is shown
    assert [(v.rule_id, v.severity) for v in report.violations if v.rows == [3]] == [("QQ1321", "warning")]
    shown = [v for v in report.violations if v.severity == "warning"]
    assert report.summary.warnings == len(shown) and report.summary.errors == 1
    assert {v.rule_id for v in shown} == {"QQ1321", "QQ1341"}  # QQ1341: 其他费用 has no budget line, a total
    assert report.summary.clawback_total == Decimal("18000")
    # the JSON report carries the folded warnings
    assert '"folded_warnings"' in report.to_json()


def test_a_waived_error_folds_nothing(project, pack) -> None:
    waiver = Waiver.model_validate({"rule": "QQ1327", "row": 2, "reason": "经批准", "approved_by": "王会计",
                                    "until": dt.date(2026, 12, 31)})
    report = check_entries([IN_ERROR], project, pack, waivers=[waiver], today=TODAY)
    found = {(v.rule_id, v.severity) for v in report.violations}
    assert {("QQ1321", "warning"), ("QQ1351", "warning")} <= found
    assert all(FOLDED not in v.evidence for v in report.violations)


def test_the_checker_lists_every_finding_and_previews_fold(project, pack) -> None:
    checker = Checker(project, pack, today=TODAY)
    preview = checker.check(IN_ERROR, commit=False)
    assert [v.rule_id for v in preview if v.rows == [2] and v.severity != "warning"] == ["QQ1327"]
    assert {w["rule_id"] for w in next(v for v in preview if v.rule_id == "QQ1327").evidence[FOLDED]} == {
        "QQ1321", "QQ1351"}
    assert any(v.rule_id == "QQ1341" for v in preview)  # a total is not folded, even over one row
    checker.add(IN_ERROR)
    assert {"QQ1327", "QQ1321", "QQ1351"} <= {v.rule_id for v in checker.findings()}  # unfolded, for rule tests


def test_a_total_over_several_rows_is_not_folded(project, pack) -> None:
    rows = [{"row": r, "date": "2025-06-01", "category": "其他费用", "amount": "50", "payee": "赵六",
             "description": "北京市内交通费"} for r in (2, 3)]
    report = check_entries(rows, project, pack, today=TODAY)
    assert any(v.rule_id == "QQ1341" and v.rows == [2, 3] for v in report.violations)  # no budget line: kept
