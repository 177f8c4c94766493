"""Export: the next package for a partner, written in what that partner's program reads."""

from __future__ import annotations

import base64
import collections
import hashlib
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import String, and_, func, or_, select, type_coerce
from sqlalchemy.orm import Session

from database import engine as db
from database.lifecycle import EvidenceBlob, EvidenceFile
from database.models import AuditEntry, Installation, utcnow
from database.sync import PackageRecord, Peer, RecordOwner
from desktop_app import __version__
from desktop_app.domain.errors import ValidationError
from desktop_app.exchange import package as pkg
from desktop_app.services import audit, compat, updates
from desktop_app.services.access import Permission, require
from desktop_app.services.integrity import chain_guard
from desktop_app.services.store import Store
from desktop_app.services.sync.common import (
    _CHUNK,
    ADDRESSED,
    DISTRICT,
    ExportFailed,
    _installation,
    _rows_by_id,
    ledger_tables,
    owner_kind,
)
from desktop_app.services.sync.drive import _write_safely
from desktop_app.services.sync.peers import _keys_json, _sender, ensure_keys, find_peer, log

# --- export ----------------------------------------------------------------------------------

@dataclass
class ExportResult:
    path: Path
    number: int
    records: int
    history: int
    seq_from: int
    seq_to: int
    sha256: str
    partial: bool = False  # attachments held back: export again once the partner has acknowledged this one

    @property
    def note(self) -> str:
        return PARTIAL_NOTE if self.partial else ""


PARTIAL_NOTE = "（佐证材料较多，本包只装了一部分；对方导入并回传数据包后，请再导出一次）"


def _change_rows(session: Session, inst: Installation, peer: Peer) -> list[Any]:
    tables = list(ledger_tables())
    stmt = (
        select(AuditEntry.id, type_coerce(AuditEntry.at, String()), AuditEntry.user, AuditEntry.node_id,
               AuditEntry.action,
               AuditEntry.table_name, AuditEntry.record_id, AuditEntry.field, AuditEntry.old_value,
               AuditEntry.new_value, AuditEntry.prev_hash, AuditEntry.row_hash)
        .where(AuditEntry.id > peer.acked_seq, AuditEntry.action.in_(("insert", "update")),
               AuditEntry.table_name.in_(tables))
        .order_by(AuditEntry.id)
    )
    if inst.kind == DISTRICT:
        district_tables = [t for t in tables if owner_kind(t) == DISTRICT and t not in ADDRESSED]
        owned = select(RecordOwner.record_id).where(
            RecordOwner.table_name == AuditEntry.table_name, RecordOwner.record_id == AuditEntry.record_id,
            RecordOwner.owner_node == peer.node_id,
        ).exists()
        known = ledger_tables()
        addressed = [and_(AuditEntry.table_name == name, AuditEntry.record_id.in_(
            select(known[name].c.id).where(or_(*(known[name].c[c] == peer.code for c in columns)))))
            for name, columns in ADDRESSED.items() if name in known]
        stmt = stmt.where(or_(AuditEntry.table_name.in_(district_tables), owned, *addressed))
    rows: list[Any] = list(session.execute(stmt))
    if db.is_server(session.connection()):  # the time as SQLite stores it (the text the hash was made of)
        shape: Any = collections.namedtuple("HistoryRow", rows[0]._fields, rename=True) if rows else None
        rows = [shape(r[0], db.stored_text(r[1]), *r[2:]) for r in rows] if shape else rows
    return rows


#: Evidence attachments: the ledger row holds the SHA-256, the bytes are in ``evidence_blobs`` (not a
#: ledger table). A package carries the bytes of every attachment whose row it carries, i.e. every
#: referenced blob the recipient has not acknowledged; the receiver checks each hash before storing.
BLOB_TABLES: dict[str, str] = {"evidence_files": "sha256", "handover_items": "sha256"}
#: The attachments of one package (base64 in the JSON payload) must fit the package bounds.
MAX_BLOB_BYTES = pkg.MAX_PAYLOAD * 2 // 3


def _fit_blobs(session: Session, history: list[list[Any]], seq_to: int) -> tuple[list[list[Any]], int, bool]:
    """Cut the package's changes before the attachment that would take it over ``MAX_BLOB_BYTES``.

    The package then ends there (``seq_to``); the later changes go in a package exported after the
    partner has acknowledged this one. Returns the history, ``seq_to`` and whether anything was held back.
    """
    records = list(dict.fromkeys(h[6] for h in history if h[5] in BLOB_TABLES))
    if not records:
        return history, seq_to, False
    size_of: dict[str, tuple[str, int]] = {}
    for start in range(0, len(records), _CHUNK):
        chunk = records[start:start + _CHUNK]
        for rid, sha, size in session.execute(
            select(EvidenceFile.id, EvidenceBlob.sha256, EvidenceBlob.size)
            .join(EvidenceBlob, EvidenceBlob.sha256 == EvidenceFile.sha256).where(EvidenceFile.id.in_(chunk))
        ):
            size_of[rid] = (sha, int(size))
    if sum(size for _sha, size in dict(size_of.values()).items()) <= MAX_BLOB_BYTES:
        return history, seq_to, False
    carried: set[str] = set()
    total = 0
    for h in history:
        if h[5] not in BLOB_TABLES or h[6] not in size_of:
            continue
        sha, size = size_of[h[6]]
        if sha in carried:
            continue
        if carried and total + size > MAX_BLOB_BYTES:
            cut = h[0] - 1
            return [x for x in history if x[0] <= cut], cut, True
        carried.add(sha)
        total += size
    return history, seq_to, False


def _blobs_for(session: Session, payload_tables: dict[str, Any]) -> dict[str, str]:
    """``{sha256: base64}`` of the attachments the package's rows reference.

    Raises:
        ValidationError: they are too big for one package.
    """
    wanted: set[str] = set()
    for table, column in BLOB_TABLES.items():
        block = payload_tables.get(table)
        if block:
            at = block["columns"].index(column)
            wanted.update(r[at] for r in block["rows"] if r[at])
    if not wanted:
        return {}
    ordered = sorted(wanted)
    total = 0
    for start in range(0, len(ordered), _CHUNK):
        chunk = ordered[start:start + _CHUNK]
        total += session.execute(select(func.coalesce(func.sum(EvidenceBlob.size), 0))
                                 .where(EvidenceBlob.sha256.in_(chunk))).scalar_one()
    if total > MAX_BLOB_BYTES:
        raise ValidationError(
            f"待发送的佐证材料共{total / 1048576:.0f}MB，超过一个数据包的上限（{MAX_BLOB_BYTES // 1048576}MB），"
            "数据包没有生成。请压缩过大的照片或扫描件后重新附加")
    out: dict[str, str] = {}
    for start in range(0, len(ordered), _CHUNK):
        chunk = ordered[start:start + _CHUNK]
        for sha, content in session.execute(
                select(EvidenceBlob.sha256, EvidenceBlob.content).where(EvidenceBlob.sha256.in_(chunk))):
            out[sha] = base64.b64encode(bytes(content)).decode("ascii")
    return out


def pending_count(store: Store, code: str) -> int:
    """How many records have changes the peer has not acknowledged."""
    inst = _installation(store)
    peer = find_peer(store, code)
    with store.read() as session:
        return len({(r.table_name, r.record_id) for r in _change_rows(session, inst, peer)})


def build_package(store: Store, code: str) -> tuple[bytes, dict[str, Any], Peer]:
    built = _build(store, code)
    return built.data, built.manifest, built.peer


@dataclass
class _Built:
    data: bytes
    manifest: dict[str, Any]
    peer: Peer
    held: list[tuple[str, str, list[str]]]
    caught_up: list[tuple[str, str]]


def _build(store: Store, code: str, out_dir: Path | None = None) -> _Built:
    """The next package for ``code``, written in what that unit's program reads (compat)."""
    inst = _installation(store)
    peer = find_peer(store, code)
    if not peer.box_public:
        raise ValidationError(f"尚未收到 {peer.name} 的第一个数据包（其中有对方的公钥），暂不能向其发送数据包")
    keys = ensure_keys(store)
    tables = ledger_tables()
    with store.read() as session:
        seq_to = session.execute(select(func.max(AuditEntry.id))).scalar_one() or 0
        history = [list(r) for r in _change_rows(session, inst, peer) if r.id <= seq_to]
        history, seq_to, partial = _fit_blobs(session, history, seq_to)
        ids: dict[str, list[str]] = defaultdict(list)
        seen: set[tuple[str, str]] = set()
        for h in history:
            key = (h[5], h[6])
            if key not in seen:
                seen.add(key)
                ids[h[5]].append(h[6])
        payload_tables: dict[str, Any] = {}
        conn = session.connection()
        for name, table in tables.items():
            wanted = ids.get(name)
            if not wanted:
                continue
            columns = [c.name for c in table.columns]
            payload_tables[name] = {"columns": columns, "rows": _rows_by_id(conn, name, columns, wanted)}
        reads = compat.peer_reads(peer)
        fitted = compat.fit_tables(payload_tables, reads)
        payload_tables = fitted.tables
        catchup: dict[str, Any] = {}
        caught_up: list[tuple[str, str]] = []
        held = compat.held_for(session, peer, tables, reads)
        for name, fields in ((n, held[n]) for n in tables if n in held):  # parents before children
            columns = [c.name for c in tables[name].columns if c.name in reads[name]]
            catchup[name] = {"columns": columns, "rows": _rows_by_id(conn, name, columns, list(fields)),
                             "fields": fields}
            caught_up.extend((name, record_id) for record_id in fields)
        # the attachments of the rows the unit gets, held-back rows sent now included (a forwarded case, 移交)
        blobs = _blobs_for(session, payload_tables) | (_blobs_for(session, catchup) if catchup else {})
        chain = chain_guard.manifest_chain(session, seq_to, peer.acked_seq, (s[2] for s in session.execute(
            select(PackageRecord.number, PackageRecord.seq_from, PackageRecord.seq_to).where(
                PackageRecord.direction == "sent", PackageRecord.peer_code == peer.code))))
        sent = list(session.execute(
            select(PackageRecord.number, PackageRecord.seq_from, PackageRecord.seq_to)
            .where(PackageRecord.direction == "sent", PackageRecord.peer_code == peer.code,
                   PackageRecord.seq_to > peer.acked_seq)
            .order_by(PackageRecord.number.desc()).limit(50)
        ))
    number = peer.sent_package + 1
    manifest = {
        "kind": "changes", "program": __version__, "created_at": utcnow().isoformat(),
        "sender": _sender(inst), "sender_keys": _keys_json(keys),
        "recipient": {"code": peer.code, "node": peer.node_id}, "number": number,
        "seq_from": peer.acked_seq, "seq_to": seq_to,
        "ack_seq": peer.their_seq, "ack_package": peer.their_package, "partial": partial,
        "counts": {**{n: len(t["rows"]) for n, t in payload_tables.items()}, "history": len(history),
                   "blobs": len(blobs)},
        "sent": [list(s) for s in sent], "chain": chain,
        **compat.manifest_fields(tables, payload_tables, catchup),
    }
    if out_dir is not None and inst.kind == DISTRICT and (
            offer := updates.for_package(store, peer.program, out_dir)):  # the schools' new program travels along
        manifest["update"] = offer
    payload: dict[str, Any] = {"tables": payload_tables, "history": history, "blobs": blobs}
    if catchup:
        payload["catchup"] = catchup
        manifest["counts"]["catchup"] = len(caught_up)
    data = pkg.build(manifest, payload, keys.sign_secret, bytes.fromhex(peer.box_public))
    return _Built(data, manifest, peer, fitted.held, caught_up)


def export_package(store: Store, code: str, out_dir: Path | str) -> ExportResult:
    """Write the next package for ``code`` (a school code, or ``district`` at a school) into ``out_dir``.

    Raises:
        ExportFailed: the drive is full or gone; no package file is left behind.
    """
    require(store, Permission.EXCHANGE)
    inst = _installation(store)
    if inst.kind == DISTRICT:  # the schools learn the district's list of schools (移交) from its packages
        from desktop_app.services import handover

        with store.write() as session:
            handover.publish_schools(session)
    built = _build(store, code, Path(out_dir))
    data, manifest, peer = built.data, built.manifest, built.peer
    name = pkg.file_name(inst.code, peer.code, manifest["number"])
    try:
        path = _write_safely(data, Path(out_dir), name)
    except ExportFailed as exc:
        log(store, "导出", name, peer.code, False, str(exc))
        raise
    digest = hashlib.sha256(data).hexdigest()
    records = sum(v for k, v in manifest["counts"].items() if k not in ("history", "catchup"))
    with store.write() as session:
        row = session.execute(select(Peer).where(Peer.id == peer.id).with_for_update()).scalar_one()
        if row.sent_package >= manifest["number"]:  # another PC of the district exported this number meanwhile
            path.unlink(missing_ok=True)
            raise ExportFailed(f"另一台电脑刚刚导出了发往{peer.name}的第{manifest['number']}号数据包，"
                               "本次导出已撤销，请重新导出")
        row.sent_package = manifest["number"]
        row.sent_seq = max(row.sent_seq, manifest["seq_to"])
        row.last_sent_at = utcnow()
        session.add(PackageRecord(
            direction="sent", peer_code=peer.code, number=manifest["number"], file_name=name,
            seq_from=manifest["seq_from"], seq_to=manifest["seq_to"], records=records,
            ack_seq=manifest["ack_seq"], sha256=digest,
        ))
        compat.hold(session, peer.code, built.held)
        compat.release_held(session, peer.code, built.caught_up)
        audit.record_event(session, "sync_packages", name, "导出数据包", f"{records}条记录，发往{peer.name}")
    log(store, "导出", name, peer.code, True, f"{records}条记录{PARTIAL_NOTE if manifest['partial'] else ''}")
    return ExportResult(path, manifest["number"], records, manifest["counts"]["history"],
                        manifest["seq_from"], manifest["seq_to"], digest, manifest["partial"])
