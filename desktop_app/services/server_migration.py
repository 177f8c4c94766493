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
import socket
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, Table, func, insert, inspect, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, SQLAlchemyError

import database.all_models  # noqa: F401 - every table on Base.metadata
from database import engine as db
from database.models import AuditEntry, Base, Installation, utcnow
from desktop_app.domain.errors import BaoxueError
from desktop_app.services import audit, keyslots, server, workfiles
from desktop_app.services.integrity import head as chain_head
from desktop_app.services.paths import STORE_FILE
from desktop_app.services.store import Store

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
        raise MigrationError(f"无法连接目标数据库 {describe(target)}：{server.reason(exc)}") from exc
    if present:
        shown = "、".join(present[:5]) + ("等" if len(present) > 5 else "")
        raise MigrationError(f"目标数据库 {describe(target)} 不是空的（已有{len(present)}张表：{shown}），"
                             "为免覆盖其中的数据，未做任何改动；请指定一个新建的空数据库")


def refuse_without_create(target: Engine) -> None:
    """Refuse a server database its user may not create tables in (the copy would fail half-way through the
    migrations; PostgreSQL 15 and newer give PUBLIC no CREATE on the public schema).

    Raises:
        MigrationError: one line naming the user and what the administrator is to grant.
    """
    if not db.is_server(target):
        return
    try:
        with target.connect() as conn:
            schema, may = conn.execute(text(
                "SELECT current_schema(), has_schema_privilege(current_user, current_schema(), 'CREATE')")).one()
    except (DBAPIError, SQLAlchemyError) as exc:
        raise MigrationError(f"无法连接目标数据库 {describe(target)}：{server.reason(exc)}") from exc
    if schema is None or not may:
        who = target.url.username or "（当前用户）"
        raise MigrationError(
            f"数据库用户 {who} 不能在目标数据库 {describe(target)} 中建表（缺少建表权限），未做任何改动："
            f"请让管理员把这个数据库交给该用户（ALTER DATABASE 数据库名 OWNER TO {who}，"
            f"以及 ALTER SCHEMA {schema or 'public'} OWNER TO {who}）")


def check_target(target: Engine) -> None:
    """The target of a move checked before anything is written or announced: reachable, PostgreSQL 14 or newer,
    empty, and its user may create tables.

    Raises:
        MigrationError: as ``refuse_non_empty`` and ``refuse_without_create``; the server cannot be reached.
        StoreError: the server is older than PostgreSQL 14.
    """
    if db.is_server(target):
        try:
            db.check_server(target)
        except (DBAPIError, SQLAlchemyError) as exc:
            raise MigrationError(f"无法连接目标数据库 {describe(target)}：{server.reason(exc)}") from exc
    refuse_non_empty(target)
    refuse_without_create(target)


def _source_revision(source: Engine) -> str:
    head = db.head_revision()
    try:
        current = db.current_revision(source)
    except (DBAPIError, SQLAlchemyError) as exc:
        raise MigrationError(f"无法读取要迁移的数据：{server.reason(exc)}") from exc
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
    # the option on this statement only (Connection.execution_options would keep it for every later one,
    # and an INSERT through a server-side cursor fails on PostgreSQL)
    result = conn.execute(select(table).order_by(*order), execution_options={"yield_per": BATCH})
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


@dataclass(frozen=True)
class Event:
    """The history entry a copy ends with, written on the target in the copy's transaction: what was done
    (``what``), by whom (``user``, the account or the person at the PC), from where (``origin``) to where
    (``destination``), both as shown to a person (never a password). The unit, the number of rows and the
    time are added by the copy."""

    what: str
    user: str
    origin: str
    destination: str


EVENT_TABLE = "installation"  # the events of the installation as a whole (设置 is written there too)
MOVED_TO_SERVER = "迁移到数据库服务器"
COPIED_FROM_SERVER = "从数据库服务器复制"


def _record(dst: Connection, event: Event, report: CopyReport) -> None:
    """``event`` appended to the copied history as its last row (in the copy's transaction on ``dst``)."""
    unit = dst.execute(select(Installation.name, Installation.code, Installation.node_id)).first()
    name, code, node = (unit[0], unit[1], unit[2]) if unit is not None else ("（未设置单位）", "", "")
    at = utcnow()
    detail = (f"{name}（{code}）的数据 从 {event.origin} 到 {event.destination}："
              f"{len(report.tables)}张表共{report.rows}行，逐行核对一致；操作人 {event.user or '（未登录）'}，"
              f"时间 {at.replace(tzinfo=dt.UTC).astimezone().strftime('%Y-%m-%d %H:%M:%S')}")
    db.lock_chain(dst)
    prev = dst.execute(select(AuditEntry.row_hash).order_by(AuditEntry.id.desc()).limit(1)).scalar()
    change = audit.Change("event", EVENT_TABLE, "1", event.what, None, detail)
    dst.execute(insert(AuditEntry), list(audit.chained_rows([change], prev or audit.GENESIS, event.user, node, at)))


def copy_store(source: Engine, target: Engine, progress: Progress | None = None, *,
               event: Event | None = None, moving: bool = True) -> CopyReport:
    """Copy the whole store from ``source`` into the empty database of ``target`` (one transaction).

    With ``event`` the copy is also compared row by row with the source before it is committed, and
    ``event`` is recorded as the last row of the copied history: a copy that differs, like any failure,
    leaves the target as empty as it was. ``moving``: the source is read again for the comparison, so a
    change made to it during the copy (which the move would lose) shows; otherwise (a test copy of the
    server, which goes on working) the copy is compared with the snapshot it was read from.

    Raises:
        MigrationError: the target is not empty or cannot be reached, the source is not at this
            version's schema, the copy was cancelled, failed or differs from the source (the target is
            left as it was).
    """
    started = time.monotonic()
    revision = _source_revision(source)
    refuse_non_empty(target)
    copied: dict[str, int] = {}
    try:
        # the source's reads run in one transaction (its first read begins it): one snapshot of the
        # whole store, while other programs may go on writing to it
        with source.connect() as src, target.begin() as dst:
            if db.is_server(source):  # one snapshot on the server too (its default sees each statement's own)
                src.execution_options(isolation_level="REPEATABLE READ")
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
            report = CopyReport(copied, time.monotonic() - started, revision)
            if event is not None:
                if moving:
                    with source.connect() as again:
                        problems = compare_on(again, dst, progress)
                else:
                    problems = compare_on(src, dst, progress)
                if problems:
                    raise MigrationError(f"迁移后核对不一致（迁移期间数据被改动？）：{problems[0]}；"
                                         "目标数据库未做任何改动，请在没有人使用时重新迁移")
                _record(dst, event, report)
    except (DBAPIError, SQLAlchemyError) as exc:
        raise MigrationError(f"迁移失败，目标数据库未做任何改动：{server.reason(exc)}") from exc
    return CopyReport(copied, time.monotonic() - started, revision)


# --- checking the copy ----------------------------------------------------------------------------


def _normal(value: Any) -> Any:
    """A value as both backends give it back (PostgreSQL keeps time zones and microseconds the same
    way SQLite's text does once read through the models' types)."""
    if isinstance(value, memoryview):
        return bytes(value)
    if isinstance(value, dt.datetime) and value.tzinfo is not None:
        return value.astimezone(dt.UTC).replace(tzinfo=None)
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


CHECKING = "核对"  # the progress label while the copy is compared with the source


def compare_on(src: Connection, dst: Connection, progress: Progress | None = None) -> list[str]:
    """Tables whose rows differ between the stores behind two connections, one Chinese line each (empty:
    the same). ``progress``: (CHECKING, tables compared, tables); False cancels."""
    problems: list[str] = []
    every = tables()
    for number, table in enumerate(every):
        if progress is not None and progress(CHECKING, number, len(every)) is False:
            raise MigrationError("迁移已取消，目标数据库未做任何改动")
        a, b = table_digest(src, table), table_digest(dst, table)
        if a[0] != b[0]:
            problems.append(f"数据表 {table.name}：原有{a[0]}行，迁移后{b[0]}行")
        elif a[1] != b[1]:
            problems.append(f"数据表 {table.name}：{a[0]}行的内容与原数据不一致")
    return problems


def compare(source: Engine, target: Engine) -> list[str]:
    """Tables whose rows differ between the two stores, one Chinese line each (empty: the same)."""
    with source.connect() as src, target.connect() as dst:
        return compare_on(src, dst)


# --- engines and the test copy in a data folder ----------------------------------------------------

SERVER_DIALECTS = ("postgresql",)


def server_engine(url: str) -> Engine:
    """An engine for the PostgreSQL database at ``url`` (``postgresql://user:password@host/db``; the
    driver is psycopg whether the URL names it or not).

    Raises:
        MigrationError: the address is not a PostgreSQL database URL.
    """
    try:
        parsed = make_url(url.strip())
    except ArgumentError as exc:
        raise MigrationError(f"数据库地址“{url}”无法识别：应形如 postgresql://用户名@服务器/数据库名") from exc
    if parsed.get_backend_name() not in SERVER_DIALECTS:
        raise MigrationError(f"数据库地址须是 PostgreSQL 的（postgresql://用户名@服务器/数据库名），"
                             f"不是 {parsed.get_backend_name()}")
    return db.make_server_engine(parsed)  # the store's own server engine (SQLite's driver SQL translated)


@dataclass(frozen=True)
class FolderCopy:
    """A store copied into a data folder: where, what was copied, and the new file's store key."""

    folder: Path
    report: CopyReport
    key: bytes


def copy_to_folder(source: Engine, folder: Path, progress: Progress | None = None, user: str = "") -> FolderCopy:
    """Copy the store of ``source`` (the server) into a new encrypted store file in ``folder`` (a test
    copy): a new store key, key slots rebuilt from the accounts copied (the same passwords open it; the
    server's recovery key does not), and the chain head file written from the copied history. The copy's
    history ends with a 从数据库服务器复制 event naming the server, the folder and ``user`` (who made it).

    Raises:
        MigrationError: ``folder`` already holds a store, or the copy failed (nothing is left behind).
    """
    path = folder / STORE_FILE
    if path.exists() or keyslots.keys_path(folder).exists():
        raise MigrationError(f"文件夹 {folder} 中已有保学台账的数据文件，为免覆盖未做任何改动；请指定一个空文件夹")
    try:
        workfiles.private_dir(folder)
    except OSError as exc:
        raise MigrationError(f"无法创建文件夹 {folder}：{exc.strerror or exc}") from exc
    key = keyslots.new_store_key()
    engine = db.make_engine(path, key)
    try:
        event = Event(COPIED_FROM_SERVER, user, describe(source), f"文件夹 {folder} 中的测试用副本")
        report = copy_store(source, engine, progress, event=event, moving=False)
        db.make_private(path)
        with engine.connect() as conn:
            accounts = keyslots.accounts_of(conn)
        keyslots.write(folder, keyslots.build(key, accounts, None))
        copy = Store(folder, engine, "迁移")
        chain_head.after_commit(copy, force=True)  # the copied history's head, signed with the copied node key
    except BaseException:
        engine.dispose()
        remove_copy(folder)
        raise
    engine.dispose()
    return FolderCopy(folder, report, key)


def remove_copy(folder: Path) -> None:
    """Remove a test copy ``copy_to_folder`` made (its store file, key slots and head file)."""
    path = folder / STORE_FILE
    for leftover in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm"),
                     keyslots.keys_path(folder), chain_head.path_of(folder)):
        leftover.unlink(missing_ok=True)


# --- the commands' work -----------------------------------------------------------------------------


@dataclass(frozen=True)
class ServerMigration:
    """The outcome of ``migrate_to_server``: what was copied and what verify said on the server."""

    report: CopyReport
    target: str
    verify_message: str


def verify_on(engine: Engine, data_dir: Path, user: str = "迁移") -> Any:
    """``verify`` on the store behind ``engine`` (the chain head compared with the file in ``data_dir``)."""
    from desktop_app.services.integrity import check  # noqa: PLC0415 - imports services that import this

    store = Store(data_dir, engine, user)
    if db.is_server(engine):
        store.server = engine.url
    return check.run(store)


def require_district_admin(store: Store) -> None:
    """Refuse unless a district administrator is signed in (fails closed: no account, no move).

    Raises:
        PermissionDenied: no account is signed in, or it is not an administrator's.
        ValidationError: this installation is a school (schools keep their file).
    """
    from desktop_app.domain.errors import ValidationError  # noqa: PLC0415
    from desktop_app.services import installation  # noqa: PLC0415
    from desktop_app.services.access import Permission, require  # noqa: PLC0415

    require(store, Permission.RESTORE)
    inst = store.installation()
    if inst is None or inst.kind != installation.DISTRICT:
        raise ValidationError("只有区教委的数据可以迁移到数据库服务器；学校的数据始终保存在本机的数据文件中")


def may_migrate(store: Store) -> bool:
    """Whether this store may be moved to a server from here (a district administrator, the file still local)."""
    try:
        require_district_admin(store)
    except BaoxueError:
        return False
    return not store.is_server


def may_copy(store: Store) -> bool:
    """Whether a test copy of this store may be made from here (a district administrator)."""
    try:
        require_district_admin(store)
    except BaoxueError:
        return False
    return True


def target_for(store: Store, settings: server.ServerSettings) -> Engine:
    """The checked target of a move from the program: a district administrator signed in, the settings well
    formed, the server reachable, PostgreSQL 14 or newer, the database empty. The caller disposes the engine.

    Raises:
        PermissionDenied, ValidationError: as ``require_district_admin``; a field missing or malformed.
        MigrationError: the ledger is on a server already, the server cannot be reached or refuses the
            sign-in, the database is not empty or its user may not create tables in it (nothing was written).
        StoreError: the server is older than PostgreSQL 14.
    """
    require_district_admin(store)
    if store.is_server:
        raise MigrationError(f"本机的台账已经在数据库服务器上（{store.location}），无需迁移")
    s = server.validate(settings)
    engine = db.make_server_engine(s.url())
    try:
        try:
            db.check_server(engine)
        except (DBAPIError, SQLAlchemyError) as exc:
            raise MigrationError(f"无法连接数据库服务器 {s.label()}：{server.reason(exc)}") from exc
        refuse_non_empty(engine)
        refuse_without_create(engine)
    except BaseException:
        engine.dispose()
        raise
    return engine


def use_server_from_now_on(store: Store, settings: server.ServerSettings) -> None:
    """After a move (or later, from 台账存放位置): this PC keeps its ledger on the server from now on. The running
    store becomes the server's (the same account stays signed in) and the settings are kept in the data folder, the
    password sealed with this PC's store key, so the program opens the server at every start. The file stays.
    The server must hold this installation's ledger and everything this PC's file holds
    (``server_switch.switch_to_server``).

    Raises:
        PermissionDenied, ValidationError: as ``require_district_admin``; a field missing or malformed.
        MigrationError: the server's database does not hold this installation's ledger (not moved there), or
            misses changes made to this PC's file after the move.
        StoreError: the server cannot be reached or refuses the sign-in (nothing changed then).
    """
    from desktop_app.services import server_switch  # noqa: PLC0415 - it imports this module

    server_switch.switch_to_server(store, settings)


def source_summary(store: Store) -> str:
    """What a move would carry, said in one line (the file, its cases, children and history rows)."""
    from database.models import Case, Student  # noqa: PLC0415 - every model is imported above already

    with store.read() as session:
        counts = [int(session.execute(select(func.count()).select_from(m)).scalar_one())
                  for m in (Case, Student, AuditEntry)]
    return f"本机数据文件 {store.path}：{counts[0]}件案件、{counts[1]}名学生、{counts[2]}条历史记录"


@dataclass(frozen=True)
class ServerCopy:
    """The outcome of ``copy_from_server``: where the test copy is, what was copied, what verify said on it."""

    folder: Path
    report: CopyReport
    verify_message: str


def copy_from_server(store: Store, folder: Path, progress: Progress | None = None) -> ServerCopy:
    """A test copy of the district's ledger on the server, made from the program into ``folder``
    (``copy_to_folder``): its history ends with a 从数据库服务器复制 event by this account, and it must pass
    verify, or it is removed again. The server is only read.

    Raises:
        PermissionDenied, ValidationError: as ``require_district_admin``.
        MigrationError: the ledger is not on a server, ``folder`` holds a store already, the copy failed or
            does not pass verify (nothing is left behind).
    """
    require_district_admin(store)
    if not store.is_server:
        raise MigrationError("本机的台账不在数据库服务器上；要复制本机的数据文件，请用“备份与恢复”")
    copy = copy_to_folder(store.engine, folder, progress, user=store.user)
    engine = db.make_engine(folder / STORE_FILE, copy.key)
    try:
        result = Store(folder, engine, store.user, copy.key).verify()
    finally:
        engine.dispose()
    if not result.ok:
        remove_copy(folder)
        raise MigrationError(f"副本校验未通过，已删除：{result.message}")
    return ServerCopy(folder, copy.report, result.message)


def stepwise(report: Callable[[int, int], bool]) -> Progress:
    """A copy's progress as (step, steps) for a progress bar: a step per table copied, then one per table
    compared; ``report`` returning False cancels the copy."""
    order = {t.name: i for i, t in enumerate(tables())}
    n = len(order)

    def progress(label: str, done: int, _total: int) -> bool:
        step = n + done if label == CHECKING else order.get(label, 0)
        return report(step, 2 * n)

    return progress


def migrate_to_server(store: Store, target: Engine, progress: Progress | None = None) -> ServerMigration:
    """Move this district office's store to the empty PostgreSQL database of ``target``.

    The store must pass ``verify`` first (a damaged ledger is not carried to the server); before the copy
    commits both are read again and compared row by row, and the server's history gets a last row saying
    the store was moved there (the unit, from which file on which PC, by whom, when, how many rows); then
    ``verify`` runs on the server. The SQLite file is left as it was.

    Raises:
        PermissionDenied: the account may not restore backups (an administrator's right).
        ValidationError: this installation is a school (schools keep their file).
        MigrationError: the store fails verify, the target is not empty or cannot be reached, or the copy
            differs from the store or fails verify on the server.
    """
    require_district_admin(store)
    refuse_non_empty(target)
    before = store.verify()
    if not before.ok:
        raise MigrationError(f"本机数据未通过校验，未迁移：{before.message}（请先处理，再迁移）")
    event = Event(MOVED_TO_SERVER, store.user, f"电脑 {socket.gethostname()} 上的数据文件 {store.path}",
                  describe(target))
    report = copy_store(store.engine, target, progress, event=event)  # compared row by row before it commits
    result = verify_on(target, store.data_dir, store.user)
    if not result.ok:
        raise MigrationError(f"迁移后在服务器上校验未通过：{result.message}")
    return ServerMigration(report, describe(target), result.message)
