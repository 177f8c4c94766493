"""Encryption at rest: unlocking the store, the recovery key, converting a plain store.

The store is SQLCipher 4 (AES-256) under a random 256-bit store key; ``keyslots`` keeps that key
wrapped per account beside the store. Signing in unwraps it (``unlock``); the recovery key
derives it (``open_with_recovery``); ``new_recovery_key`` re-encrypts the store (and its
automatic copies) under the key of a new recovery key, so the old sheet opens nothing any more.
A plain store of a version before encryption is converted on its first opening
(``convert_plain``, called by ``Store.open``) after a checked copy; once the encrypted store
passes verify, the plain copies in ``backups/`` are replaced by encrypted ones.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from database import engine as db
from desktop_app.domain.errors import SignInError, StoreError
from desktop_app.domain.roles import Permission, Role
from desktop_app.reports import files
from desktop_app.services import about, audit, keyslots, server
from desktop_app.services.access import require
from desktop_app.services.paths import BACKUP_DIR, STORE_FILE, backup_file_name, resolve_data_dir
from desktop_app.services.store import Actor, Store

RECOVERY_ENV = "BAOXUE_RECOVERY_KEY"
RECOVERY_ACTOR = "恢复密钥"
BEFORE_ENCRYPTION = "加密前"
WRONG_RECOVERY = "恢复密钥不正确，或已被新的恢复密钥取代（只有最新打印的恢复密钥单有效）"


@dataclass(frozen=True)
class EncryptionInfo:
    """What 关于 says of the store's encryption."""

    cipher: str
    slots: int
    accounts: int
    recovery_made: str  # "" when no recovery key was made for the current store key

    @property
    def line(self) -> str:
        return f"{self.cipher}，密钥槽 {self.slots} 个"


# --- unlocking -----------------------------------------------------------------------------------


def unlock(data_dir: str | Path | None, user_name: str, password: str, now: dt.datetime | None = None,
           *, record: bool = True) -> Store:
    """Open the store with an account's password and sign that account in.

    The password unwraps the store key from the account's key slot; the sign-in then checks the
    account in the store as always (disabled, waits after wrong passwords). ``record=False``: the
    check writes nothing (commands that only read, such as verify).

    Raises:
        SignInError: wrong user name or password, disabled account, or waiting.
        KeySlotError: the key-slot file is missing or damaged (use the recovery key).
        StoreError: the store cannot be opened.
    """
    from desktop_app.services import accounts  # noqa: PLC0415 - accounts imports keyslots

    folder = resolve_data_dir(data_dir)
    try:
        store = Store.open(folder)
    except keyslots.StoreLocked:
        slots = keyslots.read(folder)
        if (server.is_configured(folder) or server.explicit_url(None)) and not slots.has(user_name):
            # a district on a server: this PC's slots learn the office's accounts each time one opens it
            raise SignInError(f"账户“{user_name.strip()}”还没有在本机登录过（可能是在另一台电脑上新建的）："
                              "请先用本机登录过的账户登录一次，之后即可用此账户登录") from None
        key = keyslots.unwrap(slots, user_name, password)
        store = Store.open(folder, key=key)
    try:
        if accounts.has_accounts(store):
            if record:
                accounts.sign_in(store, user_name, password, now)
            else:
                accounts.authenticate(store, user_name, password, now)
    except BaseException:
        store.close()
        raise
    return store


def key_for(data_dir: str | Path | None, user_name: str = "", password: str = "", recovery: str = "") -> bytes | None:
    """The store key without opening the store (to check and restore automatic copies when the store
    file itself is missing or damaged): from the recovery key, else from an account's slot. None
    when neither is given.

    Raises:
        ValidationError, SignInError, KeySlotError: the recovery key or the password is wrong, or the
            key-slot file is missing or damaged.
    """
    if recovery:
        return keyslots.key_from_recovery(keyslots.normalize_code(recovery))
    if user_name:
        return keyslots.unwrap(keyslots.read(resolve_data_dir(data_dir)), user_name, password)
    return None


def open_with_recovery(data_dir: str | Path | None, code_text: str) -> Store:
    """Open the store with the recovery key (every password forgotten, or the key-slot file lost or
    damaged); the key slots are rebuilt from the accounts and the opening is in the history.

    The store then acts for the recovery key with an administrator's rights, so an administrator's
    password can be set (``set_password_after_recovery``).

    Raises:
        ValidationError: the text is not a recovery key.
        StoreError: the key is wrong or superseded, or the store cannot be opened.
    """
    code = keyslots.normalize_code(code_text)
    folder = resolve_data_dir(data_dir)
    path = folder / STORE_FILE
    if not path.exists() or path.stat().st_size == 0:
        raise StoreError(f"数据文件夹 {folder} 中没有数据文件")
    key = keyslots.key_from_recovery(code)
    if not db.is_plain(path) and not db.opens_with(path, key):
        raise StoreError(WRONG_RECOVERY)
    store = Store.open(folder, key=key)
    try:
        store.act_as(Actor(RECOVERY_ACTOR, Role.ADMIN, "使用恢复密钥"))
        old = keyslots.current_recovery(folder, key)
        keyslots.sync(store, old or keyslots.recovery_record(code, key, dt.datetime.now()) | {"made_at": ""})
        with store.write() as session:
            audit.record_event(session, "encryption", "", "使用恢复密钥打开", "重建了密钥文件")
    except BaseException:
        store.close()
        raise
    return store


def set_password_after_recovery(store: Store, user_name: str, new_password: str) -> None:
    """After opening with the recovery key: a new password for an administrator (no change forced
    at the next sign-in: the administrator chose it)."""
    from desktop_app.services import accounts  # noqa: PLC0415

    if store.account.user_name != RECOVERY_ACTOR:
        raise StoreError("只有用恢复密钥打开后才能这样设置密码")
    info = accounts.get_account(store, user_name)
    if info.role not in (Role.ADMIN, Role.DISTRICT_ADMIN):
        raise StoreError(f"账户“{user_name}”不是管理员；请为管理员设置新密码，再由管理员处理其他账户")
    accounts.reset_password(store, user_name, new_password, must_change=False)
    if not info.active:
        accounts.update_account(store, user_name, active=True)


# --- the recovery key --------------------------------------------------------------------------------


def new_recovery_key(store: Store, now: dt.datetime | None = None) -> str:
    """Make a new recovery key; the store and its automatic copies are re-encrypted under the key it
    derives, so the previous recovery key opens nothing any more. Returns the key (shown once).

    The key slots are rewritten first with a copy of the old ones kept until the re-encryption is
    done, so an interruption at any point leaves the store openable with the passwords.
    """
    if store.account.user_name != RECOVERY_ACTOR:
        require(store, Permission.MANAGE_ACCOUNTS)
    now = now or dt.datetime.now()
    code = keyslots.new_recovery_code()
    new_key = keyslots.key_from_recovery(code)
    old_key = store.key
    folder = store.data_dir
    previous = keyslots.keys_path(folder).with_name(keyslots.KEYS_FILE + ".prev")
    with contextlib.suppress(OSError):
        keyslots.write_file(previous, keyslots.read(folder))
    record = keyslots.recovery_record(code, new_key, now)
    with store.engine.connect() as conn:
        accounts = keyslots.accounts_of(conn)
    if store.is_server:  # the server's data is not the file: the saved server password is sealed anew
        server.rewrap(folder, old_key, new_key)
    else:
        store.engine.dispose()
        try:
            db.rekey(store.path, old_key, new_key)
        except db.DatabaseError as exc:
            store.use_key(old_key)
            raise StoreError(f"无法重新加密数据文件：{exc}；数据文件未改动，原恢复密钥仍然有效") from exc
    keyslots.write(folder, keyslots.build(new_key, accounts, record))
    previous.unlink(missing_ok=True)
    store.use_key(new_key)
    rekeyed = _rekey_copies(folder, old_key, new_key)
    with store.write() as session:
        audit.record_event(session, "encryption", "", "生成新的恢复密钥",
                           f"恢复密钥末组 {record['last_group']}；原恢复密钥作废；{rekeyed}份自动备份已重新加密")
    return code


def _rekey_copies(folder: Path, old_key: bytes, new_key: bytes) -> int:
    count = 0
    for copy in sorted((folder / BACKUP_DIR).glob("*.sqlite3")):
        if db.is_plain(copy) or not db.opens_with(copy, old_key):
            continue
        try:
            db.rekey(copy, old_key, new_key)
            with contextlib.closing(db.connect(copy, new_key)) as conn:
                accounts = keyslots.accounts_of(conn)
            keyslots.write_file(keyslots.copy_keys_path(copy), keyslots.build(new_key, accounts, None))
            count += 1
        except (db.DatabaseError, OSError):
            continue
    return count


def has_recovery_key(store: Store) -> bool:
    return keyslots.current_recovery(store.data_dir, store.key) is not None


def info(store: Store) -> EncryptionInfo:
    try:
        slots = keyslots.read(store.data_dir)
        count, accounts = slots.count, len(slots.slots)
    except keyslots.KeySlotError:
        count = accounts = 0
    recovery = keyslots.current_recovery(store.data_dir, store.key)
    return EncryptionInfo(db.CIPHER_LABEL, count, accounts, recovery.get("made_at", "") if recovery else "")


@about.identity_provider
def _about_lines(store: Store) -> list[tuple[str, str]]:
    enc = info(store)
    recovery = f"已生成（{enc.recovery_made[:10]}）" if enc.recovery_made else (
        "已生成" if has_recovery_key(store) else "尚未生成（请管理员在“账户”页生成并打印）")
    return [("加密", enc.line), ("恢复密钥", recovery)]


# --- converting a plain store --------------------------------------------------------------------------


def convert_plain(folder: Path) -> bytes:
    """Encrypt the plain store of an older version in place; returns the new store key.

    A checked plain copy goes to ``backups/`` first; the encrypted file is written beside the store,
    checked, given its key slots (from the accounts it holds) and renamed over the plain file.
    Nothing is changed when any step fails.
    """
    path = folder / STORE_FILE
    try:
        with contextlib.closing(db.connect(f"{path.resolve().as_uri()}?mode=ro", None, uri=True)) as plain:
            revision = plain.execute("SELECT version_num FROM alembic_version").fetchone()
    except db.DatabaseError:
        revision = None  # not a Baoxue store yet (or damaged): opening it says so after conversion
    if revision and revision[0] not in db.revisions():
        raise StoreError(f"数据文件 {path} 由更新版本的程序写入（结构版本 {revision[0]}），请升级本程序后再打开")
    now = dt.datetime.now()
    copy = folder / BACKUP_DIR / backup_file_name(now, BEFORE_ENCRYPTION)
    tmp = folder / (STORE_FILE + ".encrypting")
    key = keyslots.new_store_key()
    try:
        copy.parent.mkdir(parents=True, exist_ok=True)
        with contextlib.closing(db.connect(path, None)) as plain:
            plain.isolation_level = None
            plain.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            with contextlib.closing(db.connect(copy, None)) as target:
                plain.backup(target)
                status = str(target.execute("PRAGMA integrity_check").fetchone()[0])
        if status != "ok":
            raise StoreError(f"加密前的备份未通过完整性检查（{status}），数据文件未改动")
        status = db.encrypt_copy(path, tmp, key)
        if status != "ok":
            raise StoreError(f"加密后的数据文件未通过完整性检查（{status}），数据文件未改动")
        with contextlib.closing(db.connect(tmp, key)) as conn:
            accounts = keyslots.accounts_of(conn)
        keyslots.write(folder, keyslots.build(key, accounts, None))
        for suffix in ("-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        files.replace_file(tmp, path)
    except (db.DatabaseError, OSError) as exc:
        tmp.unlink(missing_ok=True)
        raise StoreError(f"无法加密数据文件 {path}：{exc}；数据文件未改动") from exc
    finally:
        tmp.unlink(missing_ok=True)
    db.private_file(path)
    return key


def plain_copies(folder: Path) -> list[Path]:
    """The unencrypted SQLite files left in ``backups/`` (copies made by a version before encryption)."""
    backups = folder / BACKUP_DIR
    return sorted(p for p in backups.glob("*.sqlite3") if db.is_plain(p)) if backups.is_dir() else []


def _encrypt_copies(store: Store, copies: list[Path]) -> int:
    done = 0
    for copy in copies:
        tmp = copy.with_name(copy.name + ".encrypting")
        try:
            if db.encrypt_copy(copy, tmp, store.key) != "ok":
                tmp.unlink(missing_ok=True)
                continue
            with contextlib.closing(db.connect(tmp, store.key)) as conn:
                accounts = keyslots.accounts_of(conn)
            keyslots.write_file(keyslots.copy_keys_path(copy), keyslots.build(store.key, accounts, None))
            files.replace_file(tmp, copy)
            for suffix in ("-wal", "-shm"):
                Path(f"{copy}{suffix}").unlink(missing_ok=True)
            done += 1
        except (db.DatabaseError, OSError):
            tmp.unlink(missing_ok=True)
    return done


def after_open(store: Store, converted: bool) -> str:
    """After opening: when the store was just converted (or plain copies remain from an interrupted
    conversion), verify the encrypted store and then replace the plain copies in ``backups/``.
    Returns the one message to show ("" when there was nothing to do)."""
    copies = plain_copies(store.data_dir)
    if not converted and not copies:
        return ""
    result = store.verify()
    if not result.ok:
        return (f"数据文件已加密保存（{db.CIPHER_LABEL}），但加密后的校验未通过：{result.message}。"
                f"backups 文件夹中未加密的备份暂时保留，请联系技术支持。")
    done = _encrypt_copies(store, copies)
    left = len(copies) - done
    with store.write() as session:
        audit.record_event(session, "encryption", "", "数据文件加密" if converted else "备份加密",
                           f"{db.CIPHER_LABEL}；{done}份未加密的自动备份已换成加密文件")
    head = ("本版本起台账数据加密保存。已将原来未加密的数据文件转换为加密文件"
            f"（{db.CIPHER_LABEL}），全部数据、历史记录和密钥均已保留，校验通过"
            if converted else "数据文件校验通过")
    tail = f"；backups 文件夹中 {done} 份未加密的自动备份已换成加密文件" if done else ""
    if left:
        tail += f"；另有 {left} 份未能加密，仍在 backups 文件夹中"
    advice = "。请管理员登录后在“账户”页生成恢复密钥并打印，存放在本单位保险柜。" if converted else "。"
    return head + tail + advice


def write_recovery_sheet(store: Store, code: str, path: str | Path, now: dt.datetime | None = None) -> Path:
    """The A4 recovery key sheet of ``code`` (just made) for this unit."""
    from desktop_app.reports import recovery_sheet  # noqa: PLC0415 - reportlab only when printing

    inst = store.installation()
    return recovery_sheet.write_sheet(path, inst.name if inst else "", inst.code if inst else "",
                                      keyslots.format_code(code), now or dt.datetime.now())
