"""Article 15: the ledger against the 产业特派员 service records (--services)."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path

import pytest

from qianqi_rules import (
    ServiceRecord,
    ServiceRecords,
    ServicesFileError,
    check_entries,
    check_ledger,
    load_project,
    read_services,
)
from qianqi_rules.cli import main
from qianqi_rules.evaluate.services import destinations, stated_days

DATA = Path(__file__).parent / "data" / "services"


@pytest.fixture(scope="module")
def svc_project(pack):
    return load_project(DATA / "project.yaml", pack)


def by_rule(report) -> dict[str, list]:
    found: dict[str, list] = {}
    for v in report.violations:
        found.setdefault(v.rule_id, []).append(v)
    return found


def test_the_export_is_read_with_its_chinese_headers() -> None:
    records = read_services(DATA / "services.csv")
    assert [(r.row, r.date, r.commissioner, r.enterprise) for r in records.records][:2] == [
        (2, dt.date(2026, 3, 2), "林振华", "天津津禾食品有限公司"),
        (3, dt.date(2026, 3, 9), "林振华", "天津津禾食品有限公司"),
    ]
    assert [r.evaluated for r in records.records] == [True, True, False, True]
    assert records.records[0].place == "天津" and records.records[0].topic == "烘烤工艺诊断"


def test_ledger_against_the_records(pack, svc_project) -> None:
    report = check_ledger(DATA / "ledger.csv", svc_project, pack, services=DATA / "services.csv")
    found = by_rule(report)
    # row 2: a consulting day with a record; row 3: travel to Tianjin, where the 3月9日 service was
    assert not any(2 in v.rows or 3 in v.rows for v in report.violations)
    # row 4: travel to 石家庄 while that week's service was in Tianjin
    [away] = found["QQ1502"]
    assert away.rows == [4] and away.evidence["destination"] == ["石家庄"] and away.severity == "warning"
    # row 6: 许文博 paid on 2026-05-06 with no record in the week before; one such day of two is not systematic
    [missing] = found["QQ1500"]
    assert missing.rows == [6] and missing.citation.article == 15 and missing.amount == Decimal("2000.00")
    # the 2026-04-13 service has no evaluation
    [unrated] = found["QQ1501"]
    assert unrated.rows == [] and unrated.evidence["services_row"] == 4
    # 陈立群 and 孙晓光 are not 特派员 in the file: not judged
    assert not any(v.rows in ([7], [8]) for v in found.get("QQ1500", []))
    assert report.summary.warnings == len([v for v in report.violations if v.severity == "warning"])


def test_a_systematic_pattern_is_a_13_1_error(pack, svc_project) -> None:
    report = check_ledger(DATA / "systematic.csv", svc_project, pack, services=DATA / "services.csv")
    [pattern] = by_rule(report)["QQ1312"]
    assert pattern.severity == "error" and (pattern.citation.article, pattern.citation.item) == (13, 1)
    assert pattern.rows == [3, 4, 5] and pattern.amount == Decimal("4500.00") and pattern.clawback is None
    assert "QQ1500" not in by_rule(report)  # the pattern replaces the single warnings
    assert report.exit_code == 1 and report.summary.errors == 1


def test_two_of_three_days_is_systematic_by_share(pack, svc_project) -> None:
    records = ServiceRecords("api", (ServiceRecord(row=2, date=dt.date(2026, 3, 2), commissioner="林振华",
                                                   enterprise="某公司", evaluation="满意"),))
    entries = [{"row": r, "date": d, "category": "专家咨询费", "amount": "1000", "payee": "林 振华",
                "description": "工艺诊断"} for r, d in ((2, "2026-03-02"), (3, "2026-05-11"), (4, "2026-06-15"))]
    report = check_entries(entries, svc_project, pack, services=records)
    [pattern] = by_rule(report)["QQ1312"]
    assert pattern.rows == [3, 4] and pattern.evidence["paid_days"] == 3
    # one day in two is a warning, not a pattern
    report = check_entries(entries[:2], svc_project, pack, services=records)
    assert "QQ1312" not in by_rule(report) and [v.rows for v in by_rule(report)["QQ1500"]] == [[3]]


def test_a_service_warning_on_a_row_in_error_is_folded(pack, svc_project) -> None:
    records = ServiceRecords("api", (ServiceRecord(row=2, date=dt.date(2026, 3, 2), commissioner="韩志远",
                                                   enterprise="某公司", evaluation="满意"),))
    entry = {"row": 2, "date": "2026-05-02", "category": "专家咨询费", "amount": "1000", "payee": "韩志远",
             "description": "工艺诊断专家咨询"}  # 韩志远 is staff: QQ1010 is an error on this row
    report = check_entries([entry], svc_project, pack, services=records)
    assert [v.rule_id for v in report.violations if v.rows == [2]] == ["QQ1010"]
    assert [w["rule_id"] for w in report.violations[0].evidence["folded_warnings"]] == ["QQ1500"]


def test_stated_days_and_destinations() -> None:
    from qianqi_rules.models import Entry

    entry = Entry(row=2, entry_id="2", date=dt.date(2026, 3, 20), category="差旅费", amount=Decimal("1"),
                  description="赴天津调研 高铁（3月9日）")
    assert stated_days(entry) == [dt.date(2026, 3, 9)]
    assert destinations("赴石家庄调研 住宿费") == ["石家庄"] and destinations("前往天津市开展服务") == ["天津"]
    assert destinations("市内交通费") == []


def test_bad_rows_are_named_with_row_and_column() -> None:
    with pytest.raises(ServicesFileError) as info:
        read_services(DATA / "bad_rows.csv")
    error = info.value
    assert error.code == "services-bad-date" and error.position.line == 3
    assert "第 3 行“服务日期”列" in error.message and "第 4 行“产业特派员”列：为空" in error.message


def test_an_xlsx_export_is_read(tmp_path: Path) -> None:
    openpyxl = pytest.importorskip("openpyxl")
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["签到日期", "特派员姓名", "企业名称", "活动主题", "满意度"])
    sheet.append([dt.datetime(2026, 3, 2), "林振华", "天津津禾食品有限公司", "诊断", "满意"])
    book.save(tmp_path / "s.xlsx")
    [record] = read_services(tmp_path / "s.xlsx").records
    assert (record.row, record.date, record.commissioner, record.evaluated) == (2, dt.date(2026, 3, 2), "林振华", True)


def test_the_cli_takes_services(capsys) -> None:
    code = main(["check", str(DATA / "systematic.csv"), "--project", str(DATA / "project.yaml"),
                 "--services", str(DATA / "services.csv"), "--format", "json"])
    document = json.loads(capsys.readouterr().out)
    assert code == 1 and {v["rule_id"] for v in document["violations"]} == {"QQ1312", "QQ1501"}


def test_a_waiver_covers_a_service_finding(pack, svc_project) -> None:
    from qianqi_rules.waivers import Waiver

    waiver = Waiver.model_validate({"rule": "QQ1500", "row": 6, "reason": "服务记录漏签，已补", "approved_by": "王会计",
                                    "until": dt.date(2027, 12, 31)})
    report = check_ledger(DATA / "ledger.csv", svc_project, pack, services=DATA / "services.csv", waivers=[waiver],
                          today=dt.date(2026, 12, 1))
    [waived] = by_rule(report)["QQ1500"]
    assert waived.waiver is not None and report.summary.waived == 1 and report.waiver_problems == []
