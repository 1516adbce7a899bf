"""Hostile workbooks and special files: zip bombs, broken cells, formulas with no value, pipes and devices.

Each is refused or rejected with its code and where — never a hang, never an
internal error, never a row read as something it is not.
"""

from __future__ import annotations

import datetime as dt
import io
import os
import subprocess
import sys
import time
import zipfile
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest

from qianqi_rules import LedgerFileError, check_ledger, load_project, load_rules
from qianqi_rules.ledger import read_ledger
from qianqi_rules.ledger import xlsx_reader

REPO = Path(__file__).parent.parent.parent
PROJECT = str(REPO / "tests" / "data" / "project.yaml")
LEDGER = str(REPO / "tests" / "data" / "ledger_bom.csv")
SHEET = "xl/worksheets/sheet1.xml"


@pytest.fixture(scope="module")
def pack():
    return load_rules()


@pytest.fixture(scope="module")
def project(pack):
    return load_project(PROJECT, pack)


def workbook(path: Path, amounts: list[object], replace: dict[bytes, bytes] | None = None,
             extra: dict[str, bytes] | None = None) -> Path:
    """A small ledger workbook, its sheet XML edited the way a broken writer would leave it."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "明细账"
    ws.append(["日期", "科目", "摘要", "金额"])
    for i, amount in enumerate(amounts):
        ws.append([(dt.date(2025, 3, 1) + dt.timedelta(days=i % 200)).isoformat(), "会议费", "会场租金", amount])
    buffer = io.BytesIO()
    wb.save(buffer)
    source = zipfile.ZipFile(io.BytesIO(buffer.getvalue()))
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename == SHEET:
                for old, new in (replace or {}).items():
                    assert old in data, old
                    data = data.replace(old, new)
            out.writestr(info, data)
        for name, data in (extra or {}).items():
            out.writestr(name, data)
    return path


# ----------------------------------------------------------------------------- formulas


def test_a_formula_with_no_computed_value_is_rejected_saying_it_is_a_formula(tmp_path, pack, project) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["日期", "科目", "摘要", "金额"])
    ws.append(["2025-03-01", "会议费", "会场", 100])
    ws.append(["2025-03-02", "会议费", "会场", "=D2*2"])  # openpyxl saves no computed value
    wb.save(tmp_path / "f.xlsx")
    report = check_ledger(tmp_path / "f.xlsx", project, pack)
    [error] = report.input_errors
    assert (error.row, error.code, error.value) == (3, "bad-amount", "=D2*2")
    assert "公式" in error.message and "计算结果" in error.message
    assert report.input.rows_checked == 1 and report.summary.spent_total == Decimal("100.00")


def test_a_formula_with_its_computed_value_reads_the_value(tmp_path, pack, project) -> None:
    path = workbook(tmp_path / "f.xlsx", [100, 200],
                    {b'<c r="D3" t="n"><v>200</v></c>': b'<c r="D3"><f>D2*2</f><v>200</v></c>'})
    report = check_ledger(path, project, pack)
    assert not report.input_errors
    assert report.summary.spent_total == Decimal("300.00")


# ----------------------------------------------------------------------------- broken numeric cells


@pytest.mark.parametrize("written", [b"NaN", b"INF", b"-inf", b"abc", b"1,5"])
def test_a_numeric_cell_holding_no_number_names_file_and_row(tmp_path, pack, project, written) -> None:
    path = workbook(tmp_path / "n.xlsx", [111, 222, 333], {b"<v>222</v>": b"<v>" + written + b"</v>"})
    with pytest.raises(LedgerFileError) as info:
        check_ledger(path, project, pack)
    assert info.value.code == "excel-unreadable"
    assert info.value.position.line == 3  # the sheet's row 3 holds the broken cell
    assert str(path) in str(info.value)


def test_a_numeric_cell_too_large_for_a_float_is_a_rejected_row(tmp_path, pack, project) -> None:
    path = workbook(tmp_path / "big.xlsx", [111, 222], {b"<v>222</v>": b"<v>1e400</v>"})
    report = check_ledger(path, project, pack)
    assert [(e.row, e.code) for e in report.input_errors] == [(3, "bad-amount")]
    assert report.summary.spent_total == Decimal("111.00")


# ----------------------------------------------------------------------------- the sheet read is named


def test_the_report_names_the_sheet_it_read(tmp_path, pack, project) -> None:
    path = workbook(tmp_path / "s.xlsx", [100])
    report = check_ledger(path, project, pack)
    assert report.input.sheet == "明细账"
    assert '"sheet": "明细账"' in report.to_json()


def test_a_csv_ledger_names_no_sheet(pack, project) -> None:
    assert check_ledger(LEDGER, project, pack).input.sheet is None


# ----------------------------------------------------------------------------- zip bombs


def test_a_zip_bomb_is_refused_before_it_is_unpacked(tmp_path) -> None:
    path = tmp_path / "bomb.xlsx"
    workbook(path, [100])
    with zipfile.ZipFile(path, "a", zipfile.ZIP_DEFLATED) as archive, archive.open("xl/sharedStrings2.xml", "w") as f:
        chunk = b"\0" * (1 << 20)
        for _ in range(xlsx_reader.BOMB_SIZE // len(chunk) + 2):  # packs about a thousand times
            f.write(chunk)
    assert path.stat().st_size < 2 * 1024 * 1024
    start = time.perf_counter()
    with pytest.raises(LedgerFileError) as info:
        read_ledger(path)
    assert info.value.code == "excel-too-large"
    assert "sharedStrings2.xml" in str(info.value)
    assert time.perf_counter() - start < 5


def test_a_part_over_its_limit_is_refused_whatever_it_packs_to(tmp_path, monkeypatch) -> None:
    path = workbook(tmp_path / "wide.xlsx", [100], extra={"xl/big.xml": os.urandom(64_000)})
    monkeypatch.setattr(xlsx_reader, "MAX_PART_BYTES", 60_000)
    with pytest.raises(LedgerFileError) as info:
        read_ledger(path)
    assert info.value.code == "excel-too-large" and "xl/big.xml" in str(info.value)


def test_sheets_over_their_limit_are_refused(tmp_path, monkeypatch) -> None:
    path = workbook(tmp_path / "long.xlsx", list(range(1, 200)))
    monkeypatch.setattr(xlsx_reader, "MAX_SHEET_BYTES", 2000)
    with pytest.raises(LedgerFileError) as info:
        read_ledger(path)
    assert info.value.code == "excel-too-large" and SHEET in str(info.value)


def test_an_ordinary_workbook_is_within_the_limits(tmp_path, pack, project) -> None:
    path = workbook(tmp_path / "ok.xlsx", [100] * 2000)
    assert check_ledger(path, project, pack).input.rows_checked == 2000


# ----------------------------------------------------------------------------- pipes and devices


def cli_with_timeout(*args: str) -> subprocess.CompletedProcess:
    """The CLI in its own process: a regression here would hang, so it is killed after 60 s."""
    return subprocess.run([sys.executable, "-m", "qianqi_rules", *args], capture_output=True, text=True,
                          timeout=60, cwd=REPO)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes need a POSIX system")
@pytest.mark.parametrize("role", ["ledger", "project", "waivers"])
def test_a_named_pipe_is_refused_not_waited_on(tmp_path, role) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    args = {"ledger": [str(fifo), "--project", PROJECT],
            "project": [LEDGER, "--project", str(fifo)],
            "waivers": [LEDGER, "--project", PROJECT, "--waivers", str(fifo)]}[role]
    done = cli_with_timeout("check", *args)
    assert done.returncode == 2
    code = "ledger-not-regular-file" if role == "ledger" else "file-not-regular"
    assert f"[{code}]" in done.stderr and str(fifo) in done.stderr
    assert "Traceback" not in done.stderr


@pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="no /dev/zero on this system")
@pytest.mark.parametrize("role", ["ledger", "project"])
def test_an_endless_device_is_refused(role) -> None:
    args = [("/dev/zero" if role == "ledger" else LEDGER), "--project", ("/dev/zero" if role == "project" else PROJECT)]
    done = cli_with_timeout("check", *args)
    assert done.returncode == 2
    code = "ledger-not-regular-file" if role == "ledger" else "file-not-regular"
    assert f"[{code}]" in done.stderr and "/dev/zero" in done.stderr
