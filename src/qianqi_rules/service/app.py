"""The service: a FastAPI app over one store, and ``serve`` which runs it on uvicorn."""

from __future__ import annotations

import hmac
import ipaddress
import json
import os
from dataclasses import dataclass, field
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException

from .. import __version__, load_rules
from ..errors import QianqiError
from . import db
from .claims import Ledgers
from .errors import ServiceError, error_body, status_of
from .tokens import TOKEN_COOKIE, TOKEN_ENV
from .uploads import BodyLimit, too_large


@dataclass(frozen=True)
class Settings:
    db_url: str = db.DEFAULT_DB
    token: str | None = None
    max_upload_bytes: int = 20 * 1024 * 1024
    max_rows: int = 200_000
    rules: tuple[str, ...] = field(default_factory=tuple)


def _json_error(error: QianqiError) -> JSONResponse:
    return JSONResponse(error_body(error), status_code=status_of(error))


def _answer(request: Request, error: QianqiError) -> Response:
    """JSON for the API (and /openapi.json); a page in Chinese for the web page's own addresses."""
    if request.url.path.startswith("/api/") or request.url.path == "/openapi.json":
        return _json_error(error)
    from .web import templates

    return templates.TemplateResponse(request, "error.html", {"error": error_body(error)["error"]},
                                      status_code=status_of(error))


_HTTP_CODES = {401: "unauthorized", 404: "not-found", 405: "method-not-allowed"}


def create_app(settings: Settings) -> BodyLimit:
    """The ASGI app: migrations run, pack loaded, routes mounted; wrapped in the upload size cap."""
    from . import api, web

    engine = db.make_engine(settings.db_url)
    db.migrate(engine)
    pack = load_rules(list(settings.rules) or None)
    app = FastAPI(title="qianqi-rules", version=__version__,
                  description="“千人进千企”项目经费合规检查服务：一次性检查台账，逐笔预审和登记报销。")
    app.state.settings, app.state.pack, app.state.engine = settings, pack, engine
    app.state.ledgers = Ledgers(engine, pack)

    @app.exception_handler(QianqiError)
    async def _coded(request: Request, exc: QianqiError) -> Response:
        return _answer(request, exc)

    @app.exception_handler(HTTPException)
    async def _http(request: Request, exc: HTTPException) -> Response:
        if exc.status_code == 413:
            return _answer(request, too_large(settings.max_upload_bytes))
        code = _HTTP_CODES.get(exc.status_code, f"http-{exc.status_code}")
        return _answer(request, ServiceError(str(exc.detail), code=code, status=exc.status_code))

    @app.exception_handler(Exception)
    async def _internal(request: Request, exc: Exception) -> Response:  # the contract: never a traceback
        return _json_error(ServiceError(f"内部错误（请报告此问题）: {type(exc).__name__}", code="internal-error",
                                        status=500))

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        problems = "；".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors())
        return _json_error(ServiceError(f"请求不符合接口定义: {problems}", code="request-invalid", status=422,
                                        hint="接口定义见 /openapi.json"))

    app.include_router(api.router)
    web.mount(app)
    gated = TokenGate(app, settings.token) if settings.token else app
    outer = BodyLimit(gated, settings.max_upload_bytes)
    outer.fastapi = app
    return outer


class TokenGate:
    """ASGI middleware: with a token configured, /api wants ``Authorization: Bearer <token>``; the
    web page takes it once as ``?token=`` and then from its cookie."""

    OPEN = ("/openapi.json", "/health")

    def __init__(self, app, token: str) -> None:  # noqa: ANN001 - any ASGI app
        self.app, self.token = app, token

    async def __call__(self, scope, receive, send) -> None:  # noqa: ANN001
        if scope["type"] != "http" or self._allowed(Request(scope)):
            await self.app(scope, receive, send)
            return
        error = ServiceError("需要有效的 API 令牌", code="unauthorized", status=401,
                             hint="请求头加上 Authorization: Bearer <令牌>；网页用 /?token=<令牌> 打开一次")
        await _json_error(error)(scope, receive, send)

    def _allowed(self, request: Request) -> bool:
        path = request.url.path
        if path.startswith("/static/") or path in self.OPEN:
            return True
        offered = request.headers.get("authorization", "").removeprefix("Bearer ").strip()
        if not path.startswith("/api/"):
            offered = offered or request.query_params.get("token", "") or request.cookies.get(TOKEN_COOKIE, "")
        return bool(offered) and hmac.compare_digest(offered.encode(), self.token.encode())


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def serve(host: str, port: int, settings: Settings, *, ledger: str | None = None, project: str | None = None) -> None:
    """Run the service until interrupted.  Binding anywhere but loopback needs a token.  With ``ledger`` and
    ``project`` that check is made first and the address of its page printed."""
    import uvicorn

    if not _loopback(host) and not settings.token:
        raise QianqiError(f"绑定到 {host} 会让其他机器访问本服务，必须设置 API 令牌", code="serve-token-required",
                          hint=f"加上 --token <令牌> 或设置环境变量 {TOKEN_ENV}；只在本机使用时去掉 --host")
    app = create_app(settings)
    shown = {"serving": f"http://{host}:{port}/", "db": _shown(settings.db_url)}
    if ledger and project:
        shown["page"] = f"http://{host}:{port}/checks/{_preload(app.fastapi, ledger, project)}"
    print(json.dumps(shown, ensure_ascii=False), flush=True)
    uvicorn.run(app, host=host, port=port, log_level=os.environ.get("QIANQI_LOG_LEVEL", "warning"),
                timeout_keep_alive=5)


def _preload(app: FastAPI, ledger: str, project: str) -> str:
    """Check a ledger from the command line (errors as the CLI's) and keep it as a page."""
    from .checks import run_check
    from .claims import project_text
    from .web import store_check

    ledger_bytes, project_bytes = Path(ledger).read_bytes(), Path(project).read_bytes()
    run_check(app.state.pack, ledger_bytes, Path(ledger).name, project_bytes, Path(project).name,
              max_rows=app.state.settings.max_rows)
    return store_check(app, ledger_bytes, Path(ledger).name, Path(project).name, project_text(project_bytes))


def _shown(url: str) -> str:
    """The database URL without its password."""
    if url.startswith("sqlite"):
        return str(Path(url.split("///", 1)[-1]).resolve())
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)
