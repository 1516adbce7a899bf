"""The same inputs give byte-identical JSON; the order of the rows does not change the findings."""

from __future__ import annotations

import csv
import io
import json
import random
from contextlib import redirect_stdout
from pathlib import Path

from qianqi_rules.cli import main

REPO = Path(__file__).parent.parent.parent
EXAMPLE = REPO / "examples" / "ledger.csv"
PROJECT = str(REPO / "examples" / "project.yaml")


def json_report(path: Path, *extra: str) -> str:
    out = io.StringIO()
    with redirect_stdout(out):
        main(["check", str(path), "--project", PROJECT, "--format", "json", "--today", "2026-01-01", *extra])
    return out.getvalue()


def test_same_inputs_same_bytes() -> None:
    assert json_report(EXAMPLE) == json_report(EXAMPLE)


def findings_by_entry(text: str) -> set[tuple]:
    """Row numbers move when rows are shuffled; entry ids, money and messages without row numbers do not."""
    report = json.loads(text)
    out = set()
    for v in report["violations"]:
        ids = tuple(sorted(e["entry_id"] for e in v["entries"]))
        key = v["evidence"].get("key", "") if not ids else ""
        out.add((v["rule_id"], v["severity"], ids, key, v["amount"], v["clawback"]))
    return out


def test_row_order_does_not_change_the_findings(tmp_path: Path) -> None:
    rows = list(csv.reader(EXAMPLE.open(encoding="utf-8-sig", newline="")))
    header, body = rows[0], rows[1:]
    expected = findings_by_entry(json_report(EXAMPLE))
    summary = json.loads(json_report(EXAMPLE))["summary"]
    rnd = random.Random(3)
    for attempt in range(5):
        rnd.shuffle(body)
        path = tmp_path / f"shuffled{attempt}.csv"
        with path.open("w", encoding="utf-8-sig", newline="") as f:
            csv.writer(f).writerows([header, *body])
        text = json_report(path)
        assert findings_by_entry(text) == expected
        assert json.loads(text)["summary"] == summary
