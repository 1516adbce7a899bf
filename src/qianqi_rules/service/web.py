"""The web page for finance officers (Chinese, server-rendered with Jinja2 and htmx)."""

from __future__ import annotations

from fastapi import FastAPI


def mount(app: FastAPI) -> None:
    @app.get("/health", include_in_schema=False)
    def health() -> dict:
        return {"ok": True}
