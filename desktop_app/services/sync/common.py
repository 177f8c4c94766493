"""Shared by the sync modules: which kind of unit owns a table, the ledger tables, the refusals, raw row reads."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from sqlalchemy import Boolean, Date, DateTime, Integer, Table

from database.models import Base, Installation, ledger_models
from desktop_app.domain.errors import BaoxueError, ValidationError
from desktop_app.services import settings
from desktop_app.services.store import Store

SCHOOL, DISTRICT = "school", "district"
DISTRICT_CODE_ALIAS = "district"

#: Which kind of installation owns the records of a table. Tables not listed belong to the school
#: that made them. Areas extend this at merge (approvals, the calendar … are the district's).
OWNERSHIP: dict[str, str] = {
    "semesters": DISTRICT,
    "calendar_days": DISTRICT,  # the school calendar (issue 6); the district publishes it
    "deferral_decisions": DISTRICT,  # N-11: the district leading group's decisions
    "district_schools": DISTRICT,  # the list of schools a case can be handed to (移交)
    "handover_transfers": DISTRICT,  # 移交: the district's forward of a school's request, with the answer
    "handover_items": DISTRICT,  # 移交: the forwarded case, for the receiving school
}
#: District tables whose rows go only to the schools they name (the columns holding school codes), not to all.
ADDRESSED: dict[str, tuple[str, ...]] = {
    "handover_transfers": ("from_code", "to_code"),
    "handover_items": ("to_code",),
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
