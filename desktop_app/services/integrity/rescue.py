"""A store is never silently replaced, and damage is named, not shown as a traceback.

Where the data folder shows that a store existed (automatic copies in ``backups/``, the chain head file,
the window settings, the lock or the exchange log) and the store file is missing, empty or not a
database, opening refuses with a message naming the newest automatic copy that passes verify; the
GUI lists the copies and the CLI restores the newest good one on request (``restore-copy``).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
from dataclasses import dataclass
from pathlib import Path

from database import engine as db
from desktop_app.domain.errors import StoreError
from desktop_app.services.paths import BACKUP_DIR, BACKUP_PREFIX, HEAD_FILE, STORE_FILE

SQLITE_MAGIC = b"SQLite format 3\x00"
_COPY_ERRORS: tuple[type[Exception], ...] = (*db.DRIVER_ERRORS, UnicodeError, ValueError)
#: Files a running program leaves in the data folder (besides the store and backups/).
TRACES = {HEAD_FILE: "校验链头文件", "baoxue.keys": "密钥文件", "settings.ini": "窗口设置", "baoxue.lock": "程序锁文件",
          "exchange-log.jsonl": "数据交换记录", f"{STORE_FILE}-wal": "数据文件的日志"}


@dataclass(frozen=True)
class CopyInfo:
    """An automatic copy in ``backups/`` and whether it passes verify."""

    path: Path
    at: dt.datetime
    reason: str
    cases: int
    good: bool
    problem: str = ""

    @property
    def label(self) -> str:
        state = f"{self.cases}件案件" if self.good else f"不可用：{self.problem}"
        return f"{self.path.name}（{self.at:%Y-%m-%d %H:%M}，{state}）"


class StoreMissing(StoreError):
    """The store file is missing, empty or not a database where a store existed; nothing was created.

    Attributes:
        data_dir: the data folder.
        problem: what is wrong with the file.
        good: the newest automatic copy that passes verify (None: there is none).
        key: the store key the copies were checked with (None: not known yet; encrypted copies unchecked).
    """

    def __init__(self, message: str, data_dir: Path, problem: str, good: CopyInfo | None,
                 key: bytes | None = None) -> None:
        super().__init__(message)
        self.data_dir, self.problem, self.good, self.key = data_dir, problem, good, key


def traces(data_dir: Path) -> list[str]:
    """What in the folder shows that a store existed there (Chinese names; empty: a new folder)."""
    found = [label for name, label in TRACES.items() if (data_dir / name).exists()
             and not (name == "baoxue.lock" and _own_lock(data_dir / name))]
    if automatic_copies(data_dir):
        found.insert(0, "自动备份")
    return found


def file_problem(path: Path) -> str | None:
    """Why ``path`` is not a store at all (missing, empty, truncated, not SQLite), or None."""
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        return "数据文件不见了"
    except OSError as exc:
        return f"数据文件无法读取（{exc.strerror}）"
    if size == 0:
        return "数据文件是空的（0字节）"
    try:
        with open(path, "rb") as fh:
            header = fh.read(100)
    except OSError as exc:
        return f"数据文件无法读取（{exc.strerror}）"
    if not header.startswith(SQLITE_MAGIC):
        if size < 1024 or size % 512:  # an encrypted (SQLCipher) store is whole pages; this is not a store
            return "数据文件不是数据库文件（内容已损坏，或被别的文件替换）"
        return None  # encrypted, or damaged: opening it decides (and names the damage)
    if len(header) < 100:
        return "数据文件被截断（不完整）"
    page = int.from_bytes(header[16:18], "big")
    page = 65536 if page == 1 else page
    pages = int.from_bytes(header[28:32], "big")
    valid = header[24:28] == header[92:96]
    if valid and pages and size < page * pages:
        return f"数据文件被截断（只有{size}字节，应有{page * pages}字节）"
    return None


def automatic_copies(data_dir: Path) -> list[tuple[Path, dt.datetime, str]]:
    """The automatic copies in ``backups/``, newest first."""
    import re

    pattern = re.compile(re.escape(BACKUP_PREFIX) + r"(\d{8}-\d{6})-(.+)\.sqlite3$")
    out = []
    folder = data_dir / BACKUP_DIR
    if folder.is_dir():
        for p in folder.iterdir():
            m = pattern.match(p.name)
            if m:
                with contextlib.suppress(ValueError):
                    out.append((p, dt.datetime.strptime(m.group(1), "%Y%m%d-%H%M%S"), m.group(2)))
    return sorted(out, key=lambda c: (c[1], c[0].name), reverse=True)


def copy_key(path: Path, key: bytes | None) -> bytes | None:
    """The key that opens an (encrypted) automatic copy: ``key`` (the store's, once unlocked), else the
    one its key slots keep in the clear while no account existed; None for a plain copy."""
    from desktop_app.services import keyslots

    if db.is_plain(path):
        return None
    if key:
        return key
    with contextlib.suppress(keyslots.KeySlotError, ValueError):
        slots = keyslots.read_file(keyslots.copy_keys_path(path))
        if slots.open_key:
            return bytes.fromhex(slots.open_key)
    return b""


def check_copy(path: Path, at: dt.datetime, reason: str, key: bytes | None = None) -> CopyInfo:
    """Open an automatic copy read-only and run the ledger check on it (an encrypted copy needs the
    store's ``key``: without it the copy is listed as not yet checkable)."""
    from desktop_app.services.integrity.check import check_connection

    problem = file_problem(path)
    if problem is not None:
        return CopyInfo(path, at, reason, 0, False, problem)
    opener = copy_key(path, key)
    if opener == b"":
        return CopyInfo(path, at, reason, 0, False, "已加密：登录（或用恢复密钥）后才能校验")
    try:
        conn = db.connect(f"{path.resolve().as_uri()}?mode=ro", opener, uri=True)
        try:
            result = check_connection(conn)
            cases = conn.execute("SELECT count(*) FROM cases").fetchone()[0] if result.ok else 0
        finally:
            conn.close()
    except _COPY_ERRORS as exc:
        return CopyInfo(path, at, reason, 0, False, damage_name(exc))
    return CopyInfo(path, at, reason, int(cases), result.ok, "" if result.ok else result.message)


def copies(data_dir: Path, *, stop_at_good: bool = False, key: bytes | None = None) -> list[CopyInfo]:
    """Every automatic copy with what it holds and whether it passes verify, newest first."""
    out = []
    for path, at, reason in automatic_copies(data_dir):
        info = check_copy(path, at, reason, key)
        out.append(info)
        if stop_at_good and info.good:
            break
    return out


def newest_good(data_dir: Path, key: bytes | None = None) -> CopyInfo | None:
    return next((c for c in copies(data_dir, stop_at_good=True, key=key) if c.good), None)


def damage_name(exc: BaseException) -> str:
    """The damage an exception of the SQLite driver names, in Chinese."""
    text = str(getattr(exc, "orig", None) or exc)
    low = text.lower()
    if "malformed" in low or "corrupt" in low:
        return "数据文件的页面已损坏（database disk image is malformed）"
    if "not a database" in low or "file is encrypted" in low:
        return "数据文件不是数据库文件，或已损坏到无法识别"
    if "decode" in low or isinstance(exc, UnicodeError):
        return "数据文件中有无法解读的文字（已损坏）"
    if "no such table" in low:
        return f"数据文件缺少数据表（{text.split(':')[-1].strip()}）"
    if "no such column" in low:
        return f"数据文件缺少字段（{text.split(':')[-1].strip()}）"
    return f"数据文件已损坏（{text.splitlines()[0][:80] if text else type(exc).__name__}）"


def _offer(good: CopyInfo | None) -> str:
    if good is None:
        return "backups 文件夹中没有通过校验的自动备份；请找技术支持人员，或从U盘上的加密备份恢复"
    return (f"最新的可用自动备份是 {good.label}；可在程序中恢复，"
            f"或用命令 baoxue-cli restore-copy 恢复")


def damage_message(data_dir: Path, exc: BaseException | None, what: str = "", key: bytes | None = None) -> str:
    """One line: the damage (``what``, else named from ``exc``) and the newest automatic copy that passes verify."""
    return f"{what or damage_name(exc or ValueError())}。{_offer(newest_good(data_dir, key))}"


def damaged_error(data_dir: Path, exc: BaseException, key: bytes | None = None) -> StoreMissing:
    """The refusal for a store file SQLite cannot read."""
    problem = damage_name(exc)
    good = newest_good(data_dir, key)
    return StoreMissing(f"无法打开数据文件 {data_dir / STORE_FILE}：{problem}。程序不会新建空台账替代它。{_offer(good)}",
                        data_dir, problem, good, key)


def _own_lock(path: Path) -> bool:
    """The lock file this process holds (the GUI takes it before opening the store)."""
    try:
        return path.read_text(encoding="utf-8", errors="replace").splitlines()[0].strip() == str(os.getpid())
    except (OSError, IndexError):
        return False


def refuse_if_replaced(data_dir: Path, key: bytes | None = None) -> None:
    """Raise ``StoreMissing`` where a store existed and its file is missing, empty or not a database
    (``key``: the store key when known, to check encrypted copies)."""
    path = data_dir / STORE_FILE
    problem = file_problem(path)
    if problem is None:
        return
    seen = traces(data_dir)
    if not seen:
        return  # a new folder (or an empty file SQLite will make a store in)
    good = newest_good(data_dir, key)
    raise StoreMissing(
        f"{problem}：{path}。这个文件夹里曾有保学台账的数据（{'、'.join(seen)}），"
        f"程序不会新建空台账替代它。{_offer(good)}", data_dir, problem, good, key)


def restore_copy(data_dir: Path, copy: Path, user: str | None = None, key: bytes | None = None) -> Path:
    """Put an automatic copy in place of a missing or damaged store file; the damaged file is kept beside
    it (renamed), nothing is deleted. The restore is recorded as a rollback. Returns the kept file (or the
    store path when there was none)."""
    from database import engine as db
    from desktop_app.services import keyslots
    from desktop_app.services.integrity import head as chain_head
    from desktop_app.services.store import Store

    path = data_dir / STORE_FILE
    info = check_copy(copy, dt.datetime.now(), "", key)
    if not info.good:
        raise StoreError(f"自动备份 {copy.name} 未通过校验（{info.problem}），不能用它恢复")
    before = chain_head.remembered(data_dir) or chain_head.Head(0, "")
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    kept = path
    for suffix in ("", "-wal", "-shm"):
        p = path.with_name(path.name + suffix)
        if p.exists():
            target = p.with_name(f"{p.name}.损坏-{stamp}")
            os.replace(p, target)
            if not suffix:
                kept = target
    opener = copy_key(copy, key)
    if opener is None:  # a plain copy of a version before encryption: converted when opened
        with contextlib.closing(db.connect(copy, None)) as src, contextlib.closing(db.connect(path, None)) as dst:
            src.backup(dst)
            status = str(dst.execute("PRAGMA integrity_check").fetchone()[0])
    else:
        status = db.copy_checked(copy, path, opener)
        slots = keyslots.copy_keys_path(copy)
        with contextlib.suppress(keyslots.KeySlotError):
            if keyslots.read(data_dir).key_id == keyslots.key_id(opener):
                slots = keyslots.keys_path(data_dir)  # the current slots open it (newer passwords)
        if slots != keyslots.keys_path(data_dir) and slots.exists():
            with contextlib.suppress(keyslots.KeySlotError):  # the copy's own slots: the passwords of its time
                keyslots.write_file(keyslots.keys_path(data_dir), keyslots.read_file(slots))
    if status != "ok":
        raise StoreError(f"恢复后的数据文件校验失败（{status}）")
    store = Store.open(data_dir, user=user, key=opener or None)
    try:
        chain_head.after_restore(store, before, copy.name)
    finally:
        store.close()
    return kept
