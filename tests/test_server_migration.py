"""Moving a district store to a PostgreSQL server and back (issue 19 point 4).

The copy is written over two SQLAlchemy engines, so it is tested SQLite → SQLite first (no server
needed), then SQLite → PostgreSQL on the throw-away cluster of ``tests/pg_cluster.py``.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, func, inspect, select, text
from sqlalchemy.orm import Session

from database import engine as db
from database.models import AuditEntry
from desktop_app import cli
from desktop_app.services import accounts, audit, district, encryption, server_migration
from desktop_app.services.store import Store
from tests.helpers.district_demo import demo_fixture, demo_folder_fixture  # noqa: F401 - fixtures


def _chain(engine: Engine) -> tuple[int, str | None, bool]:
    """(rows, last hash, whole chain recomputes) of the history behind ``engine``."""
    with Session(engine) as session:
        last = session.execute(select(AuditEntry.row_hash).order_by(AuditEntry.id.desc()).limit(1)).scalar()
        rows = session.execute(select(func.count()).select_from(AuditEntry)).scalar_one()
        return rows, last, audit.verify_chain(session).ok


def test_copy_to_a_folder_keeps_every_row_and_the_chain(demo: Store, tmp_path: Path) -> None:
    """SQLite → SQLite: every table equal row by row, the chain the same bytes (and one history row more,
    the copy's own event), and the copy opens with the administrator's password and passes verify (its
    head file rewritten from the copied history)."""
    copy = server_migration.copy_to_folder(demo.engine, tmp_path / "copy")
    assert copy.report.tables["audit_log"] > 1000 and copy.report.tables["cases"] > 0
    assert copy.report.tables["evidence_blobs"] == _count(demo.engine, "evidence_blobs") == 1
    other = db.make_engine(copy.folder / "baoxue.sqlite3", copy.key)
    try:
        rows, last, _ok = _chain(demo.engine)
        assert server_migration.compare(demo.engine, other) == [f"数据表 audit_log：原有{rows}行，迁移后{rows + 1}行"]
        assert _last_history(other).prev_hash == last and _chain(other)[0] == rows + 1 and _chain(other)[2]
        with other.connect() as conn:  # every copied history row the same bytes
            copied = conn.execute(select(AuditEntry.row_hash).order_by(AuditEntry.id.desc()).offset(1).limit(1))
            assert copied.scalar() == last
    finally:
        other.dispose()
    opened = encryption.unlock(copy.folder, accounts.DEMO_ADMIN, accounts.DEMO_PASSWORD)
    try:
        result = opened.verify()
        assert result.ok, result.message
        assert district.school_figures(opened) == district.school_figures(demo)
    finally:
        opened.close()


def _last_history(engine: Engine) -> AuditEntry:
    with Session(engine) as session:
        return session.execute(select(AuditEntry).order_by(AuditEntry.id.desc()).limit(1)).scalar_one()


def test_a_test_copy_ends_its_history_with_the_copy(demo: Store, tmp_path: Path) -> None:
    """The copy's history is the source's, then one 从数据库服务器复制 event naming the unit, where from, where
    to, who and how many rows; the chain recomputes and the copy passes verify."""
    rows, last, _ok = _chain(demo.engine)
    copy = server_migration.copy_to_folder(demo.engine, tmp_path / "copy", user="王测试")
    other = db.make_engine(copy.folder / "baoxue.sqlite3", copy.key)
    try:
        entry = _last_history(other)
        assert (entry.id, entry.action, entry.field) == (rows + 1, "event", server_migration.COPIED_FROM_SERVER)
        assert entry.prev_hash == last and entry.user == "王测试"
        inst = demo.installation()
        assert inst is not None and entry.node_id == inst.node_id
        detail = entry.new_value or ""
        assert inst.name in detail and inst.code in detail and str(tmp_path / "copy") in detail
        assert f"共{copy.report.rows}行" in detail and "王测试" in detail
        assert _chain(other)[2]
    finally:
        other.dispose()
    opened = encryption.unlock(copy.folder, accounts.DEMO_ADMIN, accounts.DEMO_PASSWORD)
    try:
        result = opened.verify()
        assert result.ok, result.message
    finally:
        opened.close()


def test_a_source_changed_during_the_copy_leaves_the_target_empty(demo: Store, tmp_path: Path) -> None:
    """The copy is compared with the source read again before it commits: a change another program made
    to the source meanwhile (here: after the installation row was copied) is named, and nothing is kept."""
    target = db.make_engine(tmp_path / "target.sqlite3", b"k" * 32)
    changed = []

    def change_the_source(table: str, done: int, _total: int) -> bool:
        if table == "audit_log" and not changed:
            with demo.engine.begin() as conn:
                conn.execute(text("UPDATE installation SET contact_name = '改动者'"))
            changed.append(True)
        return True

    event = server_migration.Event(server_migration.MOVED_TO_SERVER, demo.user, "测试", "测试")
    with pytest.raises(server_migration.MigrationError, match="核对不一致.*installation.*未做任何改动"):
        server_migration.copy_store(demo.engine, target, change_the_source, event=event)
    with target.connect() as conn:
        assert inspect(conn).get_table_names() == []
    target.dispose()


def _count(engine: Engine, table: str) -> int:
    with engine.connect() as conn:
        return int(conn.execute(text(f'SELECT count(*) FROM "{table}"')).scalar_one())


def test_a_target_that_is_not_empty_is_refused_unchanged(demo: Store, tmp_path: Path) -> None:
    target = create_engine(f"sqlite:///{tmp_path / 'other.sqlite3'}")
    with target.begin() as conn:
        conn.execute(text("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)"))
        conn.execute(text("INSERT INTO notes (body) VALUES ('keep me')"))
    with pytest.raises(server_migration.MigrationError, match="不是空的.*notes"):
        server_migration.copy_store(demo.engine, target)
    with target.connect() as conn:
        assert inspect(conn).get_table_names() == ["notes"]
        assert conn.execute(text("SELECT body FROM notes")).scalar() == "keep me"
    target.dispose()


def test_a_cancelled_copy_leaves_the_target_empty(demo: Store, tmp_path: Path) -> None:
    """One transaction: stopped half-way (here: cancelled in the history table), nothing stays behind."""
    target = db.make_engine(tmp_path / "target.sqlite3", b"k" * 32)

    def stop_in_history(table: str, done: int, _total: int) -> bool:
        return not (table == "audit_log" and done > 0)

    with pytest.raises(server_migration.MigrationError, match="已取消"):
        server_migration.copy_store(demo.engine, target, stop_in_history)
    with target.connect() as conn:
        assert inspect(conn).get_table_names() == []
    target.dispose()


def test_migrate_to_server_refuses_a_file_url_and_a_school(store: Store, capsys: pytest.CaptureFixture[str],
                                                           tmp_path: Path) -> None:
    data = str(store.data_dir)
    store.close()
    code = cli.main(["--data-dir", data, "migrate-to-server", f"sqlite:///{tmp_path / 'x.sqlite3'}"])
    err = capsys.readouterr().err
    assert code == 1 and "须是 PostgreSQL 的" in err and "Traceback" not in err


# --- against PostgreSQL ---------------------------------------------------------------------------------


def test_demo_district_migrated_to_postgresql_keeps_every_row_and_the_chain(demo: Store, pg_url: str) -> None:
    """SQLite → PostgreSQL: every row equal, the chain recomputes on the server, serial ids go on after the
    copied ones, and the supervision figures are the same on both backends."""
    target = server_migration.server_engine(pg_url)
    try:
        report = server_migration.copy_store(demo.engine, target)
        assert report.rows > 5000 and report.revision == db.head_revision()
        assert server_migration.compare(demo.engine, target) == []
        assert _chain(target) == _chain(demo.engine) and _chain(target)[2]
        with target.begin() as conn:  # the next history row gets the next number
            nxt = conn.execute(text("SELECT nextval(pg_get_serial_sequence('audit_log', 'id'))")).scalar_one()
        assert nxt == report.tables["audit_log"] + 1
        on_server = Store(demo.data_dir, target, demo.user)
        on_server.server = target.url
        on_server.act_as(demo.account)
        assert district.school_figures(on_server) == district.school_figures(demo)
        with pytest.raises(server_migration.MigrationError, match="不是空的"):
            server_migration.copy_store(demo.engine, target)  # a second run refuses, changes nothing
        assert server_migration.compare(demo.engine, target) == []
    finally:
        target.dispose()


def test_migrate_from_server_makes_a_test_copy(demo: Store, pg_url: str, tmp_path: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    """PostgreSQL → a new folder: the copy opens with the same account and passes verify."""
    target = server_migration.server_engine(pg_url)
    server_migration.copy_store(demo.engine, target)
    on_server = _chain(target)[0]
    target.dispose()
    folder = tmp_path / "test-copy"
    code = cli.main(["migrate-from-server", pg_url, str(folder)])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert "已复制到" in out and "校验通过" in out
    copy = encryption.unlock(folder, accounts.DEMO_ADMIN, accounts.DEMO_PASSWORD)
    try:
        with Session(copy.engine) as session:  # right after the server's history (sign-ins follow it)
            entry = session.execute(select(AuditEntry).where(
                AuditEntry.field == server_migration.COPIED_FROM_SERVER)).scalar_one()
        assert entry.id == on_server + 1
        assert entry.user == accounts.DEMO_ADMIN and "postgresql" in (entry.new_value or "")
        assert str(folder) in (entry.new_value or "")
    finally:
        copy.close()
    # a second time into the same folder is refused, the copy unchanged
    before = (folder / "baoxue.sqlite3").stat().st_mtime_ns
    code = cli.main(["migrate-from-server", pg_url, str(folder)])
    err = capsys.readouterr().err
    assert code == 1 and "已有保学台账的数据文件" in err and "Traceback" not in err
    assert (folder / "baoxue.sqlite3").stat().st_mtime_ns == before


def test_a_test_copy_is_one_snapshot_while_the_server_goes_on(demo: Store, pg_url: str, tmp_path: Path) -> None:
    """The server goes on working during a test copy: a change made there meanwhile is not in the copy (one
    snapshot), and the copy, compared with that snapshot, is made and passes verify."""
    server_copy = server_migration.server_engine(pg_url)
    server_migration.copy_store(demo.engine, server_copy)
    changed: list[bool] = []

    def staff_write(table: str, _done: int, _total: int) -> bool:
        if table == "audit_log" and not changed:  # the installation row was read already
            with server_copy.begin() as conn:
                conn.execute(text("UPDATE installation SET contact_name = '另一位工作人员'"))
            changed.append(True)
        return True

    try:
        copy = server_migration.copy_to_folder(server_copy, tmp_path / "copy", staff_write, user="王测试")
    finally:
        server_copy.dispose()
    assert changed
    opened = encryption.unlock(copy.folder, accounts.DEMO_ADMIN, accounts.DEMO_PASSWORD)
    try:
        inst = opened.installation()
        assert inst is not None and inst.contact_name != "另一位工作人员"
        assert opened.verify().ok
    finally:
        opened.close()


def test_migrate_to_server_in_one_command(demo: Store, pg_url: str, tmp_path: Path,
                                          capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    """`baoxue-cli migrate-to-server URL`: copied, compared row by row, verified on the server; another PC
    then opens the server's database and verify passes there; a second run is refused."""
    data = str(demo.data_dir)
    code = cli.main(["--data-dir", data, "migrate-to-server", pg_url])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert "已迁移到" in out and "逐行核对一致" in out and "服务器上校验通过" in out and "audit_log" in err
    target = server_migration.server_engine(pg_url)
    try:  # the server's history ends with the move: which unit, from which file, by whom, how many rows
        rows, _last, ok = _chain(target)
        entry = _last_history(target)
        assert ok and entry.id == rows == _chain(demo.engine)[0] + 1
        assert (entry.action, entry.table_name, entry.field) == ("event", "installation",
                                                                 server_migration.MOVED_TO_SERVER)
        inst = demo.installation()
        assert inst is not None and entry.user == demo.user and entry.node_id == inst.node_id
        detail = entry.new_value or ""
        copied = sum(_count(demo.engine, t.name) for t in server_migration.tables())
        assert inst.name in detail and str(demo.path) in detail and f"共{copied}行" in detail
        assert db.shown_url(target.url) in detail or server_migration.describe(target) in detail
    finally:
        target.dispose()
    code = cli.main(["--data-dir", data, "migrate-to-server", pg_url])
    err = capsys.readouterr().err
    assert code == 1 and "不是空的" in err and "Traceback" not in err
    monkeypatch.setenv("BAOXUE_DATABASE_URL", pg_url)
    code = cli.main(["--data-dir", str(tmp_path / "another-pc"), "verify"])
    out, err = capsys.readouterr()
    assert code == 0 and "校验通过" in out, err


def test_a_school_is_not_moved_to_a_server(store: Store, pg_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    data = str(store.data_dir)
    store.close()
    code = cli.main(["--data-dir", data, "migrate-to-server", pg_url])
    err = capsys.readouterr().err
    assert code == 1 and "只有区教委的数据可以迁移" in err and "Traceback" not in err
    target = server_migration.server_engine(pg_url)
    with target.connect() as conn:
        assert inspect(conn).get_table_names() == []  # nothing was written
    target.dispose()
