"""Reading encrypted store files in tests: a SQL dump, and raw connections with the store key."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path
from sqlite3.dump import _iterdump  # the standard module's dump, which works on any DB-API connection
from typing import Any

from database import engine as db


def iterdump(dbapi_connection: Any) -> Iterator[str]:
    """``Connection.iterdump()`` for a sqlcipher3 connection (which has no method of its own)."""
    return _iterdump(dbapi_connection)  # type: ignore[no-any-return]


@contextlib.contextmanager
def connect(path: Path, key: bytes) -> Iterator[Any]:
    """A raw connection to an encrypted store file or automatic copy (committed when the block ends,
    as ``with sqlite3.connect(...)`` does)."""
    conn = db.connect(path, key)
    try:
        with conn:
            yield conn
    finally:
        conn.close()


def server_dump(store: Any) -> list[str]:
    """Every row of a store on a PostgreSQL server as ``INSERT INTO "table" VALUES(…)`` lines (values in
    SQLite's form), sorted, like ``iterdump`` of a file: to prove a refusal changed nothing."""
    from sqlalchemy import inspect

    lines: list[str] = []
    with store.engine.connect() as conn:
        names = sorted(inspect(conn).get_table_names())
        raw = db.dbapi(conn)
        for name in names:
            for row in raw.execute(f'SELECT * FROM "{name}"').fetchall():
                lines.append(f'INSERT INTO "{name}" VALUES({", ".join(repr(v) for v in row)});')
        conn.rollback()
    return sorted(lines)
