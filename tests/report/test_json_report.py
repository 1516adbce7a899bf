"""The JSON report keeps to the contract: field names, money as two-place strings, integer citations."""

import json
import re
from pathlib import Path

from qianqi_rules import check_ledger
from qianqi_rules.report import render_json

DATA = Path(__file__).parent.parent / "data"
MONEY = re.compile(r"^-?\d+\.\d{2}$")


def test_contract_shape(project, pack) -> None:
    doc = json.loads(render_json(check_ledger(DATA / "ledger_bom.csv", project, pack)))
    assert set(doc["input"]) >= {"path", "sha256", "rows_total", "rows_checked", "rows_rejected", "rows_skipped"}
    assert set(doc["summary"]) >= {"errors", "warnings", "clawback_total"}
    assert MONEY.match(doc["summary"]["clawback_total"])
    for v in doc["violations"]:
        assert set(v) >= {"rule_id", "severity", "citation", "rows", "message", "amount", "clawback"}
        assert v["severity"] in ("error", "warning", "info")
        assert isinstance(v["citation"]["article"], int)
        assert v["citation"]["item"] is None or isinstance(v["citation"]["item"], int)
        assert all(isinstance(r, int) for r in v["rows"])
        assert MONEY.match(v["amount"])
        assert v["clawback"] is None or MONEY.match(v["clawback"])
    expert = next(v for v in doc["violations"] if v["rule_id"] == "QQ1010")
    assert expert["citation"] == {"article": 10, "item": 1, "text": "第十条第（一）项"}
    assert expert["clawback"] == "800.00"


def test_json_keeps_chinese_readable(project, pack) -> None:
    text = render_json(check_ledger(DATA / "ledger_bom.csv", project, pack))
    assert "专家咨询费" in text and "\\u" not in text
