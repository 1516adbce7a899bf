"""The HTTP API for platforms: one-off checks, projects, claims (commit or preview), reports."""

from __future__ import annotations

import json
from typing import Annotated, Any, Literal

from fastapi import APIRouter, File, Query, Request, UploadFile
from fastapi.responses import Response
from pydantic import BaseModel, Field

from .. import Report
from .checks import FORMATS, render, run_check

router = APIRouter(prefix="/api")
Format = Literal["json", "csv", "xlsx"]


class ErrorDetail(BaseModel):
    code: str = Field(description="the stable error code, the same as the CLI's [code] (docs/errors.md)")
    message: str
    hint: str | None = None
    position: dict[str, Any] | None = Field(None, description="{file, line, column} of the fault, when known")
    errors: list[dict[str, Any]] | None = None


class ErrorOut(BaseModel):
    error: ErrorDetail


class ProjectOut(BaseModel):
    code: str
    name: str
    grantee: str
    created: bool = Field(description="true when this request registered it; false when it was already there")
    claims: int = Field(description="committed claims so far")


class ClaimIn(BaseModel):
    id: str = Field(min_length=1, max_length=200, description="chosen by the client; sending it again never books twice")
    entry: dict[str, Any] = Field(description="ledger fields: date, category, amount (a decimal string), payee, "
                                  "invoice_no, description …; no floats")


class ClaimOut(BaseModel):
    id: str
    seq: int | None = Field(description="the claim's place in the project's book (its row in the report); "
                            "null for a preview")
    committed: bool
    replay: bool = Field(description="true when this id was committed before: the stored findings are returned")
    passed: bool = Field(description="no error-severity finding")
    findings: list[dict[str, Any]] = Field(description="the findings of this claim, as in the report's violations")


ERRORS: dict[int | str, dict[str, Any]] = {
    s: {"model": ErrorOut} for s in (401, 404, 409, 413, 422)
}
REPORT = {200: {"content": {media: {} for _, media, _ in FORMATS.values()},
                "description": "the contract's JSON report (docs/report.schema.json), or the csv / xlsx file"}}


def _file(report: Report, fmt: str, stem: str) -> Response:
    body, media, suffix = render(report, fmt)
    headers = {} if fmt == "json" else {"Content-Disposition": f'attachment; filename="{stem}.{suffix}"'}
    return Response(body, media_type=media, headers=headers)


@router.post("/check", responses={**REPORT, **ERRORS}, summary="Check a ledger against a project file")
def check(request: Request, ledger: Annotated[UploadFile, File(description="ledger: csv, xlsx or xls")],
          project: Annotated[UploadFile, File(description="project file (YAML)")],
          format: Format = "json", sheet: str | None = None) -> Response:
    settings = request.app.state.settings
    report = run_check(request.app.state.pack, ledger.file.read(), ledger.filename, project.file.read(),
                       project.filename, max_rows=settings.max_rows, sheet=sheet)
    return _file(report, format, "report")


@router.post("/projects", response_model=ProjectOut, responses=ERRORS, summary="Register a project (its file)")
def register(request: Request, project: Annotated[UploadFile, File(description="project file (YAML)")]) -> ProjectOut:
    ledgers = request.app.state.ledgers
    parsed, created = ledgers.register(project.file.read(), project.filename or "project.yaml")
    return ProjectOut(code=parsed.code, name=parsed.name, grantee=parsed.grantee, created=created,
                      claims=ledgers.claim_count(parsed.code))


@router.get("/projects/{code}", response_model=ProjectOut, responses=ERRORS, summary="A registered project")
def project_info(request: Request, code: str) -> ProjectOut:
    ledgers = request.app.state.ledgers
    count = ledgers.claim_count(code)
    parsed = ledgers.project(code)
    return ProjectOut(code=code, name=parsed.name, grantee=parsed.grantee, created=False, claims=count)


@router.post("/projects/{code}/claims", response_model=ClaimOut, responses=ERRORS,
             summary="Check one claim; commit=true books it (once per id), commit=false previews")
def claim(request: Request, code: str, body: ClaimIn,
          commit: Annotated[bool, Query(description="book the claim (false: preview only)")] = True) -> ClaimOut:
    outcome = request.app.state.ledgers.submit(code, body.id, body.entry, commit=commit)
    passed = not any(f["severity"] == "error" for f in outcome.findings)
    return ClaimOut(id=outcome.claim_id, seq=outcome.seq, committed=outcome.committed, replay=outcome.replay,
                    passed=passed, findings=outcome.findings)


class ClaimRef(BaseModel):
    id: str
    seq: int
    passed: bool


@router.get("/projects/{code}/claims", response_model=list[ClaimRef], responses=ERRORS,
            summary="The committed claims of a project, in booking order")
def claims(request: Request, code: str) -> list[ClaimRef]:
    return [ClaimRef(id=claim_id, seq=seq, passed=not any(f["severity"] == "error" for f in json.loads(findings)))
            for seq, claim_id, findings in request.app.state.ledgers.committed(code)]


@router.get("/projects/{code}/report", responses={**REPORT, **ERRORS}, summary="The report over every committed claim")
def project_report(request: Request, code: str, format: Format = "json") -> Response:
    return _file(request.app.state.ledgers.report(code), format, f"report-{code}")
