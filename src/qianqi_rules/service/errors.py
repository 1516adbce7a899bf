"""The service's own failures, coded like the CLI's, and how any coded error becomes a JSON body."""

from __future__ import annotations

from typing import Any

from ..errors import QianqiError


class ServiceError(QianqiError):
    """A request the service refuses: ``status`` is the HTTP status it answers with."""

    def __init__(self, message: str, *, code: str, status: int, hint: str | None = None) -> None:
        super().__init__(message, code=code, hint=hint)
        self.status = status


#: HTTP status for the library's codes that are not the client's input being invalid (422)
_STATUS_BY_CODE = {"internal-error": 500}


def status_of(error: QianqiError) -> int:
    if isinstance(error, ServiceError):
        return error.status
    return _STATUS_BY_CODE.get(error.code, 422)


def error_body(error: QianqiError) -> dict[str, Any]:
    """``{"error": {code, message, hint, position: {file, line, column}}}`` (uploads' positions already name
    the file as uploaded: see ``claims.relative``)."""
    position = None
    if error.position is not None:
        p = error.position
        position = {"file": p.path, "line": p.line, "column": p.column}
    detail: dict[str, Any] = {"code": error.code, "message": error.message, "hint": error.hint, "position": position}
    errors = getattr(error, "errors", None)
    if errors:
        detail["errors"] = [error_body(e)["error"] for e in errors]
    return {"error": detail}
