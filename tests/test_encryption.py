"""Encryption at rest: nothing readable in the files, key slots per account, the recovery key, the
conversion of a plain store of v0.1.0, backups with their key slots."""

from __future__ import annotations

import json
import shutil
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from database import engine as db
from database.models import AuditEntry
from desktop_app.domain.errors import SignInError, StoreError, ValidationError
from desktop_app.domain.roles import Role
from desktop_app.services import accounts, backup, demo, encryption, installation, keyslots, sync
from desktop_app.services.integrity.head import HEAD_FILE
from desktop_app.services.paths import BACKUP_DIR, STORE_FILE, backup_file_name
from desktop_app.services.store import Store
from tests.conftest import SCHOOL
from tests.helpers.cli import run

ADMIN_PW = "Mixin2026!"
TEACHER_PW = "Jiaoshi2026!"
GOLDEN = Path(__file__).parent / "golden" / "v0.1.0"


@pytest.fixture
def school(data_dir: Path) -> Iterator[Store]:
    """A set-up school with an administrator (signed in) and a teacher, and its recovery key made."""
    s = Store.open(data_dir, user="setup")
    installation.setup(s, SCHOOL)
    accounts.create_first_admin(s, "admin", ADMIN_PW, display_name="管理员甲")
    accounts.sign_in(s, "admin", ADMIN_PW)
    accounts.create_account(s, "li", TEACHER_PW, Role.TEACHER, display_name="李老师")
    yield s
    s.close()


def events(store: Store, what: str) -> list[str]:
    with store.read() as session:
        return list(session.execute(select(AuditEntry.new_value).where(AuditEntry.field == what)).scalars())


# --- nothing readable --------------------------------------------------------------------------------


def personal_values(store: Store) -> set[bytes]:
    """Names, identity numbers and phones of the demonstration data, as stored (UTF-8)."""
    values: set[str] = set()
    with store.engine.connect() as con:
        for sql in ("SELECT name, id_number, guardian1_name, guardian1_phone, guardian2_phone FROM students",
                    "SELECT contact_phone FROM installation", "SELECT sign_secret, box_secret FROM node_keys"):
            for row in con.exec_driver_sql(sql):
                values.update(v for v in row if v and len(v) >= 2)
    return {v.encode("utf-8") for v in values}


def test_no_personal_data_or_private_key_in_any_file_and_sqlite_cannot_read_them(
        school: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    demo.load(school, 40)
    demo.load_census(school)
    sync.ensure_keys(school)  # the node's private keys
    secrets = personal_values(school)
    assert len(secrets) > 300
    temporary: dict[str, bytes] = {}
    real_rekey = db.rekey

    def spy_rekey(path: Path, old: bytes, new: bytes) -> None:  # the backup's temporary copy, as written
        temporary[f"{path.name}-before"] = Path(path).read_bytes()
        real_rekey(path, old, new)
        temporary[f"{path.name}-after"] = Path(path).read_bytes()

    monkeypatch.setattr(db, "rekey", spy_rekey)
    copy = backup.take(school, backup.MANUAL)
    written = backup.write_encrypted(school, tmp_path, "一个足够长的备份口令")
    wal = school.path.with_name(STORE_FILE + "-wal")
    assert wal.stat().st_size > 0  # the store is open: its latest pages are in the WAL
    files = {p.name: p.read_bytes() for p in (school.path, wal, copy, keyslots.copy_keys_path(copy),
                                                keyslots.keys_path(school.data_dir), written)}
    files.update(temporary)
    assert len(temporary) == 2
    for name, data in files.items():
        found = [v for v in secrets if v in data]
        assert not found, f"{name} holds {found[:3]}"
    for path in (school.path, copy):
        with pytest.raises(sqlite3.DatabaseError, match="not a database"):
            sqlite3.connect(path).execute("SELECT count(*) FROM students").fetchone()
    # no temporary file is left in the data folder
    assert sorted(p.name for p in school.data_dir.iterdir()) == sorted(
        [STORE_FILE, STORE_FILE + "-wal", STORE_FILE + "-shm", keyslots.KEYS_FILE, HEAD_FILE, BACKUP_DIR])
    head = (school.data_dir / HEAD_FILE).read_bytes()  # the chain head kept beside the store: hashes only
    assert not [v for v in secrets if v in head]


# --- key slots -----------------------------------------------------------------------------------------


def test_each_account_unlocks_the_store_with_its_own_password(school: Store, data_dir: Path) -> None:
    school.close()
    with pytest.raises(keyslots.StoreLocked, match="已加密"):
        Store.open(data_dir)
    store = encryption.unlock(data_dir, "li", TEACHER_PW)
    assert store.account.user_name == "li" and store.account.role == Role.TEACHER
    store.close()
    assert keyslots.read(data_dir).count == 2  # two accounts, no recovery key yet


@pytest.mark.parametrize(("user", "password", "message"), [
    ("admin", "wrong-password", "用户名或密码不正确"),
    ("nobody", ADMIN_PW, "用户名或密码不正确"),
])
def test_wrong_password_or_user_opens_nothing(school: Store, data_dir: Path, user: str, password: str,
                                              message: str) -> None:
    school.close()
    with pytest.raises(SignInError, match=message):
        encryption.unlock(data_dir, user, password)


def test_a_disabled_account_loses_its_slot_and_gets_it_back_when_enabled(school: Store, data_dir: Path) -> None:
    accounts.update_account(school, "li", active=False)
    slots = keyslots.read(data_dir)
    assert [s["user_name"] for s in slots.slots] == ["admin"] and slots.disabled == ["li"]
    school.close()
    with pytest.raises(SignInError, match="此账户已停用"):
        encryption.unlock(data_dir, "li", TEACHER_PW)
    store = encryption.unlock(data_dir, "admin", ADMIN_PW)
    accounts.update_account(store, "li", active=True)
    store.close()
    encryption.unlock(data_dir, "li", TEACHER_PW).close()


def test_password_reset_and_change_rewrap_the_slot(school: Store, data_dir: Path) -> None:
    accounts.reset_password(school, "li", "Xinmima2026!")
    school.close()
    with pytest.raises(SignInError):
        encryption.unlock(data_dir, "li", TEACHER_PW)
    store = encryption.unlock(data_dir, "li", "Xinmima2026!")
    assert accounts.must_change_password(store)
    accounts.change_own_password(store, "Xinmima2026!", "Zijide2026!")
    store.close()
    with pytest.raises(SignInError):
        encryption.unlock(data_dir, "li", "Xinmima2026!")
    encryption.unlock(data_dir, "li", "Zijide2026!").close()


@pytest.mark.parametrize("damage", ["missing", "garbage", "truncated", "slot edited"])
def test_damaged_key_slot_file_points_to_the_recovery_key_which_repairs_it(
        school: Store, data_dir: Path, damage: str, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    code = encryption.new_recovery_key(school)
    school.close()
    path = keyslots.keys_path(data_dir)
    text = path.read_text(encoding="utf-8")
    if damage == "missing":
        path.unlink()
    elif damage == "garbage":
        path.write_bytes(b"\x00\xff" * 40)
    elif damage == "truncated":
        path.write_text(text[: len(text) // 2], encoding="utf-8")
    else:
        data = json.loads(text)
        data["slots"][0]["wrapped"] = "00" * 48
        path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(keyslots.KeySlotError, match="请使用恢复密钥打开"):
        encryption.unlock(data_dir, "admin", ADMIN_PW)
    monkeypatch.setenv("BAOXUE_USER", "admin")
    monkeypatch.setenv("BAOXUE_PASSWORD", ADMIN_PW)
    status, _out, stderr = run(capsys, "--data-dir", str(data_dir), "verify")
    assert status == 1 and len(stderr.strip().splitlines()) == 1 and "Traceback" not in stderr
    store = encryption.open_with_recovery(data_dir, keyslots.format_code(code))
    assert store.verify().ok and events(store, "使用恢复密钥打开") == ["重建了密钥文件"]
    store.close()
    encryption.unlock(data_dir, "admin", ADMIN_PW).close()  # the slots were rebuilt


def test_recovery_key_opens_the_store_when_every_password_is_forgotten(school: Store, data_dir: Path,
                                                                       tmp_path: Path) -> None:
    code = encryption.new_recovery_key(school)
    sheet = encryption.write_recovery_sheet(school, code, tmp_path / "恢复密钥单.pdf")
    text = "".join(PdfReader(sheet).pages[0].extract_text().split())
    assert SCHOOL.name in text and SCHOOL.code in text and "保险柜" in text
    assert keyslots.format_code(code).replace("-", "") in text.replace("-", "")
    school.close()
    with pytest.raises(ValidationError, match="25个字母和数字"):
        encryption.open_with_recovery(data_dir, "ABCDE-12345")
    typed = " ".join(keyslots.format_code(code).lower().split("-"))  # as typed: lower case, spaces
    store = encryption.open_with_recovery(data_dir, typed)
    with pytest.raises(StoreError, match="不是管理员"):
        encryption.set_password_after_recovery(store, "li", "Xinmima2026!")
    encryption.set_password_after_recovery(store, "admin", "Xinmima2026!")
    store.close()
    store = encryption.unlock(data_dir, "admin", "Xinmima2026!")
    assert not accounts.must_change_password(store)  # the administrator chose it
    assert events(store, "使用恢复密钥打开") == ["重建了密钥文件"]
    assert events(store, "密码重置") == ["恢复密钥 重置了 admin 的密码"]
    store.close()


def test_new_recovery_key_invalidates_the_old_one_everywhere(school: Store, data_dir: Path) -> None:
    first = encryption.new_recovery_key(school)
    copy = backup.take(school, backup.MANUAL)
    second = encryption.new_recovery_key(school)
    assert first != second
    assert not db.opens_with(school.path, keyslots.key_from_recovery(first))
    assert not db.opens_with(copy, keyslots.key_from_recovery(first))  # the copies were re-encrypted
    assert db.opens_with(copy, keyslots.key_from_recovery(second))
    with school.read() as session:
        made = session.execute(select(AuditEntry).where(AuditEntry.table_name == "encryption")).scalars().all()
    assert len(made) == 2 and all(second[-5:] in (m.new_value or "") or first[-5:] in (m.new_value or "")
                                  for m in made)
    school.close()
    with pytest.raises(StoreError, match="已被新的恢复密钥取代"):
        encryption.open_with_recovery(data_dir, first)
    encryption.open_with_recovery(data_dir, second).close()
    encryption.unlock(data_dir, "admin", ADMIN_PW).close()  # the passwords still open it
    assert keyslots.read(data_dir).count == 3  # two accounts and the recovery key


def test_only_an_administrator_makes_a_recovery_key(school: Store, data_dir: Path) -> None:
    from desktop_app.domain.errors import PermissionDenied

    school.close()
    store = encryption.unlock(data_dir, "li", TEACHER_PW)
    try:
        with pytest.raises(PermissionDenied):
            encryption.new_recovery_key(store)
    finally:
        store.close()


# --- converting a plain store of v0.1.0 -------------------------------------------------------------


def plain_counts(path: Path) -> tuple[dict[str, int], list[tuple[str, ...]]]:
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        tables = [r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        counts = {t: con.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in tables}
        keys = con.execute("SELECT node_id, box_secret, sign_secret FROM node_keys").fetchall()
        return counts, keys
    finally:
        con.close()


def test_plain_store_of_v010_is_converted_keeping_everything(tmp_path: Path) -> None:
    folder = tmp_path / "old"
    (folder / BACKUP_DIR).mkdir(parents=True)
    shutil.copy(GOLDEN / "school.sqlite3", folder / STORE_FILE)
    old_copy = folder / BACKUP_DIR / backup_file_name(__import__("datetime").datetime(2026, 9, 1, 8), "每日")
    shutil.copy(GOLDEN / "school.sqlite3", old_copy)  # an automatic copy the old version made
    before, keys = plain_counts(folder / STORE_FILE)
    password = json.loads((GOLDEN / "expected.json").read_text(encoding="utf-8"))["password"]
    store = Store.open(folder)
    try:
        assert "已将原来未加密的数据文件转换为加密文件" in store.conversion and "校验通过" in store.conversion
        assert "2 份未加密的自动备份已换成加密文件" in store.conversion  # the old copy and the one before conversion
        assert not db.is_plain(folder / STORE_FILE)
        copies = sorted((folder / BACKUP_DIR).glob("*.sqlite3"))
        assert len(copies) >= 2 and not any(db.is_plain(p) for p in copies)
        assert all(keyslots.copy_keys_path(p).exists() for p in copies)
        assert store.verify().ok
        with store.engine.connect() as con:
            for table, rows in before.items():
                now = con.exec_driver_sql(f'SELECT count(*) FROM "{table}"').scalar_one()
                assert now >= rows if table in {"audit_log", "alembic_version"} else now == rows, table
            assert con.exec_driver_sql("SELECT node_id, box_secret, sign_secret FROM node_keys").fetchall() == keys
    finally:
        store.close()
    # the next start opens with the administrator's password; the message is not repeated
    store = encryption.unlock(folder, "admin", password)
    try:
        assert store.conversion == "" and store.verify().ok
        assert not encryption.has_recovery_key(store)  # the administrator is asked to make one
    finally:
        store.close()


# --- backups ------------------------------------------------------------------------------------------


def test_backup_restored_on_a_pc_with_other_accounts_brings_its_accounts_slots(school: Store, tmp_path: Path) -> None:
    demo.load(school, 6)
    file = backup.write_encrypted(school, tmp_path, "一个足够长的备份口令")
    other_dir = tmp_path / "other-pc"
    other = Store.open(other_dir, user="setup")
    installation.setup(other, installation.InstallationInfo(
        kind=installation.SCHOOL, name="另一所学校", code="2150022303"))
    accounts.create_first_admin(other, "wang", "Qita2026!pc")
    accounts.sign_in(other, "wang", "Qita2026!pc")
    code = encryption.new_recovery_key(other)
    backup.restore(other, file, "一个足够长的备份口令")
    slots = keyslots.read(other_dir)
    assert sorted(s["user_name"] for s in slots.slots) == ["admin", "li"] and slots.recovery
    other.close()
    with pytest.raises(SignInError):
        encryption.unlock(other_dir, "wang", "Qita2026!pc")  # that PC's accounts were replaced
    store = encryption.unlock(other_dir, "li", TEACHER_PW)
    assert store.verify().ok and store.installation().name == SCHOOL.name
    store.close()
    encryption.open_with_recovery(other_dir, code).close()  # the PC's own recovery key still opens it


def test_local_copy_restores_with_its_slots(school: Store, data_dir: Path) -> None:
    copy = backup.take(school, backup.MANUAL)
    accounts.create_account(school, "zhao", "Qita2026!pc", Role.TEACHER)
    backup.restore(school, copy)
    assert [s["user_name"] for s in keyslots.read(data_dir).slots] == ["admin", "li"]  # zhao came after
    school.close()
    encryption.unlock(data_dir, "admin", ADMIN_PW).close()


# --- command line and about -----------------------------------------------------------------------------


def test_cli_unlocks_with_account_or_recovery_key_and_about_says_encrypted(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    d = str(tmp_path / "cli")
    monkeypatch.setenv("BAOXUE_PASSWORD", ADMIN_PW)
    sheet = tmp_path / "sheet.pdf"
    status, out, err = run(capsys, "--data-dir", d, "setup", "school", "--code", "5002230001", "--name", "测试小学",
                           "--recovery-sheet", str(sheet))
    assert status == 0, err
    line = next(x for x in out.splitlines() if x.startswith("恢复密钥："))
    code = line.removeprefix("恢复密钥：")
    assert len(code) == 29 and sheet.exists()
    status, _out, err = run(capsys, "--data-dir", d, "about")
    assert status == 1 and "--user" in err and "Traceback" not in err  # locked: who opens it?
    status, out, _err = run(capsys, "--data-dir", d, "--user", "admin", "about")
    assert status == 0 and "加密：SQLCipher 4（AES-256），密钥槽 2 个" in out
    monkeypatch.setenv("BAOXUE_PASSWORD", "forgotten-password")
    status, _out, err = run(capsys, "--data-dir", d, "--user", "admin", "verify")
    assert status == 1 and "用户名或密码不正确" in err
    monkeypatch.setenv("BAOXUE_NEW_PASSWORD", "Xinmima2026!")
    status, out, err = run(capsys, "--data-dir", d, "--recovery-key", code.lower(), "set-password", "admin")
    assert status == 0 and "已为管理员账户 admin 设置新密码" in out, err
    monkeypatch.setenv("BAOXUE_PASSWORD", "Xinmima2026!")
    status, out, _err = run(capsys, "--data-dir", d, "--user", "admin", "recovery-key")
    assert status == 0 and "原来的恢复密钥已作废" in out
    monkeypatch.setenv("BAOXUE_RECOVERY_KEY", code)
    status, _out, err = run(capsys, "--data-dir", d, "verify")
    assert status == 1 and "已被新的恢复密钥取代" in err and len(err.strip().splitlines()) == 1
