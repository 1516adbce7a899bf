"""The printable Article 14 report (``--format pdf``): typeset by Typst with a Chinese font embedded.

The document's figures and rows are the ones the workbook shows
(:mod:`.cells`), turned into display strings here; the layout is the Typst
template ``article14.typ`` shipped beside this module.  The template reads
them as JSON data (``sys.inputs``), so ledger text is shown as text and never
read as Typst markup.  Typst's compiler comes inside the ``typst`` wheel and
the font (Noto Sans CJK, from the ``noto-cjk-sans-otc`` wheel or a system font
such as Debian's ``fonts-noto-cjk``) is embedded as a subset: the PDF's text is
extractable.  Both are in the ``pdf`` extra.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from collections.abc import Sequence
from decimal import Decimal
from importlib import resources
from pathlib import Path
from typing import Any

from ..errors import QianqiError
from ..models import Report
from ..programme_models import ProgrammeReport
from ..values import format_money_cn
from .cells import (
    BUDGET_HEADERS,
    CLAWBACK_NOTE,
    FINDING_HEADERS,
    GAP_HEADERS,
    INPUT_ERROR_HEADERS,
    NOT_RUN_HEADERS,
    WAIVED_HEADERS,
    WAIVER_PROBLEM_HEADERS,
    Cell,
    finding_rows,
    gap_rows,
    header_rows,
    input_error_rows,
    money,
    not_run_rows,
    recoveries,
    rows_cell,
    total_rows,
    vouchers_of,
    waived_rows,
    waiver_problem_rows,
)
from .plain import visible
from .table import reconciliation_line

INSTALL = "pip install 'qianqi-rules[pdf]'"
#: where a CJK font may already be: Debian/Ubuntu (fonts-noto-cjk, fonts-wqy-*), macOS, Windows
SYSTEM_FONTS = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc",
    "/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/google-noto-cjk/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/System/Library/Fonts/PingFang.ttc",
    "C:/Windows/Fonts/msyh.ttc",
    "C:/Windows/Fonts/simsun.ttc",
)
#: the environment variable naming a font file (or folder) to use instead
FONT_VARIABLE = "QIANQI_PDF_FONT"

FINDING_COLUMNS = ["行", "凭证号", "条款", "规则", "说明", "涉及金额", "应追回", "计入追回"]
SEVERITY_TITLES = {"error": "错误（需追回或更正）", "warning": "警告（需人工复核）", "info": "提示"}


def find_fonts() -> list[Path]:
    """The CJK font files to embed: ``$QIANQI_PDF_FONT``, the ``noto-cjk-sans-otc`` wheel, or a system font."""
    chosen = os.environ.get(FONT_VARIABLE)
    if chosen:
        return [Path(chosen)] if Path(chosen).exists() else []  # a file, or a folder of fonts
    found: list[Path] = []
    try:
        import noto_cjk_sans_otc  # the font as a wheel: a fresh machine with only Python gets it from PyPI

        found.append(Path(str(noto_cjk_sans_otc.FONT_PATH)))
    except ImportError:
        pass
    found += [Path(p) for p in SYSTEM_FONTS if Path(p).is_file()]
    return found


def _compiler() -> Any:
    try:
        import typst
    except ImportError:
        raise QianqiError("输出 PDF 报告需要 Typst 排版程序（Python 包 typst）", code="pdf-missing-renderer",
                          hint=f"请运行 {INSTALL}；或者用 --format xlsx 输出 Excel 报告") from None
    return typst


def _fonts() -> list[Path]:
    fonts = find_fonts()
    if not fonts:
        where = f"（{FONT_VARIABLE} 指向的 {os.environ[FONT_VARIABLE]} 不存在）" if os.environ.get(FONT_VARIABLE) else ""
        raise QianqiError(f"输出 PDF 报告需要中文字体，本机没有找到{where}", code="pdf-missing-font",
                          hint=f"请运行 {INSTALL}（包含 Noto Sans CJK 字体），或在 Debian/Ubuntu 上 "
                               f"apt-get install fonts-noto-cjk；也可以设置 {FONT_VARIABLE}=字体文件")
    return fonts


def _folders(fonts: Sequence[Path]) -> list[str]:
    """Typst searches folders for fonts: the folders of the font files (or a folder given itself)."""
    folders: list[str] = []
    for font in fonts:
        folder = str(font if font.is_dir() else font.parent)
        if folder not in folders:
            folders.append(folder)
    return folders


def _printable(text: str) -> str:
    """Text the embedded fonts can show: controls escaped (:func:`.plain.visible`), and characters beyond the
    Basic Multilingual Plane (emoji; the font has none) written as ``\U0001f600``, as on a console that
    cannot show them, instead of an empty box that reads back as nothing."""
    shown = visible(text)
    if shown.isascii() or all(ord(c) <= 0xFFFF for c in shown):
        return shown
    return "".join(c if ord(c) <= 0xFFFF else f"\\U{ord(c):08x}" for c in shown)


def _text(value: Cell) -> str:
    """A cell as the document shows it: money with thousands separators, dates ISO, text printable."""
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return format_money_cn(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return _printable(value)


def _strings(rows: Sequence[Sequence[Cell]]) -> list[list[str]]:
    return [[_text(c) for c in row] for row in rows]


def _pick(headers: Sequence[str], rows: Sequence[Sequence[Cell]], wanted: Sequence[str]) -> list[list[Cell]]:
    index = [headers.index(h) for h in wanted]
    return [[row[i] for i in index] for row in rows]


def document(report: Report, today: dt.date) -> dict[str, Any]:
    """Everything the template shows, as display strings (the template computes nothing)."""
    s = report.summary
    findings = finding_rows(report)
    sections = []
    for severity, title in SEVERITY_TITLES.items():
        mine = [row for row, v in zip(findings, report.violations, strict=True)
                if v.severity == severity and v.waiver is None and not v.reversed_by]
        if mine:
            sections.append({"title": title, "count": str(len(mine)),
                             "rows": _strings(_pick(FINDING_HEADERS, mine, FINDING_COLUMNS))})
    reversed_ = [[rows_cell(v.rows), v.rule_id, v.message, "、".join(str(r) for r in v.reversed_by or [])]
                 for v in report.violations if v.reversed_by and v.waiver is None]
    budget = []
    for line in report.budget:
        budget.append({
            "cells": [_text(line.category if line.fundable else f"{line.category}（不属于九类）"),
                      *(_text(money(m)) for m in (line.approved, line.adjusted, line.spent, line.flagged,
                                                  line.balance)),
                      line.execution_percent or ""],
            "rate": str(line.execution_rate) if line.execution_rate is not None else "",
            "over": bool(line.balance is not None and line.balance < 0) or not line.fundable,
        })
    return {
        "about": _strings(header_rows(report, today)),
        "date": today.isoformat(),
        "project": _text(f"{report.project.code} {report.project.name}"),
        "summary": [[label, f"{_text(value)} {'元' if isinstance(value, Decimal) else '行' if '行' in label else '项'}"]
                    for label, value in total_rows(report)],
        "reconciliation": _text(reconciliation_line(report)),
        "budget_headers": [h for h in BUDGET_HEADERS if h != "是否九类之一"],
        "budget": budget,
        "clawback_total": format_money_cn(s.clawback_total),
        "clawback_note": CLAWBACK_NOTE,
        "recoveries": [
            {"item": trigger.text, "amount": format_money_cn(amount),
             "rows": _strings([[rows_cell(v.rows), vouchers_of(v), v.rule_id, v.message, money(v.clawback_counted)]
                               for v in found])}
            for trigger, amount, found in recoveries(report)
        ],
        "finding_headers": FINDING_COLUMNS,
        "findings": sections,
        "reversed": _strings(reversed_),
        "input_error_headers": INPUT_ERROR_HEADERS[1:],
        "input_errors": [row[1:] for row in _strings(input_error_rows(report))],
        "not_run_headers": NOT_RUN_HEADERS,
        "not_run": _strings(not_run_rows(report)),
        "gap_headers": GAP_HEADERS,
        "gaps": _strings(gap_rows(report)),
        "waived_headers": WAIVED_HEADERS,
        "waived": _strings(waived_rows(report)),
        "waiver_problem_headers": WAIVER_PROBLEM_HEADERS,
        "waiver_problems": _strings(waiver_problem_rows(report)),
    }


def _compile(documents: list[dict[str, Any]], today: dt.date, fmt: str = "pdf", ppi: float | None = None) -> Any:
    typst = _compiler()
    fonts = _fonts()
    template = resources.files(__package__).joinpath("article14.typ")
    data = json.dumps({"reports": documents}, ensure_ascii=False)
    stamp = int(dt.datetime(today.year, today.month, today.day, tzinfo=dt.timezone.utc).timestamp())
    with resources.as_file(template) as path:
        return typst.compile(str(path), format=fmt, ppi=ppi, font_paths=_folders(fonts),
                             ignore_system_fonts=True, sys_inputs={"data": data}, timestamp=stamp)


def render_pdf(report: Report, *, color: bool = False, width: int | None = None,
               today: dt.date | None = None) -> bytes:
    today = today or dt.date.today()
    return bytes(_compile([document(report, today)], today))


def render_programme_pdf(programme: ProgrammeReport, *, color: bool = False, width: int | None = None,
                         today: dt.date | None = None) -> bytes:
    """Each project's Article 14 report, one after the other, in one document."""
    today = today or dt.date.today()
    return bytes(_compile([document(r, today) for r in programme.reports], today))


def first_page_png(report: Report, today: dt.date, ppi: float = 110) -> bytes:
    """A picture of the first page (for the docs), drawn by the same compiler."""
    pages = _compile([document(report, today)], today, fmt="png", ppi=ppi)
    return bytes(pages[0] if isinstance(pages, list) else pages)
