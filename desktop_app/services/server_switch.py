"""设置 → 台账存放位置: this PC switched to the district's ledger on the server later (after 迁移 with 暂不改用),
the same way as right after the move.

Before anything changes the server is checked to hold THIS installation's ledger and everything this PC's file
holds: the same installation (node id; the unit's name and code shown), the file's history up to the move present
on the server with the same hashes, nothing but sign-ins on the file after the move (each start of the program signs
in), and the server's history after that point chaining on it (a quick check of the rows added since, not a whole
verify). A server with another district's ledger, an empty database, or a file that was changed after the move
(those changes would be lost) is refused in one Chinese line, nothing switched.

改回本机数据文件 is the way back: the server's ledger as it is now is copied into this PC's data folder (the
file it had before, if any, set aside in ``backups/``), checked, and this PC works on that file from then on.
"""

from __future__ import annotations

import datetime as dt
import os
import socket
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Connection, Engine, func, select
from sqlalchemy.exc import DBAPIError, SQLAlchemyError

from database import engine as db
from database.models import AuditEntry, Case, Installation, Student
from desktop_app.services import audit, keyslots, server, workfiles
from desktop_app.services.integrity import head as chain_head
from desktop_app.services.paths import BACKUP_DIR, backup_file_name
from desktop_app.services.server_migration import (
    EVENT_TABLE,
    MOVED_TO_SERVER,
    Event,
    MigrationError,
    Progress,
    copy_store,
    describe,
    require_district_admin,
)
from desktop_app.services.store import Store


@dataclass(frozen=True)
class ServerLedger:
    """What the server holds, checked: the settings (trimmed), the unit, its figures, and the history rows added
    on the server since this PC's file (``since``; the move's own row among them) and when it was moved."""

    settings: server.ServerSettings
    unit: str
    cases: int
    students: int
    history: int
    since: int
    moved_at: str
    left: int = 0  # sign-ins on this PC's file after the move, not carried to the server

    def summary(self) -> str:
        moved = f"，{self.moved_at}从本机迁移过去" if self.moved_at else ""
        left = f"（迁移之后本机的{self.left}条登录记录只留在本机数据文件中）" if self.left else ""
        return (f"{self.settings.label()} 上是{self.unit}的台账{moved}：{self.cases}件案件、{self.students}名学生、"
                f"{self.history}条历史记录（本机数据文件之后新增{self.since}条），本机数据文件中的内容都在服务器上{left}")


def _count(conn: Connection, model: type) -> int:
    return int(conn.execute(select(func.count()).select_from(model)).scalar_one())


def _compare(store: Store, engine: Engine, s: server.ServerSettings) -> ServerLedger:
    own = store.installation()
    if own is None:  # require_district_admin let no such store through
        raise MigrationError("本机尚未设置单位信息")
    with store.read() as session:
        head = session.execute(select(AuditEntry.id, AuditEntry.row_hash).order_by(AuditEntry.id.desc())
                               .limit(1)).first()
    head_id, head_hash = (int(head[0]), str(head[1])) if head is not None else (0, audit.GENESIS)
    label = s.label()
    revision = db.current_revision(engine)
    if revision is not None and revision not in set(db.revisions()):
        raise MigrationError(f"数据库 {label} 由更新版本的程序写入（结构版本 {revision}），请升级本程序后再改用")
    with engine.connect() as conn:
        theirs = (conn.execute(select(Installation.node_id, Installation.name, Installation.code)).first()
                  if db.has_table(conn, Installation.__tablename__) else None)
        if theirs is None:
            raise MigrationError(f"数据库 {label} 中还没有台账，未改用它：请用“迁移到数据库服务器…”把本机台账迁移过去")
        if theirs[0] != own.node_id:
            same = theirs[2] == own.code
            raise MigrationError(
                f"数据库 {label} 中是{theirs[1]}（{theirs[2]}）"
                + ("另一次设置的台账" if same else "的台账") + f"，不是本机（{own.name}，{own.code}）迁移过去的，未改用它")
        point, point_hash, left = _common_point(store, conn, head_id, head_hash, label)
        prev, since, moved_at = point_hash, 0, ""
        a = AuditEntry
        tail = conn.execute(select(a.id, a.at, a.user, a.node_id, a.action, a.table_name, a.record_id, a.field,
                                   a.old_value, a.new_value, a.prev_hash, a.row_hash)
                            .where(a.id > point).order_by(a.id), execution_options={"yield_per": 5000})
        for entry in tail:
            expected = audit.row_hash(prev, entry.at, entry.user, entry.node_id, entry.action, entry.table_name,
                                      entry.record_id, entry.field, entry.old_value, entry.new_value)
            if entry.prev_hash != prev or entry.row_hash != expected:
                raise MigrationError(f"数据库 {label} 上的历史记录第{entry.id}条与校验链不符（在程序之外被修改过），"
                                     "未改用它；请让管理员在服务器上运行校验")
            if entry.field == MOVED_TO_SERVER and not moved_at:
                moved_at = f"{entry.at.replace(tzinfo=dt.UTC).astimezone():%Y-%m-%d %H:%M}"
            prev, since = entry.row_hash, since + 1
        return ServerLedger(s, f"{theirs[1]}（{theirs[2]}）", _count(conn, Case), _count(conn, Student),
                            point + since, since, moved_at, left)


SWITCHED_TO_SERVER = "本机改用数据库服务器"

#: what this PC's file may have gained after the move and still switch: its sign-ins (登录, 登录失败), written
#: whenever someone opened the program on the file; they stay in the file and are not carried to the server
SIGN_INS = {("event", "accounts", "登录"), ("event", "accounts", "登录失败")}


def _common_point(store: Store, conn: Connection, head_id: int, head_hash: str, label: str) -> tuple[int, str, int]:
    """(id, hash) of this file's last history row the server holds, and how many sign-ins the file has after it.

    Raises:
        MigrationError: the file has other changes after the move, or its history and the server's part ways.
    """
    a = AuditEntry
    if not head_id:
        return 0, audit.GENESIS, 0
    if conn.execute(select(a.row_hash).where(a.id == head_id)).scalar() == head_hash:
        return head_id, head_hash, 0  # the server holds all of the file
    move = conn.execute(select(a.id, a.prev_hash).where(a.table_name == EVENT_TABLE, a.field == MOVED_TO_SERVER)
                        .order_by(a.id.desc()).limit(1)).first()
    with store.read() as session:
        before = session.execute(select(a.row_hash).where(a.id == int(move[0]) - 1)).scalar() if move else None
        if move is None or before != move[1]:
            raise MigrationError(f"数据库 {label} 上的台账与本机数据文件的历史记录对不上（不是从本机这份数据迁移过去的），"
                                 "改用服务器会丢掉本机的数据，未改用；请把本机台账迁移到一个新建的空数据库")
        point = int(move[0]) - 1
        later = session.execute(select(a.action, a.table_name, a.field, a.at).where(a.id > point)
                                .order_by(a.id)).all()
    changes = [row for row in later if (row[0], row[1], row[2]) not in SIGN_INS]
    if changes:
        first = changes[0]
        raise MigrationError(
            f"本机数据文件在迁移到 {label} 之后又有{len(changes)}处改动（最早一处：{first[3]:%Y-%m-%d %H:%M}，"
            f"{first[1]}.{first[2]}），改用服务器会丢掉这些改动，未改用；请把本机台账迁移到一个新建的空数据库")
    return point, str(move[1]), len(later)


def check_server_ledger(store: Store, settings: server.ServerSettings) -> ServerLedger:
    """改用数据库服务器上的台账, the check before anything changes: a district administrator signed in, this PC
    still on its file, the settings well formed, the server reachable, and its ledger this installation's and
    holding all of this PC's file (see the module). Nothing is written anywhere.

    Raises:
        PermissionDenied, ValidationError: as ``require_district_admin``; a field missing or malformed.
        MigrationError: this PC is on a server already, the server cannot be reached, holds no ledger or another
            one, misses changes of this PC's file, or its history after the file's does not chain.
        StoreError: the server is older than PostgreSQL 14.
    """
    require_district_admin(store)
    if store.is_server:
        raise MigrationError(f"本机已经在使用数据库服务器上的台账（{store.location}）")
    s = server.validate(settings)
    engine = db.make_server_engine(s.url())
    try:
        db.check_server(engine)
        return _compare(store, engine, s)
    except (DBAPIError, SQLAlchemyError) as exc:
        raise MigrationError(f"无法连接数据库服务器 {s.label()}：{server.reason(exc)}") from exc
    finally:
        engine.dispose()


def switch_to_server(store: Store, settings: server.ServerSettings) -> ServerLedger:
    """This PC keeps its ledger on the server from now on (checked again as ``check_server_ledger`` first): the
    running store becomes the server's, the same account stays signed in, and the settings are kept in the data
    folder with the password sealed by this PC's store key, so every later start opens the server. The file stays.

    Raises:
        as ``check_server_ledger``; StoreError: the server refuses the sign-in (nothing changed then).
    """
    checked = check_server_ledger(store, settings)
    own = store.installation()
    other = Store.open_server(store.data_dir, store.user, key=store.key, url=checked.settings.url())
    try:
        theirs = other.installation()
        if own is None or theirs is None or theirs.node_id != own.node_id:  # replaced since the check
            raise MigrationError(f"数据库 {checked.settings.label()} 中不是本机迁移过去的台账，未改用它")
        server.save(store.data_dir, checked.settings, store.key)
    except OSError as exc:
        other.close()
        raise MigrationError(f"无法保存数据库服务器设置：{exc.strerror or exc}") from exc
    except BaseException:
        other.close()
        raise
    actor = store.account
    store.adopt(other)
    store.act_as(actor)
    # the head this PC remembers is the server's from now on (sign-ins on the file after the move stay in the file)
    chain_head.after_commit(store, force=True)
    left = f"；迁移之后本机数据文件中的{checked.left}条登录记录留在该文件中" if checked.left else ""
    with store.write() as session:
        audit.record_event(session, EVENT_TABLE, "1", SWITCHED_TO_SERVER,
                           f"电脑 {socket.gethostname()} 从此使用 {checked.settings.label()} 上的台账"
                           f"（原数据文件 {store.path} 保留不动{left}）")
    return checked


BACK_TO_FILE = "从数据库服务器改回本机数据文件"
SET_ASIDE = "改回本机前"  # the name part of the file this PC had before, kept in backups/


@dataclass(frozen=True)
class BackToFile:
    """The outcome of ``back_to_own_file``: the new file, what was copied, verify's word on it, and where the
    file this PC had before was set aside (None when there was none)."""

    path: Path
    rows: int
    verify_message: str
    set_aside: Path | None


def back_to_own_file(store: Store, progress: Progress | None = None) -> BackToFile:
    """This PC leaves the server: the server's ledger (read in one snapshot; the server is only read) is copied
    into a new encrypted file in this PC's data folder with this PC's store key (so its passwords and recovery key
    still open it), its history ending with a 从数据库服务器改回本机数据文件 event; the copy must pass verify. Only
    then the file this PC had before is set aside in ``backups/``, the copy takes its place, the saved server
    settings are removed, and the running store becomes the file (the same account signed in).

    Raises:
        PermissionDenied, ValidationError: as ``require_district_admin``.
        MigrationError: this PC is not on a server, or the server was chosen by ``BAOXUE_DATABASE_URL``, or the
            copy was cancelled, failed or does not pass verify (nothing changed then: this PC stays on the server).
    """
    require_district_admin(store)
    if not store.is_server:
        raise MigrationError("本机的台账已经在本机的数据文件中，不在数据库服务器上")
    folder = store.data_dir
    if server.explicit_url(None) is not None or not server.is_configured(folder):
        raise MigrationError(f"本机是用环境变量 {server.URL_ENV} 或命令行指定的数据库服务器：请去掉它后再打开程序，"
                             "即使用本机的数据文件")
    part = workfiles.part_path(store.path)  # removed by the next start's sweep if this is cut short
    for leftover in (part, part.with_name(part.name + "-wal"), part.with_name(part.name + "-shm")):
        leftover.unlink(missing_ok=True)
    engine = db.make_engine(part, store.key)
    try:
        event = Event(BACK_TO_FILE, store.user, describe(store.engine),
                      f"电脑 {socket.gethostname()} 上的数据文件 {store.path}")
        report = copy_store(store.engine, engine, progress, event=event, moving=False)
        result = Store(folder, engine, store.user, store.key).verify()
        if not result.ok:
            raise MigrationError(f"复制到本机的台账未通过校验，未改回：{result.message}")
    except BaseException:
        engine.dispose()
        for leftover in (part, part.with_name(part.name + "-wal"), part.with_name(part.name + "-shm")):
            leftover.unlink(missing_ok=True)
        raise
    engine.dispose()
    aside: Path | None = None
    try:
        if store.path.exists():  # the file this PC had (from before the move): kept, not deleted
            aside = folder / BACKUP_DIR / backup_file_name(dt.datetime.now(), SET_ASIDE)
            db.backup_file(store.path, aside, store.key)
            keyslots.copy_beside(folder, aside)
        for stale in (store.path.with_name(store.path.name + "-wal"), store.path.with_name(store.path.name + "-shm")):
            stale.unlink(missing_ok=True)  # the old file's, never to be replayed into the copy
        os.replace(part, store.path)
        db.make_private(store.path)
    except (OSError, db.DatabaseError) as exc:
        part.unlink(missing_ok=True)
        raise MigrationError(f"无法把复制的台账放到 {store.path}：{exc}；本机仍使用数据库服务器") from exc
    server.path_of(folder).unlink(missing_ok=True)  # from now on every start opens the file
    local = Store(folder, db.make_engine(store.path, store.key), store.user, store.key)
    keyslots.sync(local)  # every account the server had may sign in on this PC
    chain_head.after_commit(local, force=True)  # the head file follows the copied history, with its last event
    actor = store.account
    store.adopt(local)
    store.act_as(actor)
    return BackToFile(store.path, report.rows, result.message, aside)
