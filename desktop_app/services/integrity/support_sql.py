"""``baoxue-cli sql``: one SQL statement on the store, for support staff and auditors (administrators only).

Read-only unless ``write`` is given: an SQLite authorizer allows reading and nothing else. With
``write`` the statement may change data; it runs in one transaction together with a history event
holding the statement, so ``verify`` can say afterwards what such a change did to the ledger.
Attaching other database files is never allowed.
"""

from __future__ import annotations

import sqlite3
import unicodedata
from dataclasses import dataclass
from typing import Any

from sqlalchemy.exc import DBAPIError

from database import engine as db
from desktop_app.domain.errors import BaoxueError, ValidationError
from desktop_app.domain.roles import ADMIN_ROLES
from desktop_app.services import audit
from desktop_app.services.integrity.ledger import SQL_EVENT_TABLE
from desktop_app.services.store import Store

_READ_CODES = {sqlite3.SQLITE_SELECT, sqlite3.SQLITE_READ, sqlite3.SQLITE_FUNCTION,
               getattr(sqlite3, "SQLITE_RECURSIVE", 33)}
_NEVER = {sqlite3.SQLITE_ATTACH, sqlite3.SQLITE_DETACH}
MAX_ROWS = 10_000


class SqlRefused(BaoxueError):
    """The statement was not run, or failed; nothing was changed."""


@dataclass(frozen=True)
class SqlResult:
    columns: list[str]
    rows: list[tuple[Any, ...]]
    changed: int  # rows changed (write), -1 when not known
    truncated: bool = False


def _authorizer(write: bool) -> Any:
    def decide(action: int, arg1: str | None, arg2: str | None, _db: str | None, _trigger: str | None) -> int:
        if action in _NEVER:
            return sqlite3.SQLITE_DENY
        if write or action in _READ_CODES:
            return sqlite3.SQLITE_OK
        if action == sqlite3.SQLITE_PRAGMA and arg2 is None and arg1 not in ("writable_schema",):
            return sqlite3.SQLITE_OK  # reading a pragma (table_info …), not setting one
        return sqlite3.SQLITE_DENY

    return decide


def _check(store: Store, statement: str) -> str:
    if store.account.role not in ADMIN_ROLES:
        raise ValidationError("只有管理员可以直接执行SQL语句")
    text = statement.strip()
    if not text:
        raise ValidationError("请给出要执行的SQL语句")
    return text


def run(store: Store, statement: str, *, write: bool = False) -> SqlResult:
    """Run one statement; read-only unless ``write``.

    Raises:
        ValidationError: not an administrator, or no statement.
        SqlRefused: the statement would write without ``write``, is more than one statement, or failed.
    """
    text = _check(store, statement)
    if store.is_server:
        return _run_on_server(store, text, write)
    if not write:
        raw = store.engine.raw_connection()
        try:
            conn: Any = raw.driver_connection
            conn.execute("BEGIN")
            try:
                conn.set_authorizer(_authorizer(False))
                try:
                    return _fetch(conn.execute(text), -1)
                finally:
                    conn.set_authorizer(None)
            except db.DRIVER_DATABASE_ERRORS as exc:
                raise SqlRefused(_why(exc, write=False)) from exc
            finally:
                conn.execute("ROLLBACK")
        finally:
            raw.close()
    try:
        with store.write() as session:
            conn = session.connection().connection.driver_connection
            conn.set_authorizer(_authorizer(True))
            try:
                cursor = conn.execute(text)
                result = _fetch(cursor, cursor.rowcount)
            finally:
                conn.set_authorizer(None)
            audit.record_event(session, SQL_EVENT_TABLE, "", store.user, text)
    except db.DRIVER_DATABASE_ERRORS as exc:
        raise SqlRefused(_why(exc, write=True)) from exc
    return result


def _prepared(conn: Any, cursor: Any, stmt: str) -> None:
    """``stmt`` run as a prepared statement, which the server takes one statement only in (the engine's
    connections prepare nothing otherwise: ``prepare_threshold`` None)."""
    threshold = conn.prepare_threshold
    conn.prepare_threshold = 0
    try:
        cursor.execute(stmt, (), prepare=True)
    finally:
        conn.prepare_threshold = threshold


def _run_on_server(store: Store, text: str, write: bool) -> SqlResult:
    """On a PostgreSQL server: reading in a READ ONLY transaction (the server refuses any change); one
    statement only (prepared on the server, which takes one); a change with its history event."""
    import psycopg  # noqa: PLC0415 - only a server store needs the driver

    stmt = text.replace("%", "%%")  # sent with (no) parameters: no placeholder is read in the text
    try:
        if not write:
            raw = store.engine.raw_connection()
            try:
                conn: Any = raw.driver_connection
                conn.rollback()
                try:
                    conn.execute("SET TRANSACTION READ ONLY")
                    cursor = conn.cursor()
                    _prepared(conn, cursor, stmt)
                    return _fetch(cursor, -1)
                finally:
                    conn.rollback()
            finally:
                raw.close()
        with store.write() as session:
            driver: Any = session.connection().connection.driver_connection
            cursor = driver.cursor()
            _prepared(driver, cursor, stmt)
            result = _fetch(cursor, cursor.rowcount)
            audit.record_event(session, SQL_EVENT_TABLE, "", store.user, text)
        return result
    except (psycopg.Error, DBAPIError) as exc:
        raise SqlRefused(_why(getattr(exc, "orig", None) or exc, write=write)) from exc


def _fetch(cursor: Any, changed: int) -> SqlResult:
    columns = [d[0] for d in cursor.description] if cursor.description else []
    rows = cursor.fetchmany(MAX_ROWS + 1) if columns else []
    return SqlResult(columns, [tuple(r) for r in rows[:MAX_ROWS]], changed, len(rows) > MAX_ROWS)


def _why(exc: Exception, *, write: bool) -> str:
    text = str(exc)
    if "not authorized" in text or "prohibited" in text or "readonly" in text or "read-only transaction" in text:
        if write:
            return "不允许附加其他数据库文件（ATTACH）"
        return "这条语句会修改数据：只读方式下不执行。确需修改时加 --write（修改会记入历史记录）"
    if "one statement" in text or "multiple commands" in text:
        return "一次只能执行一条SQL语句"
    return f"SQL语句执行失败：{text}"


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _cell(value: Any) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, bytes):
        return f"<{len(value)}字节>"
    return str(value).replace("\n", "⏎")


def format_table(result: SqlResult) -> str:
    """The rows as a text table (wide characters count twice)."""
    if not result.columns:
        return f"已执行，影响{result.changed}行" if result.changed >= 0 else "已执行"
    cells = [[_cell(v) for v in row] for row in result.rows]
    widths = [max([_width(c), *(_width(r[i]) for r in cells)]) for i, c in enumerate(result.columns)]

    def line(values: list[str]) -> str:
        return " | ".join(v + " " * (w - _width(v)) for v, w in zip(values, widths, strict=True)).rstrip()

    out = [line(result.columns), "-+-".join("-" * w for w in widths), *(line(r) for r in cells)]
    out.append(f"（共{len(result.rows)}行{'，只显示前' + str(MAX_ROWS) + '行' if result.truncated else ''}）")
    return "\n".join(out)
