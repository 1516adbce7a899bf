"""Amounts no ledger should hold: over the cap, finer than a cent, floats — refused as data, never a crash."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal as D
from pathlib import Path

import pytest
from pydantic import ValidationError

from qianqi_rules import Checker, Entry, EntryError, Project, check_entries, check_ledger
from qianqi_rules.values import MAX_AMOUNT

from ..helpers import entry

HEAD = ["日期", "科目", "摘要", "收款人", "金额", "贷方金额"]

#: beyond what Decimal's 28 digits can format with cents (InvalidOperation), between the cap and that,
#: and the clawback someone was asked to recover
HUGE = ["100000000000000000000000000", "1e26", "100000000000000000000.00", "100,000,000,000,000,000,000.00",
        "1000000000000000.00", "-1000000000000000", "¥100,000,000,000,000,000,000.00", "99999999999999999999999999999.99"]


@pytest.mark.parametrize("amount", HUGE)
def test_a_huge_ledger_amount_is_a_rejected_row_in_either_reader_path(write_csv, pack, project, amount) -> None:
    path = write_csv([HEAD, ["2025-06-01", "其他费用", "员工生日蛋糕", "赵六", amount, ""],
                      ["2025-06-02", "会议费", "场地费", "赵六", "100.00", ""]])
    report = check_ledger(path, project, pack)
    assert [(e.row, e.code) for e in report.input_errors] == [(2, "bad-amount")]
    assert report.summary.clawback_total == 0 and report.summary.spent_total == D("100.00")
    json.loads(report.to_json())  # serialises (it raised PydanticSerializationError)


def test_a_huge_credit_is_rejected_too(write_csv, pack, project) -> None:
    path = write_csv([HEAD, ["2025-06-01", "会议费", "退款", "赵六", "", "100000000000000000000.00"]])
    assert [e.code for e in check_ledger(path, project, pack).input_errors] == ["bad-amount"]


def test_a_huge_xlsx_number_is_rejected(tmp_path: Path, pack, project) -> None:
    openpyxl = pytest.importorskip("openpyxl")
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["日期", "科目", "摘要", "金额"])
    sheet.append(["2025-06-01", "其他费用", "员工生日蛋糕", 1e20])
    sheet.append(["2025-06-02", "其他费用", "员工生日蛋糕", 10**25])
    book.save(tmp_path / "l.xlsx")
    report = check_ledger(tmp_path / "l.xlsx", project, pack)
    assert [(e.row, e.code) for e in report.input_errors] == [(2, "bad-amount"), (3, "bad-amount")]
    assert report.summary.clawback_total == 0


@pytest.mark.parametrize("amount", [D("1e26"), 10**26, "1e26", D("-1E+15"), MAX_AMOUNT, int(MAX_AMOUNT)])
def test_check_entries_refuses_huge_amounts_as_input_errors(pack, project, amount) -> None:
    report = check_entries([entry(2, "其他费用", amount, description="员工生日蛋糕"), entry(3, "会议费", "1.00")],
                           project, pack)
    assert [(e.row, e.code) for e in report.input_errors] == [(2, "bad-amount")]
    assert report.input.rows_rejected == 1
    json.loads(report.to_json())


def test_the_largest_accepted_amount_is_just_under_the_cap(pack, project) -> None:
    report = check_entries([entry(2, "其他费用", "999999999999999.99", description="员工生日蛋糕")], project, pack)
    assert not report.input_errors and report.summary.clawback_total == D("999999999999999.99")
    assert json.loads(report.to_json())["summary"]["clawback_total"] == "999999999999999.99"


def test_entry_model_refuses_huge_sub_cent_and_float_amounts() -> None:
    base = {"row": 2, "entry_id": "2", "date": dt.date(2025, 6, 1), "category": "会议费"}
    for amount, words in [(D("1e26"), "过大"), (10**26, "过大"), (D("1.005"), "精确到分"), ("0.001", "精确到分"),
                          (88.1, "浮点数"), (88.0, "浮点数"), (float("nan"), "浮点数"), (True, "真/假")]:
        with pytest.raises(ValidationError) as info:
            Entry(**base, amount=amount)
        assert words in str(info.value), (amount, str(info.value))
    with pytest.raises(ValidationError, match="浮点数"):
        Entry(**base, amount="10.00", days=1.5)
    assert Entry(**base, amount="1,234.50").amount == D("1234.50")
    assert Entry(**base, amount=D("1.500"), days=D("0.5")).amount == D("1.5")


def test_the_checker_refuses_a_huge_claim_with_the_field(pack, project) -> None:
    with pytest.raises(EntryError, match="amount"):
        Checker(project, pack).check(entry(2, "会议费", D("1e26")), commit=False)


# --- sub-cent amounts ----------------------------------------------------------------------


def test_six_sub_cent_amounts_are_rejected_not_rounded_into_a_total_that_disagrees(write_csv, pack, project) -> None:
    """Six findings shown as 1.01 each made a clawback total of 6.03: such amounts are data errors to see."""
    rows = [HEAD] + [["2025-06-01", "其他费用", "员工生日蛋糕", "赵六", "1.005", ""] for _ in range(6)]
    report = check_ledger(write_csv(rows), project, pack)
    assert [e.code for e in report.input_errors] == ["sub-cent-amount"] * 6
    assert all("精确到分" in e.message and e.value == "1.005" and e.column == "金额" for e in report.input_errors)
    assert report.violations == [] and report.summary.clawback_total == 0


@pytest.mark.parametrize("cells", [["1.005", ""], ["1,234.567", ""], ["¥0.001", ""], ["", "0.125"], ["10.00", "0.001"]])
def test_sub_cent_cells_are_rejected_in_both_reader_paths(write_csv, pack, project, cells) -> None:
    path = write_csv([HEAD, ["2025-06-01", "会议费", "场地费", "赵六", *cells], ["2025-06-02", "会议费", "场地费", "赵六", "1.50", ""]])
    report = check_ledger(path, project, pack)
    assert [(e.row, e.code) for e in report.input_errors] == [(2, "sub-cent-amount")]
    assert report.summary.spent_total == D("1.50")


@pytest.mark.parametrize("amount", ["1.005", D("1.005"), D("0.001"), "-0.125"])
def test_sub_cent_mappings_are_rejected(pack, project, amount) -> None:
    report = check_entries([entry(2, "会议费", amount), entry(3, "会议费", D("1.000"))], project, pack)
    assert [(e.row, e.code) for e in report.input_errors] == [(2, "sub-cent-amount")]
    assert report.summary.spent_total == D("1.00")


# --- rosters -------------------------------------------------------------------------------


def test_a_dots_only_name_in_a_python_built_project_matches_nobody(project) -> None:
    """The project file refuses it; a Project built in Python may still hold one, and it must not match everything."""
    from qianqi_rules.evaluate.parties import ProjectParties

    dotted = Project(**{**project.model_dump(), "staff": (".", "·"), "fiscal_funded": ("·",)})
    parties = ProjectParties(dotted)
    found = parties.named_in("临时聘用人员劳务费（实发）", "赵六")
    assert not found.staff and not found.fiscal_funded
    assert not parties.of("赵六").staff
