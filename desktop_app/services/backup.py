"""Backups: local copies with rotation, encrypted copies for a USB drive, and restore.

Local copies (``backups/`` beside the store) are made with SQLite's online backup API and checked
with ``integrity_check`` (``database.engine.backup_file``); they stay encrypted with the store key
and keep a copy of the key slots of their time beside them (``….sqlite3.keys``): daily at the first start of the day,
before every migration (``Store.open``), before every package or roster import
(``before_import``) and before a restore. They are kept by rotation: the newest copy of each of
the last 7 days, 4 weeks and 12 months that have copies (settings).

An encrypted backup is one file::

    MAGIC (14 bytes) | format version (2 bytes) | header length (4 bytes) | header (JSON) | ciphertext

The header holds the key derivation parameters (Argon2id, libsodium through PyNaCl), its salt,
the nonce and the ciphertext length; the ciphertext is XChaCha20-Poly1305 with everything before
it as associated data, so no byte of the file can change unnoticed. The plaintext is a small JSON
description (unit, time, schema revision, the copy's own SQLCipher key) and the store copy, still
SQLCipher-encrypted under that key. Restoring re-encrypts it with this PC's store key and rebuilds
the key slots from the accounts restored, so this PC's recovery key stays valid.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import re
import shutil
import struct
import tempfile
import zlib
from dataclasses import dataclass
from pathlib import Path

import nacl.bindings as sodium
import nacl.exceptions
import nacl.pwhash.argon2id as argon2id
import nacl.utils

from database import engine as db
from desktop_app import __version__
from desktop_app.domain.errors import BaoxueError, ValidationError
from desktop_app.reports import files
from desktop_app.services import audit, keyslots, server_backup, settings, todo, workfiles
from desktop_app.services.access import Permission, require
from desktop_app.services.integrity import head as chain_head
from desktop_app.services.paths import BACKUP_DIR, BACKUP_PREFIX, backup_file_name
from desktop_app.services.store import Store

KEEP_DAILY = settings.declare("backup.keep_daily", "保留每日备份（份）", 7, minimum=1, maximum=60, unit="份")
KEEP_WEEKLY = settings.declare("backup.keep_weekly", "保留每周备份（份）", 4, minimum=0, maximum=52, unit="份")
KEEP_MONTHLY = settings.declare("backup.keep_monthly", "保留每月备份（份）", 12, minimum=0, maximum=120, unit="份")
MAX_TOTAL_MB = settings.declare("backup.max_total_mb", "自动备份总大小上限", 2048, minimum=100, maximum=1_000_000,
                                unit="MB")
CAP_NOTE = "cap-note.json"  # in backups/: copies the cap removed, for the 待办 note

DAILY, BEFORE_IMPORT, BEFORE_RESTORE, MANUAL = "每日", "导入前", "恢复前", "手动"
MAGIC = b"BAOXUE-BACKUP\x00"
# Format 2: the payload is the store copy still encrypted (SQLCipher) under a key of its own,
# which travels in the encrypted description; format 1 (before encryption at rest) held a plain copy.
FORMAT_VERSION = 2
SUFFIX = ".bxbak"
SQLITE_MAGIC = b"SQLite format 3\x00"
# Argon2id cost for the passphrase (libsodium's "moderate": about a second, 256 MiB).
KDF_OPSLIMIT = argon2id.OPSLIMIT_MODERATE
KDF_MEMLIMIT = argon2id.MEMLIMIT_MODERATE
MIN_PASSPHRASE = 8
_NAME_RE = re.compile(re.escape(BACKUP_PREFIX) + r"(\d{8}-\d{6})-(.+)\.(?:sqlite3|pgdump)$")  # .pgdump: on a server


class BackupError(BaoxueError):
    """A backup cannot be made, read or restored; the store is unchanged."""


@dataclass(frozen=True)
class LocalBackup:
    path: Path
    at: dt.datetime
    reason: str


@dataclass(frozen=True)
class BackupInfo:
    """What a backup holds, shown before restoring it."""

    unit_name: str
    unit_code: str
    created_at: str
    revision: str
    cases: int
    encrypted: bool


def backups_dir(store: Store) -> Path:
    return store.data_dir / BACKUP_DIR


# --- local copies and rotation -------------------------------------------------------------------


def list_local(folder: Path) -> list[LocalBackup]:
    """The automatic copies in ``folder``, newest first (other files are ignored)."""
    out = []
    if folder.is_dir():
        for path in folder.iterdir():
            m = _NAME_RE.match(path.name)
            if m:
                with contextlib.suppress(ValueError):
                    out.append(LocalBackup(path, dt.datetime.strptime(m.group(1), "%Y%m%d-%H%M%S"), m.group(2)))
    return sorted(out, key=lambda b: (b.at, b.path.name), reverse=True)


def take(store: Store, reason: str, now: dt.datetime | None = None) -> Path | None:
    """A checked local copy of the store now, then rotation of the folder.

    On a PostgreSQL server the copy is a ``pg_dump`` archive (``server_backup``); without pg_dump on
    this PC the automatic copies are left to the server's own backup (None), and a copy asked for by hand
    is refused with the reason."""
    now = now or dt.datetime.now()
    folder = backups_dir(store)
    server = server_backup.is_server(store.engine)
    if server and not server_backup.tools().available:
        if reason == MANUAL:
            raise BackupError(f"备份失败：{server_backup.in_charge_note()}")
        return None
    target = folder / backup_file_name(now, reason)
    if server:
        target = target.with_suffix(server_backup.SUFFIX)
    n = 1
    while target.exists():
        n += 1
        target = (folder / backup_file_name(now, f"{reason}{n}")).with_suffix(target.suffix)
    if server:
        try:
            server_backup.dump(store.engine, target, now)
        except server_backup.ServerBackupError as exc:
            raise BackupError(str(exc)) from exc
        rotate(store)
        return target
    try:
        db.backup_file(store.path, target, store.key)
    except (OSError, db.DatabaseError, RuntimeError) as exc:
        raise BackupError(f"备份失败：{exc}") from exc
    keyslots.copy_beside(store.data_dir, target)  # the copy opens with the passwords of its time
    rotate(store)
    return target


def before_import(store: Store, what: str = "") -> Path | None:
    """Call before a package or roster import (``what``: 数据包 / 花名册 …); None on a server whose own
    backup is in charge (no pg_dump here)."""
    return take(store, f"{BEFORE_IMPORT}{what}")


def daily_if_due(store: Store, now: dt.datetime | None = None) -> Path | None:
    """The day's first start takes the daily copy; later starts that day do nothing."""
    now = now or dt.datetime.now()
    if any(b.at.date() == now.date() for b in list_local(backups_dir(store))):
        return None
    return take(store, DAILY, now)


def kept(backups: list[LocalBackup], daily: int, weekly: int, monthly: int) -> set[Path]:
    """Grandfather-father-son: the newest copy of each of the last ``daily`` days, ``weekly``
    ISO weeks and ``monthly`` months that have copies."""
    keep: set[Path] = set()
    newest_first = sorted(backups, key=lambda b: b.at, reverse=True)
    for count, bucket in ((daily, lambda d: d.date()),
                          (weekly, lambda d: d.isocalendar()[:2]),
                          (monthly, lambda d: (d.year, d.month))):
        seen: list[object] = []
        for b in newest_first:
            key = bucket(b.at)
            if key in seen:
                continue
            if len(seen) >= count:
                break
            seen.append(key)
            keep.add(b.path)
    return keep


def rotate(store: Store) -> list[Path]:
    """Delete the automatic copies the rotation no longer keeps; returns them."""
    backups = list_local(backups_dir(store))
    keep = kept(backups, settings.get(store, KEEP_DAILY.key), settings.get(store, KEEP_WEEKLY.key),
                settings.get(store, KEEP_MONTHLY.key))
    removed = []
    for b in backups:
        if b.path not in keep:
            with contextlib.suppress(OSError):
                b.path.unlink()
                removed.append(b.path)
                keyslots.copy_keys_path(b.path).unlink(missing_ok=True)
                server_backup.description_path(b.path).unlink(missing_ok=True)
    removed += _keep_under_cap(store, [b for b in backups if b.path in keep])
    return removed


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def copies_size(store: Store) -> int:
    """The total size of the automatic copies in backups/."""
    return sum(_size(b.path) for b in list_local(backups_dir(store)))


def _keep_under_cap(store: Store, kept_copies: list[LocalBackup]) -> list[Path]:
    """Drop the oldest kept copies (the monthly ones first: they are the oldest) until the copies fit
    the cap; the newest is never dropped. What was dropped is noted for 待办."""
    cap = int(settings.get(store, MAX_TOTAL_MB.key)) * 1024 * 1024
    oldest_first = sorted(kept_copies, key=lambda b: b.at)
    total = sum(_size(b.path) for b in oldest_first)
    dropped: list[Path] = []
    freed = 0
    while total > cap and len(oldest_first) > 1:
        copy = oldest_first.pop(0)
        size = _size(copy.path)
        with contextlib.suppress(OSError):
            copy.path.unlink()
            keyslots.copy_keys_path(copy.path).unlink(missing_ok=True)  # its key slots go with it
            server_backup.description_path(copy.path).unlink(missing_ok=True)
            dropped.append(copy.path)
            freed += size
        total -= size
    if dropped:
        note = {"at": dt.date.today().isoformat(), "dropped": len(dropped), "freed": freed, "total": total,
                "cap": cap, "oldest_left": oldest_first[0].at.date().isoformat() if oldest_first else ""}
        with contextlib.suppress(OSError):
            (backups_dir(store) / CAP_NOTE).write_text(json.dumps(note, ensure_ascii=False), encoding="utf-8")
    return dropped


def cap_note(store: Store) -> dict[str, object] | None:
    """The last time the cap removed copies (see ``_keep_under_cap``), or None."""
    try:
        note = json.loads((backups_dir(store) / CAP_NOTE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return note if isinstance(note, dict) else None


@todo.provider
def _cap_reminder(store: Store, today: dt.date) -> list[todo.TodoItem]:
    """待办 for 30 days after the cap removed automatic copies."""
    note = cap_note(store)
    if not note:
        return []
    try:
        at = dt.date.fromisoformat(str(note["at"]))
    except (KeyError, ValueError):
        return []
    if (today - at).days > 30:
        return []
    def format_size(size: int) -> str:
        return f"{size / 1024 ** 3:.1f} GB" if size >= 1024 ** 3 else f"{size / 1024 ** 2:.1f} MB"

    return [todo.TodoItem(
        due=at, kind="backup",
        title=f"自动备份超过上限，已删除最早的{note.get('dropped')}份",
        detail=(f"自动备份共{format_size(int(str(note.get('total', 0))))}，上限{format_size(int(str(note.get('cap', 0))))}"
                f"（设置 → 业务设置 可改）。最早的备份现为{note.get('oldest_left')}。请定期把加密备份存到U盘。"),
    )]


# --- encrypted backups ------------------------------------------------------------------------------


def passphrase_problem(passphrase: str) -> str | None:
    if len(passphrase) < MIN_PASSPHRASE:
        return f"备份密码至少{MIN_PASSPHRASE}位"
    return None


def _key(passphrase: str, salt: bytes, opslimit: int, memlimit: int) -> bytes:
    return argon2id.kdf(sodium.crypto_aead_xchacha20poly1305_ietf_KEYBYTES, passphrase.encode("utf-8"), salt,
                        opslimit=opslimit, memlimit=memlimit)


def encrypt(db_bytes: bytes, meta: dict[str, object], passphrase: str) -> bytes:
    salt = nacl.utils.random(argon2id.SALTBYTES)
    nonce = nacl.utils.random(sodium.crypto_aead_xchacha20poly1305_ietf_NPUBBYTES)
    meta_bytes = json.dumps(meta, ensure_ascii=False).encode("utf-8")
    plaintext = struct.pack(">I", len(meta_bytes)) + meta_bytes + zlib.compress(db_bytes, 1)
    length = len(plaintext) + sodium.crypto_aead_xchacha20poly1305_ietf_ABYTES
    header = json.dumps({
        "kdf": "argon2id", "opslimit": KDF_OPSLIMIT, "memlimit": KDF_MEMLIMIT, "salt": salt.hex(),
        "cipher": "xchacha20poly1305-ietf", "nonce": nonce.hex(), "length": length,
    }).encode("ascii")
    prefix = MAGIC + struct.pack(">HI", FORMAT_VERSION, len(header)) + header
    key = _key(passphrase, salt, KDF_OPSLIMIT, KDF_MEMLIMIT)
    return prefix + sodium.crypto_aead_xchacha20poly1305_ietf_encrypt(plaintext, prefix, nonce, key)


def decrypt(data: bytes, passphrase: str) -> tuple[dict[str, object], bytes]:
    """The description and the store bytes of an encrypted backup (format 2: SQLCipher under the
    key in the description's ``store_key``; format 1: plain SQLite).

    Raises:
        BackupError: not a Baoxue backup, a newer format, incomplete, or the passphrase is wrong
            (or the file was changed).
    """
    if not data.startswith(MAGIC):
        raise BackupError("所选文件不是保学台账的备份文件")
    try:
        version, header_len = struct.unpack(">HI", data[len(MAGIC):len(MAGIC) + 6])
        if version > FORMAT_VERSION:
            raise BackupError("此备份文件由更新版本的程序制作，请升级本程序后再恢复")
        start = len(MAGIC) + 6
        if header_len > 4096:
            raise ValueError("header too long")
        header = json.loads(data[start:start + header_len].decode("ascii"))
        prefix, body = data[:start + header_len], data[start + header_len:]
        opslimit, memlimit = int(header["opslimit"]), int(header["memlimit"])
        salt, nonce, length = bytes.fromhex(header["salt"]), bytes.fromhex(header["nonce"]), int(header["length"])
    except BackupError:
        raise
    except (struct.error, ValueError, KeyError, TypeError, UnicodeDecodeError) as exc:
        raise BackupError("备份文件已损坏：文件头无法读取") from exc
    if len(body) != length:
        raise BackupError("备份文件不完整（可能复制时中断），请换一份备份")
    if not (1 <= opslimit <= 20 and argon2id.MEMLIMIT_MIN <= memlimit <= 1024**3):
        raise BackupError("备份文件已损坏：密钥参数不合理")
    try:
        key = _key(passphrase, salt, opslimit, memlimit)
        plaintext = sodium.crypto_aead_xchacha20poly1305_ietf_decrypt(body, prefix, nonce, key)
    except (nacl.exceptions.CryptoError, ValueError) as exc:
        raise BackupError("备份密码不正确，或备份文件已被改动") from exc
    (meta_len,) = struct.unpack(">I", plaintext[:4])
    meta = json.loads(plaintext[4:4 + meta_len].decode("utf-8"))
    return meta, zlib.decompress(plaintext[4 + meta_len:])


def _describe(path: Path, key: bytes, created: str = "") -> BackupInfo:
    """``created``: the time an encrypted backup was made ("" for a local copy: its file time)."""
    # Check an (encrypted) store copy and say what it holds; refuses anything that is not a Baoxue store.
    try:
        con = db.connect(f"{Path(path).resolve().as_uri()}?mode=ro", key, uri=True)  # quoted: '#', '%' in names
        try:
            status = con.execute("PRAGMA integrity_check").fetchone()[0]
            if status != "ok":
                raise BackupError(f"备份中的数据文件已损坏（integrity_check：{status}）")
            tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")}
            if not {"alembic_version", "installation", "audit_log"} <= tables:
                raise BackupError("所选文件不是保学台账的数据文件或备份")
            revision = con.execute("SELECT version_num FROM alembic_version").fetchone()
            unit = con.execute("SELECT name, code FROM installation").fetchone() or ("", "")
            count = con.execute("SELECT count(*) FROM cases").fetchone()[0] if "cases" in tables else 0
        finally:
            con.close()
    except db.DatabaseError as exc:
        raise BackupError(f"所选文件不是有效的保学台账备份，或不能用本机的密钥打开：{exc}") from exc
    stamp = created or dt.datetime.fromtimestamp(path.stat().st_mtime).strftime("%Y-%m-%d %H:%M")
    return BackupInfo(unit[0], unit[1], stamp, revision[0] if revision else "", count, bool(created))


def write_encrypted(store: Store, target: Path, passphrase: str, now: dt.datetime | None = None) -> Path:
    """An encrypted backup to a chosen folder or file (a USB drive); returns the file written.

    The file is written beside the target, flushed, renamed, read back and decrypted before this
    returns, so the drive can be removed afterwards.
    """
    require(store, Permission.BACKUP)
    if problem := passphrase_problem(passphrase):
        raise ValidationError(problem)
    now = now or dt.datetime.now()
    inst = store.installation()
    if target.is_dir():
        target = target / f"保学台账备份-{inst.code if inst else ''}-{now:%Y%m%d-%H%M}{SUFFIX}"
    elif target.suffix != SUFFIX:
        target = target.with_name(target.name + SUFFIX)
    backup_key = keyslots.new_store_key()  # the backup's own key: its passphrase opens nothing else
    with workfiles.work_dir(store.data_dir, "加密备份的副本") as tmp:
        if server_backup.is_server(store.engine):  # a pg_dump archive, encrypted the same way
            copy = Path(tmp) / f"copy{server_backup.SUFFIX}"
            try:
                server_backup.dump(store.engine, copy, now)
            except server_backup.ServerBackupError as exc:
                raise BackupError(str(exc)) from exc
            info = _server_info(copy, server_backup.read_description(copy))
        else:
            copy = Path(tmp) / "copy.sqlite3"
            try:
                db.backup_file(store.path, copy, store.key)
                db.rekey(copy, store.key, backup_key)
            except (OSError, db.DatabaseError, RuntimeError) as exc:
                raise BackupError(f"备份失败：{exc}") from exc
            info = _describe(copy, backup_key)
        content = copy.read_bytes()
    meta = {"app_version": __version__, "created_at": now.isoformat(timespec="seconds"),
            "unit_name": info.unit_name, "unit_code": info.unit_code, "revision": info.revision,
            "cases": info.cases, "store_key": backup_key.hex()}
    if server_backup.is_server(store.engine):
        meta = {**meta, "kind": PG_DUMP_KIND}
        del meta["store_key"]
    data = encrypt(content, meta, passphrase)
    partial = target.with_name(target.name + ".part")
    try:
        with open(partial, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        files.replace_file(partial, target)
        if target.read_bytes() != data:
            raise BackupError("写入的备份文件读回后不一致，请换一个U盘或文件夹再试")
    except OSError as exc:
        partial.unlink(missing_ok=True)
        if files.is_sharing_violation(exc):
            raise BackupError(files.open_elsewhere_message(target)) from exc
        raise BackupError(f"无法写入备份文件 {target}：{exc.strerror or exc}") from exc
    with store.write() as session:
        audit.record_event(session, "backup", "", "加密备份", f"{target}（{info.cases}件案件）")
    return target


def _encrypted_from_plain(plain: Path, out: Path, key: bytes) -> None:
    try:
        status = db.encrypt_copy(plain, out, key)
    except db.DatabaseError as exc:
        raise BackupError(f"所选文件不是有效的保学台账备份：{exc}") from exc
    if status != "ok":
        raise BackupError(f"备份中的数据文件已损坏（integrity_check：{status}）")


def _materialise(source: Path, passphrase: str | None, folder: Path, key: bytes) -> tuple[Path, bytes, str]:
    """Copy (decrypting) a backup into ``folder`` as an encrypted store file; returns its path, the
    key that opens it and when the backup was made ("" for a local copy).

    ``key``: the store's key, which opens the automatic copies (and encrypts a plain one).
    """
    out = folder / "restore.sqlite3"
    if db.is_plain(source):  # an automatic copy made before encryption at rest
        _encrypted_from_plain(source, out, key)
        return out, key, ""
    try:
        data = source.read_bytes()
    except OSError as exc:
        raise BackupError(f"无法读取备份文件 {source}：{exc.strerror or exc}") from exc
    if data.startswith(MAGIC):
        if passphrase is None:
            raise BackupError("这是加密备份，请输入备份密码")
        meta, content = decrypt(data, passphrase)
        if meta.get("kind") == PG_DUMP_KIND:
            raise BackupError("这份加密备份来自数据库服务器（pg_dump），不能恢复到数据文件；"
                              "需要服务器数据的测试副本时请用 migrate-from-server")
        created = str(meta.get("created_at", "")).replace("T", " ")[:16]
        if content.startswith(SQLITE_MAGIC):  # format 1: a plain copy, kept on disk only while encrypting it
            plain = folder / "plain.sqlite3"
            fd = os.open(plain, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            try:
                with os.fdopen(fd, "wb") as fh:
                    fh.write(content)
                _encrypted_from_plain(plain, out, key)
            finally:
                plain.unlink(missing_ok=True)
            return out, key, created
        try:
            backup_key = bytes.fromhex(str(meta["store_key"]))
        except (KeyError, ValueError) as exc:
            raise BackupError("备份文件已损坏：缺少数据文件密钥") from exc
        out.write_bytes(content)
        return out, backup_key, created
    if len(data) >= 1024 and db.opens_with(source, key):  # an automatic copy of this store
        out.write_bytes(data)
        return out, key, ""
    raise BackupError("所选文件不是保学台账的备份文件，或是另一台电脑（或更换恢复密钥之前）的自动备份，"
                      "不能用本机的密钥打开")


def inspect(source: Path, passphrase: str | None = None, store: Store | None = None) -> BackupInfo:
    """Open a backup (decrypting it) and say what it holds, without changing anything.

    ``store``: the store whose key opens its automatic copies (not needed for an encrypted backup); the
    backup is opened in its data folder's work folder (swept at the next start if the program is killed).
    """
    key = store.key if store is not None else keyslots.new_store_key()
    if store is not None and server_backup.is_server(store.engine):
        with workfiles.work_dir(store.data_dir, "查看中的备份") as folder:
            archive, meta = _server_archive(source, passphrase, folder)
            try:
                server_backup.check_archive(archive)
            except server_backup.ServerBackupError as exc:
                raise BackupError(str(exc)) from exc
            return _server_info(source, meta)
    if store is not None:
        with workfiles.work_dir(store.data_dir, "查看中的备份") as folder:
            path, file_key, created = _materialise(source, passphrase, folder, key)
            return _describe(path, file_key, created)
    with tempfile.TemporaryDirectory() as tmp:
        path, file_key, created = _materialise(source, passphrase, Path(tmp), key)
        return _describe(path, file_key, created)


def is_encrypted(source: Path) -> bool:
    try:
        with open(source, "rb") as fh:
            return fh.read(len(MAGIC)) == MAGIC
    except OSError:
        return False


def restore(store: Store, source: Path, passphrase: str | None = None, now: dt.datetime | None = None) -> BackupInfo:
    """Replace the store's contents with a backup (local copy or encrypted file).

    The backup is decrypted and checked first; the current store is then copied to
    ``backups/`` (恢复前), and the backup is written over the live file with the online backup
    API and migrated if it is older. Any refusal leaves the store as it was.
    """
    from desktop_app.services import accounts  # noqa: PLC0415 - accounts imports settings

    if accounts.has_accounts(store):
        require(store, Permission.RESTORE)
    if server_backup.is_server(store.engine):
        return _restore_server(store, source, passphrase, now)
    known = set(db.revisions())
    with workfiles.work_dir(store.data_dir, "恢复中的备份") as tmp:
        path, file_key, created = _materialise(source, passphrase, Path(tmp), store.key)
        info = _describe(path, file_key, created)
        if info.revision not in known:
            raise BackupError("此备份由更新版本的程序制作，请升级本程序后再恢复")
        if file_key != store.key:  # this PC's key (and recovery key) stays the store's
            db.rekey(path, file_key, store.key)
        before = chain_head.remembered(store.data_dir) or chain_head.Head(0, "")
        _stage(store, path, f"{source.name}（{info.unit_name}，{info.cases}件案件）", before, source.name)
        take(store, BEFORE_RESTORE, now)
        store.engine.dispose()
        # the one step that changes the store: the staged copy (migrated, with its events) replaces it in
        # one SQLite transaction; interrupted, the store is the old one, whole
        status = db.copy_checked(path, store.path, store.key)
    if status != "ok":
        raise BackupError(f"恢复后的数据文件校验失败（{status}），请从“恢复前”备份恢复")
    store.engine.dispose()
    store.forget_installation()
    keyslots.sync(store)  # the key slots of the accounts restored (this PC's recovery key stays valid)
    chain_head.after_commit(store, force=True)  # the head file starts again from the restored history
    return info


def _stage(store: Store, path: Path, detail: str, before: chain_head.Head, source: str) -> None:
    """Ready a decrypted backup to replace the store: migrated to this version, and the 从备份恢复 event and
    the chain's record of the rollback (``before``: the head the store had) written into its own history,
    before it is copied over the store (never the data without its events)."""
    engine = db.make_engine(path, store.key)
    try:
        if db.current_revision(engine) != db.head_revision():
            db.upgrade(engine)
        staged = Store(path.parent, engine, store.user, store.key)
        staged.path = path
        staged.act_as(store.account)
        with staged.write(head=False) as session:  # no head file for the staged copy: the store's is rewritten
            audit.record_event(session, "backup", "", "从备份恢复", detail)
        chain_head.record_restore(staged, before, source)  # a legitimate rollback, said in the next package
        with engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        engine.dispose()


# --- a district store on a PostgreSQL server: pg_dump archives --------------------------------------------

PG_DUMP_KIND = "pg_dump"  # ``kind`` of an encrypted backup whose payload is a pg_dump archive


def _server_info(path: Path, meta: dict[str, object]) -> BackupInfo:
    created = str(meta.get("created_at", "")).replace("T", " ")[:16]
    if not created:
        with contextlib.suppress(OSError):
            created = dt.datetime.fromtimestamp(path.stat().st_mtime).strftime("%Y-%m-%d %H:%M")
    return BackupInfo(str(meta.get("unit_name", "")), str(meta.get("unit_code", "")), created,
                      str(meta.get("revision", "")), int(str(meta.get("cases", 0) or 0)), is_encrypted(path))


def _server_archive(source: Path, passphrase: str | None, folder: Path) -> tuple[Path, dict[str, object]]:
    """The pg_dump archive of a backup for the server (decrypted into ``folder`` when encrypted) and its
    description."""
    if server_backup.is_archive(source):  # copied first: the 恢复前 copy's rotation may remove the original
        archive = folder / f"restore{server_backup.SUFFIX}"
        try:
            shutil.copyfile(source, archive)
        except OSError as exc:
            raise BackupError(f"无法读取备份文件 {source}：{exc.strerror or exc}") from exc
        return archive, server_backup.read_description(source)
    if is_encrypted(source):
        if passphrase is None:
            raise BackupError("这是加密备份，请输入备份密码")
        try:
            data = source.read_bytes()
        except OSError as exc:
            raise BackupError(f"无法读取备份文件 {source}：{exc.strerror or exc}") from exc
        meta, content = decrypt(data, passphrase)
        if meta.get("kind") != PG_DUMP_KIND or not content.startswith(server_backup.ARCHIVE_MAGIC):
            raise BackupError("这份加密备份来自数据文件，不能直接恢复到数据库服务器；请用 migrate-to-server 迁移")
        archive = folder / f"restore{server_backup.SUFFIX}"
        fd = os.open(archive, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(content)
        return archive, meta
    raise BackupError("服务器上的数据只能从 pg_dump 备份（.pgdump）或在服务器上做的加密备份恢复")


def _restore_server(store: Store, source: Path, passphrase: str | None, now: dt.datetime | None) -> BackupInfo:
    """Restore a pg_dump archive into the server's database in one transaction, after a 恢复前 copy; then
    migrate it if older, and record the restore (a legitimate rollback) in its history."""
    with workfiles.work_dir(store.data_dir, "恢复中的备份") as tmp:
        archive, meta = _server_archive(source, passphrase, Path(tmp))
        info = _server_info(source, meta)
        if info.revision and info.revision not in set(db.revisions()):
            raise BackupError("此备份由更新版本的程序制作，请升级本程序后再恢复")
        try:
            server_backup.check_archive(archive)
            before = chain_head.remembered(store.data_dir) or chain_head.Head(0, "")
            take(store, BEFORE_RESTORE, now)
            store.engine.dispose()  # no idle connection of ours holds a lock the restore waits for
            server_backup.restore(store.engine, archive)
        except server_backup.ServerBackupError as exc:
            raise BackupError(str(exc)) from exc
    if db.current_revision(store.engine) != db.head_revision():
        db.upgrade(store.engine)
    store.forget_installation()
    with store.write(head=False) as session:
        audit.record_event(session, "backup", "", "从备份恢复", f"{source.name}（{info.unit_name}，{info.cases}件案件）")
    chain_head.after_restore(store, before, source.name)
    return info
