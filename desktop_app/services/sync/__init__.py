"""USB exchange (数据交换): node keys, enrolment, package export and import, ownership and conflicts.

Design (see also desktop_app/exchange/package.py for the file format):

* **The change log is the local history.** Every change of a ledger row already gets an
  ``audit_log`` row (ORM hook, or written by hand for Core bulk inserts as demo.load does), and
  ``audit_log.id`` only grows, so "the next number of the node's change log" is that id. Only
  ``insert``/``update`` rows of ledger tables count; events do not travel. Nothing new to keep in
  step, and every table that inherits ``LedgerMixin`` travels without code of its own.
* **A package** carries, for every record with a change the recipient has not acknowledged,
  the full current row (JSON, typed by column) and the history rows since the acknowledgement;
  its manifest acknowledges how far the sender has applied the recipient's log.
* **Received history** goes to ``remote_audit_log`` with the sender's node id and row ids, so
  the local chain stays valid; ``Store.verify`` accepts a record whose creation is there.
  Applying received rows uses Core statements and writes no local history, so they are never
  sent back to where they came from.
* **Ownership** is a per-table registry (``OWNERSHIP``): a school owns its students and cases,
  the district owns what its tables declare. ``sync_record_owners`` says which installation owns
  each record that came from elsewhere (at the district: which school a case belongs to).
* **Conflicts**: where both sides changed the same field since their last exchange (the
  receiver's own unacknowledged changes), the owner's value stays in the record, both values
  are kept in ``sync_conflicts`` and a person chooses; the choice is an ordinary change that
  travels back. Fields only one side changed are merged.
* **Refusals leave the store untouched**; the exchange log is a JSON-lines file beside the store,
  so a refused package is logged without writing to the store.
"""

from __future__ import annotations

import base64
import collections
import contextlib
import datetime as dt
import errno
import hashlib
import json
import os
from collections import defaultdict
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

from sqlalchemy import Boolean, Date, DateTime, Integer, String, Table, func, or_, select, type_coerce
from sqlalchemy.exc import DBAPIError, StatementError
from sqlalchemy.orm import Session

from database import engine as db
from database.lifecycle import EvidenceBlob, EvidenceFile
from database.models import AuditEntry, Base, Installation, ledger_models, utcnow
from database.sync import IdAlias, NodeKey, PackageRecord, Peer, RecordOwner, SyncConflict
from desktop_app import __version__
from desktop_app.domain.errors import BaoxueError, NotFoundError, ValidationError
from desktop_app.exchange import package as pkg
from desktop_app.reports import files
from desktop_app.services import audit, backup, compat, settings, updates
from desktop_app.services.access import Permission, require
from desktop_app.services.integrity import chain_guard, received
from desktop_app.services.store import Store
from desktop_app.services.sync import validate

SCHOOL, DISTRICT = "school", "district"
DISTRICT_CODE_ALIAS = "district"

#: Which kind of installation owns the records of a table. Tables not listed belong to the school
#: that made them. Areas extend this at merge (approvals, the calendar … are the district's).
OWNERSHIP: dict[str, str] = {
    "semesters": DISTRICT,
    "calendar_days": DISTRICT,  # the school calendar (issue 6); the district publishes it
    "deferral_decisions": DISTRICT,  # N-11: the district leading group's decisions
}
#: Tables whose rows are also unique by a natural key: a received row matching a local one by this
#: key (e.g. the semester "2026秋" created on both sides) is merged into the local row.
NATURAL_KEYS: dict[str, tuple[str, ...]] = {
    "semesters": ("name",),
}

STALE_DAYS = settings.declare("sync.stale_days", "学校超过多少天未报送数据包即标为逾期", 30,
                              minimum=1, maximum=365, unit="天", scope="district")
EXCHANGE_LOG = "exchange-log.jsonl"
_META = {"id", "created_at", "updated_at", "updated_by", "node_id", "version"}
_CHUNK = 500


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _rows_by_id(conn: Any, name: str, columns: list[str], ids: list[str]) -> list[tuple[Any, ...]]:
    """Rows of ``name`` by id, as SQLite stores them (ISO dates, 0/1), so both ends move them without conversion."""
    select_sql = f'SELECT {", ".join(_q(c) for c in columns)} FROM {_q(name)} WHERE id IN '
    rows: list[tuple[Any, ...]] = []
    for start in range(0, len(ids), _CHUNK):
        chunk = ids[start:start + _CHUNK]
        rows.extend(tuple(r) for r in conn.exec_driver_sql(select_sql + f"({','.join('?' * len(chunk))})",
                                                           tuple(chunk)).fetchall())
    return rows


class PackageRefused(BaoxueError):
    """A package was not imported; the store is unchanged. ``str(err)`` is the reason."""


class AlreadyImported(PackageRefused):
    """The package (or a newer one) was imported before; nothing to do."""


class ExportFailed(BaoxueError):
    """The package could not be written to the drive; no package file was left there."""


def owner_kind(table: str) -> str:
    return OWNERSHIP.get(table, SCHOOL)


def ledger_tables() -> dict[str, Table]:
    """Every ledger table, in dependency order (parents before children)."""
    names = {m.__tablename__ for m in ledger_models()}
    return {t.name: t for t in Base.metadata.sorted_tables if t.name in names}


# --- values ---------------------------------------------------------------------------------

def _loader(column: Any) -> Callable[[Any], Any]:
    kind = column.type
    if isinstance(kind, DateTime):
        return lambda v: None if v is None else dt.datetime.fromisoformat(v)
    if isinstance(kind, Date):
        return lambda v: None if v is None else dt.date.fromisoformat(v)
    if isinstance(kind, Boolean):
        return lambda v: None if v is None else bool(v)
    if isinstance(kind, Integer):
        return lambda v: None if v is None else int(v)
    return lambda v: v if v is None or isinstance(v, str) else str(v)


# --- keys and peers -------------------------------------------------------------------------

def _installation(store: Store) -> Installation:
    inst = store.installation()
    if inst is None:
        raise ValidationError("本机尚未设置单位信息，请先完成设置")
    return inst


def ensure_keys(store: Store) -> pkg.KeyPair:
    """This installation's key pairs, made the first time they are needed."""
    inst = _installation(store)
    with store.read() as session:
        row = session.execute(select(NodeKey)).scalar_one_or_none()
    if row is None:
        keys = pkg.KeyPair.generate()
        with store.write() as session:
            session.add(NodeKey(id=1, node_id=inst.node_id, box_secret=keys.box_secret.hex(),
                                box_public=keys.box_public.hex(), sign_secret=keys.sign_secret.hex(),
                                sign_public=keys.sign_public.hex()))
            audit.record_event(session, "node_keys", "1", "生成密钥", own_fingerprint_of(keys))
        return keys
    return pkg.KeyPair(bytes.fromhex(row.box_secret), bytes.fromhex(row.sign_secret))


def own_fingerprint_of(keys: pkg.KeyPair) -> str:
    return pkg.fingerprint(keys.sign_public, keys.box_public)


def own_fingerprint(store: Store) -> str:
    return own_fingerprint_of(ensure_keys(store))


def peer_fingerprint(peer: Peer) -> str:
    if not peer.sign_public:
        return "（尚未收到对方公钥）"
    return pkg.fingerprint(bytes.fromhex(peer.sign_public), bytes.fromhex(peer.box_public))


def peers(store: Store) -> list[Peer]:
    with store.read() as session:
        return list(session.execute(select(Peer).order_by(Peer.township, Peer.code)).scalars())


def find_peer(store: Store, code: str) -> Peer:
    inst = _installation(store)
    with store.read() as session:
        if code == DISTRICT_CODE_ALIAS and inst.kind == SCHOOL:
            peer = session.execute(select(Peer).where(Peer.kind == DISTRICT)).scalar_one_or_none()
            if peer is None:
                raise NotFoundError("本校尚未导入区教委的登记包，不能向区教委发送数据包")
            return peer
        peer = session.execute(select(Peer).where(Peer.code == code)).scalar_one_or_none()
    if peer is None:
        raise NotFoundError(f"没有登记代码为 {code} 的单位")
    return peer


# --- exchange log (a file: refusals are logged without touching the store) ---------------------

def log(store: Store, action: str, file: str, peer: str, ok: bool, message: str) -> None:
    entry = {"at": dt.datetime.now().isoformat(timespec="seconds"), "action": action, "file": file,
             "peer": peer, "ok": ok, "message": message}
    try:
        with open(store.data_dir / EXCHANGE_LOG, "a", encoding="utf-8") as fh:
            fh.write(json.dumps(entry, ensure_ascii=False) + "\n")
    except OSError:
        pass  # the log must never stop an exchange


def exchange_log(store: Store, limit: int = 200) -> list[dict[str, Any]]:
    path = store.data_dir / EXCHANGE_LOG
    if not path.exists():
        return []
    lines = path.read_text(encoding="utf-8").splitlines()[-limit:]
    out = []
    for line in reversed(lines):
        try:
            out.append(json.loads(line))
        except ValueError:
            continue
    return out


# --- enrolment -------------------------------------------------------------------------------

@dataclass
class SchoolInfo:
    code: str
    name: str
    township: str = ""


def register_school(store: Store, info: SchoolInfo) -> Peer:
    """At the district: add a school to the list (or update its name and township)."""
    inst = _installation(store)
    if inst.kind != DISTRICT:
        raise ValidationError("只有区教委可以登记学校")
    info.code, info.name, info.township = info.code.strip(), " ".join(info.name.split()), info.township.strip()
    if not (len(info.code) == 10 and info.code.isdigit()):
        raise ValidationError("学校标识码应为10位数字")
    if not info.name:
        raise ValidationError("学校名称不能为空")
    with store.write() as session:
        peer = session.execute(select(Peer).where(Peer.code == info.code)).scalar_one_or_none()
        if peer is None:
            peer = Peer(kind=SCHOOL, code=info.code, name=info.name, township=info.township)
            session.add(peer)
            audit.record_event(session, "sync_peers", info.code, "登记学校", f"{info.name} {info.township}")
        else:
            peer.name, peer.township = info.name, info.township
        session.flush()
        session.expunge(peer)
    return peer


def enrol(store: Store, info: SchoolInfo, out_dir: Path) -> Path:
    """At the district: register the school and write its enrolment package into ``out_dir``."""
    register_school(store, info)
    inst = _installation(store)
    keys = ensure_keys(store)
    manifest = {
        "kind": "enrol", "program": __version__, "min_reader": "0.1.0", "created_at": utcnow().isoformat(),
        "sender": _sender(inst), "sender_keys": _keys_json(keys),
        "recipient": {"code": info.code, "node": ""}, "number": 0,
    }
    payload = {"school": {"code": info.code, "name": info.name, "township": info.township}}
    data = pkg.build(manifest, payload, keys.sign_secret, None)
    name = f"{inst.code}-{info.code}-登记{pkg.SUFFIX}"
    path = _write_safely(data, Path(out_dir), name)
    log(store, "登记", path.name, info.code, True, f"已为 {info.name} 生成登记包")
    return path


def _sender(inst: Installation) -> dict[str, str]:
    return {"code": inst.code, "node": inst.node_id, "kind": inst.kind, "name": inst.name}


def _keys_json(keys: pkg.KeyPair) -> dict[str, str]:
    return {"box": keys.box_public.hex(), "sign": keys.sign_public.hex()}


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
        district_tables = [t for t in tables if owner_kind(t) == DISTRICT]
        owned = select(RecordOwner.record_id).where(
            RecordOwner.table_name == AuditEntry.table_name, RecordOwner.record_id == AuditEntry.record_id,
            RecordOwner.owner_node == peer.node_id,
        ).exists()
        stmt = stmt.where(or_(AuditEntry.table_name.in_(district_tables), owned))
    rows = list(session.execute(stmt))
    if db.is_server(session.connection()):  # the time as SQLite stores it (the text the hash was made of)
        shape = collections.namedtuple("HistoryRow", rows[0]._fields, rename=True) if rows else None  # type: ignore[misc]
        rows = [shape(r[0], db.stored_text(r[1]), *r[2:]) for r in rows] if shape else rows
    return rows


#: Evidence attachments: the ledger row holds the SHA-256, the bytes are in ``evidence_blobs`` (not a
#: ledger table). A package carries the bytes of every attachment whose row it carries, i.e. every
#: referenced blob the recipient has not acknowledged; the receiver checks each hash before storing.
BLOB_TABLES: dict[str, str] = {"evidence_files": "sha256"}
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
        blobs = _blobs_for(session, payload_tables)
        reads = compat.peer_reads(peer)
        fitted = compat.fit_tables(payload_tables, reads)
        payload_tables = fitted.tables
        catchup: dict[str, Any] = {}
        caught_up: list[tuple[str, str]] = []
        for name, fields in compat.held_for(session, peer, tables, reads).items():
            columns = [c.name for c in tables[name].columns if c.name in reads[name]]
            catchup[name] = {"columns": columns, "rows": _rows_by_id(conn, name, columns, list(fields)),
                             "fields": fields}
            caught_up.extend((name, record_id) for record_id in fields)
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
        row = session.execute(select(Peer).where(Peer.id == peer.id)).scalar_one()
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


def _write_safely(data: bytes, out_dir: Path, name: str) -> Path:
    """Temporary file, flush and fsync, rename, read back and compare the hash."""
    final = out_dir / name
    tmp = out_dir / (name + ".tmp")
    digest = hashlib.sha256(data).hexdigest()
    try:
        if not out_dir.is_dir():
            raise FileNotFoundError(errno.ENOENT, "no folder", str(out_dir))
        with open(tmp, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        files.replace_file(tmp, final)
        _fsync_dir(out_dir)
        if hashlib.sha256(final.read_bytes()).hexdigest() != digest:
            raise ExportFailed("写入U盘后读回的数据包与原文件不一致（U盘可能有坏块），请换一个U盘重试")
    except (OSError, ExportFailed) as exc:
        for leftover in (tmp, final):
            with contextlib.suppress(OSError):
                leftover.unlink(missing_ok=True)
        if isinstance(exc, ExportFailed):
            raise
        if exc.errno == errno.ENOSPC:
            raise ExportFailed("U盘空间不足，数据包没有写成（未留下文件）。请清理U盘或换一个U盘后重新导出") from exc
        if exc.errno in (errno.ENOENT, errno.ENODEV, errno.EIO) or not out_dir.exists():
            raise ExportFailed(
                f"找不到目标文件夹 {out_dir}（U盘可能已拔出），数据包没有写成，请插好U盘后重新导出") from exc
        if files.is_sharing_violation(exc):
            raise ExportFailed(f"{files.open_elsewhere_message(final)}。数据包没有写成") from exc
        raise ExportFailed(f"无法写入 {out_dir}：{exc.strerror or exc}。数据包没有写成，请重试") from exc
    return final


def _fsync_dir(folder: Path) -> None:
    if os.name != "posix":
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


# --- import ----------------------------------------------------------------------------------

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


def import_package(store: Store, path: Path | str, *, backup_first: bool = True,
                   confirm: str | Collection[str] | None = None) -> ImportResult:
    """Check and apply one package in one transaction; any refusal leaves the store unchanged.

    A checked copy of the store is kept in backups/ first (``backup_first``), once the file has
    passed its layout check. ``confirm``: the key fingerprint(s) from the 登记回执, needed for the
    first package of a school (see ``enrolment``).

    Raises:
        PackageRefused: with the reason in Chinese (also written to the exchange log).
    """
    require(store, Permission.EXCHANGE)
    path = Path(path)
    sender = ""
    try:
        inst = _installation(store)
        package = pkg.read(path)  # 1. size and layout
        validate.check_manifest(package.manifest)  # every field typed and bounded, before anything is written
        if backup_first:
            backup.before_import(store, "数据包")
        manifest = package.manifest
        sender = str(manifest.get("sender", {}).get("code", ""))
        if manifest.get("kind") == "enrol":
            result = _import_enrolment(store, inst, package, path)
        elif manifest.get("kind") == "changes":
            result = _import_changes(store, inst, package, path, confirm)
        else:
            raise PackageRefused("不认识的数据包类型")
    except pkg.PackageError as exc:
        log(store, "导入", path.name, sender, False, str(exc))
        raise PackageRefused(str(exc)) from exc
    except PackageRefused as exc:
        log(store, "导入", path.name, sender, False, str(exc))
        raise
    except BaoxueError as exc:
        log(store, "导入", path.name, sender, False, str(exc))
        raise PackageRefused(str(exc)) from exc
    log(store, "导入", path.name, sender, True, result.message)
    return result


def import_many(store: Store, paths: Iterable[Path], progress: Callable[[int, int], bool] | None = None,
                confirm: Collection[str] = (), asked: list[tuple[Path, NeedsConfirmation]] | None = None,
                ) -> list[tuple[Path, ImportResult | str]]:
    """Import packages one by one, oldest number first per sender; each is its own transaction.

    ``asked``: first packages of schools waiting for their fingerprint to be confirmed are added here too
    (the GUI then shows each fingerprint to compare with the school's 登记回执).
    """
    items = sorted(paths, key=_package_sort_key)
    out: list[tuple[Path, ImportResult | str]] = []
    if items:
        require(store, Permission.EXCHANGE)
        backup.before_import(store, "数据包")  # one copy before the whole batch
    for i, path in enumerate(items):
        try:
            out.append((path, import_package(store, path, backup_first=False, confirm=confirm)))
        except NeedsConfirmation as exc:
            out.append((path, str(exc)))
            if asked is not None:
                asked.append((path, exc))
        except PackageRefused as exc:
            out.append((path, str(exc)))
        if progress and progress(i + 1, len(items)) is False:
            break
    return out


def _package_sort_key(path: Path) -> tuple[str, int]:
    parts = path.name.removesuffix(pkg.SUFFIX).split("-")
    try:
        return (parts[0], int(parts[-1]))
    except (ValueError, IndexError):
        return (path.name, 0)


def _manifest_keys(manifest: dict[str, Any]) -> tuple[bytes, bytes]:
    keys = manifest.get("sender_keys") or {}
    try:
        box, sign = bytes.fromhex(keys["box"]), bytes.fromhex(keys["sign"])
    except (KeyError, TypeError, ValueError) as exc:
        raise PackageRefused("数据包中没有发送单位的公钥") from exc
    if len(box) != 32 or len(sign) != 32:
        raise PackageRefused("数据包中的公钥格式不对")
    return box, sign


def _check_recipient(inst: Installation, manifest: dict[str, Any]) -> None:
    recipient = manifest.get("recipient") or {}
    if recipient.get("code") == inst.code and recipient.get("node") not in ("", inst.node_id):
        raise PackageRefused(f"此数据包是发给另一台电脑上登记的 {inst.code}（{inst.name}）的，不是本单位在本机的登记，未导入："
                             "同一单位换了电脑时，请区教委重新登记本机")
    if recipient.get("code") != inst.code:
        raise PackageRefused(
            f"此数据包是发给代码为 {recipient.get('code', '?')} 的单位的，"
            f"不是本单位（{inst.name}，{inst.code}），未导入"
        )


def _import_enrolment(store: Store, inst: Installation, package: pkg.Package, path: Path) -> ImportResult:
    manifest = package.manifest
    if inst.kind != SCHOOL:
        raise PackageRefused("登记包只能在学校导入")
    _check_recipient(inst, manifest)  # 2. the recipient
    box, sign = _manifest_keys(manifest)
    package.verify(sign)  # 3. the signature (the fingerprint is compared by phone)
    payload = package.open_payload(None)  # 4. (not encrypted: public keys only)
    sender = manifest.get("sender") or {}
    if sender.get("kind") != DISTRICT or not isinstance(payload.get("school"), dict):
        raise PackageRefused("登记包内容不对")
    validate.check_enrolment_payload(payload)
    with store.write() as session:
        existing = session.execute(select(Peer).where(Peer.kind == DISTRICT)).scalar_one_or_none()
        if existing is not None:
            if existing.sign_public == sign.hex() and existing.box_public == box.hex():
                raise AlreadyImported("本校已导入过这个区教委的登记包，未作任何修改")
            raise PackageRefused(
                f"本校已登记在 {existing.name}（密钥指纹 {peer_fingerprint(existing)}），"
                "这个登记包的密钥不同，拒绝导入。如确需更换，请联系区教委"
            )
        district = Peer(kind=DISTRICT, code=str(sender.get("code", "")), name=str(sender.get("name", "")),
                        node_id=str(sender.get("node", "")), box_public=box.hex(), sign_public=sign.hex(),
                        keys_accepted_at=utcnow())
        compat.note_peer(district, manifest)
        session.add(district)
        audit.record_event(session, "sync_peers", str(sender.get("code", "")), "导入登记包",
                           f"{sender.get('name')} 密钥指纹 {pkg.fingerprint(sign, box)}")
    keys = ensure_keys(store)
    return ImportResult(path.name, str(sender.get("code")), "enrol",
                        message=f"已登记到 {sender.get('name')}；对方密钥指纹 {pkg.fingerprint(sign, box)}；"
                        f"本校密钥指纹 {own_fingerprint_of(keys)}")


def _import_changes(store: Store, inst: Installation, package: pkg.Package, path: Path,
                    confirm: str | Collection[str] | None = None) -> ImportResult:
    manifest = package.manifest
    _check_recipient(inst, manifest)  # 2. the recipient is this node
    sender = manifest.get("sender") or {}
    code = str(sender.get("code", ""))
    box, sign = _manifest_keys(manifest)
    with store.read() as session:
        peer = session.execute(select(Peer).where(Peer.code == code)).scalar_one_or_none()
        key_row = session.execute(select(NodeKey)).scalar_one_or_none()
    if peer is None:
        raise PackageRefused(f"发送单位 {sender.get('name', '')}（{code}）未在本机登记，未导入")
    if peer.sign_public:  # 3. the signature, with the key accepted before
        if peer.sign_public != sign.hex() or peer.box_public != box.hex():
            raise PackageRefused(
                f"数据包的签名密钥与已登记的 {peer.name} 的密钥不符，拒绝导入（可能是伪造的数据包）"
            )
        if peer.node_id and sender.get("node") != peer.node_id:
            raise PackageRefused(f"数据包的发送单位编号与已登记的 {peer.name} 不符，拒绝导入")
    package.verify(sign)
    if not peer.sign_public:  # first contact: the fingerprint on the school's 登记回执, before anything is read
        enrolment.check_first_contact(peer, sign, box, confirm)
    if key_row is None:
        raise PackageRefused("本机还没有密钥，无法解密数据包")
    payload = package.open_payload(bytes.fromhex(key_row.box_secret))  # 4. decryption
    compat.check_readable(manifest)  # a package from a newer program this one cannot read
    tables = _check_schema(payload)  # 5. the schema
    release = updates.check_offered(manifest, path) if inst.kind == SCHOOL else None
    number = int(manifest.get("number", 0))
    verdict = chain_guard.check_sender(store, code, peer.name, manifest)  # 历史记录回退 is refused, and marked
    with store.write() as session:  # 6. apply, in one transaction
        peer = session.execute(select(Peer).where(Peer.code == code)).scalar_one()
        chain_guard.rewind_for_restore(session, peer, verdict)
        if number <= peer.their_package or int(manifest.get("seq_to", 0)) < peer.their_seq:
            raise AlreadyImported(
                f"数据包 {path.name} 已导入过（或已导入过更新的第{peer.their_package}号包），未作任何修改"
            )
        if int(manifest.get("seq_from", 0)) > peer.their_seq:
            missing = _missing_package(manifest, peer)
            raise PackageRefused(f"数据包不连续：缺少 {missing}，请先导入它（或请对方重新导出）。本包未导入")
        if not peer.sign_public:
            peer.sign_public, peer.box_public, peer.keys_accepted_at = sign.hex(), box.hex(), utcnow()
            peer.node_id = str(sender.get("node", ""))
            audit.record_event(session, "sync_peers", code, "接受公钥",
                               f"{peer.name} 密钥指纹 {pkg.fingerprint(sign, box)}（已与登记回执核对）")
        sender_node = str(sender.get("node", ""))  # every value checked before anything is applied
        floor = validate.reader_columns(manifest, tables)
        rows = validate.check_rows(payload["tables"], tables, peer.kind, owner_kind, floor)
        caught_up = validate.check_catchup(payload, tables, peer.kind, owner_kind, floor)
        validate.check_history(session, payload, rows, tables, manifest=manifest, sender_node=sender_node,
                               floor=floor)
        validate.check_references(session, payload, [rows, caught_up], tables, receiver_kind=inst.kind,
                                  sender_node=sender_node, owner_kind=owner_kind)
        try:
            result = _apply(session, inst, peer, manifest, payload, tables)
        except (DBAPIError, StatementError) as exc:  # a value or reference the schema does not accept
            raise PackageRefused(f"数据包内容与本机的数据结构不符，未导入（{_short(exc)}）") from exc
        compat.note_peer(peer, manifest)
        result.file, result.sender, result.kind, result.number = path.name, code, "changes", number
        peer.their_seq = int(manifest.get("seq_to", 0))
        peer.their_package = number
        peer.last_received_at = utcnow()
        peer.acked_seq = max(peer.acked_seq, min(int(manifest.get("ack_seq", 0)), peer.sent_seq))
        peer.acked_package = max(peer.acked_package, min(int(manifest.get("ack_package", 0)), peer.sent_package))
        session.add(PackageRecord(
            direction="received", peer_code=code, number=number, file_name=path.name,
            seq_from=int(manifest.get("seq_from", 0)), seq_to=int(manifest.get("seq_to", 0)),
            records=result.inserted + result.updated, ack_seq=int(manifest.get("ack_seq", 0)), sha256=package.sha256,
        ))
        result.message = (f"新增{result.inserted}条，更新{result.updated}条，冲突{result.conflicts}处"
                          f"（{peer.name} 第{number}号包）")
        result.message += chain_guard.remember(session, code, manifest, verdict)
        audit.record_event(session, "sync_packages", path.name, "导入数据包", result.message)
    if release is not None:
        updates.keep_offered(store, release, path)
        result.message += f"；随包收到新版本程序 {release.version}，可在“帮助 → 安装新版本程序”中安装"
    return result


def _short(exc: Exception) -> str:
    orig = getattr(exc, "orig", None)
    return str(orig or exc).splitlines()[0][:120]


def _missing_package(manifest: dict[str, Any], peer: Peer) -> str:
    sender, recipient = manifest["sender"]["code"], manifest["recipient"]["code"]
    for entry in sorted(manifest.get("sent") or [], key=lambda e: e[0]):
        try:
            number, _start, end = int(entry[0]), int(entry[1]), int(entry[2])
        except (TypeError, ValueError, IndexError):
            continue
        if end > peer.their_seq and number != manifest.get("number"):
            return pkg.file_name(sender, recipient, number)
    return pkg.file_name(sender, recipient, peer.their_package + 1)


def _check_schema(payload: dict[str, Any]) -> dict[str, Table]:
    known = ledger_tables()
    tables = payload.get("tables")
    history = payload.get("history")
    if not isinstance(tables, dict) or not isinstance(history, list):
        raise PackageRefused("数据包内容结构不对，未导入")
    for name, block in tables.items():
        if name not in known:
            shown = name if name.isprintable() else repr(name)
            raise PackageRefused(f"数据包含本程序不认识的数据表“{shown[:50]}”，请先升级本程序再导入")
        if not isinstance(block, dict) or not isinstance(block.get("columns"), list) \
                or not isinstance(block.get("rows"), list):
            raise PackageRefused(f"数据包中“{name}”的结构不对，未导入")
        columns = block["columns"]
        if any(not isinstance(c, str) for c in columns):
            raise PackageRefused(f"数据包中“{name}”的字段名单格式不对（字段名应为文字），未导入")
        unknown = [c for c in columns if c not in known[name].c]
        if unknown:
            shown = "、".join(c if c.isprintable() else repr(c) for c in unknown)
            raise PackageRefused(f"数据包中“{name}”有本程序不认识的字段 {shown[:100]}，请先升级本程序")
        if "id" not in columns or any(not isinstance(r, list) or len(r) != len(columns) for r in block["rows"]):
            raise PackageRefused(f"数据包中“{name}”的记录格式不对，未导入")
    for i, h in enumerate(history, start=1):
        if not isinstance(h, list) or len(h) != 12 or type(h[0]) is not int:
            raise PackageRefused(f"数据包中第{i}条历史记录（按包内顺序）格式不对：应为12项、第一项为序号，未导入")
    catchup = payload.get("catchup", {})
    if not compat.catchup_is_valid(catchup) or any(
            name not in known or any(not isinstance(c, str) for c in b["columns"])
            or [c for c in b["columns"] if c not in known[name].c] or "id" not in b["columns"]
            or any(not isinstance(r, list) or len(r) != len(b["columns"]) for r in b["rows"])
            for name, b in catchup.items()):
        raise PackageRefused("数据包中补发的记录格式不对，未导入")
    blobs = payload.get("blobs", {})
    if not isinstance(blobs, dict) or any(
            not isinstance(k, str) or len(k) != 64 or k.strip("0123456789abcdef") or not isinstance(v, str)
            for k, v in blobs.items()):
        raise PackageRefused("数据包中的佐证材料格式不对，未导入")
    return known


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
        conn.exec_driver_sql("INSERT INTO evidence_blobs (sha256, size, content, created_at) VALUES (?, ?, ?, ?)", new)
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
        changed[(h[5], h[6])].add("*" if h[4] == "insert" else h[7])
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
                     aliases=aliases, insert_only=insert_only)
    catchup = payload.get("catchup") or {}
    for name, block in catchup.items():  # records held back while this program was older, now in full
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
    received.record_received(session, changed, aliases)  # local history of the rows written above (verify)
    return result


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
                 insert_only: bool = False) -> None:
    """Insert new rows, merge changed ones field by field, keep both values where both sides changed a field.

    ``insert_only``: rows already here (by id or natural key) are left as they are.
    """
    conn = session.connection()
    table_name = str(name)  # a plain str: SQLite adapts a str subclass (quoted_name) slowly, row by row
    col_sql = ", ".join(_q(c) for c in columns)
    existing: dict[str, dict[str, Any]] = {}
    ids = list(incoming)
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
                        "INSERT OR REPLACE INTO sync_id_aliases (origin_node, table_name, remote_id, local_id)"
                        " VALUES (?, ?, ?, ?)", (sender_node, name, rid, local_of[rid]))
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


# --- conflicts and sync state ------------------------------------------------------------------

@dataclass
class ConflictView:
    id: int
    table_name: str
    record_id: str
    peer_code: str
    fields: list[str]
    local_values: dict[str, Any]
    remote_values: dict[str, Any]
    live: str
    status: str
    created_at: dt.datetime
    label: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


TABLE_LABELS: dict[str, str] = {
    "students": "学生", "cases": "案件", "persuasion_attempts": "劝返记录", "semesters": "学期",
}


def record_label(session: Session, table: str, record_id: str) -> str:
    """A name a person recognises: the student's name for a student, case or attempt; else the name column."""
    known = ledger_tables()
    t = known.get(table)
    if t is None:
        return record_id[:8]
    conn = session.connection()
    for _ in range(3):  # attempt -> case -> student
        cols = t.c
        if "name" in cols:
            row = conn.exec_driver_sql(f"SELECT name FROM {_q(t.name)} WHERE id = ?", (record_id,)).first()
            return str(row[0]) if row else record_id[:8]
        parent = next((fk for c in cols for fk in c.foreign_keys if fk.column.table.name in known), None)
        if parent is None:
            break
        row = conn.exec_driver_sql(f"SELECT {_q(parent.parent.name)} FROM {_q(t.name)} WHERE id = ?",
                                   (record_id,)).first()
        if row is None:
            break
        t, record_id = parent.column.table, row[0]
    return record_id[:8]


def conflicts(store: Store, open_only: bool = True) -> list[ConflictView]:
    with store.read() as session:
        stmt = select(SyncConflict).order_by(SyncConflict.id)
        if open_only:
            stmt = stmt.where(SyncConflict.status == "open")
        return [ConflictView(c.id, c.table_name, c.record_id, c.peer_code, json.loads(c.fields),
                             json.loads(c.local_values), json.loads(c.remote_values), c.live, c.status,
                             c.created_at, record_label(session, c.table_name, c.record_id))
                for c in session.execute(stmt).scalars()]


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


def resolve(store: Store, conflict_id: int, choice: str) -> None:
    """Keep this installation's values (``local``) or the received ones (``remote``).

    The choice is written as an ordinary change, so it travels in the next package.
    """
    if choice not in ("local", "remote"):
        raise ValidationError("请选择保留本机的值还是对方的值")
    model = {m.__tablename__: m for m in ledger_models()}
    with store.write() as session:
        conflict = session.get(SyncConflict, conflict_id)
        if conflict is None or conflict.status != "open":
            raise NotFoundError("这个冲突不存在或已处理")
        cls = model[conflict.table_name]
        table = cls.__table__
        obj = session.get(cls, conflict.record_id)
        if obj is None:
            raise NotFoundError("冲突所在的记录不存在")
        chosen = json.loads(conflict.local_values if choice == "local" else conflict.remote_values)
        other = json.loads(conflict.remote_values if choice == "local" else conflict.local_values)
        touched = []
        for f, raw in chosen.items():
            value = _loader(table.c[f])(raw)
            if getattr(obj, f) != value:
                setattr(obj, f, value)
                touched.append(f)
        session.flush()
        # A value already in the record is written to the history again so it travels to the peer.
        audit.append(session, [
            audit.Change("update", conflict.table_name, conflict.record_id, f,
                         audit.to_text(_loader(table.c[f])(other[f])), audit.to_text(_loader(table.c[f])(raw)))
            for f, raw in chosen.items() if f not in touched
        ])
        conflict.status, conflict.resolved_at, conflict.resolved_by = choice, utcnow(), store.user
        audit.record_event(session, conflict.table_name, conflict.record_id, "处理同步冲突",
                           f"保留{'本机' if choice == 'local' else '对方'}的值：{'、'.join(chosen)}")


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


from desktop_app.services.sync import enrolment  # noqa: E402 - it uses the names above
from desktop_app.services.sync.enrolment import FingerprintMismatch as FingerprintMismatch  # noqa: E402
from desktop_app.services.sync.enrolment import NeedsConfirmation as NeedsConfirmation  # noqa: E402
from desktop_app.services.sync.enrolment import reenrol as reenrol  # noqa: E402
from desktop_app.services.sync.enrolment import write_receipt as write_receipt  # noqa: E402
