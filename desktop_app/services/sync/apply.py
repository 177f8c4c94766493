"""Applying a checked package: attachments, rows merged field by field, conflicts kept, received history."""

from __future__ import annotations

import base64
import hashlib
import json
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Table, select
from sqlalchemy.orm import Session

from database.models import AuditEntry, Installation, utcnow
from database.sync import IdAlias, Peer, RecordOwner, SyncConflict
from desktop_app.services.integrity import bulk, received
from desktop_app.services.sync.common import _CHUNK, _META, DISTRICT, NATURAL_KEYS, SCHOOL, PackageRefused, _q, owner_kind
from desktop_app.services.sync.export import BLOB_TABLES


@dataclass
class ImportResult:
    file: str
    sender: str
    kind: str
    number: int = 0
    inserted: int = 0
    updated: int = 0
    conflicts: int = 0
    history: int = 0
    blobs: int = 0
    message: str = ""


def _store_blobs(session: Session, payload: dict[str, Any], known: dict[str, Table]) -> int:
    """Check every attachment against its SHA-256 and store the ones not here yet.

    Raises:
        PackageRefused: an attachment does not match its hash, or a row references one that is missing.
    """
    conn = session.connection()
    checked: list[tuple[str, int, bytes]] = []
    for sha, text in payload.get("blobs", {}).items():
        try:
            content = base64.b64decode(text.encode("ascii"), validate=True)
        except (ValueError, UnicodeEncodeError) as exc:
            raise PackageRefused("数据包中的佐证材料无法解读，未导入") from exc
        if hashlib.sha256(content).hexdigest() != sha:
            raise PackageRefused(
                f"数据包中的佐证材料（校验值 {sha[:12]}…）与其校验值不符：文件被改动过或已损坏，未导入")
        checked.append((sha, len(content), content))
    have: set[str] = set()
    shas = [c[0] for c in checked]
    for start in range(0, len(shas), _CHUNK):
        chunk = shas[start:start + _CHUNK]
        have.update(r[0] for r in conn.exec_driver_sql(
            f"SELECT sha256 FROM evidence_blobs WHERE sha256 IN ({','.join('?' * len(chunk))})", tuple(chunk)))
    now = utcnow().strftime("%Y-%m-%d %H:%M:%S.%f")
    new = [(sha, size, content, now) for sha, size, content in checked if sha not in have]
    if new:
        # (another PC importing a package with the same file at the same moment may have stored it first)
        conn.exec_driver_sql("INSERT INTO evidence_blobs (sha256, size, content, created_at) VALUES (?, ?, ?, ?)"
                             " ON CONFLICT (sha256) DO NOTHING", new)
    carried = set(shas)
    for table, column in BLOB_TABLES.items():
        block = payload["tables"].get(table)
        if not block or table not in known:
            continue
        at = block["columns"].index(column) if column in block["columns"] else None
        if at is None:
            continue
        missing = {r[at] for r in block["rows"] if r[at] and r[at] not in carried}
        for sha in missing:
            if conn.exec_driver_sql("SELECT 1 FROM evidence_blobs WHERE sha256 = ?", (sha,)).first() is None:
                raise PackageRefused(f"数据包缺少佐证材料（校验值 {sha[:12]}…）的内容，未导入。请对方重新导出")
    return len(new)


def _apply(session: Session, inst: Installation, peer: Peer, manifest: dict[str, Any], payload: dict[str, Any],
           known: dict[str, Table]) -> ImportResult:
    sender_node = str(manifest["sender"]["node"])
    result = ImportResult("", "", "")
    their_seq = peer.their_seq
    new_history = [h for h in payload["history"] if h[0] > their_seq]
    changed: dict[tuple[str, str], set[str]] = defaultdict(set)
    for h in new_history:
        changed[(h[5], h[6])].add("*" if h[4] in ("insert", bulk.BULK) else h[7])
    for table_name, ids in bulk.covered(new_history).items():  # the rows a roster import's one entry lists
        for rid in ids:
            changed[(table_name, rid)].add("*")
    present = _lock_rows(session, changed, known) if session.get_bind().dialect.name == "postgresql" else None
    # Acknowledgement first: what the sender has applied of ours is not "pending" any more.
    acked = max(peer.acked_seq, min(int(manifest.get("ack_seq", 0)), peer.sent_seq))
    pending: dict[tuple[str, str], set[str]] = defaultdict(set)
    for table_name, record_id, action, fld in session.execute(
        select(AuditEntry.table_name, AuditEntry.record_id, AuditEntry.action, AuditEntry.field)
        .where(AuditEntry.id > acked, AuditEntry.action.in_(("insert", "update")),
               AuditEntry.table_name.in_(list(known)))
    ):
        if (table_name, record_id) in changed:
            pending[(table_name, record_id)].add("*" if action == "insert" else fld)
    owners_new: list[tuple[str, str, str, str]] = []
    if len(new_history) > 2000:  # a big package: a 64 MB page cache keeps the index inserts in memory
        session.connection().exec_driver_sql("PRAGMA cache_size=-65536")
    result.blobs = _store_blobs(session, payload, known)
    aliases: dict[str, dict[str, str]] = defaultdict(dict)
    for table_name, remote_id, local_id in session.execute(
            select(IdAlias.table_name, IdAlias.remote_id, IdAlias.local_id).where(IdAlias.origin_node == sender_node)):
        aliases[table_name][remote_id] = local_id
    for name, table in known.items():
        block = payload["tables"].get(name)
        # A school's copy of the district's records (its calendar …) does not change them; a row the
        # school made itself (its semester "2026秋") is only matched by its natural key or added.
        insert_only = owner_kind(name) == DISTRICT and peer.kind == SCHOOL
        if not block or (insert_only and name not in NATURAL_KEYS):
            continue
        columns: list[str] = block["columns"]
        id_at = columns.index("id")
        incoming: dict[str, list[Any]] = {raw[id_at]: raw for raw in block["rows"] if (name, raw[id_at]) in changed}
        if not incoming:
            continue
        _rewrite_references(table, columns, incoming, aliases)
        _apply_table(session, inst, peer, sender_node, name, columns, incoming, changed, pending, owners_new, result,
                     aliases=aliases, insert_only=insert_only, present=None if present is None else present[name])
    catchup = payload.get("catchup") or {}
    caught: list[tuple[str, str]] = []
    order = {name: n for n, name in enumerate(known)}
    for name, block in sorted(catchup.items(), key=lambda item: order.get(item[0], 0)):  # parents first
        # records held back while this program was older, now in full
        if name not in known or not block.get("rows"):
            continue
        columns = block["columns"]
        id_at = columns.index("id")
        incoming = {raw[id_at]: list(raw) for raw in block["rows"]}
        fields = block.get("fields") or {}
        held = {(name, rid): set(fields.get(rid) or ["*"]) for rid in incoming}
        _rewrite_references(known[name], columns, incoming, aliases)
        _apply_table(session, inst, peer, sender_node, name, columns, incoming, held, pending, owners_new, result,
                     aliases=aliases)
        caught.extend(held)
    conn = session.connection()
    if owners_new:
        owners_new.sort(key=lambda o: (o[0], str(o[1])))  # key order: appends to the primary-key index
        conn.exec_driver_sql(
            "INSERT INTO sync_record_owners (table_name, record_id, owner_node, origin_node) VALUES (?, ?, ?, ?)",
            owners_new)
    if new_history:
        conn.exec_driver_sql(
            'INSERT INTO remote_audit_log (origin_node, origin_id, at, "user", node_id, action, table_name, record_id,'
            " field, old_value, new_value, prev_hash, row_hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [(sender_node, *h) for h in new_history])
    result.history = len(new_history)
    received.record_received(session, [*changed, *caught], aliases)  # local history of the rows written (verify)
    return result


def _lock_rows(session: Session, changed: dict[tuple[str, str], set[str]],
               known: dict[str, Table]) -> dict[str, set[str]]:
    """On a server, where imports do not wait for the chain lock: the rows the package changes that are here
    already, locked until the commit, before this side's pending changes are read. A colleague's write to
    one of them is then either committed and seen (kept as a conflict) or comes after and finds the row
    changed (its own ConflictError); never overwritten unseen. Returns the ids found, by table."""
    present: dict[str, set[str]] = defaultdict(set)
    by_table: dict[str, list[str]] = defaultdict(list)
    for table_name, rid in changed:
        if table_name in known:
            by_table[table_name].append(rid)
    pieces = [(table_name, ids[start:start + _CHUNK]) for table_name in known  # one order for every importer
              for ids in [sorted(by_table.get(table_name, ()))] for start in range(0, len(ids), _CHUNK)]
    conn = session.connection()
    while pieces:  # a few tables in one statement (one round trip to the server), each part a locking CTE
        batch: list[tuple[str, list[str]]] = []
        while pieces and sum(len(ids) for _t, ids in batch) < 4 * _CHUNK:
            batch.append(pieces.pop(0))
        parts = ", ".join(f"l{n} AS (SELECT id FROM {_q(t)} WHERE id IN ({','.join('?' * len(ids))}) FOR UPDATE)"
                          for n, (t, ids) in enumerate(batch))
        union = " UNION ALL ".join(f"SELECT {n}, id FROM l{n}" for n in range(len(batch)))
        for n, rid in conn.exec_driver_sql(f"WITH {parts} {union}", tuple(v for _t, ids in batch for v in ids)):
            present[batch[n][0]].add(rid)
    return present


def _owner_node(inst: Installation, peer: Peer, sender_node: str, table: str) -> str:
    """The installation that owns a record of ``table`` exchanged between this one and ``peer``."""
    wanted = owner_kind(table)
    if inst.kind == wanted:
        return inst.node_id
    if peer.kind == wanted:
        return sender_node
    return inst.node_id


def _rewrite_references(table: Table, columns: list[str], incoming: dict[str, list[Any]],
                        aliases: dict[str, dict[str, str]]) -> None:
    """References to a record the sender made and this installation merged into its own (by natural
    key) are pointed at the local record."""
    for at, column in enumerate(columns):
        for fk in table.c[column].foreign_keys:
            mapping = aliases.get(fk.column.table.name)
            if not mapping:
                continue
            for raw in incoming.values():
                if raw[at] in mapping:
                    raw[at] = mapping[raw[at]]


def _apply_table(session: Session, inst: Installation, peer: Peer, sender_node: str, name: str,
                 columns: list[str], incoming: dict[str, list[Any]], changed: dict[tuple[str, str], set[str]],
                 pending: dict[tuple[str, str], set[str]], owners_new: list[tuple[str, str, str, str]],
                 result: ImportResult, *, aliases: dict[str, dict[str, str]] | None = None,
                 insert_only: bool = False, present: set[str] | None = None) -> None:
    """Insert new rows, merge changed ones field by field, keep both values where both sides changed a field.

    ``insert_only``: rows already here (by id or natural key) are left as they are. ``present``: the ids of
    ``incoming`` known to be here (locked on a server), the others known not to be; None: look them up.
    """
    conn = session.connection()
    table_name = str(name)  # a plain str: SQLite adapts a str subclass (quoted_name) slowly, row by row
    col_sql = ", ".join(_q(c) for c in columns)
    existing: dict[str, dict[str, Any]] = {}
    ids = list(incoming) if present is None else [rid for rid in incoming if rid in present]
    for start in range(0, len(ids), _CHUNK):
        chunk = ids[start:start + _CHUNK]
        cursor = conn.exec_driver_sql(
            f"SELECT {col_sql} FROM {_q(name)} WHERE id IN ({','.join('?' * len(chunk))})", tuple(chunk))
        for found in cursor.fetchall():
            existing[found[columns.index("id")]] = dict(zip(columns, found, strict=True))
    local_of = {rid: rid for rid in incoming}
    natural = NATURAL_KEYS.get(name)
    if natural:  # a row made on both sides (the semester "2026秋") is merged into the local one
        for rid, raw in incoming.items():
            if rid in existing:
                continue
            row = dict(zip(columns, raw, strict=True))
            match = conn.exec_driver_sql(
                f"SELECT {col_sql} FROM {_q(name)} WHERE " + " AND ".join(f"{_q(k)} = ?" for k in natural),
                tuple(row[k] for k in natural)).first()
            if match is not None:
                local_of[rid] = match[columns.index("id")]
                existing[rid] = dict(zip(columns, match, strict=True))
                if aliases is not None and local_of[rid] != rid:
                    aliases[name][rid] = local_of[rid]
                    conn.exec_driver_sql(
                        "INSERT INTO sync_id_aliases (origin_node, table_name, remote_id, local_id) VALUES (?, ?, ?, ?)"
                        " ON CONFLICT (origin_node, table_name, remote_id) DO UPDATE SET local_id = excluded.local_id",
                        (sender_node, name, rid, local_of[rid]))
    inserts: list[tuple[Any, ...]] = []
    owner = _owner_node(inst, peer, sender_node, name)
    data_fields = [c for c in columns if c not in _META]
    for rid, raw in incoming.items():
        local = existing.get(rid)
        if local is None:
            inserts.append(tuple(raw))
            if owner != inst.node_id:
                owners_new.append((table_name, rid, owner, sender_node))
            result.inserted += 1
            continue
        if insert_only:
            continue
        row = dict(zip(columns, raw, strict=True))
        fields = changed[(name, rid)]
        theirs = set(data_fields) if "*" in fields else {f for f in fields if f in row and f not in _META}
        mine = pending.get((name, rid), set())
        mine = set(data_fields) if "*" in mine else mine
        clash = sorted(f for f in theirs & mine if local[f] != row[f])
        values = {f: row[f] for f in theirs - set(clash) if local[f] != row[f]}
        if clash:
            owner_of_record = session.execute(
                select(RecordOwner.owner_node).where(RecordOwner.table_name == name,
                                                     RecordOwner.record_id == local_of[rid])
            ).scalar_one_or_none() or inst.node_id
            live = "remote" if owner_of_record == sender_node else "local"
            if live == "remote":
                values.update({f: row[f] for f in clash})
            session.add(SyncConflict(
                table_name=name, record_id=local_of[rid], peer_code=peer.code,
                fields=json.dumps(clash, ensure_ascii=False),
                local_values=json.dumps({f: local[f] for f in clash}, ensure_ascii=False),
                remote_values=json.dumps({f: row[f] for f in clash}, ensure_ascii=False),
                live=live,
            ))
            result.conflicts += len(clash)
        if not values:
            continue
        values.update(node_id=row.get("node_id", sender_node), updated_by=row.get("updated_by", ""),
                      updated_at=row.get("updated_at") or local["updated_at"], version=int(local["version"]) + 1)
        conn.exec_driver_sql(
            f"UPDATE {_q(name)} SET {', '.join(f'{_q(k)} = ?' for k in values)} WHERE id = ?",
            (*values.values(), local_of[rid]))
        result.updated += 1
    if inserts:
        conn.exec_driver_sql(
            f"INSERT INTO {_q(name)} ({col_sql}) VALUES ({', '.join('?' * len(columns))})", inserts)
