"""The tamper-evident history: every change of a ledger row, chained by SHA-256.

A ``before_flush`` hook on write sessions records inserts (one row holding the new record)
and updates (one row per changed field), so no service can forget to. ``verify`` recomputes
the chain and names the first row that does not match.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import operator
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any, NamedTuple, cast

from sqlalchemy import Table, event, insert, inspect, select
from sqlalchemy.orm import Session

from database.engine import lock_chain
from database.models import AuditEntry, LedgerMixin, new_id, utcnow

GENESIS = "0" * 64
_SKIP_FIELDS = {"created_at", "updated_at", "updated_by", "node_id", "version"}


def to_text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ", timespec="seconds")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


_encode_str = json.encoder.encode_basestring  # what json.dumps(…, ensure_ascii=False) uses for a str (C speed-up)


def _j(value: Any) -> str:
    """``value`` as json.dumps(value, ensure_ascii=False) writes it inside a list, byte for byte."""
    if type(value) is str:
        return _encode_str(value)
    if value is None:
        return "null"
    return json.dumps(value, ensure_ascii=False)


def row_hash(prev_hash: str, at: dt.datetime, user: str, node_id: str, action: str, table: str,
             record_id: str, field: str, old: str | None, new: str | None) -> str:
    """SHA-256 of json.dumps([prev_hash, at, user, node, action, table, record, field, old, new],
    ensure_ascii=False); built without the encoder's per-call set-up (the same text, byte for byte)."""
    payload = (f"[{_j(prev_hash)}, {_j(at.isoformat(timespec='microseconds'))}, {_j(user)}, {_j(node_id)}, "
               f"{_j(action)}, {_j(table)}, {_j(record_id)}, {_j(field)}, {_j(old)}, {_j(new)}]")
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def snapshot_text(values: dict[str, Any]) -> str:
    """json.dumps(values, ensure_ascii=False, sort_keys=True), byte for byte, faster (bulk imports)."""
    return "{" + ", ".join(f"{_encode_str(k)}: {_j(values[k])}" for k in sorted(values)) + "}"


def tuple_snapshot_writer(keys: Iterable[str]) -> Callable[[tuple[Any, ...]], str]:
    """``snapshot_text`` of the values as ``snapshot`` converts them (``to_text``), for many rows with the
    same ``keys`` given as tuples in ``keys`` order (bulk imports: a template filled per row, no dict per row)."""
    keys = tuple(keys)
    order = sorted(range(len(keys)), key=keys.__getitem__)
    template = "{" + ", ".join(f"{_encode_str(keys[i]).replace('%', '%%')}: %s" for i in order) + "}"
    pick = operator.itemgetter(*order) if len(order) > 1 else (lambda values: (values[order[0]],))
    enc = _encode_str

    def write(values: tuple[Any, ...]) -> str:
        try:
            return template % tuple(map(enc, pick(values)))
        except TypeError:  # a value that is not text (None, a date, a number …)
            return snapshot_text({k: to_text(v) for k, v in zip(keys, values, strict=True)})

    return write


class Change(NamedTuple):
    """One history row to write (a tuple: bulk imports make hundreds of thousands)."""

    action: str
    table: str
    record_id: str
    field: str
    old: str | None
    new: str | None


def last_hash(session: Session) -> str:
    """The hash the next history row chains to. On a server store it first takes the chain lock, held
    until the transaction ends, so two staff writing at once append one after the other (one chain).
    History held back for the end of the transaction (``defer_chain``) is written first."""
    if session.info.get(_DEFERRED) is not None:
        write_deferred(session)
    with session.no_autoflush:
        lock_chain(session.connection())
        value = session.execute(
            select(AuditEntry.row_hash).order_by(AuditEntry.id.desc()).limit(1)
        ).scalar_one_or_none()
    return value or GENESIS


_DEFERRED = "audit_deferred"  # session.info: the history held back until the end of the transaction


def defer_chain(session: Session) -> None:
    """Hold this transaction's history back until ``write_deferred`` (the end of the transaction): the work
    before it runs without the chain lock, so two imports on a server run side by side; the rows are then
    chained to the head as it is at that moment, under the lock, with the ids following on (one chain)."""
    session.info[_DEFERRED] = []


def deferred(session: Session, changes: list[Change], at: dt.datetime | None = None) -> bool:
    """Keep ``changes`` for ``write_deferred`` when the session defers its history (True), else False."""
    pending = session.info.get(_DEFERRED)
    if pending is None:
        return False
    if changes:
        pending.append((changes, session.info.get("user", ""), session.info.get("node_id", ""), at or utcnow()))
    return True


def write_deferred(session: Session) -> None:
    """Take the chain lock (until the transaction ends) and append the history held back, in the order it
    was made; later history of the transaction is appended at once. Nothing to do without ``defer_chain``."""
    pending = session.info.pop(_DEFERRED, None)
    if pending is None:
        return
    prev = last_hash(session)  # the chain lock, then the head as it is now
    rows: list[dict[str, Any]] = []
    for changes, user, node, at in pending:
        batch = chained_tuples(changes, prev, user, node, at)
        if batch:
            prev = batch[-1][-1]
            rows.extend(dict(zip(AUDIT_COLUMNS, row, strict=True)) for row in batch)
    for start in range(0, len(rows), 5000):
        session.connection().execute(insert(cast(Table, AuditEntry.__table__)), rows[start:start + 5000])


AUDIT_COLUMNS = ("at", "user", "node_id", "action", "table_name", "record_id", "field", "old_value",
                 "new_value", "prev_hash", "row_hash")
AUDIT_COLUMNS_SQL = ", ".join(f'"{c}"' for c in AUDIT_COLUMNS)  # quoted: "user" is a keyword on PostgreSQL


_LARGE = 1 << 20  # characters of a history value hashed at a time


def chained_tuples(changes: Iterable[Change | tuple[Any, ...]], prev: str, user: str, node_id: str, at: dt.datetime,
                   stored_at: Any = None) -> list[tuple[Any, ...]]:
    """Audit rows for ``changes`` as tuples in ``AUDIT_COLUMNS`` order, each chained to the one before
    (the fast path of bulk imports; ``stored_at`` is the value written to ``at``, default ``at``)."""
    sha256 = hashlib.sha256
    enc = _encode_str
    stored_at = at if stored_at is None else stored_at
    middle = f", {_j(at.isoformat(timespec='microseconds'))}, {_j(user)}, {_j(node_id)}, "  # as in row_hash
    out: list[tuple[Any, ...]] = []
    append = out.append
    for action, table, record_id, fld, old_value, new_value in changes:
        if type(new_value) is str and len(new_value) > _LARGE and new_value.isascii():
            # a bulk entry's listing (megabytes): hashed a piece at a time, not copied whole three times over
            head = f"[{enc(prev)}{middle}{enc(action)}, {enc(table)}, {enc(record_id)}, {enc(fld)}, {_j(old_value)}, "
            hasher = sha256(head.encode())
            hasher.update(b'"')
            for start in range(0, len(new_value), _LARGE):  # JSON escapes ASCII character by character
                hasher.update(enc(new_value[start:start + _LARGE])[1:-1].encode())
            hasher.update(b'"]')
            h = hasher.hexdigest()
            append((stored_at, user, node_id, action, table, record_id, fld, old_value, new_value, prev, h))
            prev = h
            continue
        try:  # texts (nearly always): the JSON string encoder directly
            old = "null" if old_value is None else enc(old_value)
            new = "null" if new_value is None else enc(new_value)
            text = f"[{enc(prev)}{middle}{enc(action)}, {enc(table)}, {enc(record_id)}, {enc(fld)}, {old}, {new}]"
        except TypeError:
            text = (f"[{_j(prev)}{middle}{_j(action)}, {_j(table)}, {_j(record_id)}, {_j(fld)}, "
                    f"{_j(old_value)}, {_j(new_value)}]")
        h = sha256(text.encode()).hexdigest()
        append((stored_at, user, node_id, action, table, record_id, fld, old_value, new_value, prev, h))
        prev = h
    return out


def chained_rows(changes: Iterable[Change], prev: str, user: str, node_id: str,
                 at: dt.datetime | None = None) -> Iterator[dict[str, Any]]:
    """Audit rows for ``changes``, each chained to the one before."""
    for row in chained_tuples(changes, prev, user, node_id, at or utcnow()):
        yield dict(zip(AUDIT_COLUMNS, row, strict=True))


def append(session: Session, changes: list[Change]) -> None:
    """Write history rows in this session's transaction."""
    if not changes:
        return
    if deferred(session, changes):
        return
    user = session.info.get("user", "")
    node = session.info.get("node_id", "")
    rows = list(chained_rows(changes, last_hash(session), user, node))
    session.execute(insert(AuditEntry), rows)


def record_event(session: Session, table: str, record_id: str, what: str, detail: str = "") -> None:
    """An event that is not a field change: an export, a print, a verification."""
    append(session, [Change("event", table, record_id, what, None, detail)])


def snapshot(obj: LedgerMixin) -> dict[str, str | None]:
    mapper = inspect(obj).mapper
    return {
        col.key: to_text(getattr(obj, col.key))
        for col in mapper.column_attrs
        if col.key not in _SKIP_FIELDS
    }


def _fill_references(obj: LedgerMixin) -> None:
    """Copy the key of a parent given as an object (``case.student = s``) into the reference column, as
    the flush would, so the insert's snapshot holds the whole row (verify replays it)."""
    state = inspect(obj)
    for rel in state.mapper.relationships:
        if rel.direction.name != "MANYTOONE" or rel.key not in state.dict:
            continue
        parent = state.dict[rel.key]
        if parent is None:
            continue
        for local, remote in rel.local_remote_pairs or ():
            if local.key is not None and getattr(obj, local.key, None) is None:
                value = getattr(parent, remote.key, None)
                if value is not None:
                    setattr(obj, local.key, value)


def _collect(session: Session) -> list[Change]:
    user = session.info.get("user", "")
    node = session.info.get("node_id", "")
    changes: list[Change] = []
    for obj in session.new:
        if isinstance(obj, LedgerMixin) and obj.id is None:
            obj.id = new_id()
    for obj in session.new:
        if isinstance(obj, LedgerMixin):
            _fill_references(obj)  # a parent set through a relationship: its id is in the snapshot
            obj.updated_by, obj.node_id = user, node
            changes.append(Change(
                "insert", obj.__tablename__, obj.id, "*", None,
                snapshot_text(snapshot(obj)),
            ))
    for obj in session.dirty:
        if not isinstance(obj, LedgerMixin) or not session.is_modified(obj):
            continue
        state = inspect(obj)
        row_changes = []
        for attr in state.mapper.column_attrs:
            if attr.key in _SKIP_FIELDS:
                continue
            hist = state.attrs[attr.key].history
            if not hist.has_changes():
                continue
            old = to_text(hist.deleted[0]) if hist.deleted else None
            new = to_text(hist.added[0]) if hist.added else None
            if old != new:
                row_changes.append(Change("update", obj.__tablename__, obj.id, attr.key, old, new))
        if row_changes:
            obj.updated_by, obj.node_id = user, node
            obj.updated_at = utcnow()
            changes += row_changes
    for obj in session.deleted:
        raise RuntimeError(f"ledger rows are never deleted: {obj!r}")
    return changes


@event.listens_for(Session, "before_flush")
def _before_flush(session: Session, _ctx: object, _instances: object) -> None:
    if not session.info.get("audit"):
        return
    append(session, _collect(session))


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    rows: int
    message: str


def verify_chain(session: Session) -> VerifyResult:
    """Recompute every row's hash in order; the first mismatch is reported."""
    prev = GENESIS
    count = 0
    result = session.execute(select(AuditEntry).order_by(AuditEntry.id)).scalars()
    for entry in result.yield_per(5000):
        count += 1
        expected = row_hash(prev, entry.at, entry.user, entry.node_id, entry.action, entry.table_name,
                            entry.record_id, entry.field, entry.old_value, entry.new_value)
        if entry.prev_hash != prev or entry.row_hash != expected:
            return VerifyResult(
                False, count,
                f"历史记录第{entry.id}条（{entry.at:%Y-%m-%d %H:%M}，{entry.table_name}.{entry.field}）"
                "与校验链不符：历史记录在程序之外被修改或删除过",
            )
        prev = entry.row_hash
    return VerifyResult(True, count, f"历史记录校验通过，共{count}条，未发现篡改")
