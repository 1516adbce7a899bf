"""``qianqi-rules serve``: the HTTP API for platforms and the web page for finance officers.

Needs the ``serve`` extra (``pip install 'qianqi-rules[serve]'``).  Uses only the
library's public API; its durable state is the committed claims themselves.
"""

from __future__ import annotations

SERVE_MODULES = ("fastapi", "uvicorn", "jinja2", "multipart", "sqlalchemy", "alembic")


def missing_modules() -> list[str]:
    """The modules of the ``serve`` extra that cannot be imported here."""
    import importlib.util

    return [m for m in SERVE_MODULES if importlib.util.find_spec(m) is None]
