"""Engine set-up and in-code migrations.

The store is an SQLCipher 4 file (AES-256) opened with a raw 256-bit key, so opening costs no key
derivation. Every connection gets the key first, then WAL, foreign keys, synchronous FULL and a
busy timeout. Migrations run at start-up on one connection, after a backup copy of an existing file.
"""

from __future__ import annotations

import contextlib
import os
import random
import re
import sqlite3
import time
from collections.abc import Iterator
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

import sqlcipher3.dbapi2 as sqlcipher
from sqlalchemy import URL, Connection, Engine, create_engine, event, inspect, make_url, text
from sqlalchemy.exc import DBAPIError

from database.postgres import SERVER_MINIMUM as SERVER_MINIMUM  # the server's half, re-exported
from database.postgres import ServerConnection as ServerConnection
from database.postgres import check_server as check_server
from database.postgres import make_server_engine as make_server_engine
from database.postgres import sqlite_form as sqlite_form
from database.postgres import stored_text as stored_text
from database.postgres import to_server_sql as to_server_sql
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
    """Whether ``exc`` (a DBAPIError or a driver error) is SQLite saying another connection holds the lock."""
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


SQLITE_MAGIC = b"SQLite format 3\x00"
KEY_BYTES = 32
CIPHER_LABEL = "SQLCipher 4（AES-256）"
CACHE_KIB = 128 * 1024  # page cache per connection of the encrypted store (KiB)
# The errors of the encrypted store's driver (sqlcipher3 has the same DB-API classes as sqlite3, but
# its own: code that may meet either driver catches both).
DatabaseError = sqlcipher.DatabaseError
DRIVER_ERRORS: tuple[type[Exception], ...] = (sqlite3.Error, sqlcipher.Error)
DRIVER_DATABASE_ERRORS: tuple[type[Exception], ...] = (sqlite3.DatabaseError, sqlcipher.DatabaseError)


def _key_pragma(key: bytes, schema: str = "") -> str:
    if len(key) != KEY_BYTES:
        raise ValueError("store key must be 32 bytes")
    return f"PRAGMA {schema + '.' if schema else ''}key = \"x'{key.hex()}'\""


def connect(path: Path | str, key: bytes | None, **kwargs: object) -> sqlcipher.Connection:
    """A DB-API connection to the store file, keyed (``key`` None: a plain SQLite file).

    SQLCipher's own log is silenced: a wrong key is reported to the user by the caller, in Chinese.
    """
    conn = sqlcipher.connect(str(path), **kwargs)  # type: ignore[arg-type]
    conn.execute("PRAGMA cipher_log_level = NONE")
    if key:
        conn.execute(_key_pragma(key))
    return conn


def is_plain(path: Path) -> bool:
    """Whether ``path`` is an unencrypted SQLite file (a store of a version before encryption)."""
    try:
        with open(path, "rb") as fh:
            return fh.read(len(SQLITE_MAGIC)) == SQLITE_MAGIC
    except OSError:
        return False


WAL_AUTOCHECKPOINT = 1000  # pages in the write-ahead log after which a commit moves them into the file (SQLite's)
_CHECKPOINT_LATER = "baoxue_checkpoint_later"


def checkpoint_later(conn: Connection) -> None:
    """A large write on the store file: its commit does not also move the log's pages into the file (the
    checkpoint, a second write of every page), which the caller has done beside the user's next steps
    instead (``Store.checkpoint_soon``). The connection checkpoints as usual again once it is given back.
    No effect on a server."""
    if is_server(conn):
        return
    conn.exec_driver_sql("PRAGMA wal_autocheckpoint=0")
    conn.info[_CHECKPOINT_LATER] = True


def make_engine(path: Path, key: bytes | None = None) -> Engine:
    """The engine of the store at ``path``, encrypted with ``key`` (None only for a plain file
    being converted)."""

    def creator() -> sqlcipher.Connection:
        return connect(path, key, timeout=BUSY_TIMEOUT_MS / 1000, check_same_thread=False)

    # The pysqlite dialect over sqlcipher3's DB-API module (same interface); the URL's path picks
    # the file pool, the creator keys each connection before anything else runs on it.
    # LIFO: the connection used last (whose page cache is warm) serves the next query.
    engine = create_engine(f"sqlite:///{path}", creator=creator, module=sqlcipher, pool_use_lifo=True)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: sqlcipher.Connection, _record: object) -> None:
        # Let SQLAlchemy emit BEGIN itself (pysqlite's own transaction handling is off).
        dbapi_connection.isolation_level = None
        cur = dbapi_connection.cursor()
        cur.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")  # first: turning WAL on may wait for a lock
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA synchronous=FULL")
        cur.execute("PRAGMA temp_store=MEMORY")  # no temporary file outside the encrypted store
        if key:
            # SQLCipher decrypts (and authenticates) every page it reads from the file; the operating
            # system's cache that makes re-reading a plain file cheap cannot help, so the pages a
            # query touches are kept decrypted in SQLite's own cache (allocated as used).
            cur.execute(f"PRAGMA cache_size = -{CACHE_KIB}")
        cur.close()

    @event.listens_for(engine, "checkin")
    def _on_checkin(dbapi_connection: sqlcipher.Connection | None, record: Any) -> None:
        if record is not None and record.info.pop(_CHECKPOINT_LATER, False) and dbapi_connection is not None:
            dbapi_connection.execute(f"PRAGMA wal_autocheckpoint={WAL_AUTOCHECKPOINT}")

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        if conn.get_execution_options().get("sqlite_begin") == "immediate":
            _begin_immediate(conn)  # a write: take the lock now, never half-way through (SQLITE_BUSY)
        else:
            conn.exec_driver_sql("BEGIN")

    return engine


# ---------------------------------------------------------------------------------------------------
# The district's store on a PostgreSQL server (14 or newer): the same models and migrations, through
# psycopg 3. Several programs on several PCs write at once; every write is one transaction.

SERVER_SCHEMES = ("postgresql", "postgres")


def is_server_url(url: str | None) -> bool:
    """Whether ``url`` names a PostgreSQL database (``postgresql://…``, ``postgresql+psycopg://…``)."""
    return bool(url) and str(url).split(":", 1)[0].split("+", 1)[0].lower() in SERVER_SCHEMES


def shown_url(url: str | URL) -> str:
    """The URL without its password (for messages and 关于)."""
    return (make_url(url) if isinstance(url, str) else url).render_as_string(hide_password=True)


def is_server(engine: Engine | Connection) -> bool:
    return engine.dialect.name == "postgresql"


def dbapi(conn: Connection) -> Any:
    """The driver connection under an SQLAlchemy connection, for code that speaks sqlite3's DB-API
    (``conn.execute(sql, params)`` with ``?`` placeholders): the SQLite connection itself, or on the
    server a ``ServerConnection`` that translates."""
    raw = conn.connection.driver_connection
    return ServerConnection(raw) if is_server(conn) else raw


SERVER_CONFLICT_STATES = ("40P01", "40001")  # deadlock detected, serialization failure


def is_server_conflict(exc: BaseException) -> bool:
    """Whether the server undid this transaction because it collided with another's (deadlock, serialization)."""
    return getattr(getattr(exc, "orig", exc), "sqlstate", None) in SERVER_CONFLICT_STATES


def is_unique_violation(exc: BaseException) -> bool:
    """Whether ``exc`` is the server refusing a key another transaction holds already (unique violation)."""
    return getattr(getattr(exc, "orig", exc), "sqlstate", None) == "23505"


def has_table(conn: Any, name: str) -> bool:
    """Whether table ``name`` exists, on an SQLAlchemy connection, a ``ServerConnection`` or an SQLite
    DB-API connection."""
    if isinstance(conn, Connection):
        return bool(inspect(conn).has_table(name))
    if isinstance(conn, ServerConnection):
        return conn.execute("SELECT to_regclass(?) IS NOT NULL", (name,)).fetchone()[0]
    return bool(conn.execute("SELECT count(*) FROM sqlite_master WHERE type='table' AND name=?", (name,)).fetchone()[0])


def table_names(conn: Any) -> list[str]:
    """The tables of the store (an SQLite DB-API connection or a ``ServerConnection``)."""
    if isinstance(conn, ServerConnection):
        return [r[0] for r in conn.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()").fetchall()]
    return [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall()]


UPGRADE_LOCK = 0x6261_6F79
CHAIN_LOCK = 0x6261_6F78  # "baox": the advisory lock that serialises appends to the history chain


def lock_chain(conn: Connection) -> None:
    """Serialise appends to the history chain on the server until this transaction ends (two staff
    writing at once each read the last row's hash and would fork the chain); SQLite's write
    transaction already serialises them."""
    if is_server(conn):
        conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({CHAIN_LOCK})")
        # A sequence is not rolled back with a transaction: a write that failed after taking history ids
        # (a package refused half-way) would leave a gap, which verify reads as deleted history. Under the
        # lock only this transaction appends, so the next id is set to follow the last row, as on SQLite.
        conn.exec_driver_sql("SELECT setval(pg_get_serial_sequence('audit_log', 'id'), "
                             "(SELECT coalesce(max(id), 0) + 1 FROM audit_log), false)")


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
        if is_server(conn):  # two PCs starting at once: the second waits for the first one's upgrade
            conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({UPGRADE_LOCK})")
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)


@contextlib.contextmanager
def _closing(conn: sqlcipher.Connection) -> Iterator[sqlcipher.Connection]:
    try:
        yield conn
    finally:
        conn.close()


def copy_checked(source: Path, target: Path, key: bytes) -> str:
    """Copy the live encrypted store over ``target`` (encrypted with the same key) with the online
    backup API; the copy's integrity_check result ("ok" when sound)."""
    with _closing(connect(source, key)) as src, _closing(connect(target, key)) as dst:
        src.backup(dst)
        return str(dst.execute("PRAGMA integrity_check").fetchone()[0])


def make_private(path: Path) -> None:
    """A store file and its -wal and -shm companions readable by their owner only (POSIX)."""
    if os.name != "posix":
        return
    for p in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        with contextlib.suppress(OSError):
            p.chmod(0o600)


def backup_file(source: Path, target: Path, key: bytes) -> None:
    """Copy the live store with the online backup API (still encrypted) and check the copy.

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
        ok = copy_checked(source, part, key)
        if ok != "ok":
            raise RuntimeError(f"backup copy failed its integrity check: {ok}")
        os.replace(part, target)
    finally:
        part.unlink(missing_ok=True)


def encrypt_copy(source: Path, target: Path, key: bytes, source_key: bytes | None = None) -> str:
    """Write ``source`` (a plain SQLite file, or one encrypted with ``source_key``) to ``target``
    encrypted with ``key`` (SQLCipher's sqlcipher_export); the copy's integrity_check result."""
    target.unlink(missing_ok=True)
    with _closing(connect(source, source_key)) as src:
        src.isolation_level = None
        src.execute(f"ATTACH DATABASE ? AS enc KEY \"x'{key.hex()}'\"", (str(target),))
        src.execute("SELECT sqlcipher_export('enc')")
        version = src.execute("PRAGMA main.user_version").fetchone()[0]
        src.execute(f"PRAGMA enc.user_version = {int(version)}")
        src.execute("DETACH DATABASE enc")
    with _closing(connect(target, key)) as dst:
        return str(dst.execute("PRAGMA integrity_check").fetchone()[0])


def rekey(path: Path, old: bytes, new: bytes) -> None:
    """Re-encrypt the store file at ``path`` (no other connection open) from ``old`` to ``new``."""
    with _closing(connect(path, old)) as conn:
        conn.isolation_level = None
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        conn.execute(_key_pragma(new).replace("PRAGMA key", "PRAGMA rekey"))


def opens_with(path: Path, key: bytes) -> bool:
    """Whether ``key`` opens the encrypted file at ``path``."""
    try:
        with _closing(connect(path, key)) as conn:
            conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        return True
    except sqlcipher.DatabaseError:
        return False


def private_file(path: Path) -> None:
    """Make ``path`` readable by its owner only (POSIX; Windows keeps the folder's rights)."""
    with contextlib.suppress(OSError):
        os.chmod(path, 0o600)
