"""History for rows written outside the ORM (applying a received package): one ``state`` row per record
with its full state after the change, so ``verify`` can replay every ledger row from the local history."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy.orm import Session

from database.models import utcnow
from desktop_app.services import audit
from desktop_app.services.integrity.ledger import STATE, TableCheck, ledger_tables

_CHUNK = 500


def state_changes(conn: Any, table_ids: Mapping[str, Iterable[str]]) -> list[audit.Change]:
    """A ``state`` history row for each (table, id) that exists, with its data as the history writes it."""
    changes: list[audit.Change] = []
    tables = {t.name: t for t in ledger_tables()}
    for name, ids in table_ids.items():
        table = tables.get(name)
        if table is None:
            continue
        check = TableCheck.of(table)
        wanted = sorted(set(ids))
        for start in range(0, len(wanted), _CHUNK):
            chunk = wanted[start:start + _CHUNK]
            rows = conn.exec_driver_sql(
                check.select_sql() + f" WHERE id IN ({','.join('?' * len(chunk))})", tuple(chunk)).fetchall()
            for row in rows:
                values = list(row[1:])
                for i, convert in check.converters:
                    values[i] = convert(values[i])
                changes.append(audit.Change(STATE, name, row[0], "*", None,
                                            audit.snapshot_text(dict(zip(check.columns, values, strict=True)))))
    return changes


def record_received(session: Session, records: Iterable[tuple[str, str]],
                    aliases: Mapping[str, Mapping[str, str]] | None = None) -> None:
    """After a package was applied in this session: the state of every record it carried.

    ``records``: (table, id as the sender knows it); ``aliases`` maps a sender's id to the local one."""
    by_table: dict[str, list[str]] = {}
    for table, rid in records:
        local = (aliases or {}).get(table, {}).get(rid, rid)
        by_table.setdefault(table, []).append(local)
    changes = state_changes(session.connection(), by_table)
    if not changes or audit.deferred(session, changes):
        return
    rows = audit.chained_tuples(changes, audit.last_hash(session), session.info.get("user", ""),
                                session.info.get("node_id", ""), utcnow())
    session.connection().exec_driver_sql(_INSERT, [(_stored(r[0]), *r[1:]) for r in rows])


_INSERT = (f"INSERT INTO audit_log ({audit.AUDIT_COLUMNS_SQL}) "
           f"VALUES ({', '.join('?' * len(audit.AUDIT_COLUMNS))})")


def _stored(at: dt.datetime) -> str:
    """A time as SQLAlchemy's SQLite DateTime stores it."""
    return at.strftime("%Y-%m-%d %H:%M:%S.%f")
