"""Sync state of records (新建/已修改/已发送/已确认/冲突), the 待发送 list and the partners' status."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import select

from database.sync import PackageRecord, Peer
from desktop_app.services import compat
from desktop_app.services.store import Store
from desktop_app.services.sync.common import _CHUNK, DISTRICT, SCHOOL, _installation
from desktop_app.services.sync.conflicts import record_label
from desktop_app.services.sync.export import _change_rows, pending_count
from desktop_app.services.sync.peers import find_peer, peer_fingerprint, peers


@dataclass
class PendingRecord:
    table_name: str
    record_id: str
    label: str
    state: str
    changes: int


def pending_records(store: Store, code: str, limit: int = 500) -> list[PendingRecord]:
    """The records a partner has not acknowledged yet, with their sync state (the 待发送 list)."""
    inst = _installation(store)
    peer = find_peer(store, code)
    with store.read() as session:
        counts: dict[tuple[str, str], int] = defaultdict(int)
        for r in _change_rows(session, inst, peer):
            counts[(r.table_name, r.record_id)] += 1
        keys = list(counts)[:limit]
        labels = {k: record_label(session, *k) for k in keys}
    states = states_of(store, keys)
    return [PendingRecord(t, rid, labels[(t, rid)], states.get((t, rid), ""), counts[(t, rid)]) for t, rid in keys]

STATE_NEW, STATE_CHANGED, STATE_SENT, STATE_ACKED, STATE_CONFLICT = "新建", "已修改", "已发送", "已确认", "冲突"


_STATES_SQL = """
WITH k(t, rid) AS (VALUES {values})
SELECT k.t, k.rid,
  (SELECT max(a.id) FROM audit_log a
    WHERE a.record_id = k.rid AND a.table_name = k.t AND a.action IN ('insert', 'update')),
  EXISTS (SELECT 1 FROM audit_log a WHERE a.record_id = k.rid AND a.table_name = k.t AND a.action = 'update'),
  (SELECT o.owner_node FROM sync_record_owners o WHERE o.table_name = k.t AND o.record_id = k.rid),
  EXISTS (SELECT 1 FROM sync_conflicts c WHERE c.table_name = k.t AND c.record_id = k.rid AND c.status = 'open')
FROM k
"""


def states_of(store: Store, keys: list[tuple[str, str]]) -> dict[tuple[str, str], str]:
    """The sync state of each ``(table, record id)``: 新建/已修改 (not yet in a package), 已发送, 已确认, 冲突.

    One query per 500 records (plus the short list of partners), so a ledger page costs one query.
    """
    inst = _installation(store)
    out: dict[tuple[str, str], str] = {}
    if not keys:
        return out
    with store.read() as session:
        peer_rows = {p.node_id: p for p in session.execute(select(Peer)).scalars()}
        district = next((p for p in peer_rows.values() if p.kind == DISTRICT), None)
        conn = session.connection()
        unique = list(dict.fromkeys(keys))
        for start in range(0, len(unique), _CHUNK):
            chunk = unique[start:start + _CHUNK]
            sql = _STATES_SQL.format(values=", ".join("(?, ?)" for _ in chunk))
            params = tuple(v for key in chunk for v in key)
            found = cast("Iterable[tuple[str, str, int | None, int, str | None, int]]",  # _STATES_SQL's columns
                         conn.exec_driver_sql(sql, params))
            for table, rid, seq, updated, owner, clash in found:
                if clash:
                    state = STATE_CONFLICT
                elif seq is None:
                    state = STATE_ACKED  # received from elsewhere, not changed here
                else:
                    peer = district if inst.kind == SCHOOL else peer_rows.get(owner or "")
                    if peer is None or seq > peer.sent_seq:
                        state = STATE_CHANGED if updated else STATE_NEW
                    elif seq > peer.acked_seq:
                        state = STATE_SENT
                    else:
                        state = STATE_ACKED
                out[(table, rid)] = state
    return out


def record_states(store: Store, table: str, record_ids: list[str]) -> dict[str, str]:
    """The sync state of each record of ``table`` (see ``states_of``)."""
    return {rid: state for (_t, rid), state in states_of(store, [(table, rid) for rid in record_ids]).items()}


#: Which state a row made of several records (a ledger row: the case and its student) shows.
STATE_PRIORITY = (STATE_CONFLICT, STATE_NEW, STATE_CHANGED, STATE_SENT, STATE_ACKED)


def combined_state(states: Iterable[str]) -> str:
    present = set(states)
    return next((s for s in STATE_PRIORITY if s in present), "")


def add_ledger_states(store: Store, rows: list[dict[str, Any]]) -> None:
    """Set ``sync_state`` on ledger rows (``case_id``, ``student_id``): a row is the case and its child, so
    a conflict or change on either shows. One ``states_of`` call for the page."""
    states = states_of(store, [("cases", r["case_id"]) for r in rows] + [("students", r["student_id"]) for r in rows])
    for r in rows:
        r["sync_state"] = combined_state(
            (states.get(("cases", r["case_id"]), ""), states.get(("students", r["student_id"]), "")))


@dataclass
class PeerStatus:
    code: str
    name: str
    kind: str
    township: str
    fingerprint: str
    pending: int
    sent_package: int
    acked_package: int
    their_package: int
    last_sent_at: dt.datetime | None
    last_received_at: dt.datetime | None
    program: str = ""  # the version of the unit's program, from its last package
    upgrade: str = ""  # which features need that program upgraded (compat.upgrade_note)


def peer_statuses(store: Store) -> list[PeerStatus]:
    out = []
    for p in peers(store):
        pending = pending_count(store, p.code) if (p.box_public or p.kind == SCHOOL) else 0
        out.append(PeerStatus(p.code, p.name, p.kind, p.township, peer_fingerprint(p), pending, p.sent_package,
                              p.acked_package, p.their_package, p.last_sent_at, p.last_received_at,
                              p.program, compat.upgrade_note(p.program) if p.program else ""))
    return out


def packages(store: Store, limit: int = 100) -> list[PackageRecord]:
    with store.read() as session:
        return list(session.execute(select(PackageRecord).order_by(PackageRecord.id.desc()).limit(limit)).scalars())
