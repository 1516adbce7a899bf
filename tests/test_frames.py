"""DataFrames in, findings out: the same findings as the ledger file, money exact, no row dropped."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

pd = pytest.importorskip("pandas", reason="pandas is not installed (it comes with the test extra)")

from qianqi_rules import check_ledger, load_project  # noqa: E402
from qianqi_rules.ledger import SkippedRow, read_ledger  # noqa: E402
from qianqi_rules.frames import FINDING_COLUMNS, SPARK_SCHEMA, check_batches, check_frame, report_rows  # noqa: E402

REPO = Path(__file__).parent.parent
LEDGER = REPO / "examples" / "ledger.csv"


@pytest.fixture(scope="module")
def project(pack):
    return load_project(REPO / "examples" / "project.yaml", pack)


def _file_rows(pack, project) -> list[dict]:
    return report_rows(check_ledger(LEDGER, project, pack))


def _key(rows) -> list[tuple]:
    def plain(v):
        return None if v is None or (isinstance(v, float) and v != v) else v

    return sorted((r["kind"], int(r["row"]), r["rule_id"], plain(r["amount"]), plain(r["clawback"])) for r in rows)


def _ledger_frame(**read) -> "pd.DataFrame":
    """The example ledger as a frame of its entry rows (the lines the reader skips — totals, blanks — left out)."""
    frame = pd.read_csv(LEDGER, encoding="utf-8-sig", **read)
    frame.insert(0, "row", range(2, len(frame) + 2))  # the file's own row numbers
    skipped = {r.row for r in read_ledger(LEDGER).rows() if isinstance(r, SkippedRow)}
    return frame[~frame["row"].isin(skipped)].reset_index(drop=True)


def test_a_frame_read_as_text_gives_the_ledgers_findings(pack, project) -> None:
    frame = _ledger_frame(dtype=str, keep_default_na=False)
    found = check_frame(frame, project, pack)
    assert list(found.columns) == [name for name, _ in FINDING_COLUMNS]
    assert _key(found.to_dict("records")) == _key(_file_rows(pack, project))


def test_pandas_floats_keep_money_exact(pack, project) -> None:
    frame = _ledger_frame(thousands=",")  # amounts become float64, as pandas reads them by default
    assert frame["金额"].dtype.kind == "f"
    found = check_frame(frame, project, pack)
    assert _key(found.to_dict("records")) == _key(_file_rows(pack, project))
    clawback = sum(Decimal(c) for c in found["clawback"].dropna())
    assert clawback == sum(Decimal(r["clawback"]) for r in _file_rows(pack, project) if r["clawback"])


def test_map_in_pandas_batches_give_the_same_findings_as_one_frame(pack, project) -> None:
    frame = _ledger_frame(dtype=str, keep_default_na=False)
    frame["项目编号"] = project.code
    stray = frame.iloc[:2].copy()
    stray["项目编号"] = "NO-SUCH"
    batches = [frame.iloc[:7], stray, frame.iloc[7:]]
    out = list(check_batches(batches, {project.code: project}, pack))
    whole = pd.concat(out, ignore_index=True)
    mine = whole[whole["project_code"] == project.code]
    assert _key(mine.to_dict("records")) == _key(check_frame(frame, project, pack).to_dict("records"))
    lost = whole[whole["project_code"] == "NO-SUCH"]
    assert sorted(lost["row"]) == [2, 3] and set(lost["rule_id"]) == {"unknown-project"}


def test_the_spark_schema_names_every_column() -> None:
    assert SPARK_SCHEMA.split(", ")[0] == "kind string"
    assert len(SPARK_SCHEMA.split(", ")) == len(FINDING_COLUMNS)
