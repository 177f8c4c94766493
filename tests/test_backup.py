"""Backups: restore returns the same data; bad files are refused with the store unchanged;
rotation keeps the right copies on a fixed clock."""

from __future__ import annotations

import datetime as dt
import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import select

from database.models import AuditEntry
from desktop_app.services import accounts, backup, cases, demo, settings
from desktop_app.services.store import Store
from tests.factories import full_form
from tests.helpers.accounts import ADMIN_PASSWORD
from tests.helpers.stores import connect, iterdump

PASSPHRASE = "u盘备份口令2026"


def ledger_dump(store: Store) -> list[str]:
    """The ledger tables' rows (the history is compared separately: a restore adds an event)."""
    with store.engine.connect() as conn:
        raw = conn.connection.dbapi_connection  # type: ignore[union-attr]
        return [line for line in iterdump(raw)
                if line.startswith(("INSERT INTO \"students\"", "INSERT INTO \"cases\"", "INSERT INTO \"persuasion"))]


def full_dump(store: Store) -> list[str]:
    with store.engine.connect() as conn:
        return list(iterdump(conn.connection.dbapi_connection))  # type: ignore[union-attr]


def test_encrypted_backup_then_restore_returns_the_same_data(store: Store, tmp_path: Path) -> None:
    demo.load(store, 30)
    usb = tmp_path / "usb"
    usb.mkdir()
    before = ledger_dump(store)
    history = len(full_dump(store))
    written = backup.write_encrypted(store, usb, PASSPHRASE)
    assert written.parent == usb and written.suffix == ".bxbak"
    data = written.read_bytes()
    assert b"SQLite" not in data and "潼南".encode() not in data and data.startswith(backup.MAGIC)
    # the ledger changes after the backup …
    cases.save_form(store, full_form())
    assert ledger_dump(store) != before
    info = backup.inspect(written, PASSPHRASE)
    assert info.cases == 30 and info.unit_name == store.installation().name and info.encrypted
    # … and the restore brings back the day of the backup
    backup.restore(store, written, PASSPHRASE)
    assert ledger_dump(store) == before
    assert cases.ledger_count(store, cases.LedgerQuery()) == 30
    assert store.verify().ok
    assert len(full_dump(store)) > history  # the restore itself is in the history
    kept = [b for b in backup.list_local(backup.backups_dir(store)) if b.reason == backup.BEFORE_RESTORE]
    assert len(kept) == 1  # the store as it was before the restore is kept
    with connect(kept[0].path, store.key) as con:  # the copy is encrypted with the store key
        assert con.execute("SELECT count(*) FROM cases").fetchone()[0] == 31
    with store.read() as session:
        events = session.execute(select(AuditEntry.field).where(AuditEntry.table_name == "backup")).scalars().all()
    assert events[-1] == "从备份恢复"


@pytest.mark.parametrize("damage", ["wrong passphrase", "truncated", "not a backup", "flipped byte",
                                    "other sqlite", "empty"])
def test_bad_backups_are_refused_and_the_store_is_unchanged(store: Store, tmp_path: Path, damage: str) -> None:
    demo.load(store, 5)
    good = backup.write_encrypted(store, tmp_path / "b.bxbak", PASSPHRASE)
    bad = tmp_path / "bad.bxbak"
    passphrase = PASSPHRASE
    data = good.read_bytes()
    if damage == "wrong passphrase":
        bad.write_bytes(data)
        passphrase = "not-the-passphrase"
        message = "密码不正确"
    elif damage == "truncated":
        bad.write_bytes(data[: len(data) - 100])
        message = "不完整"
    elif damage == "not a backup":
        bad.write_text("姓名,身份证号码\n张三,500223\n", encoding="utf-8")
        message = "不是保学台账的备份文件"
    elif damage == "flipped byte":
        bad.write_bytes(data[:-50] + bytes([data[-50] ^ 1]) + data[-49:])
        message = "密码不正确，或备份文件已被改动"
    elif damage == "other sqlite":
        with sqlite3.connect(bad) as con:
            con.execute("CREATE TABLE t (x)")
        message = "不是保学台账的数据文件"
    else:
        bad.write_bytes(b"")
        message = "不是保学台账的备份文件"
    before = full_dump(store)
    with pytest.raises(backup.BackupError, match=message):
        backup.restore(store, bad, passphrase)
    assert full_dump(store) == before
    assert not backup.list_local(backup.backups_dir(store))  # nothing taken before a refused restore


def test_a_plain_local_copy_restores_without_passphrase(store: Store) -> None:
    demo.load(store, 4)
    copy = backup.take(store, backup.MANUAL)
    before = ledger_dump(store)
    cases.save_form(store, full_form())
    backup.restore(store, copy)
    assert ledger_dump(store) == before


def test_passphrase_must_be_long_enough(store: Store, tmp_path: Path) -> None:
    with pytest.raises(backup.ValidationError, match="至少8位"):
        backup.write_encrypted(store, tmp_path, "short")
    assert not list(tmp_path.glob("*.bxbak"))


def test_rotation_keeps_7_daily_4_weekly_12_monthly_on_a_fixed_clock(store: Store) -> None:
    from desktop_app.services.paths import backup_file_name

    start = dt.datetime(2025, 1, 1, 8, 30)
    folder = backup.backups_dir(store)
    folder.mkdir()
    # a year of daily copies already there (names are what rotation reads) …
    for day in range(380):
        (folder / backup_file_name(start + dt.timedelta(days=day), backup.DAILY)).touch()
    # … then twenty more days of starts, with a copy before an import every tenth day
    for day in range(380, 400):
        now = start + dt.timedelta(days=day)
        assert backup.daily_if_due(store, now) is not None
        assert backup.daily_if_due(store, now + dt.timedelta(hours=2)) is None  # once a day
        if day % 10 == 9:
            backup.take(store, backup.BEFORE_IMPORT + "花名册", now + dt.timedelta(hours=3))
    kept = backup.list_local(folder)
    got = sorted((b.at.date().isoformat(), b.reason) for b in kept)
    daily = [(f"2026-01-{d}", backup.DAILY) for d in (29, 30, 31)] + [
        (f"2026-02-0{d}", backup.DAILY) for d in (1, 2, 3)]
    imported = backup.BEFORE_IMPORT + "花名册"
    # the newest of the last 4 ISO weeks: Sundays 01-18 and 01-25 (an import day), 02-01 and 02-04 above
    weekly = [("2026-01-18", backup.DAILY), ("2026-01-25", imported)]
    monthly = [(f"2025-{m:02d}-{d}", backup.DAILY) for m, d in
               ((3, 31), (4, 30), (5, 31), (6, 30), (7, 31), (8, 31), (9, 30), (10, 31), (11, 30), (12, 31))]
    # the newest copy of the last day is the one taken before the import
    assert got == sorted(daily + weekly + monthly + [("2026-02-04", imported)])
    assert len(list(folder.glob("*.sqlite3"))) == len(kept) == 19
    # each copy the program made keeps its key slots beside it; a removed copy's slots went with it
    sidecars = {p.name.removesuffix(".keys") for p in folder.glob("*.keys")}
    assert sidecars and sidecars <= {b.path.name for b in kept}


def test_rotation_follows_the_settings(store: Store) -> None:
    settings.put(store, backup.KEEP_DAILY.key, 2)
    settings.put(store, backup.KEEP_WEEKLY.key, 0)
    settings.put(store, backup.KEEP_MONTHLY.key, 0)
    for day in range(5):
        backup.take(store, backup.DAILY, dt.datetime(2026, 3, 1 + day, 9))
    assert [b.at.day for b in backup.list_local(backup.backups_dir(store))] == [5, 4]


def test_restore_on_an_empty_new_pc_needs_no_account(store: Store, tmp_path: Path) -> None:
    demo.load(store, 3)
    file = backup.write_encrypted(store, tmp_path, PASSPHRASE)
    fresh = Store.open(tmp_path / "newpc", user="安装")
    try:
        backup.restore(fresh, file, PASSPHRASE)
        assert cases.ledger_count(fresh, cases.LedgerQuery()) == 3
        assert accounts.sign_in(fresh, "周老师", ADMIN_PASSWORD).user_name == "周老师"  # the backup's account
    finally:
        fresh.close()
