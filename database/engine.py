"""Engine set-up and in-code migrations.

Every connection gets WAL, foreign keys, synchronous FULL and a busy timeout. Migrations run
at start-up on one connection, after a backup copy of an existing file.
"""

from __future__ import annotations

import contextlib
import os
import random
import re
import sqlite3
import time
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Connection, Engine, create_engine, event, inspect, text
from sqlalchemy.exc import DBAPIError

from desktop_app.domain.errors import StoreBusy

if TYPE_CHECKING:
    from alembic.config import Config

# Alembic is imported only when a migration has to run: it costs a fifth of the start-up time.
_REVISION = re.compile(r"^revision\s*(?::\s*str\s*)?=\s*[\"']([^\"']+)[\"']", re.MULTILINE)
_DOWN = re.compile(r"^down_revision\s*(?::[^=]+)?=\s*(None|[\"']([^\"']+)[\"'])", re.MULTILINE)

MIGRATIONS_PACKAGE = "database"

# Two programs on one data folder (a second window, a scheduled baoxue-cli): a write takes SQLite's
# write lock when its transaction begins (BEGIN IMMEDIATE), waiting up to the busy timeout and then
# retrying until WRITE_WAIT_SECONDS have passed; after that it gives up with ``StoreBusy``.
BUSY_TIMEOUT_MS = 10_000
WRITE_WAIT_SECONDS = 60.0
WRITE = {"sqlite_begin": "immediate"}  # execution options of a writing engine (``Store.write``)


def is_busy(exc: BaseException) -> bool:
    """Whether ``exc`` (a DBAPIError or sqlite3 error) is SQLite saying another connection holds the lock."""
    text_ = str(getattr(exc, "orig", exc)).lower()
    return "database is locked" in text_ or "database is busy" in text_ or "database table is locked" in text_


def _begin_immediate(conn: Connection) -> None:
    deadline = time.monotonic() + WRITE_WAIT_SECONDS
    while True:
        try:
            conn.exec_driver_sql("BEGIN IMMEDIATE")
            return
        except DBAPIError as exc:
            if not is_busy(exc):
                raise
            if time.monotonic() >= deadline:
                raise StoreBusy() from exc
        time.sleep(0.1 + random.random() * 0.4)  # noqa: S311 - jitter, not a secret


def migrations_dir() -> Path:
    return Path(str(resources.files(MIGRATIONS_PACKAGE) / "migrations"))


def make_engine(path: Path) -> Engine:
    engine = create_engine(f"sqlite:///{path}", connect_args={"timeout": BUSY_TIMEOUT_MS / 1000})

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: sqlite3.Connection, _record: object) -> None:
        # Let SQLAlchemy emit BEGIN itself (pysqlite's own transaction handling is off).
        dbapi_connection.isolation_level = None
        cur = dbapi_connection.cursor()
        cur.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")  # first: turning WAL on may wait for a lock
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA synchronous=FULL")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        if conn.get_execution_options().get("sqlite_begin") == "immediate":
            _begin_immediate(conn)  # a write: take the lock now, never half-way through (SQLITE_BUSY)
        else:
            conn.exec_driver_sql("BEGIN")

    return engine


def alembic_config() -> Config:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(migrations_dir()))
    return cfg


def revisions() -> dict[str, str | None]:
    """Every migration's revision and the one it follows, read from the scripts' text."""
    found: dict[str, str | None] = {}
    for path in (migrations_dir() / "versions").glob("*.py"):
        source = path.read_text(encoding="utf-8")
        rev, down = _REVISION.search(source), _DOWN.search(source)
        if rev and down:
            found[rev.group(1)] = down.group(2)
    return found


def head_revision() -> str:
    """The single head of the migration history; a branched history is refused."""
    revs = revisions()
    heads = set(revs) - {d for d in revs.values() if d}
    if len(heads) != 1:
        raise RuntimeError(f"migrations have {len(heads)} heads; exactly one is allowed: {sorted(heads)}")
    return heads.pop()


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        if not inspect(conn).has_table("alembic_version"):
            return None
        return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Upgrade the store to ``revision`` on one connection, in one transaction."""
    from alembic import command

    head_revision()  # refuse a branched history before touching anything
    cfg = alembic_config()
    with engine.execution_options(**WRITE).begin() as conn:  # a second program waits, then finds it done
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)


def copy_checked(source: Path, target: Path) -> str:
    """Copy a live SQLite file over ``target`` with the online backup API; the copy's integrity_check
    result ("ok" when sound)."""
    src = sqlite3.connect(source)
    try:
        dst = sqlite3.connect(target)
        try:
            src.backup(dst)
            return str(dst.execute("PRAGMA integrity_check").fetchone()[0])
        finally:
            dst.close()
    finally:
        src.close()


def make_private(path: Path) -> None:
    """A store file and its -wal and -shm companions readable by their owner only (POSIX)."""
    if os.name != "posix":
        return
    for p in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        with contextlib.suppress(OSError):
            p.chmod(0o600)


def backup_file(source: Path, target: Path) -> None:
    """Copy a live SQLite file with the online backup API and check the copy.

    The copy is written as ``.<name>.<pid>.part`` (0600) and renamed when checked, so a copy cut short
    (the program killed) is never taken for a backup; the next start removes it."""
    if not target.parent.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        if os.name == "posix":
            target.parent.chmod(0o700)
    part = target.with_name(f".{target.name}.{os.getpid()}.part")
    part.unlink(missing_ok=True)
    os.close(os.open(part, os.O_CREAT | os.O_EXCL | os.O_WRONLY | getattr(os, "O_BINARY", 0), 0o600))
    try:
        ok = copy_checked(source, part)
        if ok != "ok":
            raise RuntimeError(f"backup copy failed its integrity check: {ok}")
        os.replace(part, target)
    finally:
        part.unlink(missing_ok=True)
