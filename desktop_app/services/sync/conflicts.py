"""Conflicts: both versions of a field changed on both sides, shown with a name a person recognises, resolved."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from database.models import ledger_models, utcnow
from database.sync import SyncConflict
from desktop_app.domain.errors import NotFoundError, ValidationError
from desktop_app.services import audit
from desktop_app.services.store import Store
from desktop_app.services.sync.common import _loader, _q, ledger_tables

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
    "match_proposals": "联查建议",
    "district_schools": "全区学校名单", "case_handovers": "移交申请", "handover_transfers": "移交转交",
    "handover_items": "移交案件内容", "handover_answers": "移交答复",
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
