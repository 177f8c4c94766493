"""Mixed versions in the field: what a package says about its sender's program, and writing down-level.

Every package says which program wrote it (``program``), the schema revision (``revision``), what its
sender can read (``reads``: ledger table -> columns) and the oldest program that can read it
(``min_reader``). A receiver keeps that per unit (``sync_peers.program`` / ``reads``) and:

- refuses a package it cannot read (a newer format, or ``min_reader`` above its own version), naming
  the version it needs, before anything is written;
- writes its next package to an older unit in that unit's schema: tables and columns the unit does not
  know are left out, and the records concerned are held back (``sync_held_back``) and sent in full,
  as a catch-up block, once the unit says it reads them.

Releases before 0.2.0 did not say what they read: their schema is in ``exchange.schemas``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from packaging.version import InvalidVersion, Version
from sqlalchemy import Table, delete, select
from sqlalchemy.orm import Session

from database import engine as db
from database.sync import HeldBack, Peer
from desktop_app import __version__
from desktop_app.domain.errors import ValidationError
from desktop_app.exchange.schemas import OLDEST, RELEASE_SCHEMAS

#: Features that need the program at the other end to be at least this version (shown where units
#: are listed, so the district knows who must upgrade for what).
FEATURES: tuple[tuple[str, str], ...] = (
    ("数据包版本协商（新版本按旧版本格式发送）", "0.2.0"),
    ("区教委联查结果回传学校（联查建议）", "0.2.0"),
)

#: Bounds on what a manifest may say about its sender's program (a signed package is still input).
_MAX_TABLES = 200
_MAX_COLUMNS = 200
_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,63}$")


class PackageTooNew(ValidationError):
    """A package written by a newer program that this one cannot read."""


def _version(text: str) -> Version | None:
    try:
        return Version(text)
    except (InvalidVersion, TypeError):
        return None


def release_of(text: str) -> Version:
    """A version without its development or pre-release part (0.2.0.dev0 -> 0.2.0); unknown -> the oldest."""
    parsed = _version(text)
    return Version(parsed.base_version) if parsed is not None else Version(OLDEST)


def own_reads(tables: dict[str, Table]) -> dict[str, list[str]]:
    return {name: [c.name for c in table.columns] for name, table in tables.items()}


def release_schema(program: str) -> dict[str, list[str]]:
    """The newest built-in schema of a release at or before ``program`` (the oldest for anything unknown)."""
    wanted = release_of(program)
    known = sorted((Version(v), v) for v in RELEASE_SCHEMAS)
    chosen = known[0][1]
    for parsed, name in known:
        if parsed <= wanted:
            chosen = name
    return RELEASE_SCHEMAS[chosen]


def min_reader(tables: dict[str, dict[str, Any]], catchup: dict[str, Any]) -> str:
    """The oldest release that can read a payload with these tables and columns."""
    for release in sorted(RELEASE_SCHEMAS, key=Version):
        schema = RELEASE_SCHEMAS[release]
        if not catchup and all(name in schema and set(block["columns"]) <= set(schema[name])
                               for name, block in tables.items()):
            return release
    return release_of(__version__).base_version


def manifest_fields(tables: dict[str, Table], payload_tables: dict[str, dict[str, Any]],
                    catchup: dict[str, Any]) -> dict[str, Any]:
    return {"revision": db.head_revision(), "reads": own_reads(tables),
            "min_reader": min_reader(payload_tables, catchup)}


def check_readable(manifest: dict[str, Any]) -> None:
    """Refuse, before anything is written, a package this program cannot read.

    Raises:
        PackageTooNew: naming the version it needs.
    """
    program = manifest.get("program")
    needed = manifest.get("min_reader")
    if needed is None:
        return  # written by 0.1.0, which every later release reads
    if not isinstance(needed, str) or _version(needed) is None or len(needed) > 32:
        raise PackageTooNew("数据包清单中的“最低可读版本”格式不对，未导入")
    if Version(needed) > release_of(__version__):
        by = f"由 {program} 版程序写入，" if isinstance(program, str) and len(program) <= 32 else ""
        raise PackageTooNew(
            f"此数据包{by}需要本程序升级到 {needed} 或更新版本后才能导入（本机为 {__version__} 版），未导入")


def peer_reads(peer: Peer) -> dict[str, set[str]]:
    """What the unit's program can read, as it last said (or as its release is known to)."""
    if peer.reads:
        try:
            said = json.loads(peer.reads)
        except ValueError:
            said = None
        if isinstance(said, dict):
            return {str(t): {str(c) for c in cols} for t, cols in said.items() if isinstance(cols, list)}
    return {t: set(cols) for t, cols in release_schema(peer.program or OLDEST).items()}


def note_peer(peer: Peer, manifest: dict[str, Any]) -> None:
    """Keep what the sender's package says about its program (bounded, names checked)."""
    program = manifest.get("program")
    if isinstance(program, str) and _version(program) is not None and len(program) <= 32:
        peer.program = program
    reads = manifest.get("reads")
    if reads is None:
        peer.reads = ""
        return
    if not isinstance(reads, dict) or len(reads) > _MAX_TABLES or not all(
            isinstance(t, str) and _NAME.match(t) and isinstance(cols, list) and len(cols) <= _MAX_COLUMNS
            and all(isinstance(c, str) and _NAME.match(c) for c in cols) for t, cols in reads.items()):
        raise ValidationError("数据包清单中的“可读数据表”格式不对，未导入")
    peer.reads = json.dumps(reads, ensure_ascii=False, sort_keys=True)


@dataclass
class Fitted:
    """A payload's tables cut to what the receiving unit reads, and what was left out."""

    tables: dict[str, dict[str, Any]]
    held: list[tuple[str, str, list[str]]]  # (table, record id, columns left out; ["*"] for the row)


def fit_tables(payload_tables: dict[str, dict[str, Any]], reads: dict[str, set[str]]) -> Fitted:
    """Leave out the tables and columns the receiver's program does not know; note each record concerned."""
    fitted: dict[str, dict[str, Any]] = {}
    held: list[tuple[str, str, list[str]]] = []
    for name, block in payload_tables.items():
        columns: list[str] = block["columns"]
        id_at = columns.index("id")
        if name not in reads:
            held.extend((name, row[id_at], ["*"]) for row in block["rows"])
            continue
        keep = [i for i, c in enumerate(columns) if c in reads[name]]
        if len(keep) == len(columns):
            fitted[name] = block
            continue
        dropped = [c for c in columns if c not in reads[name]]
        fitted[name] = {"columns": [columns[i] for i in keep],
                        "rows": [tuple(row[i] for i in keep) for row in block["rows"]]}
        held.extend((name, row[id_at], dropped) for row in block["rows"])
    return Fitted(fitted, held)


def hold(session: Session, peer_code: str, held: Iterable[tuple[str, str, list[str]]]) -> int:
    """Remember records left out of a package to ``peer_code`` (merging the columns of a record held before)."""
    count = 0
    for table, record_id, columns in held:
        row = session.get(HeldBack, (peer_code, table, record_id))
        if row is None:
            session.add(HeldBack(peer_code=peer_code, table_name=table, record_id=record_id,
                                 columns=json.dumps(columns, ensure_ascii=False)))
        else:
            before = json.loads(row.columns or "[]")
            row.columns = json.dumps(["*"] if "*" in before + columns else sorted(set(before) | set(columns)))
        count += 1
    return count


def held_for(session: Session, peer: Peer, tables: dict[str, Table], reads: dict[str, set[str]],
             ) -> dict[str, dict[str, list[str]]]:
    """Records held back from ``peer`` that it now reads: table -> record id -> the columns held back
    (["*"] for the whole row). The sender reads their rows and sends them in full as a catch-up block."""
    held = session.execute(select(HeldBack.table_name, HeldBack.record_id, HeldBack.columns)
                           .where(HeldBack.peer_code == peer.code)).all()
    wanted: dict[str, dict[str, list[str]]] = {}
    for table, record_id, held_columns in held:
        cols = json.loads(held_columns or "[]")
        if table in tables and table in reads and ("*" in cols or set(cols) <= reads[table]):
            wanted.setdefault(table, {})[record_id] = cols
    return wanted


def release_held(session: Session, peer_code: str, sent: list[tuple[str, str]]) -> None:
    for table, record_id in sent:
        session.execute(delete(HeldBack).where(HeldBack.peer_code == peer_code, HeldBack.table_name == table,
                                               HeldBack.record_id == record_id))


def held_count(session: Session, peer_code: str) -> int:
    return len(session.execute(select(HeldBack.record_id).where(HeldBack.peer_code == peer_code)).all())


def upgrade_note(program: str) -> str:
    """For a unit's program version: what it is, and which features need it upgraded (empty when none)."""
    if not program:
        return "尚未收到数据包"
    missing = [name for name, needed in FEATURES if release_of(program) < Version(needed)]
    if not missing:
        return ""
    return f"需升级到 {max(needed for _n, needed in FEATURES if release_of(program) < Version(needed))} " \
           f"才能使用：{'、'.join(missing)}"


def catchup_is_valid(block: Any) -> bool:
    return isinstance(block, dict) and all(
        isinstance(b, dict) and isinstance(b.get("columns"), list) and isinstance(b.get("rows"), list)
        for b in block.values())


__all__ = ["FEATURES", "Fitted", "PackageTooNew", "catchup_is_valid", "check_readable", "fit_tables",
           "held_count", "held_for", "hold", "manifest_fields", "min_reader", "note_peer", "own_reads", "peer_reads",
           "release_held", "release_of", "release_schema", "upgrade_note"]
