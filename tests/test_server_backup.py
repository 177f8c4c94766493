"""Backups of the district store on a PostgreSQL server (issue 19 point 3): pg_dump custom-format archives
when pg_dump is on the PATH, or 关于 saying the server's own backup is in charge; restore with pg_restore."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from desktop_app.services import about, accounts, backup, server_backup, server_migration
from desktop_app.services.store import Store
from tests.helpers.district_demo import demo_fixture, demo_folder_fixture  # noqa: F401 - fixtures


@pytest.fixture
def on_server(demo: Store, pg_url: str, tmp_path: Path) -> Iterator[Store]:
    """The demo district moved to the test's PostgreSQL database, opened from a PC with a new data folder,
    its administrator signed in."""
    target = server_migration.server_engine(pg_url)
    server_migration.copy_store(demo.engine, target)
    target.dispose()
    store = Store.open(tmp_path / "office-pc", user=accounts.DEMO_ADMIN, url=pg_url)
    accounts.sign_in(store, accounts.DEMO_ADMIN, accounts.DEMO_PASSWORD)
    yield store
    store.close()


def _count(store: Store, table: str) -> int:
    with store.engine.connect() as conn:
        return int(conn.execute(text(f'SELECT count(*) FROM "{table}"')).scalar_one())


def test_automatic_copies_on_the_server_are_checked_pg_dump_archives(on_server: Store) -> None:
    if not server_backup.tools().available:
        pytest.skip("pg_dump / pg_restore not on the PATH")
    path = backup.daily_if_due(on_server, dt.datetime(2026, 11, 28, 8, 30))
    assert path is not None and path.name == "baoxue-20261128-083000-每日.pgdump"
    assert path.read_bytes().startswith(b"PGDMP")  # custom format
    assert server_backup.check_archive(path) > 40  # pg_restore reads its table of contents back
    assert backup.daily_if_due(on_server, dt.datetime(2026, 11, 28, 17, 0)) is None  # one a day
    listed = backup.list_local(backup.backups_dir(on_server))
    assert [b.path for b in listed if b.path.suffix == ".pgdump"] == [path]
    info = backup.inspect(path, store=on_server)
    assert info.unit_code == "500152" and info.cases == _count(on_server, "cases") > 0
    assert info.revision and info.created_at.startswith("2026-11-28 08:30")
    rows = dict(about.info(on_server).lines())
    assert "pg_dump" in rows["服务器数据的备份"] and rows["自动备份"].startswith(f"{len(listed)}份")


def test_rotation_removes_old_archives_with_their_descriptions(on_server: Store) -> None:
    if not server_backup.tools().available:
        pytest.skip("pg_dump / pg_restore not on the PATH")
    first = backup.take(on_server, backup.DAILY, dt.datetime(2025, 1, 1, 8, 0))
    assert first is not None and server_backup.description_path(first).exists()
    for day in range(2, 40):  # more daily copies than the rotation keeps, all in January and February
        backup.take(on_server, backup.DAILY, dt.datetime(2025, 1, 1, 8, 0) + dt.timedelta(days=day))
    assert not first.exists() and not server_backup.description_path(first).exists()
    kept = backup.list_local(backup.backups_dir(on_server))
    assert 7 <= len(kept) <= 7 + 4 + 12


def test_without_pg_dump_the_servers_own_backup_is_in_charge(on_server: Store,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(server_backup, "tools", lambda: server_backup.Tools(None, None))
    assert backup.daily_if_due(on_server) is None
    assert backup.before_import(on_server, "数据包") is None  # an import goes on without a copy of its own
    assert backup.list_local(backup.backups_dir(on_server)) == []
    with pytest.raises(backup.BackupError, match="由数据库服务器自己的备份负责"):
        backup.take(on_server, backup.MANUAL)
    rows = dict(about.info(on_server).lines())
    assert "找不到 pg_dump" in rows["服务器数据的备份"] and "服务器自己的备份负责" in rows["服务器数据的备份"]


def test_a_file_store_shows_no_server_row_in_about(demo: Store) -> None:
    assert "服务器数据的备份" not in dict(about.info(demo).lines())


def test_pg_restore_puts_back_the_archive_in_one_transaction(on_server: Store, tmp_path: Path) -> None:
    if not server_backup.tools().available:
        pytest.skip("pg_dump / pg_restore not on the PATH")
    archive = server_backup.dump(on_server.engine, tmp_path / "before.pgdump")
    cases, history = _count(on_server, "cases"), _count(on_server, "audit_log")
    with on_server.engine.begin() as conn:  # what a restore is for: something lost since the copy
        conn.execute(text("DELETE FROM case_closings"))
    # a damaged archive is refused before anything is touched
    broken = tmp_path / "broken.pgdump"
    broken.write_bytes(archive.read_bytes()[: archive.stat().st_size // 2])
    with pytest.raises(server_backup.ServerBackupError, match="失败"):
        server_backup.restore(on_server.engine, broken)
    assert _count(on_server, "case_closings") == 0
    server_backup.restore(on_server.engine, archive)
    assert _count(on_server, "case_closings") > 0
    assert (_count(on_server, "cases"), _count(on_server, "audit_log")) == (cases, history)
    assert server_migration.compare(on_server.engine, on_server.engine) == []


def test_a_file_backup_is_not_restored_onto_the_server(on_server: Store, tmp_path: Path) -> None:
    """A .sqlite3 copy or an encrypted backup of a file store is refused on the server, which is unchanged."""
    other = tmp_path / "baoxue-20261128-083000-每日.sqlite3"
    other.write_bytes(b"SQLite format 3\x00" + bytes(4096))
    cases = _count(on_server, "cases")
    with pytest.raises(backup.BackupError, match="只能从 pg_dump 备份"):
        backup.restore(on_server, other)
    assert _count(on_server, "cases") == cases


def test_restore_on_the_server_puts_back_the_archive_and_records_it(on_server: Store, tmp_path: Path) -> None:
    """设置 → 从备份恢复 on the server: a 恢复前 archive first, the database as it was at the copy, the restore
    recorded in the history, and verify passes on the server afterwards."""
    if not server_backup.tools().available:
        pytest.skip("pg_dump / pg_restore not on the PATH")
    archive = backup.take(on_server, backup.MANUAL)
    assert archive is not None
    accounts.create_account(on_server, "后来的账户", "mixin-2026-user", "supervisor")
    info = backup.inspect(archive, store=on_server)
    assert info.unit_code == "500152"
    restored = backup.restore(on_server, archive, now=dt.datetime.now() + dt.timedelta(minutes=1))
    assert restored.cases == info.cases
    assert "后来的账户" not in {a.user_name for a in accounts.list_accounts(on_server)}
    reasons = [b.reason for b in backup.list_local(backup.backups_dir(on_server))]
    assert backup.BEFORE_RESTORE in reasons
    with on_server.engine.connect() as conn:
        events = conn.execute(text("SELECT field FROM audit_log WHERE action = 'event' ORDER BY id DESC LIMIT 3")).all()
    assert "从备份恢复" in {e[0] for e in events}
    result = on_server.verify()
    assert result.ok, result.message


def test_an_encrypted_backup_of_the_server_restores_onto_it(on_server: Store, tmp_path: Path) -> None:
    if not server_backup.tools().available:
        pytest.skip("pg_dump / pg_restore not on the PATH")
    usb = tmp_path / "usb"
    usb.mkdir()
    written = backup.write_encrypted(on_server, usb, "u盘备份密码2026")
    assert written.suffix == backup.SUFFIX and backup.is_encrypted(written)
    info = backup.inspect(written, "u盘备份密码2026", on_server)
    assert info.encrypted and info.unit_code == "500152" and info.cases > 0
    with pytest.raises(backup.BackupError, match="备份密码不正确"):
        backup.restore(on_server, written, "wrong-passphrase")
    accounts.create_account(on_server, "后来的账户", "mixin-2026-user", "supervisor")
    backup.restore(on_server, written, "u盘备份密码2026")
    assert "后来的账户" not in {a.user_name for a in accounts.list_accounts(on_server)}
    assert on_server.verify().ok


def test_a_restore_while_another_pc_works_does_not_start(on_server: Store, tmp_path: Path) -> None:
    """Another PC connected to the database (its locks would make the restore wait without end): the restore
    does not start, says why, and the database is as it was."""
    if not server_backup.tools().available:
        pytest.skip("pg_dump / pg_restore not on the PATH")
    archive = server_backup.dump(on_server.engine, tmp_path / "copy.pgdump")
    cases = _count(on_server, "cases")
    other_pc = server_migration.server_engine(str(on_server.engine.url.render_as_string(hide_password=False)))
    other = other_pc.connect()
    try:
        other.execute(text("SELECT count(*) FROM cases"))  # its transaction stays open
        with pytest.raises(server_backup.ServerBackupError, match="其他电脑正在使用服务器上的数据"):
            server_backup.restore(on_server.engine, archive)
    finally:
        other.rollback()
        other.close()
        other_pc.dispose()
    assert _count(on_server, "cases") == cases
    server_backup.restore(on_server.engine, archive)  # once it has gone, the restore runs
    assert _count(on_server, "cases") == cases
