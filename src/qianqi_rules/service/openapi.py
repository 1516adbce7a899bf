"""``python -m qianqi_rules.service.openapi``: print the OpenAPI schema (kept in docs/openapi.json)."""

from __future__ import annotations

import json


def schema() -> dict:
    from .app import Settings, create_app

    app = create_app(Settings(db_url="sqlite://"))
    return app.fastapi.openapi()


if __name__ == "__main__":
    print(json.dumps(schema(), ensure_ascii=False, indent=2))
