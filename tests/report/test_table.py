from pathlib import Path

from qianqi_rules import check_ledger
from qianqi_rules.report import render_table

DATA = Path(__file__).parent.parent / "data"


def test_table_groups_by_severity_and_shows_input_errors(project, pack) -> None:
    text = render_table(check_ledger(DATA / "ledger_bad_rows.csv", project, pack))
    assert "无法读取的行：4 处" in text
    assert "2025-06-31" in text
    text = render_table(check_ledger(DATA / "ledger_bom.csv", project, pack))
    errors_at, summary_at = text.index("错误（需追回或更正）"), text.index("合计：")
    assert errors_at < summary_at
    assert "第十条第（一）项" in text and "应追回" in text
    assert "\x1b[" not in text  # no colour codes unless asked
