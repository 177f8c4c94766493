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
