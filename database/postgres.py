"""The district's store on a PostgreSQL server (14 or newer) through psycopg 3: the engine, and the
translation that lets code written for SQLite's DB-API (``?``/``:name`` placeholders, pragmas, values as
SQLite stores them) run there unchanged. ``database.engine`` re-exports what the services use."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterator
from typing import Any

from sqlalchemy import URL, Connection, Engine, create_engine, event, make_url
from sqlalchemy.exc import DisconnectionError

from desktop_app.domain.errors import StoreError

SERVER_MINIMUM = 140000  # server_version_num of PostgreSQL 14


def _qmark_to_format(sql: str, params: object) -> str:
    """Driver SQL written for sqlite3 (``?`` and ``:name`` placeholders) in psycopg's format style.

    ``%`` is doubled everywhere (psycopg reads placeholders inside literals too); placeholders are only
    translated outside quoted literals and identifiers."""
    named = isinstance(params, dict)
    out: list[str] = []
    i, n = 0, len(sql)
    quote = ""
    while i < n:
        ch = sql[i]
        if ch == "%":
            out.append("%%")
        elif quote:
            out.append(ch)
            if ch == quote:
                quote = ""
        elif ch in "'\"":
            quote = ch
            out.append(ch)
        elif ch == "?" and not named:
            out.append("%s")
        elif ch == ":" and named and i + 1 < n and (sql[i + 1].isalpha() or sql[i + 1] == "_") \
                and (i == 0 or sql[i - 1] != ":"):
            j = i + 1
            while j < n and (sql[j].isalnum() or sql[j] == "_"):
                j += 1
            out.append(f"%({sql[i + 1:j]})s")
            i = j
            continue
        elif ch == ":" and i + 1 < n and sql[i + 1] == ":":
            out.append("::")
            i += 2
            continue
        else:
            out.append(ch)
        i += 1
    return "".join(out)


_TRANSLATED: dict[tuple[str, bool], str] = {}


def to_server_sql(sql: str, params: object = None) -> str:
    """``to_server_sql`` with a cache (the same statements run many times)."""
    key = (sql, isinstance(params, dict))
    found = _TRANSLATED.get(key)
    if found is None:
        found = _qmark_to_format(sql, params)
        if len(_TRANSLATED) < 4096:
            _TRANSLATED[key] = found
    return found


def _strip_sqlite_only(sql: str) -> str | None:
    """A statement only SQLite has (a pragma), or None for one to run; SQLite's ``temp.`` schema
    prefix is PostgreSQL's ``pg_temp.``."""
    head = sql.lstrip()[:7].upper()
    if head.startswith("PRAGMA"):
        return None
    return sql.replace(" temp.", " pg_temp.") if " temp." in sql else sql


def stored_text(value: Any) -> Any:
    """A date or time as SQLite stores it (``YYYY-MM-DD HH:MM:SS.ffffff``, ``YYYY-MM-DD``); anything else as is."""
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S.%f")
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def _sqlite_form_adapters() -> Any:
    """psycopg adapters that make a driver-SQL statement on the server see and give values as SQLite
    stores them (what the code written for the file compares, hashes and puts into packages):
    booleans as 0/1, timestamps as ``YYYY-MM-DD HH:MM:SS.ffffff``, dates as ``YYYY-MM-DD``; a Python
    int goes as an untyped literal, so 0/1 also fill a boolean column."""
    from psycopg.adapt import Dumper, Loader

    class BoolAsInt(Loader):
        def load(self, data: Any) -> int:
            return 1 if bytes(data) == b"t" else 0

    class TimestampAsText(Loader):
        def load(self, data: Any) -> str:
            text_ = bytes(data).decode("ascii")
            stamp, _, fraction = text_.partition(".")
            return f"{stamp}.{fraction.ljust(6, '0')[:6]}"

    class DateAsText(Loader):
        def load(self, data: Any) -> str:
            return bytes(data).decode("ascii")

    class IntUntyped(Dumper):
        oid = 0  # unknown: the server takes the column's type (integer or boolean)

        def dump(self, obj: Any) -> bytes:
            return str(int(obj)).encode("ascii")

    return (("bool", BoolAsInt), ("timestamp", TimestampAsText), ("date", DateAsText)), ((int, IntUntyped),)


_SQLITE_FORM: Any = None


def sqlite_form(cursor: Any) -> Any:
    """``cursor`` (psycopg) reading and writing values in SQLite's form (``_sqlite_form_adapters``)."""
    global _SQLITE_FORM  # noqa: PLW0603 - built once, on first use (psycopg imported only for a server)
    if _SQLITE_FORM is None:
        _SQLITE_FORM = _sqlite_form_adapters()
    loaders, dumpers = _SQLITE_FORM
    for name, loader in loaders:
        cursor.adapters.register_loader(name, loader)
    for kind, dumper in dumpers:
        cursor.adapters.register_dumper(kind, dumper)
    return cursor


class ServerConnection:
    """A psycopg connection that runs statements written for sqlite3's DB-API (``?`` and ``:name``
    placeholders, pragmas): what ``dbapi`` hands to code that talks to the driver directly."""

    def __init__(self, conn: Any) -> None:
        self._conn = conn

    def execute(self, sql: str, params: Any = None) -> Any:
        cur = sqlite_form(self._conn.cursor())
        stmt = _strip_sqlite_only(sql)
        if stmt is None:
            return _EmptyCursor()
        if params is None or params == ():
            cur.execute(stmt.replace("%", "%%") if "%" in stmt else stmt, ())
        else:
            cur.execute(to_server_sql(stmt, params), params)
        return cur

    def executemany(self, sql: str, rows: Any) -> Any:
        cur = sqlite_form(self._conn.cursor())
        stmt = _strip_sqlite_only(sql)
        if stmt is None:
            return _EmptyCursor()
        rows = list(rows)
        if rows:
            cur.executemany(to_server_sql(stmt, rows[0]), rows)
        return cur

    def cursor(self) -> Any:
        return _ServerCursor(self)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._conn, name)


class _EmptyCursor:
    rowcount = 0

    def fetchone(self) -> None:
        return None

    def fetchall(self) -> list[Any]:
        return []

    def close(self) -> None:
        return None

    def __iter__(self) -> Iterator[Any]:
        return iter(())


class _ServerCursor:
    """A cursor over ``ServerConnection`` (placeholders translated per statement)."""

    def __init__(self, conn: ServerConnection) -> None:
        self._owner = conn
        self._cur: Any = _EmptyCursor()

    def execute(self, sql: str, params: Any = None) -> _ServerCursor:
        self._cur = self._owner.execute(sql, params)
        return self

    def executemany(self, sql: str, rows: Any) -> _ServerCursor:
        self._cur = self._owner.executemany(sql, rows)
        return self

    def __getattr__(self, name: str) -> Any:
        return getattr(self._cur, name)

    def __iter__(self) -> Iterator[Any]:
        return iter(self._cur)


def make_server_engine(url: str | URL) -> Engine:
    """The engine of a district store on a PostgreSQL server.

    Statements written for SQLite (``exec_driver_sql`` with ``?``/``:name`` placeholders, pragmas) are
    translated or skipped before they reach the server, so the services keep one text of each."""
    target = (make_url(url) if isinstance(url, str) else url).set(drivername="postgresql+psycopg")
    engine = create_engine(target, pool_size=5, max_overflow=5,
                           connect_args={"application_name": "baoxue", "connect_timeout": 10,
                                         "options": "-c datestyle=ISO,YMD -c timezone=UTC",
                                         # no server-side prepared statements: psycopg drops them all at every
                                         # rollback (each read ends in one), so they cost a round trip to make
                                         # and one to drop and were hardly used (an import measured ~25% faster)
                                         "prepare_threshold": None})
    _ping_when_idle(engine)

    @event.listens_for(engine, "before_cursor_execute", retval=True)
    def _translate(_conn: Connection, _cursor: Any, statement: str, parameters: Any, context: Any,
                   executemany: bool) -> tuple[str, Any]:
        if context is not None and getattr(context, "compiled", None) is not None:
            return statement, parameters  # SQLAlchemy compiled it for psycopg itself
        sqlite_form(_cursor)
        stmt = _strip_sqlite_only(statement)
        if stmt is None:
            return "SELECT 1 WHERE false", ()
        sample = parameters[0] if executemany and parameters else parameters
        if not sample:
            return stmt.replace("%", "%%"), parameters
        return to_server_sql(stmt, sample), parameters

    return engine


PING_AFTER_IDLE = 10.0  # seconds a pooled connection may rest before it is tried before use


def _ping_when_idle(engine: Engine) -> None:
    """A pooled connection that rested a while is tried (``SELECT 1``) before it is handed out, and replaced
    when the server or the network dropped it meanwhile; one used moments ago is handed out as it is. (The
    pool's own ``pre_ping`` tries every one, a round trip more for each of an import's few transactions.)"""

    @event.listens_for(engine.pool, "checkin")
    def _rested_from(_dbapi_conn: Any, record: Any) -> None:
        record.info["checked_in"] = time.monotonic()

    @event.listens_for(engine.pool, "checkout")
    def _try_if_rested(dbapi_conn: Any, record: Any, _proxy: Any) -> None:
        since = record.info.get("checked_in")
        if since is None or time.monotonic() - since < PING_AFTER_IDLE:
            return
        try:
            dbapi_conn.execute("SELECT 1")
            dbapi_conn.rollback()
        except Exception as exc:  # noqa: BLE001 - any failure: the pool replaces the connection and tries again
            raise DisconnectionError(str(exc)) from exc


def check_server(engine: Engine) -> None:
    """Refuse a server older than PostgreSQL 14 (one Chinese line)."""
    with engine.connect() as conn:
        version = int(conn.exec_driver_sql("SHOW server_version_num").scalar_one())
    if version < SERVER_MINIMUM:
        raise StoreError(f"数据库服务器版本过旧（{version // 10000}），需要 PostgreSQL 14 或更新版本")
