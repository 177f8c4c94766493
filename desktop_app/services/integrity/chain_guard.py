"""Chain heads in packages: the receiver checks that a sender's history extends the head it saw last.

The sender puts into each package's manifest (``chain``) the head the package covers (its last history
row's number and hash), the hashes of its rows at the points the receiver may have seen (what it
acknowledged and what it sent since) and every restore from a backup its history records. The receiver
remembers the last head per unit (``app_settings`` ``chain.peer.<code>``). A later package whose history
no longer holds that head is a rollback: explained by a recorded restore it is accepted and the restore
shown; otherwise the package is refused with 历史记录回退, and the unit is marked so (区教委督导).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from database import engine as db
from database.models import AppSetting, utcnow
from desktop_app.domain.errors import BaoxueError
from desktop_app.services import audit
from desktop_app.services.integrity import head
from desktop_app.services.store import Store

KEY_PREFIX = "chain.peer."
FIRST, OK, RESTORED, ROLLBACK, UNKNOWN = "first", "ok", "restored", "rollback", "unknown"
ROLLBACK_EVENT = "历史记录回退"


class HistoryRolledBack(BaoxueError):
    """The sender's history does not extend the head this installation saw last, and no restore explains it."""


@dataclass(frozen=True)
class Verdict:
    status: str
    detail: str = ""
    restore: dict[str, Any] | None = None


@dataclass(frozen=True)
class PeerChain:
    """What is known of a unit's history: the last head seen and whether it ever went back."""

    count: int
    hash: str
    status: str
    detail: str
    at: str

    @property
    def label(self) -> str:
        if self.status == ROLLBACK:
            return f"{ROLLBACK_EVENT}（{self.at[:10]}）"
        if self.status == RESTORED:
            return f"曾从备份恢复（{self.at[:10]}）"
        return ""


def manifest_chain(session: Session, seq_to: int, acked: int, sent: Iterable[int]) -> dict[str, Any]:
    """The ``chain`` entry of a package covering this installation's history up to row ``seq_to``."""
    conn = db.dbapi(session.connection())
    points = {n for n in (acked, *sent, seq_to) if 0 <= n <= seq_to}
    marks = {str(n): head.row_hash_at(conn, n) for n in sorted(points)}
    return {"count": seq_to, "hash": marks.get(str(seq_to)), "from": acked,
            "marks": {k: v for k, v in marks.items() if v}, "restores": head.restores(conn)}


def _seen(session: Session, code: str) -> dict[str, Any] | None:
    row = session.get(AppSetting, KEY_PREFIX + code)
    if row is None:
        return None
    try:
        data = json.loads(row.value)
    except ValueError:
        return None
    return data if isinstance(data, dict) else None


def judge(seen: dict[str, Any] | None, chain: Any) -> Verdict:
    """Whether the sender's ``chain`` (from a manifest) extends the head ``seen`` last."""
    if not seen or not seen.get("count"):
        return Verdict(FIRST)
    if not isinstance(chain, dict) or not isinstance(chain.get("marks"), dict):
        return Verdict(UNKNOWN, "数据包未带历史记录校验链头（对方程序版本较旧）")
    count, digest = int(seen["count"]), str(seen.get("hash", ""))
    marks = chain["marks"]
    try:
        now = int(chain.get("count", 0))
        since = int(chain.get("from", 0))
    except (TypeError, ValueError):
        now, since = 0, 0
    if marks.get(str(count)) == digest:
        return Verdict(OK)
    known: dict[str, Any] = seen["known"] if isinstance(seen.get("known"), dict) else {}
    if chain.get("hash") and known.get(str(now)) == chain.get("hash"):
        return Verdict(OK)  # an older package of the same history (the import says whether it is needed)
    if str(count) not in marks and now >= count and count < since:
        return Verdict(OK)  # this installation's knowledge is older than what the sender knows we saw
    for restore in chain.get("restores") or []:
        if isinstance(restore, dict) and int(restore.get("from_count", 0) or 0) >= count:
            when = str(restore.get("at", ""))[:16].replace("T", " ")
            return Verdict(RESTORED, f"对方于{when}从备份恢复（{restore.get('source', '')}），历史记录从第"
                                     f"{restore.get('from_count')}条回到第{restore.get('to_count')}条", restore)
    return Verdict(ROLLBACK, f"{ROLLBACK_EVENT}：对方的历史记录不再包含本机上次收到的第{count}条（{digest[:12]}…），"
                             f"现在只到第{now}条或已被改写，且没有记录从备份恢复")


def check_sender(store: Store, code: str, name: str, manifest: dict[str, Any]) -> Verdict:
    """Before applying a package: a rollback no restore explains is recorded for the unit, then refused.

    Raises:
        HistoryRolledBack: the package is refused; the unit is marked 历史记录回退.
    """
    with store.read() as session:
        verdict = judge(_seen(session, code), manifest.get("chain"))
    if verdict.status != ROLLBACK:
        return verdict
    with store.write() as session:  # the alarm stays although the package is refused
        _remember(session, code, _seen(session, code) or {}, ROLLBACK, verdict.detail)
        audit.record_event(session, "sync_peers", code, ROLLBACK_EVENT, verdict.detail)
    raise HistoryRolledBack(f"{name}（{code}）的数据包未导入：{verdict.detail}。请联系该单位核实数据文件是否被替换")


def rewind_for_restore(session: Session, peer: Any, verdict: Verdict) -> None:
    """A recorded restore: what the sender wrote after the point it went back to is received again.

    The received history rows past that point (the sender's numbers are used again after a restore) are
    kept, renumbered below every number the sender uses, as the record of what was rolled back."""
    if verdict.status != RESTORED or verdict.restore is None:
        return
    to = int(verdict.restore.get("to_count", 0) or 0)
    peer.their_seq = min(peer.their_seq, to)
    peer.their_package = 0
    conn = session.connection()
    lowest = conn.exec_driver_sql("SELECT min(origin_id) FROM remote_audit_log WHERE origin_node = ?",
                                  (peer.node_id,)).scalar()
    offset = min(int(lowest or 0), 0) - 1
    conn.exec_driver_sql("UPDATE remote_audit_log SET origin_id = ? - origin_id WHERE origin_node = ? AND origin_id > ?",
                         (offset, peer.node_id, to))


KNOWN = 200  # how many of a unit's row hashes are remembered (to recognise its older packages)


def _remember(session: Session, code: str, chain: dict[str, Any], status: str, detail: str) -> None:
    key = KEY_PREFIX + code
    row = session.get(AppSetting, key)
    old = None if row is None else row.value
    previous = _seen(session, code) or {}
    known = dict(previous.get("known") or {}) if status != RESTORED else {}
    marks: dict[str, Any] = chain["marks"] if isinstance(chain.get("marks"), dict) else {}
    known.update({str(k): str(v) for k, v in marks.items()})
    keep = sorted(known, key=lambda k: int(k) if str(k).isdigit() else -1)[-KNOWN:]
    value = json.dumps({"count": int(chain.get("count", 0) or 0), "hash": chain.get("hash") or "",
                        "status": status, "detail": detail, "known": {k: known[k] for k in keep},
                        "at": dt.datetime.now().isoformat(timespec="seconds")}, ensure_ascii=False)
    if row is None:
        session.add(AppSetting(key=key, value=value, updated_by=session.info.get("user", ""), updated_at=utcnow()))
    else:
        row.value = value
    audit.append(session, [audit.Change("update", "app_settings", key, "value", old, value)])


def remember(session: Session, code: str, manifest: dict[str, Any], verdict: Verdict) -> str:
    """After a package was applied: its head is the one to be extended next. Returns a note for the message."""
    chain = manifest.get("chain")
    if not isinstance(chain, dict):
        return ""
    previous = _seen(session, code) or {}
    status = verdict.status
    if status in (OK, FIRST, UNKNOWN) and previous.get("status") in (ROLLBACK, RESTORED):
        status, detail = str(previous["status"]), str(previous.get("detail", ""))  # the unit keeps its mark
    else:
        detail = verdict.detail
    _remember(session, code, chain, status, detail)
    if verdict.status == RESTORED:
        audit.record_event(session, "sync_peers", code, "对方从备份恢复", verdict.detail)
        return f"；{verdict.detail}"
    return ""


def statuses(store: Store) -> dict[str, PeerChain]:
    """Every unit's last seen head and mark, by code."""
    out: dict[str, PeerChain] = {}
    with store.read() as session:
        rows = session.query(AppSetting).filter(AppSetting.key.like(KEY_PREFIX + "%")).all()
        for row in rows:
            try:
                d = json.loads(row.value)
            except ValueError:
                continue
            out[row.key[len(KEY_PREFIX):]] = PeerChain(int(d.get("count", 0)), str(d.get("hash", "")),
                                                      str(d.get("status", "")), str(d.get("detail", "")),
                                                      str(d.get("at", "")))
    return out
