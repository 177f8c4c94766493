"""Key slots: the store key, wrapped once per account, in a small file beside the store.

The store is SQLCipher 4 (AES-256) opened with a random 256-bit store key. ``baoxue.keys`` holds
that key wrapped (XChaCha20-Poly1305, libsodium through PyNaCl) once per active account. An
account's wrapping key is the Argon2id output of its password with the salt and cost of the
account's password hash (the hash itself lives only inside the encrypted store), so signing in
unwraps the store key, and the program can rebuild every slot from the accounts table whenever an
account changes (a new password rewraps that slot; a disabled account loses its slot).

The recovery key (恢复密钥) is not wrapped in this file: the store key *is* derived from it
(Argon2id), so it opens the store, every automatic copy and restores the slots even when this file
is lost or damaged. Making a new recovery key re-encrypts the store with the key derived from the
new one, which is what makes the old paper useless.

Until the first account exists (a new installation in the middle of set-up) the file holds the
store key in the clear (``open``); the first account's slot replaces it.
"""

from __future__ import annotations

import base64
import contextlib
import datetime as dt
import hashlib
import json
import os
import secrets
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from database.engine import KEY_BYTES, has_table
from desktop_app.domain.errors import SignInError, StoreError, ValidationError
from desktop_app.reports import files

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from desktop_app.services.store import Store

KEYS_FILE = "baoxue.keys"
COPY_KEYS_SUFFIX = ".keys"
FORMAT = "baoxue-keyslots"
VERSION = 1
RECOVERY_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"  # RFC 4648 base32: no 0, 1, 8 or 9
RECOVERY_LENGTH = 25  # 125 random bits
RECOVERY_GROUP = 5
# The recovery key is random (125 bits), so its key derivation only has to be slow enough to make
# a wrong guess cost something; its salt is fixed because it must work without this file.
RECOVERY_KDF = {"t": 2, "m": 32 * 1024, "p": 1}
RECOVERY_SALT = b"baoxue-recovery-key-v1"
_AAD = b"baoxue-keyslot-v1|"

DAMAGED = ("无法打开数据文件：密钥文件 {path} 已损坏，无法用账户密码打开数据文件。"
           "请使用恢复密钥打开（登录窗口：忘记密码/无法打开 → 使用恢复密钥；命令行：--recovery-key），"
           "打开后程序会重建密钥文件")
MISSING = ("无法打开数据文件：找不到密钥文件 {path}，无法用账户密码打开数据文件。"
           "请使用恢复密钥打开（登录窗口：忘记密码/无法打开 → 使用恢复密钥；命令行：--recovery-key），"
           "打开后程序会重建密钥文件")


class KeySlotError(StoreError):
    """The key-slot file is missing or damaged: only the recovery key opens the store."""


class StoreLocked(StoreError):
    """The store is encrypted and no key was given: sign in (or use the recovery key)."""


@dataclass
class SlotFile:
    """The contents of ``baoxue.keys``."""

    key_id: str
    slots: list[dict[str, Any]] = field(default_factory=list)
    disabled: list[str] = field(default_factory=list)
    recovery: dict[str, str] | None = None
    open_key: str = ""

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"format": FORMAT, "version": VERSION, "cipher": "SQLCipher 4 (AES-256)",
                                "key_id": self.key_id, "slots": self.slots, "disabled": self.disabled,
                                "recovery": self.recovery}
        if self.open_key:
            data["open"] = self.open_key
        data["checksum"] = _checksum(data)
        return data

    def has(self, user_name: str) -> bool:
        """Whether ``user_name`` has a slot here, or is listed as disabled."""
        name = user_name.strip()
        return name in self.disabled or any(slot["user_name"] == name for slot in self.slots)

    @property
    def count(self) -> int:
        """Key slots: one per account, plus the recovery key's."""
        return len(self.slots) + (1 if self.recovery else 0)


def _checksum(data: dict[str, Any]) -> str:
    """SHA-256 of everything else in the file: a damaged file (a bad sector, a cut copy) is told
    apart from a wrong password."""
    body = {k: v for k, v in data.items() if k != "checksum"}
    return hashlib.sha256(json.dumps(body, sort_keys=True, ensure_ascii=False).encode("utf-8")).hexdigest()


def keys_path(folder: Path) -> Path:
    return folder / KEYS_FILE


def copy_keys_path(copy: Path) -> Path:
    """The key slots kept beside an automatic copy (``baoxue-….sqlite3.keys``)."""
    return copy.with_name(copy.name + COPY_KEYS_SUFFIX)


def key_id(key: bytes) -> str:
    """A short public name of a store key (which key a slot file wraps), not the key."""
    return hashlib.blake2b(key, digest_size=8, person=b"baoxue-keyid").hexdigest()


def new_store_key() -> bytes:
    return secrets.token_bytes(KEY_BYTES)


# --- the file ----------------------------------------------------------------------------------------


def read_file(path: Path) -> SlotFile:
    """Read a slot file.

    Raises:
        KeySlotError: it is missing or damaged (the message points to the recovery key).
    """
    try:
        raw = path.read_bytes()
    except FileNotFoundError as exc:
        raise KeySlotError(MISSING.format(path=path)) from exc
    except OSError as exc:
        raise KeySlotError(f"无法读取密钥文件 {path}：{exc.strerror or exc}") from exc
    try:
        data = json.loads(raw.decode("utf-8"))
        if data.get("format") != FORMAT or data.get("checksum") != _checksum(data):
            raise ValueError("format or checksum")
        if int(data["version"]) > VERSION:
            raise KeySlotError(f"密钥文件 {path} 由更新版本的程序写入，请升级本程序后再打开")
        slots = list(data["slots"])
        for slot in slots:
            for name in ("user_name", "account_id", "nonce", "wrapped"):
                if not isinstance(slot[name], str):
                    raise ValueError(name)
            kdf = slot["kdf"]
            bytes.fromhex(kdf["salt"]), bytes.fromhex(slot["nonce"]), bytes.fromhex(slot["wrapped"])
            int(kdf["t"]), int(kdf["m"]), int(kdf["p"]), int(kdf["v"]), int(kdf["len"])
        recovery = data.get("recovery")
        return SlotFile(key_id=str(data["key_id"]), slots=slots, disabled=[str(n) for n in data.get("disabled", [])],
                        recovery=dict(recovery) if recovery else None, open_key=str(data.get("open", "")))
    except KeySlotError:
        raise
    except (ValueError, KeyError, TypeError, AttributeError, UnicodeDecodeError) as exc:
        raise KeySlotError(DAMAGED.format(path=path)) from exc


def read(folder: Path) -> SlotFile:
    return read_file(keys_path(folder))


def write_file(path: Path, slots: SlotFile) -> None:
    """Write a slot file atomically (a temporary file beside it, flushed, then renamed over it)."""
    data = json.dumps(slots.to_json(), ensure_ascii=False, indent=1).encode("utf-8")
    fd, tmp = tempfile.mkstemp(prefix=path.name + ".", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        files.replace_file(tmp, path)  # retried while an antivirus or sync program holds the file
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def write(folder: Path, slots: SlotFile) -> None:
    try:
        write_file(keys_path(folder), slots)
    except OSError as exc:
        raise StoreError(f"无法写入密钥文件 {keys_path(folder)}：{exc.strerror or exc}") from exc


# --- wrapping ----------------------------------------------------------------------------------------


def _b64(text: str) -> bytes:
    return base64.b64decode(text + "=" * (-len(text) % 4))


def _params_of_hash(phc: str) -> tuple[dict[str, Any], bytes]:
    """The Argon2id parameters, salt and raw output of an argon2-cffi password hash."""
    parts = phc.split("$")
    if len(parts) != 6 or parts[1] != "argon2id":
        raise ValueError("not an argon2id hash")
    version = int(parts[2].removeprefix("v="))
    params = dict(p.split("=") for p in parts[3].split(","))
    salt, raw = _b64(parts[4]), _b64(parts[5])
    return {"t": int(params["t"]), "m": int(params["m"]), "p": int(params["p"]), "v": version,
            "len": len(raw), "salt": salt.hex()}, raw


def _kek(password: str, kdf: dict[str, Any]) -> bytes:
    if not (1 <= int(kdf["t"]) <= 64 and 8 <= int(kdf["m"]) <= 4 * 1024 * 1024 and 1 <= int(kdf["p"]) <= 64
            and 16 <= int(kdf["len"]) <= 64):
        raise ValueError("unreasonable key derivation parameters")
    from argon2.low_level import Type, hash_secret_raw  # noqa: PLC0415 - at sign-in, not at every start

    return hash_secret_raw(password.encode("utf-8"), bytes.fromhex(kdf["salt"]), int(kdf["t"]), int(kdf["m"]),
                           int(kdf["p"]), int(kdf["len"]), Type.ID, int(kdf["v"]))


def _wrapping_key(raw: bytes) -> bytes:
    return hashlib.blake2b(raw, digest_size=32, person=b"baoxue-slotkek").digest()


def _aad(user_name: str, account_id: str) -> bytes:
    return _AAD + user_name.encode("utf-8") + b"|" + account_id.encode("ascii")


def _crypto_error() -> type[Exception]:
    """PyNaCl's refusal of a wrong key (looked up only when something was refused)."""
    from nacl.exceptions import CryptoError  # noqa: PLC0415 - PyNaCl at the first key wrapped, not at every start

    return CryptoError


def account_slot(store_key: bytes, account_id: str, user_name: str, password_hash: str) -> dict[str, Any]:
    """The slot of one account, built from its password hash (the hash never leaves the store)."""
    import nacl.bindings as sodium  # noqa: PLC0415 - see _crypto_error

    kdf, raw = _params_of_hash(password_hash)
    nonce = secrets.token_bytes(sodium.crypto_aead_xchacha20poly1305_ietf_NPUBBYTES)
    wrapped = sodium.crypto_aead_xchacha20poly1305_ietf_encrypt(store_key, _aad(user_name, account_id), nonce,
                                                                _wrapping_key(raw))
    return {"user_name": user_name, "account_id": account_id, "kdf": kdf, "nonce": nonce.hex(),
            "wrapped": wrapped.hex()}


def unwrap(slots: SlotFile, user_name: str, password: str) -> bytes:
    """The store key, unwrapped with an account's password.

    Raises:
        SignInError: no such account, disabled, or the password is wrong (one message for the last two
            kinds, as at sign-in).
    """
    user_name = user_name.strip()
    slot = next((s for s in slots.slots if s["user_name"] == user_name), None)
    if slot is None:
        if user_name in slots.disabled:
            raise SignInError("此账户已停用，请联系管理员")
        raise SignInError("用户名或密码不正确")
    import nacl.bindings as sodium  # noqa: PLC0415 - see _crypto_error

    try:
        raw = _kek(password, slot["kdf"])
        key = sodium.crypto_aead_xchacha20poly1305_ietf_decrypt(
            bytes.fromhex(slot["wrapped"]), _aad(user_name, slot["account_id"]), bytes.fromhex(slot["nonce"]),
            _wrapping_key(raw))
    except _crypto_error() as exc:
        raise SignInError("用户名或密码不正确") from exc
    except (ValueError, KeyError, TypeError) as exc:
        raise KeySlotError(DAMAGED.format(path=KEYS_FILE)) from exc
    if len(key) != KEY_BYTES or key_id(key) != slots.key_id:
        raise KeySlotError(DAMAGED.format(path=KEYS_FILE))
    return bytes(key)


def build(store_key: bytes, accounts: Iterable[tuple[str, str, str, bool]],
          recovery: dict[str, str] | None) -> SlotFile:
    """A slot file for ``accounts`` (id, user name, password hash, active)."""
    slots, disabled = [], []
    for account_id, user_name, password_hash, active in accounts:
        if active:
            slots.append(account_slot(store_key, account_id, user_name, password_hash))
        else:
            disabled.append(user_name)
    any_account = bool(slots or disabled)
    return SlotFile(key_id=key_id(store_key), slots=slots, disabled=disabled, recovery=recovery,
                    open_key="" if any_account else store_key.hex())


def accounts_of(conn: Any) -> list[tuple[str, str, str, bool]]:
    """(id, user name, password hash, active) of every account, read on a DB-API or SQLAlchemy connection."""
    run = conn.exec_driver_sql if hasattr(conn, "exec_driver_sql") else conn.execute
    if not has_table(conn, "accounts"):
        return []
    rows = run("SELECT id, user_name, password_hash, active FROM accounts ORDER BY user_name").fetchall()
    return [(str(r[0]), str(r[1]), str(r[2]), bool(r[3])) for r in rows]


def current_recovery(folder: Path, store_key: bytes) -> dict[str, str] | None:
    """The recovery record of the slot file, if it belongs to ``store_key`` (else None)."""
    if store_key == b"":
        return None
    try:
        old = read(folder)
    except KeySlotError:
        return None
    if old.recovery and old.recovery.get("key_id") == key_id(store_key):
        return old.recovery
    return None


def sync(store: Store, recovery: dict[str, str] | None = None, session: Session | None = None) -> SlotFile:
    """Rewrite ``baoxue.keys`` from the store's accounts (call after any account change; inside the
    account change's transaction when ``session`` is given, so the slots are written before it commits)."""
    key = store.key
    if recovery is None:
        recovery = current_recovery(store.data_dir, key)
    if session is not None:
        session.flush()
        accounts = accounts_of(session.connection())
    else:
        with store.engine.connect() as conn:
            accounts = accounts_of(conn)
    slots = build(key, accounts, recovery)
    write(store.data_dir, slots)
    return slots


def open_key(folder: Path) -> bytes | None:
    """The store key kept in the clear while no account exists yet (None once accounts exist)."""
    slots = read(folder)
    if slots.open_key:
        key = bytes.fromhex(slots.open_key)
        if key_id(key) == slots.key_id:
            return key
    return None


# --- the recovery key ---------------------------------------------------------------------------------


def new_recovery_code() -> str:
    return "".join(secrets.choice(RECOVERY_ALPHABET) for _ in range(RECOVERY_LENGTH))


def format_code(code: str) -> str:
    """``ABCDE-FGHIJ-…``: the recovery key in groups, as printed."""
    return "-".join(code[i:i + RECOVERY_GROUP] for i in range(0, len(code), RECOVERY_GROUP))


def normalize_code(text: str) -> str:
    """The recovery key as typed (any case, spaces and dashes, 0/1/8 for O/I/B) in canonical form.

    Raises:
        ValidationError: not 25 letters and digits of the recovery key's alphabet.
    """
    code = "".join(ch for ch in text.upper() if not ch.isspace() and ch not in "-－—_")
    code = code.translate(str.maketrans("018", "OIB"))
    if len(code) != RECOVERY_LENGTH or any(ch not in RECOVERY_ALPHABET for ch in code):
        raise ValidationError(f"恢复密钥应为{RECOVERY_LENGTH}个字母和数字（可带横线），请对照恢复密钥单核对")
    return code


def key_from_recovery(code: str) -> bytes:
    """The store key derived from a recovery key (canonical form)."""
    from argon2.low_level import Type, hash_secret_raw  # noqa: PLC0415 - at sign-in, not at every start

    return hash_secret_raw(code.encode("ascii"), RECOVERY_SALT, RECOVERY_KDF["t"], RECOVERY_KDF["m"],
                           RECOVERY_KDF["p"], KEY_BYTES, Type.ID)


def recovery_record(code: str, store_key: bytes, at: dt.datetime) -> dict[str, str]:
    """What the slot file says of the recovery key: when it was made and its last group (to tell
    which printed sheet is the current one), never the key."""
    return {"made_at": at.isoformat(timespec="seconds"), "last_group": code[-RECOVERY_GROUP:],
            "key_id": key_id(store_key)}


def copy_beside(folder: Path, copy: Path) -> None:
    """Keep the store's current key slots beside an automatic copy of it (same store key)."""
    source = keys_path(folder)
    with contextlib.suppress(OSError, KeySlotError):  # no slots to copy: the recovery key opens the copy
        write_file(copy_keys_path(copy), read_file(source))
