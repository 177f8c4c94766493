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
    """SQLite → SQLite: every table equal row by row, the chain the same bytes, and the copy opens with the
    administrator's password and passes verify (its head file rewritten from the copied history)."""
    copy = server_migration.copy_to_folder(demo.engine, tmp_path / "copy")
    assert copy.report.tables["audit_log"] > 1000 and copy.report.tables["cases"] > 0
    assert copy.report.tables["evidence_blobs"] == _count(demo.engine, "evidence_blobs") == 1
    other = db.make_engine(copy.folder / "baoxue.sqlite3", copy.key)
    try:
        assert server_migration.compare(demo.engine, other) == []
        assert _chain(other) == _chain(demo.engine) and _chain(other)[2]
    finally:
        other.dispose()
    opened = encryption.unlock(copy.folder, accounts.DEMO_ADMIN, accounts.DEMO_PASSWORD)
    try:
        result = opened.verify()
        assert result.ok, result.message
        assert district.school_figures(opened) == district.school_figures(demo)
    finally:
        opened.close()


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
    target.dispose()
    folder = tmp_path / "test-copy"
    code = cli.main(["migrate-from-server", pg_url, str(folder)])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert "已复制到" in out and "校验通过" in out
    # a second time into the same folder is refused, the copy unchanged
    before = (folder / "baoxue.sqlite3").stat().st_mtime_ns
    code = cli.main(["migrate-from-server", pg_url, str(folder)])
    err = capsys.readouterr().err
    assert code == 1 and "已有保学台账的数据文件" in err and "Traceback" not in err
    assert (folder / "baoxue.sqlite3").stat().st_mtime_ns == before


def test_migrate_to_server_in_one_command(demo: Store, pg_url: str, tmp_path: Path,
                                          capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    """`baoxue-cli migrate-to-server URL`: copied, compared row by row, verified on the server; another PC
    then opens the server's database and verify passes there; a second run is refused."""
    data = str(demo.data_dir)
    code = cli.main(["--data-dir", data, "migrate-to-server", pg_url])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert "已迁移到" in out and "逐行核对一致" in out and "服务器上校验通过" in out and "audit_log" in err
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
