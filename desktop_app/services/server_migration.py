"""Moving a district store between its SQLite file and a PostgreSQL server, whole.

``copy_store`` works over any two SQLAlchemy engines (SQLite → PostgreSQL for ``baoxue-cli
migrate-to-server``, PostgreSQL → SQLite for a test copy with ``migrate-from-server``, and SQLite →
SQLite in tests): the target's tables are created by the program's own Alembic migrations, then every
table is copied in foreign-key order with Core bulk inserts, in ONE transaction on the target, keeping
every id, version counter, history row (so the chain and its hashes are the same bytes) and evidence
blob. A target that already holds any table is refused before anything is written; any failure
rolls the whole copy back, leaving the target as empty as it was.

``compare`` reads both stores again table by table and says where they differ (nothing, after a
good copy); the command then runs ``verify`` on the target.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, Engine, Table, func, insert, inspect, select, text
from sqlalchemy.exc import DBAPIError, SQLAlchemyError

import database.all_models  # noqa: F401 - every table on Base.metadata
from database import engine as db
from database.models import Base
from desktop_app.domain.errors import BaoxueError

#: progress(table label, rows done in it, rows in it); return False to cancel (the copy rolls back).
Progress = Callable[[str, int, int], "bool | None"]
BATCH = 2_000  # rows per bulk insert (psycopg sends them as one multi-row INSERT per batch)
_KEEP = {"alembic_version"}  # written by the migrations on the target, not copied


class MigrationError(BaoxueError):
    """The store cannot be moved; the target is unchanged (still empty)."""


@dataclass(frozen=True)
class CopyReport:
    """What ``copy_store`` copied: rows per table (in the order copied) and the time it took."""

    tables: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    revision: str = ""

    @property
    def rows(self) -> int:
        return sum(self.tables.values())


def tables() -> list[Table]:
    """Every table of the models in foreign-key order (a parent before the rows that refer to it)."""
    return [t for t in Base.metadata.sorted_tables if t.name not in _KEEP]


def describe(engine: Engine) -> str:
    """The target named for the user without its password (``postgresql://user@host/db``)."""
    return engine.url.render_as_string(hide_password=True)


def _present(conn: Connection) -> list[str]:
    return sorted(inspect(conn).get_table_names())


def refuse_non_empty(target: Engine) -> None:
    """Refuse a target that already holds any table (ours or anything else): nothing is overwritten.

    Raises:
        MigrationError: one line naming the target and what it holds.
    """
    try:
        with target.connect() as conn:
            present = _present(conn)
    except (DBAPIError, SQLAlchemyError) as exc:
        raise MigrationError(f"无法连接目标数据库 {describe(target)}：{_reason(exc)}") from exc
    if present:
        shown = "、".join(present[:5]) + ("等" if len(present) > 5 else "")
        raise MigrationError(f"目标数据库 {describe(target)} 不是空的（已有{len(present)}张表：{shown}），"
                             "为免覆盖其中的数据，未做任何改动；请指定一个新建的空数据库")


def _reason(exc: BaseException) -> str:
    orig = getattr(exc, "orig", None) or exc
    return str(orig).strip().splitlines()[0] if str(orig).strip() else type(orig).__name__


def _source_revision(source: Engine) -> str:
    head = db.head_revision()
    try:
        current = db.current_revision(source)
    except (DBAPIError, SQLAlchemyError) as exc:
        raise MigrationError(f"无法读取要迁移的数据：{_reason(exc)}") from exc
    if current != head:
        raise MigrationError(f"要迁移的数据结构版本是 {current or '（空）'}，本程序是 {head}："
                             "请先用本版本程序打开一次数据文件（自动升级）再迁移")
    return head


def _upgrade_on(conn: Connection) -> None:
    """The program's migrations to head on ``conn``, inside its transaction (PostgreSQL and SQLite both
    roll DDL back with the transaction)."""
    from alembic import command  # noqa: PLC0415 - imported only when a migration runs

    cfg = db.alembic_config()
    cfg.attributes["connection"] = conn
    command.upgrade(cfg, "head")


def _rows(conn: Connection, table: Table) -> Iterator[list[dict[str, Any]]]:
    """The table's rows in primary-key order, BATCH at a time, as dictionaries by column name."""
    order = list(table.primary_key.columns) or list(table.columns)
    result = conn.execution_options(yield_per=BATCH).execute(select(table).order_by(*order))
    for chunk in result.mappings().partitions(BATCH):
        yield [dict(row) for row in chunk]


def _count(conn: Connection, table: Table) -> int:
    return int(conn.execute(select(func.count()).select_from(table)).scalar_one())


def _reset_sequences(conn: Connection) -> None:
    """PostgreSQL: every serial id continues after the highest id copied (SQLite needs nothing)."""
    if conn.dialect.name != "postgresql":
        return
    for table in tables():
        pk = list(table.primary_key.columns)
        if len(pk) != 1 or pk[0].type.python_type is not int:
            continue
        seq = conn.execute(text("SELECT pg_get_serial_sequence(:t, :c)"),
                           {"t": table.name, "c": pk[0].name}).scalar()
        if seq:
            conn.execute(text(f'SELECT setval(:s, coalesce((SELECT max("{pk[0].name}") FROM "{table.name}"), 0) + 1, '
                              "false)"), {"s": seq})


def copy_store(source: Engine, target: Engine, progress: Progress | None = None) -> CopyReport:
    """Copy the whole store from ``source`` into the empty database of ``target`` (one transaction).

    Raises:
        MigrationError: the target is not empty or cannot be reached, the source is not at this
            version's schema, the copy was cancelled or failed (the target is left as it was).
    """
    started = time.monotonic()
    revision = _source_revision(source)
    refuse_non_empty(target)
    copied: dict[str, int] = {}
    try:
        # the source's reads run in one transaction (its first read begins it): one snapshot of the
        # whole store, while other programs may go on writing to it
        with source.connect() as src, target.begin() as dst:
            _upgrade_on(dst)
            for table in tables():
                total, done = _count(src, table), 0
                if progress is not None and progress(table.name, 0, total) is False:
                    raise MigrationError("迁移已取消，目标数据库未做任何改动")
                for batch in _rows(src, table):
                    dst.execute(insert(table), batch)
                    done += len(batch)
                    if progress is not None and progress(table.name, done, total) is False:
                        raise MigrationError("迁移已取消，目标数据库未做任何改动")
                copied[table.name] = done
            _reset_sequences(dst)
    except (DBAPIError, SQLAlchemyError) as exc:
        raise MigrationError(f"迁移失败，目标数据库未做任何改动：{_reason(exc)}") from exc
    return CopyReport(copied, time.monotonic() - started, revision)


# --- checking the copy ----------------------------------------------------------------------------


def _normal(value: Any) -> Any:
    """A value as both backends give it back (PostgreSQL keeps time zones and microseconds the same
    way SQLite's text does once read through the models' types)."""
    if isinstance(value, memoryview):
        return bytes(value)
    if isinstance(value, dt.datetime) and value.tzinfo is not None:
        return value.astimezone(dt.timezone.utc).replace(tzinfo=None)
    return value


def table_digest(conn: Connection, table: Table) -> tuple[int, str]:
    """(rows, SHA-256 over every row in primary-key order) of one table, read through the models."""
    digest = hashlib.sha256()
    rows = 0
    names = [c.name for c in table.columns]
    for batch in _rows(conn, table):
        for row in batch:
            digest.update(repr([_normal(row[n]) for n in names]).encode("utf-8"))
            rows += 1
    return rows, digest.hexdigest()


def compare(source: Engine, target: Engine) -> list[str]:
    """Tables whose rows differ between the two stores, one Chinese line each (empty: the same)."""
    problems: list[str] = []
    with source.connect() as src, target.connect() as dst:
        for table in tables():
            a, b = table_digest(src, table), table_digest(dst, table)
            if a[0] != b[0]:
                problems.append(f"数据表 {table.name}：原有{a[0]}行，迁移后{b[0]}行")
            elif a[1] != b[1]:
                problems.append(f"数据表 {table.name}：{a[0]}行的内容与原数据不一致")
    return problems
