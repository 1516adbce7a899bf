"""Claims: commit and preview against a project's book, idempotent by the client's claim id.

A project's Checker is rebuilt by replaying its committed claims in sequence
order and cached in memory with the sequence it has seen.  A commit is one
transaction: lock the project row, replay what other instances committed since
the cache was made, judge the claim with ``check(commit=True)``, insert the
claim row, commit.  If anything fails the cached Checker is thrown away (it may
hold a claim the database does not), and the next request rebuilds it.
"""

from __future__ import annotations

import hashlib
import json
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, insert, select, update
from sqlalchemy.exc import IntegrityError

from .. import Checker, Project, Report, RulePack, load_project
from ..errors import QianqiError
from . import db
from .errors import ServiceError
from .uploads import private_dir


def canonical(entry: dict[str, Any]) -> str:
    """The entry as stored and compared: sorted keys, no spacing differences."""
    return json.dumps(entry, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str)


def claim_entry(entry: dict[str, Any], seq: int, claim_id: str) -> dict[str, Any]:
    """What the Checker is given: the row is the claim's sequence, the entry id the claim id unless sent."""
    return {**entry, "row": seq, "entry_id": entry.get("entry_id") or claim_id}


def parse_project(text: str | bytes, pack: RulePack, name: str = "project.yaml") -> Project:
    """A project file → :class:`Project`, through the library's own loader and its coded errors
    (their file named as uploaded, not by the private temp dir it was read from)."""
    with private_dir() as folder:
        path = folder / name
        if isinstance(text, bytes):
            path.write_bytes(text)
        else:
            path.write_text(text, encoding="utf-8")
        try:
            return load_project(path, pack)
        except QianqiError as exc:
            raise relative(exc, folder) from None


def project_text(raw: bytes) -> str:
    """The text stored for a project file that has loaded (so it is UTF-8, with or without BOM)."""
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ServiceError("项目文件不是 UTF-8 编码", code="project-encoding", status=422,
                           hint="用记事本或 VS Code 把项目文件另存为 UTF-8 编码后再上传") from None


def relative(exc: QianqiError, folder: Path) -> QianqiError:
    """``exc`` with its position's file named relative to ``folder`` (an upload's private dir)."""
    if exc.position is not None and exc.position.path.startswith(str(folder)):
        exc.position = type(exc.position)(Path(exc.position.path).name, exc.position.line, exc.position.column)
    for inner in getattr(exc, "errors", None) or ():
        relative(inner, folder)
    return exc


@dataclass
class Outcome:
    claim_id: str
    seq: int | None
    committed: bool
    replay: bool
    findings: list[dict[str, Any]]


@dataclass
class _Book:
    project: Project
    checker: Checker
    seq: int
    lock: threading.Lock = field(default_factory=threading.Lock)


class Ledgers:
    """Every project's book, for one service process; many threads may use it at once."""

    def __init__(self, engine: Engine, pack: RulePack, cached_projects: int = 200) -> None:
        self.engine, self.pack, self.cached_projects = engine, pack, cached_projects
        self._books: dict[str, _Book] = {}
        self._guard = threading.Lock()
        self._project_locks: dict[str, threading.Lock] = {}

    # ------------------------------------------------------------------ projects
    def register(self, raw: bytes, name: str = "project.yaml") -> tuple[Project, bool]:
        """Store a project file; ``True`` when new.  The same file again is fine; another file under
        the same code is refused (its claims were judged against the first)."""
        project = parse_project(raw, self.pack, name)
        text = project_text(raw)
        with self.engine.begin() as conn:
            row = conn.execute(select(db.projects.c.project_text).where(db.projects.c.code == project.code)).first()
            if row is None:
                try:
                    conn.execute(insert(db.projects).values(code=project.code, project_text=text, last_seq=0))
                    return project, True
                except IntegrityError:
                    row = conn.execute(select(db.projects.c.project_text)
                                       .where(db.projects.c.code == project.code)).first()
        if row is not None and row[0] != text:
            raise ServiceError(f"项目 {project.code} 已登记，且项目文件不同", code="project-conflict", status=409,
                               hint="已登记项目的报销记录是按原项目文件检查的；新的项目文件请换一个项目编号登记")
        return project, False

    def _lock_for(self, code: str) -> threading.Lock:
        with self._guard:
            return self._project_locks.setdefault(code, threading.Lock())

    def _load(self, conn: Connection, code: str) -> _Book:
        """The cached book brought up to the database (replaying newer claims), or a new one."""
        book = self._books.get(code)
        if book is None:
            row = conn.execute(select(db.projects.c.project_text).where(db.projects.c.code == code)).first()
            if row is None:
                raise unknown_project(code)
            project = parse_project(row[0], self.pack)
            book = _Book(project, Checker(project, self.pack), 0)
        newer = conn.execute(select(db.claims.c.seq, db.claims.c.claim_id, db.claims.c.entry_json)
                             .where(db.claims.c.project_code == code, db.claims.c.seq > book.seq)
                             .order_by(db.claims.c.seq)).all()
        for seq, claim_id, entry_json in newer:
            if seq != book.seq + 1:
                raise ServiceError(f"项目 {code} 的报销记录序号不连续（缺第 {book.seq + 1} 条）",
                                   code="store-inconsistent", status=500)
            book.checker.add(claim_entry(json.loads(entry_json), seq, claim_id))
            book.seq = seq
        with self._guard:  # most recently used last; the least recently used book is dropped past the limit
            self._books.pop(code, None)
            self._books[code] = book
            while len(self._books) > self.cached_projects:
                self._books.pop(next(iter(self._books)))
        return book

    def _stored(self, conn: Connection, code: str, claim_id: str) -> tuple[int, str, str] | None:
        c = db.claims.c
        return conn.execute(select(c.seq, c.content_sha256, c.findings_json)
                            .where(c.project_code == code, c.claim_id == claim_id)).first()

    @staticmethod
    def _same_or_conflict(stored: tuple[int, str, str], claim_id: str, digest: str) -> Outcome:
        seq, stored_digest, findings = stored
        if stored_digest != digest:
            raise ServiceError(f"报销记录 {claim_id} 已经提交过，内容与这次不同", code="claim-conflict", status=409,
                               hint="同一个编号只能对应一笔报销；新的报销请换一个编号")
        return Outcome(claim_id, seq, True, True, json.loads(findings))

    # ------------------------------------------------------------------ claims
    def submit(self, code: str, claim_id: str, entry: dict[str, Any], *, commit: bool) -> Outcome:
        """Judge a claim; with ``commit`` book it, exactly once whatever is sent again."""
        text = canonical(entry)
        digest = hashlib.sha256(text.encode()).hexdigest()
        return self._commit(code, claim_id, entry, text, digest) if commit else self._preview(code, claim_id, entry, digest)

    def _preview(self, code: str, claim_id: str, entry: dict[str, Any], digest: str) -> Outcome:
        """Judged under the project's lock: a commit in this process that fails after its claim reached
        the cached Checker discards it before any preview can see it."""
        with self._lock_for(code):
            with self.engine.connect() as conn, conn.begin():
                stored = self._stored(conn, code, claim_id)
                if stored is not None:
                    return self._same_or_conflict(stored, claim_id, digest)
                book = self._fresh(conn, code)
            violations = book.checker.check(claim_entry(entry, book.seq + 1, claim_id), commit=False)
        return Outcome(claim_id, None, False, False, [v.model_dump(mode="json") for v in violations])

    def _fresh(self, conn: Connection, code: str) -> _Book:
        try:
            return self._load(conn, code)
        except BaseException:
            self._books.pop(code, None)
            raise

    def _commit(self, code: str, claim_id: str, entry: dict[str, Any], text: str, digest: str) -> Outcome:
        with self._lock_for(code):
            try:
                with db.locked_project(self.engine, code) as (conn, last_seq):
                    if last_seq is None:
                        raise unknown_project(code)
                    stored = self._stored(conn, code, claim_id)
                    if stored is not None:
                        return self._same_or_conflict(stored, claim_id, digest)
                    book = self._load(conn, code)
                    seq = last_seq + 1
                    if book.seq != last_seq:
                        raise ServiceError(f"项目 {code} 的记录与数据库不一致", code="store-inconsistent", status=500)
                    violations = book.checker.check(claim_entry(entry, seq, claim_id), commit=True)
                    book.seq = seq  # the checker now holds the claim; undone below if the commit fails
                    findings = [v.model_dump(mode="json") for v in violations]
                    conn.execute(insert(db.claims).values(
                        project_code=code, seq=seq, claim_id=claim_id, content_sha256=digest, entry_json=text,
                        findings_json=json.dumps(findings, ensure_ascii=False)))
                    conn.execute(update(db.projects).where(db.projects.c.code == code).values(last_seq=seq))
            except BaseException:
                self._books.pop(code, None)
                raise
        return Outcome(claim_id, seq, True, False, findings)

    def report(self, code: str) -> Report:
        """The report over every committed claim of the project."""
        with self._lock_for(code), self.engine.connect() as conn, conn.begin():
            book = self._fresh(conn, code)
        return book.checker.report()

    def committed(self, code: str) -> list[tuple[int, str, str]]:
        """Every committed claim of the project: (seq, claim id, findings JSON), in order."""
        self.claim_count(code)
        c = db.claims.c
        with self.engine.connect() as conn:
            return [tuple(r) for r in conn.execute(select(c.seq, c.claim_id, c.findings_json)
                                                   .where(c.project_code == code).order_by(c.seq))]

    def project(self, code: str) -> Project:
        with self.engine.connect() as conn:
            row = conn.execute(select(db.projects.c.project_text).where(db.projects.c.code == code)).first()
        if row is None:
            raise unknown_project(code)
        return parse_project(row[0], self.pack)

    def claim_count(self, code: str) -> int:
        with self.engine.connect() as conn:
            row = conn.execute(select(db.projects.c.last_seq).where(db.projects.c.code == code)).first()
        if row is None:
            raise unknown_project(code)
        return row[0]


def unknown_project(code: str) -> ServiceError:
    return ServiceError(f"项目 {code} 尚未登记", code="project-unknown", status=404,
                        hint="先用 POST /api/projects 上传项目文件登记项目")


__all__ = ["Ledgers", "Outcome", "canonical", "claim_entry", "parse_project"]
