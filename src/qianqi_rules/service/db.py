"""The durable store: projects, their committed claims, web checks and officers' reviews.

The claims are the state.  Nothing of the Checker's internals is stored: a
project's Checker is rebuilt by replaying its committed claims in sequence
order (:mod:`.claims`), so the engine can change shape without a data migration.

SQLite (the default, one file) and PostgreSQL (several service instances) are
both supported.  A commit locks the project first — ``SELECT … FOR UPDATE`` on
PostgreSQL, ``BEGIN IMMEDIATE`` on SQLite — so two commits of one project are
judged one after the other, whichever instance receives them.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

from sqlalchemy import (
    Column,
    Connection,
    DateTime,
    Engine,
    ForeignKey,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    create_engine,
    event,
    func,
    text,
)
from sqlalchemy import Table as _Table

DEFAULT_DB = "sqlite:///qianqi-rules.db"
metadata = MetaData()

projects = _Table(
    "projects", metadata,
    Column("code", String(200), primary_key=True),
    Column("project_text", Text, nullable=False),  # the project file as uploaded (YAML)
    Column("last_seq", Integer, nullable=False, server_default="0"),  # the last committed claim's sequence
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

claims = _Table(
    "claims", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("project_code", String(200), ForeignKey("projects.code"), nullable=False),
    Column("seq", Integer, nullable=False),  # 1, 2, … per project: the order claims are replayed in
    Column("claim_id", String(200), nullable=False),  # chosen by the client: the idempotency key
    Column("content_sha256", String(64), nullable=False),
    Column("entry_json", Text, nullable=False),  # the entry as sent (canonical JSON)
    Column("findings_json", Text, nullable=False),  # the findings it got when committed
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    UniqueConstraint("project_code", "claim_id", name="uq_claims_project_claim"),
    UniqueConstraint("project_code", "seq", name="uq_claims_project_seq"),
)

checks = _Table(
    "checks", metadata,
    Column("id", String(32), primary_key=True),
    Column("ledger_name", String(300), nullable=False),
    Column("ledger", LargeBinary, nullable=False),
    Column("project_name", String(300), nullable=False),
    Column("project_text", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

reviews = _Table(
    "reviews", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("check_id", String(32), ForeignKey("checks.id"), nullable=False),
    Column("finding_key", String(300), nullable=False),  # rule id + rows: stable across re-checks
    Column("rule_id", String(50), nullable=False),
    Column("row", Integer, nullable=False),
    Column("status", String(20), nullable=False),  # confirmed | dismissed | waived
    Column("reason", Text, nullable=False, server_default=""),
    Column("approved_by", String(200), nullable=False, server_default=""),
    Column("until", String(10), nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    UniqueConstraint("check_id", "finding_key", name="uq_reviews_check_finding"),
)


def make_engine(url: str) -> Engine:
    """An engine for ``url``; SQLite gets WAL, a busy timeout and explicit ``BEGIN``s."""
    if not url.startswith("sqlite"):
        if url.startswith("postgresql://"):
            url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
        return create_engine(url, pool_size=10, max_overflow=20, pool_pre_ping=True)
    engine = create_engine(url, connect_args={"timeout": 60, "check_same_thread": False})

    @event.listens_for(engine, "connect")
    def _connect(dbapi_connection, _record) -> None:  # noqa: ANN001 - DBAPI objects
        dbapi_connection.isolation_level = None  # we issue BEGIN ourselves (pysqlite's own is unreliable)
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(conn: Connection) -> None:
        immediate = conn.get_execution_options().get("sqlite_immediate")
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    return engine


def is_sqlite(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite"


@contextlib.contextmanager
def locked_project(engine: Engine, code: str) -> Iterator[tuple[Connection, int | None]]:
    """A write transaction holding the project's lock; yields it and the project's last sequence
    (``None``: no such project).  Committed when the block ends, rolled back on any exception."""
    options = {"sqlite_immediate": True} if is_sqlite(engine) else {}
    with engine.connect().execution_options(**options) as conn, conn.begin():
        query = "SELECT last_seq FROM projects WHERE code = :code"
        if not is_sqlite(engine):
            query += " FOR UPDATE"
        row = conn.execute(text(query), {"code": code}).first()
        yield conn, (row[0] if row else None)


def migrate(engine: Engine) -> None:
    """Bring the schema to the newest Alembic revision (run at start-up; safe with several instances)."""
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(Path(__file__).parent / "migrations"))
    with engine.connect() as conn:
        if not is_sqlite(engine):
            conn.execute(text("SELECT pg_advisory_lock(7714001)"))  # one instance migrates at a time
            conn.commit()
        try:
            config.attributes["connection"] = conn
            command.upgrade(config, "head")
            conn.commit()
        finally:
            if not is_sqlite(engine):
                conn.execute(text("SELECT pg_advisory_unlock(7714001)"))
                conn.commit()
