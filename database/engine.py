"""Engine set-up and in-code migrations.

The store is an SQLCipher 4 file (AES-256) opened with a raw 256-bit key, so opening costs no key
derivation. Every connection gets the key first, then WAL, foreign keys, synchronous FULL and a
busy timeout. Migrations run at start-up on one connection, after a backup copy of an existing file.
"""

from __future__ import annotations

import contextlib
import os
import re
import sqlite3
from collections.abc import Iterator
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

import sqlcipher3.dbapi2 as sqlcipher
from sqlalchemy import Connection, Engine, create_engine, event, inspect, text

if TYPE_CHECKING:
    from alembic.config import Config

# Alembic is imported only when a migration has to run: it costs a fifth of the start-up time.
_REVISION = re.compile(r"^revision\s*(?::\s*str\s*)?=\s*[\"']([^\"']+)[\"']", re.MULTILINE)
_DOWN = re.compile(r"^down_revision\s*(?::[^=]+)?=\s*(None|[\"']([^\"']+)[\"'])", re.MULTILINE)

MIGRATIONS_PACKAGE = "database"


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


def make_engine(path: Path, key: bytes | None = None) -> Engine:
    """The engine of the store at ``path``, encrypted with ``key`` (None only for a plain file
    being converted)."""

    def creator() -> sqlcipher.Connection:
        return connect(path, key, timeout=10, check_same_thread=False)

    # The pysqlite dialect over sqlcipher3's DB-API module (same interface); the URL's path picks
    # the file pool, the creator keys each connection before anything else runs on it.
    # LIFO: the connection used last (whose page cache is warm) serves the next query.
    engine = create_engine(f"sqlite:///{path}", creator=creator, module=sqlcipher, pool_use_lifo=True)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: sqlcipher.Connection, _record: object) -> None:
        # Let SQLAlchemy emit BEGIN itself (pysqlite's own transaction handling is off).
        dbapi_connection.isolation_level = None
        cur = dbapi_connection.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA synchronous=FULL")
        cur.execute("PRAGMA busy_timeout=10000")
        cur.execute("PRAGMA temp_store=MEMORY")  # no temporary file outside the encrypted store
        if key:
            # SQLCipher decrypts (and authenticates) every page it reads from the file; the operating
            # system's cache that makes re-reading a plain file cheap cannot help, so the pages a
            # query touches are kept decrypted in SQLite's own cache (allocated as used).
            cur.execute(f"PRAGMA cache_size = -{CACHE_KIB}")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
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
    with engine.begin() as conn:
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


def backup_file(source: Path, target: Path, key: bytes) -> None:
    """Copy the live store with the online backup API (still encrypted) and check the copy."""
    target.parent.mkdir(parents=True, exist_ok=True)
    ok = copy_checked(source, target, key)
    if ok != "ok":
        target.unlink(missing_ok=True)
        raise RuntimeError(f"backup copy failed its integrity check: {ok}")


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
