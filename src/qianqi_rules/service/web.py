"""The web page for finance officers (Chinese, server-rendered with Jinja2; htmx for partial updates).

An upload is stored (ledger bytes and project file) and checked again whenever it is shown, with
the officers' waivers applied, so the page, the downloads and the waivers file always agree.
Every page also works without JavaScript: the filter form and links are plain HTTP.
"""

from __future__ import annotations

import datetime as dt
import secrets
import threading
from collections import OrderedDict
from pathlib import Path
from typing import Annotated, Any

import yaml
from fastapi import FastAPI, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from sqlalchemy import insert, select

from .. import QianqiError, Report, __version__
from ..waivers import Waiver
from . import db, views
from .checks import render, run_check
from .errors import ServiceError, error_body

HERE = Path(__file__).parent
templates = Jinja2Templates(directory=str(HERE / "templates"))  # autoescapes .html: ledger text stays text
templates.env.globals["version"] = __version__
templates.env.filters["basename"] = lambda source: Path(str(source)).name  # a rule's file:line, not the install path
STATUSES = ("confirmed", "dismissed", "waived")


def _stored(request: Request, check_id: str) -> Any:
    with request.app.state.engine.connect() as conn:
        row = conn.execute(select(db.checks).where(db.checks.c.id == check_id)).first()
    if row is None:
        raise ServiceError(f"没有编号为 {check_id} 的检查", code="not-found", status=404)
    return row


def _reviews(request: Request, check_id: str) -> dict[str, dict[str, Any]]:
    with request.app.state.engine.connect() as conn:
        rows = conn.execute(select(db.reviews).where(db.reviews.c.check_id == check_id)).mappings().all()
    return {r["finding_key"]: dict(r) for r in rows}


def _waivers(reviews: dict[str, dict[str, Any]]) -> list[Waiver]:
    return [Waiver(rule=r["rule_id"], row=r["row"], reason=r["reason"], approved_by=r["approved_by"],
                   until=dt.date.fromisoformat(r["until"]) if r["until"] else None, source="网页审核")
            for r in reviews.values() if r["status"] == "waived"]


_CACHE: OrderedDict[tuple, Report] = OrderedDict()  # (app, check id, waivers) -> report; a few recent ones
_CACHE_SIZE = 8
_CACHE_LOCK = threading.Lock()


def _report(request: Request, check_id: str) -> tuple[Any, Report, dict[str, dict[str, Any]]]:
    """The stored upload checked again with its waivers (the last few results are kept)."""
    row = _stored(request, check_id)
    reviews = _reviews(request, check_id)
    waivers = tuple(_waivers(reviews))
    key = (id(request.app), check_id, waivers)
    with _CACHE_LOCK:
        report = _CACHE.get(key)
    if report is None:
        report = run_check(request.app.state.pack, row.ledger, row.ledger_name, row.project_text.encode("utf-8"),
                           row.project_name, max_rows=request.app.state.settings.max_rows, waivers=list(waivers))
        with _CACHE_LOCK:
            _CACHE[key] = report
            while len(_CACHE) > _CACHE_SIZE:
                _CACHE.popitem(last=False)
    return row, report, reviews


def _filters(severity: str = "", article: str = "", category: str = "", row: str = "") -> views.Filters:
    return views.Filters(severity=severity, article=article, category=category, row=row)


def mount(app: FastAPI) -> None:
    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")

    @app.get("/health", include_in_schema=False)
    def health() -> dict:
        return {"ok": True}

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    def index(request: Request) -> Response:
        with app.state.engine.connect() as conn:
            recent = conn.execute(select(db.checks.c.id, db.checks.c.ledger_name, db.checks.c.project_name,
                                         db.checks.c.created_at)
                                  .order_by(db.checks.c.created_at.desc()).limit(10)).all()
        response = templates.TemplateResponse(request, "index.html", {"recent": recent, "error": None})
        _remember_token(request, response)
        return response

    @app.post("/checks", include_in_schema=False)
    def upload(request: Request, ledger: Annotated[UploadFile, File()], project: Annotated[UploadFile, File()],
               ) -> Response:
        ledger_bytes, project_bytes = ledger.file.read(), project.file.read()
        try:
            run_check(app.state.pack, ledger_bytes, ledger.filename, project_bytes, project.filename,
                      max_rows=app.state.settings.max_rows)
            project_text = project_bytes.decode("utf-8-sig")
        except (QianqiError, UnicodeDecodeError) as exc:
            error = exc if isinstance(exc, QianqiError) else ServiceError(
                "项目文件不是 UTF-8 编码", code="project-encoding", status=422)
            detail = error_body(error)["error"]
            status = error.status if isinstance(error, ServiceError) else 422
            return templates.TemplateResponse(request, "index.html", {"recent": [], "error": detail},
                                              status_code=status)
        check_id = store_check(app, ledger_bytes, ledger.filename or "ledger.csv", project.filename or "project.yaml",
                               project_text)
        return RedirectResponse(f"/checks/{check_id}", status_code=303)

    @app.get("/checks/{check_id}", response_class=HTMLResponse, include_in_schema=False)
    def show(request: Request, check_id: str, severity: str = "", article: str = "", category: str = "",
             row: str = "") -> Response:
        stored, report, reviews = _report(request, check_id)
        filters = _filters(severity, article, category, row)
        context = {
            "check_id": check_id, "stored": stored, "report": report, "filters": filters,
            "findings": views.finding_rows(report, reviews, filters), "choices": views.filter_choices(report),
            "chart": views.budget_chart(report), "waived": sum(1 for r in reviews.values() if r["status"] == "waived"),
        }
        return templates.TemplateResponse(request, "check.html", context)

    @app.get("/checks/{check_id}/findings", response_class=HTMLResponse, include_in_schema=False)
    def findings(request: Request, check_id: str, severity: str = "", article: str = "", category: str = "",
                 row: str = "") -> Response:
        _, report, reviews = _report(request, check_id)
        filters = _filters(severity, article, category, row)
        return templates.TemplateResponse(request, "_findings.html", {
            "check_id": check_id, "findings": views.finding_rows(report, reviews, filters), "report": report})

    @app.get("/checks/{check_id}/findings/{index}", response_class=HTMLResponse, include_in_schema=False)
    def finding(request: Request, check_id: str, index: int) -> Response:
        return _finding(request, check_id, index, saved=False)

    @app.post("/checks/{check_id}/findings/{index}/review", response_class=HTMLResponse, include_in_schema=False)
    def review(request: Request, check_id: str, index: int, status: Annotated[str, Form()],
               reason: Annotated[str, Form()] = "", approved_by: Annotated[str, Form()] = "",
               until: Annotated[str, Form()] = "") -> Response:
        _, report, _ = _report(request, check_id)
        v = _violation(report, index)
        problem = _review_problem(status, reason, approved_by, until)
        if problem:
            return _finding(request, check_id, index, saved=False, problem=problem, status_code=422)
        values = {"status": status, "reason": reason.strip(), "approved_by": approved_by.strip(),
                  "until": until or None, "rule_id": v.rule_id, "row": v.rows[0] if v.rows else 1}
        key = views.finding_key(v)
        with app.state.engine.begin() as conn:
            conn.execute(db.reviews.delete().where(db.reviews.c.check_id == check_id,
                                                   db.reviews.c.finding_key == key))
            conn.execute(insert(db.reviews).values(check_id=check_id, finding_key=key, **values))
        response = _finding(request, check_id, index, saved=True)
        response.headers["HX-Trigger"] = "reviewed"
        return response

    @app.get("/checks/{check_id}/waivers.yaml", include_in_schema=False)
    def waivers_file(request: Request, check_id: str) -> Response:
        items = []
        for w in _waivers(_reviews(request, check_id)):
            item: dict[str, Any] = {"rule": w.rule, "row": w.row, "reason": w.reason, "approved_by": w.approved_by}
            if w.until:
                item["until"] = w.until
            items.append(item)
        text = "# 豁免文件：网页审核中标记为“豁免”的违规项（qianqi-rules check --waivers 读取）\n"
        text += yaml.safe_dump({"waivers": items}, allow_unicode=True, sort_keys=False)
        return Response(text.encode("utf-8"), media_type="application/yaml; charset=utf-8",
                        headers={"Content-Disposition": 'attachment; filename="waivers.yaml"'})

    @app.get("/checks/{check_id}/report.{fmt}", include_in_schema=False)
    def download(request: Request, check_id: str, fmt: str) -> Response:
        _, report, _ = _report(request, check_id)
        body, media, suffix = render(report, fmt)
        return Response(body, media_type=media,
                        headers={"Content-Disposition": f'attachment; filename="report.{suffix}"'})


def store_check(app: FastAPI, ledger: bytes, ledger_name: str, project_name: str, project_text: str) -> str:
    """Keep an upload that has been checked; its id names its page."""
    check_id = secrets.token_hex(8)
    with app.state.engine.begin() as conn:
        conn.execute(insert(db.checks).values(id=check_id, ledger_name=ledger_name, ledger=ledger,
                                              project_name=project_name, project_text=project_text))
    return check_id


def _remember_token(request: Request, response: Response) -> None:
    from .tokens import TOKEN_COOKIE

    token = request.app.state.settings.token
    if token and request.query_params.get("token") == token:
        response.set_cookie(TOKEN_COOKIE, token, httponly=True, samesite="strict")


def _violation(report: Report, index: int):  # noqa: ANN202
    if not 0 <= index < len(report.violations):
        raise ServiceError(f"没有第 {index} 项违规", code="not-found", status=404)
    return report.violations[index]


def _review_problem(status: str, reason: str, approved_by: str, until: str) -> str | None:
    if status not in STATUSES:
        return "请选择：确认、排除或豁免"
    if status == "waived" and (not reason.strip() or not approved_by.strip()):
        return "豁免必须写明理由和批准人"
    if until:
        try:
            dt.date.fromisoformat(until)
        except ValueError:
            return f"有效期“{until}”不是日期（如 2026-12-31）"
    return None


def _finding(request: Request, check_id: str, index: int, *, saved: bool, problem: str | None = None,
             status_code: int = 200) -> Response:
    _, report, reviews = _report(request, check_id)
    v = _violation(report, index)
    pack = request.app.state.pack
    return templates.TemplateResponse(request, "_finding.html", {
        "check_id": check_id, "index": index, "v": v, "rule": views.rule_of(pack, v.rule_id),
        "article": views.article_text(pack, v.citation.article, v.citation.item),
        "evidence": views.evidence_rows(v.evidence),
        "review": reviews.get(views.finding_key(v)), "saved": saved, "problem": problem,
        "severity": views.SEVERITY_LABELS.get(v.severity, v.severity), "labels": views.REVIEW_LABELS,
    }, status_code=status_code)
