import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest

from qianqi_rules import ProjectFileError, load_project

GOOD = """\
code: " bjkx-qq-2025-009 "
name: 精密注塑企业工艺参数优化技术咨询
grantee: 北京精塑智造科技有限公司
period: {start: 2025-04-01, end: "2026/3/31"}
budget:
  专家咨询费: 25000
  差旅: "15,000.50"
staff: [杨帆, "谢 婉清"]
fiscal_funded: [贺永年]
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "project.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_good_project_is_normalised(tmp_path: Path, pack) -> None:
    project = load_project(write(tmp_path, GOOD), pack)
    assert project.code == "BJKX-QQ-2025-009"
    assert project.period_start == dt.date(2025, 4, 1) and project.period_end == dt.date(2026, 3, 31)
    assert project.budget == {"专家咨询费": Decimal("25000"), "差旅费": Decimal("15000.50")}
    assert project.staff == ("杨帆", "谢婉清")
    assert project.fiscal_funded == ("贺永年",)


def test_optional_sections_may_be_left_out(tmp_path: Path, pack) -> None:
    project = load_project(write(tmp_path, "code: A\ngrantee: G\nperiod: {start: 2025-01-01, end: 2025-12-31}\n"), pack)
    assert project.budget is None and project.staff is None and project.fiscal_funded is None


@pytest.mark.parametrize(
    ("text", "line", "fragment"),
    [
        ("code: A\nperiod: {start: 2025-01-01, end: 2025-12-31}\n", 1, "grantee"),
        ("code: A\ngrantee: G\nperiod: {start: 2025-13-01, end: 2025-12-31}\n", 3, "period.start"),
        ("code: A\ngrantee: G\nperiod: {start: 2025-12-01, end: 2025-01-31}\n", 3, "晚于"),
        ("code: A\ngrantee: G\nperiod: {start: 2025-01-01, end: 2025-12-31}\nbudget:\n  招待费: 100\n", 5, "招待费"),
        ("code: A\ngrantee: G\nperiod: {start: 2025-01-01, end: 2025-12-31}\nbudget:\n  会议费: -1\n", 5, "负数"),
        ("code: A\ngrantee: G\nperiod: {start: 2025-01-01, end: 2025-12-31}\nbudget:\n  会议费: abc\n", 5, "金额"),
        ("code: A\ngrantee: G\nperiod: {start: 2025-01-01, end: 2025-12-31}\nstaf: [x]\n", 4, "staff"),
        ("code: A\ngrantee: G\nperiod: {start: 2025-01-01, end: 2025-12-31}\nstaff: 张三\n", 4, "姓名列表"),
        # amounts at or over the cap, and finer than a cent, are the field's fault, not an internal error
        ("code: A\ngrantee: G\nperiod: {start: 2025-01-01, end: 2025-12-31}\nbudget:\n  会议费: 100000000000000000000000000\n",
         5, "会议费 的预算“100000000000000000000000000”过大"),
        ("code: A\ngrantee: G\nperiod: {start: 2025-01-01, end: 2025-12-31}\nbudget:\n  会议费: 1000000000000000\n", 5, "过大"),
        ("code: A\ngrantee: G\nperiod: {start: 2025-01-01, end: 2025-12-31}\nbudget:\n  会议费: 1000.005\n", 5, "精确到分"),
        # a roster name of dots alone matches as "", which every description contains
        ("code: A\ngrantee: G\nperiod: {start: 2025-01-01, end: 2025-12-31}\nstaff:\n  - 张三\n  - .\n", 6, "staff 的第 2 项"),
        ("code: A\ngrantee: G\nperiod: {start: 2025-01-01, end: 2025-12-31}\nfiscal_funded: [\"·\"]\n", 4, "不是姓名"),
        ("code: A\ngrantee: G\nperiod: {start: 2025-01-01, end: 2025-12-31}\nstaff: [\" ・ \"]\n", 4, "不是姓名"),
        ("code: A\ncode: B\ngrantee: G\nperiod: {start: 2025-01-01, end: 2025-12-31}\n", 2, "重复"),
        ("code: [unclosed\n", 2, "YAML"),
        ("!!python/object/apply:os.system [echo hi]\n", 1, "标签"),
    ],
)
def test_bad_project_files_name_the_line(tmp_path: Path, pack, text: str, line: int, fragment: str) -> None:
    with pytest.raises(ProjectFileError) as info:
        load_project(write(tmp_path, text), pack)
    err = info.value
    assert err.position is not None and err.position.line == line, str(err)
    assert fragment in str(err)


def test_missing_project_file(tmp_path: Path, pack) -> None:
    with pytest.raises(ProjectFileError) as info:
        load_project(tmp_path / "none.yaml", pack)
    assert info.value.code == "project-not-found"


ADJUSTED = """\
code: A
grantee: G
period: {start: 2025-01-01, end: 2025-12-31}
budget: {差旅费: 10000, 会议费: 5000}
budget_adjustments:
  - {from: 差旅, to: 会议费, amount: 2000, approved_on: 2025-05-10, reference: 京科协〔2025〕1号}
  - {from: 会议费, to: 劳务费, amount: "500.50", approved_on: "2025/6/1"}
"""


def test_budget_adjustments_give_the_effective_budget(tmp_path: Path, pack) -> None:
    project = load_project(write(tmp_path, ADJUSTED), pack)
    assert [m.from_category for m in project.budget_adjustments] == ["差旅费", "会议费"]
    assert project.budget == {"差旅费": Decimal("10000"), "会议费": Decimal("5000")}
    assert project.effective_budget == {"差旅费": Decimal("8000"), "会议费": Decimal("6499.50"),
                                        "劳务费": Decimal("500.50")}


@pytest.mark.parametrize(
    ("moves", "line", "fragment"),
    [
        ("  - {from: 招待费, to: 会议费, amount: 1, approved_on: 2025-05-10}\n", 6, "招待费"),
        ("  - {from: 差旅费, to: 会议费, amount: 20000, approved_on: 2025-05-10}\n", 6, "负数"),
        ("  - {from: 差旅费, to: 会议费, approved_on: 2025-05-10}\n", 6, "amount"),
        ("  - {from: 差旅费, to: 差旅费, amount: 1, approved_on: 2025-05-10}\n", 6, "同一个科目"),
        ("  - {from: 差旅费, to: 会议费, amount: 1, approved_on: 2025-05-10, by: me}\n", 6, "by"),
        ("  - {from: 差旅费, to: 会议费, amount: 0.005, approved_on: 2025-05-10}\n", 6, "精确到分"),
        ("  - {from: 差旅费, to: 会议费, amount: 100000000000000000000000000, approved_on: 2025-05-10}\n", 6, "过大"),
    ],
)
def test_bad_budget_adjustments_name_the_line(tmp_path: Path, pack, moves, line, fragment) -> None:
    text = ADJUSTED.split("budget_adjustments:\n")[0] + "budget_adjustments:\n" + moves
    with pytest.raises(ProjectFileError) as info:
        load_project(write(tmp_path, text), pack)
    assert info.value.position.line == line, str(info.value)
    assert fragment in str(info.value)
