"""The schema comes from versioned Alembic migrations, and they match the tables the code uses."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from qianqi_rules.service import db


def _migrated(url: str):
    engine = db.make_engine(url)
    db.migrate(engine)
    db.migrate(engine)  # a second start-up finds nothing to do
    return engine


def test_migrations_match_the_models(db_url: str) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    engine = _migrated(db_url)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar() == "0001"
        diff = compare_metadata(MigrationContext.configure(conn), db.metadata)
    assert diff == [], "write a new migration in service/migrations/versions/ for these changes"
    engine.dispose()


def test_a_claim_id_is_unique_per_project(sqlite_url: str) -> None:
    from sqlalchemy.exc import IntegrityError

    engine = _migrated(sqlite_url)
    row = {"project_code": "P", "seq": 1, "claim_id": "c", "content_sha256": "0" * 64, "entry_json": "{}",
           "findings_json": "[]"}
    with engine.begin() as conn:
        conn.execute(db.projects.insert().values(code="P", project_text="x", last_seq=0))
        conn.execute(db.claims.insert().values(**row))
    with pytest.raises(IntegrityError), engine.begin() as conn:
        conn.execute(db.claims.insert().values(**{**row, "seq": 2}))
    engine.dispose()
