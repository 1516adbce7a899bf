"""A blind reviewer's export files (tests/data/exports/review/): labels written from the regulation and
the software's export shapes before the tool was run on them once.

First run (recorded in the CHANGELOG): 6 of 10 files read fully right; since then every file below is
read to the cent, except the multi-column ledger (多栏账), which is refused with what to export instead.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
import yaml

from qianqi_rules import check_ledger, load_project, load_rules
from qianqi_rules.errors import LedgerFileError
from qianqi_rules.ledger import RawRow, read_ledger
from qianqi_rules.pipeline import ledger_layout

REVIEW = Path(__file__).parent.parent / "data" / "exports" / "review"
LABELS = yaml.safe_load((REVIEW / "labels.yaml").read_text(encoding="utf-8"))
NINE = ("专家咨询费", "劳务费", "委托业务费", "差旅费", "会议费", "培训费", "档案/出版/文献/信息传播/知识产权事务费",
        "燃料动力费", "其他费用")
REFUSED = {"F04_KIS_研发支出多栏账.xlsx": "ledger-multicolumn"}


@pytest.fixture(scope="module")
def pack():
    return load_rules()


@pytest.fixture(scope="module")
def project(pack):
    return load_project(REVIEW / "project.yaml", pack)


@pytest.mark.parametrize("name", sorted(n for n in LABELS if n not in REFUSED))
def test_review_export_is_read_to_the_cent(name: str, pack, project) -> None:
    label = LABELS[name]
    report = check_ledger(REVIEW / name, project, pack)
    spent = {line.category: line.spent for line in report.budget}
    assert {c: spent.get(c, Decimal(0)) for c in NINE} == {c: Decimal(label["spent"][c]) for c in NINE}
    money = report.input.money
    assert money is not None
    assert money.debit_total == Decimal(label["debit_total_all_rows_incl_subtotals"])
    assert money.credit_total == Decimal(label["credit_total_all_rows_incl_subtotals"])
    assert not report.input_errors
    ledger = read_ledger(REVIEW / name, None, ledger_layout(pack, project))
    entries = [r.row for r in ledger.rows() if isinstance(r, RawRow)]
    assert entries == sorted(label["rows_entries_to_check"])


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_review_export_that_cannot_be_judged_row_by_row_is_refused(name: str, pack, project) -> None:
    with pytest.raises(LedgerFileError) as caught:
        check_ledger(REVIEW / name, project, pack)
    assert caught.value.code == REFUSED[name]
