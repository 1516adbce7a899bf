"""Uploads: a size cap enforced while the body arrives, and a private temp dir removed afterwards."""

from __future__ import annotations

import contextlib
import html
import json
import os
import re
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

from fastapi import HTTPException

from .errors import ServiceError

_UNSAFE = re.compile(r"[^\w.\-\u4e00-\u9fff]+")


def too_large(limit: int) -> ServiceError:
    return ServiceError(f"上传的内容超过 {limit // (1024 * 1024)} MB 的上限", code="upload-too-large", status=413,
                        hint="把台账拆成几个文件分别检查，或请管理员用 --max-upload-mb 调高上限")


class BodyLimit:
    """ASGI middleware: a request body over ``limit`` bytes is answered 413 — at once when its
    Content-Length says so, or as soon as that many bytes have arrived."""

    def __init__(self, app, limit: int) -> None:  # noqa: ANN001 - any ASGI app
        self.app, self.limit = app, limit
        self.fastapi = None  # the FastAPI app inside, set by create_app

    async def __call__(self, scope, receive, send) -> None:  # noqa: ANN001
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        length = dict(scope.get("headers") or []).get(b"content-length")
        if length is not None and length.isdigit() and int(length) > self.limit:
            await self._refuse(scope, send)
            return
        seen = 0
        started = False

        async def counting_receive():  # noqa: ANN202
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.limit:
                    raise _Oversized
            return message

        async def watching_send(message) -> None:  # noqa: ANN001
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counting_receive, watching_send)
        except _Oversized:
            if not started:
                await self._refuse(scope, send)

    async def _refuse(self, scope, send) -> None:  # noqa: ANN001
        """JSON for the API; for the web page a short page in Chinese with the way back."""
        from .errors import error_body

        error = too_large(self.limit)
        if scope.get("path", "").startswith("/api/"):
            body, media = json.dumps(error_body(error), ensure_ascii=False).encode(), b"application/json"
        else:
            body = (f'<!doctype html><html lang="zh-CN"><meta charset="utf-8"><title>文件太大</title>'
                    f'<link rel="stylesheet" href="/static/style.css"><main><section class="card">'
                    f'<div class="error" role="alert" id="upload-error"><strong>无法检查：</strong>{html.escape(error.message)}'
                    f' <code>[{error.code}]</code><div class="hint">提示：{html.escape(error.hint or "")}</div></div>'
                    f'<p><a href="/">返回上传页面</a></p></section></main></html>').encode()
            media = b"text/html; charset=utf-8"
        await send({"type": "http.response.start", "status": 413,
                    "headers": [(b"content-type", media), (b"connection", b"close")]})
        await send({"type": "http.response.body", "body": body})


class _Oversized(HTTPException):
    """Raised from ``receive``: FastAPI lets an HTTPException through its body parsing to our handler."""

    def __init__(self) -> None:
        super().__init__(413)


def safe_name(name: str | None, default: str) -> str:
    """A file name to save an upload under: the client's base name, its odd characters replaced."""
    base = Path((name or "").replace("\\", "/")).name
    base = _UNSAFE.sub("_", base).strip("._")[:120]
    return base or default


@contextlib.contextmanager
def private_dir() -> Iterator[Path]:
    """A temp dir only this process's user can read (mode 0700), removed with all it holds."""
    path = Path(tempfile.mkdtemp(prefix="qianqi-upload-"))
    os.chmod(path, 0o700)
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)
