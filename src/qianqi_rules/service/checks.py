"""One-off checks of an uploaded ledger and project file (the API's /api/check and the web page)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from .. import Report, RulePack, check_ledger
from ..errors import QianqiError
from ..report import RENDERERS
from .claims import parse_project, relative
from .errors import ServiceError
from .uploads import private_dir, safe_name

#: ?format= → (renderer name, media type, file suffix)
FORMATS = {
    "json": ("json", "application/json", "json"),
    "csv": ("csv", "text/csv; charset=utf-8", "csv"),
    "xlsx": ("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx"),
}


def too_many_rows(rows: int, limit: int) -> ServiceError:
    return ServiceError(f"台账有 {rows} 行，超过 {limit} 行的上限", code="too-many-rows", status=413,
                        hint="把台账按月份或科目拆成几个文件分别检查，或请管理员用 --max-rows 调高上限")


def run_check(pack: RulePack, ledger: bytes, ledger_name: str | None, project: bytes, project_name: str | None,
              *, max_rows: int, waivers: Sequence = (), today: dt.date | None = None,
              sheet: str | None = None) -> Report:
    """Check ``ledger`` against ``project``; files are written to a private temp dir, removed after.
    The report and any error name the files as uploaded."""
    ledger_file = safe_name(ledger_name, "ledger.csv")
    project_file = safe_name(project_name, "project.yaml")
    parsed = parse_project(project, pack, project_file)
    with private_dir() as folder:
        path = folder / ledger_file
        path.write_bytes(ledger)
        try:
            report = check_ledger(path, parsed, pack, waivers=waivers, today=today, sheet=sheet or None)
        except QianqiError as exc:
            raise relative(exc, folder) from None
    if report.input.rows_total > max_rows:
        raise too_many_rows(report.input.rows_total, max_rows)
    return report.model_copy(update={"input": report.input.model_copy(update={"path": ledger_file})})


def render(report: Report, fmt: str) -> tuple[bytes, str, str]:
    """The report as ``fmt`` (json, csv, xlsx): its bytes, media type and file suffix."""
    if fmt not in FORMATS:
        raise ServiceError(f"不支持的格式 {fmt}（可用: json、csv、xlsx）", code="bad-format", status=422)
    name, media, suffix = FORMATS[fmt]
    out = report.to_json() if name == "json" else RENDERERS[name](report)
    return (out.encode("utf-8") if isinstance(out, str) else out), media, suffix
