"""The chain head (row count and last hash of the history) kept outside the store file too.

``baoxue.head.json`` beside the store is rewritten after every committed write, signed with this
installation's Ed25519 key. ``verify`` compares it with the store: a history cut at its end, or a store
file swapped for an older copy, no longer reaches the head the file remembers.

A restore from a backup is a legitimate rollback: ``after_restore`` records it in the history (with the
head before and after) and starts the head file again from the restored store, so packages can say so.

The file is only rewritten when the store's history extends the head it holds; when it does not (the
history was cut or the file swapped behind the program's back) the old head stays as evidence until a
restore is recorded.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import weakref
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from nacl.exceptions import BadSignatureError
from nacl.signing import SigningKey, VerifyKey
from sqlalchemy.exc import DBAPIError

from database import engine as db
from desktop_app.services import audit
from desktop_app.services.integrity.ledger import HEAD_CREATED as CREATED
from desktop_app.services.integrity.ledger import HEAD_EVENT_TABLE as EVENT_TABLE
from desktop_app.services.integrity.ledger import HEAD_RESTORED as RESTORED
from desktop_app.services.integrity.ledger import Finding
from desktop_app.services.paths import HEAD_FILE as HEAD_FILE  # named here too, as before

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from desktop_app.services.store import Store



@dataclass(frozen=True)
class Head:
    count: int
    hash: str

    def as_dict(self) -> dict[str, Any]:
        return {"count": self.count, "hash": self.hash}


def path_of(data_dir: Path) -> Path:
    return data_dir / HEAD_FILE


def store_head(conn: Any) -> Head:
    """The last history row's number and hash (a DB-API or SQLAlchemy connection)."""
    row = conn.execute("SELECT id, row_hash FROM audit_log ORDER BY id DESC LIMIT 1").fetchone()
    return Head(int(row[0]), str(row[1])) if row else Head(0, audit.GENESIS)


def row_hash_at(conn: Any, number: int) -> str | None:
    if number == 0:
        return audit.GENESIS
    row = conn.execute("SELECT row_hash FROM audit_log WHERE id = ?", (number,)).fetchone()
    return str(row[0]) if row else None


def _signing_key(conn: Any) -> SigningKey | None:
    try:
        row = conn.execute("SELECT sign_secret FROM node_keys ORDER BY id LIMIT 1").fetchone()
    except Exception:  # noqa: BLE001 - a store before the exchange tables
        return None
    return SigningKey(bytes.fromhex(row[0])) if row and row[0] else None


def _payload(head: Head, node: str) -> bytes:
    return json.dumps({"count": head.count, "hash": head.hash, "node": node}, sort_keys=True).encode()


def read(data_dir: Path) -> dict[str, Any] | None:
    """The head file's content, or None when there is none (unreadable: {"broken": True})."""
    p = path_of(data_dir)
    if not p.exists():
        return None
    try:
        data = json.loads(p.read_text(encoding="utf-8"))
        if not isinstance(data, dict) or not isinstance(data.get("count"), int) or not isinstance(data.get("hash"), str):
            raise ValueError
        return data
    except (OSError, ValueError):
        return {"broken": True}


def _write_file(data_dir: Path, data: dict[str, Any]) -> None:
    target = path_of(data_dir)
    tmp = target.with_name(target.name + ".tmp")
    with open(tmp, "w", encoding="utf-8") as fh:
        json.dump(data, fh, ensure_ascii=False)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, target)


def _signed(conn: Any, head: Head, node: str) -> dict[str, Any] | None:
    key = _signing_key(conn)
    if key is None:
        return None
    sig = key.sign(_payload(head, node)).signature
    return {"count": head.count, "hash": head.hash, "node": node,
            "written_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "public_key": key.verify_key.encode().hex(), "signature": sig.hex()}


_HAVE_KEYS: weakref.WeakSet[Any] = weakref.WeakSet()  # engines whose store has its key pair (never removed)


def _ensure_keys(store: Store) -> None:
    """The installation's key pair (made here, without history, when nothing else has made it yet)."""
    if store.engine in _HAVE_KEYS:  # looked once per engine, not after every write (a round trip on a server)
        return
    with store.engine.connect() as conn:
        if conn.exec_driver_sql("SELECT 1 FROM node_keys").first() is not None:
            _HAVE_KEYS.add(store.engine)
            return
    from database.models import utcnow
    from desktop_app.exchange.package import KeyPair

    inst = store.installation()
    if inst is None:
        return
    keys = KeyPair.generate()
    with store.engine.begin() as conn:
        conn.exec_driver_sql(
            "INSERT INTO node_keys (id, node_id, box_secret, box_public, sign_secret, sign_public, created_at)"
            " SELECT 1, ?, ?, ?, ?, ?, ? WHERE NOT EXISTS (SELECT 1 FROM node_keys)",
            (inst.node_id, keys.box_secret.hex(), keys.box_public.hex(), keys.sign_secret.hex(),
             keys.sign_public.hex(), utcnow().strftime("%Y-%m-%d %H:%M:%S.%f")))


def before_commit(store: Store, session: Session) -> None:
    """In a write transaction: the first head file of a store is announced in its history, so a head
    file deleted later is noticed."""
    if path_of(store.data_dir).exists():
        return
    conn = session.connection()
    if conn.exec_driver_sql("SELECT 1 FROM installation").first() is None:
        return
    if conn.exec_driver_sql(
            "SELECT 1 FROM audit_log WHERE record_id = '' AND table_name = ? AND field = ? LIMIT 1",
            (EVENT_TABLE, CREATED)).first():
        return  # announced before: the missing file is for verify to report, not to recreate
    audit.record_event(session, EVENT_TABLE, "", CREATED, "")


def after_commit(store: Store, *, force: bool = False) -> None:
    """Rewrite the head file after a committed write (``force``: after a recorded restore)."""
    if store.installation() is None:
        return
    try:
        _ensure_keys(store)
        with store.engine.connect() as c:
            raw = db.dbapi(c)
            head = store_head(raw)
            old = read(store.data_dir)
            if old is not None and not force and not _restored_from(raw, old):
                if old.get("broken"):
                    return  # kept as evidence
                if old["count"] > head.count or row_hash_at(raw, int(old["count"])) != old["hash"]:
                    return  # the history no longer reaches the remembered head: evidence for verify
            inst = store.installation()
            data = _signed(raw, head, inst.node_id if inst else "")
    except (DBAPIError, OSError):
        return
    if data is not None:
        with contextlib.suppress(OSError):
            _write_file(store.data_dir, data)


def compare(data_dir: Path, conn: Any, created_announced: bool) -> Finding | None:
    """The head file against the store's history (``conn``: DB-API)."""
    data = read(data_dir)
    name = HEAD_FILE
    if data is None:
        if created_announced:
            return Finding("head", text=f"数据文件旁的校验链头文件 {name} 不见了：它被删除，或数据文件被换到了别处")
        return None
    if data.get("broken"):
        return Finding("head", text=f"校验链头文件 {name} 无法读取：它在程序之外被改动过")
    head = Head(int(data["count"]), str(data["hash"]))
    try:
        key = VerifyKey(bytes.fromhex(str(data.get("public_key", ""))))
        key.verify(_payload(head, str(data.get("node", ""))), bytes.fromhex(str(data.get("signature", ""))))
        own = _signing_key(conn)
        if own is not None and own.verify_key.encode() != key.encode():
            raise BadSignatureError
    except (ValueError, BadSignatureError):
        return Finding("head", text=f"校验链头文件 {name} 的签名不符：它在程序之外被改动过")
    if _restored_from(conn, data):
        return None  # the program stopped after a recorded restore, before rewriting this file: the next write does
    now = store_head(conn)
    if now.count < head.count:
        return Finding("head", text=(
            f"历史记录回退：数据文件中的历史记录只有{now.count}条，而程序上次记下的已有{head.count}条。"
            f"最新的{head.count - now.count}条历史记录被删除，或数据文件被换成了旧的副本（从备份恢复不会这样，它会被记录）"))
    if row_hash_at(conn, head.count) != head.hash:
        return Finding("head", text=(
            f"历史记录第{head.count}条与程序上次记下的校验链头不符：历史记录被改写，或数据文件被换成了别的副本"))
    return None


def after_restore(store: Store, before: Head, source: str) -> None:
    """Record a restore from a backup (a legitimate rollback) and start the head file again from it."""
    record_restore(store, before, source)
    after_commit(store, force=True)


def record_restore(store: Store, before: Head, source: str) -> None:
    """Write the restore's event into ``store``'s history (``backup.restore`` writes it into the staged copy
    before that copy replaces the store, so the restored data never stands without it)."""
    with store.engine.connect() as c:
        after = store_head(db.dbapi(c))
    detail = json.dumps({"from_count": before.count, "from_hash": before.hash, "to_count": after.count,
                         "to_hash": after.hash, "source": source,
                         "at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds")}, ensure_ascii=False)
    with store.write(head=False) as session:
        audit.record_event(session, EVENT_TABLE, "", RESTORED, detail)


def _restored_from(conn: Any, data: dict[str, Any]) -> bool:
    """The head file is the one the history's last recorded restore started from (``backup.restore`` writes
    that record into the restored copy before it replaces the store; the file is rewritten just after)."""
    recorded = restores(conn)
    return bool(recorded) and not data.get("broken") and (recorded[-1].get("from_count"), recorded[-1].get("from_hash")) \
        == (data.get("count"), data.get("hash"))


def remembered(data_dir: Path) -> Head | None:
    """The head the file holds (no check of its signature), for a restore to say what it rolled back."""
    data = read(data_dir)
    if data is None or data.get("broken"):
        return None
    return Head(int(data["count"]), str(data["hash"]))


def restores(conn: Any) -> list[dict[str, Any]]:
    """Every restore recorded in the history (DB-API connection), oldest first."""
    out = []
    # record_id '': the events are written so, and the history's index on record_id finds them without
    # reading the whole history (this runs after every write)
    for (text,) in conn.execute("SELECT new_value FROM audit_log WHERE record_id = '' AND table_name = ? AND field = ? "
                                "ORDER BY id", (EVENT_TABLE, RESTORED)).fetchall():
        with contextlib.suppress(ValueError, TypeError):
            out.append(json.loads(text))
    return out
