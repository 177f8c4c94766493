"""人账相符: every ledger row must equal the state its history produces.

One pass over ``audit_log`` in id order checks the hash chain and replays each record's history
(an ``insert`` row holds the record's full state as JSON, an ``update`` row one field, a ``state``
row the full state after a change made outside the ORM, such as applying a received package).
Then every ledger table is read once and each row is compared with its replayed state.

The replay keeps, per record, the text of its last full state (parsed only when the row is compared)
and the fields changed since, so memory stays near the size of the history's snapshots.

Entry kinds are looked up in ``ENTRY_KINDS``. A ``bulk`` row (a roster import: ``integrity.bulk``) lists
the rows it wrote with their hashes instead of one state per row: each such row is compared by its hash,
taken over its stored state with the later ``update`` rows of that record undone (the first one's
``old_value`` per field), and the entry's digest over all of them is checked once every row of it is.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import operator
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Boolean, Integer, Table

from database.models import Base, ledger_models
from desktop_app.services import audit
from desktop_app.services.integrity import bulk
from desktop_app.services.integrity.labels import field_label, table_label

META = frozenset({"id", "created_at", "updated_at", "updated_by", "node_id", "version"})
SQL_EVENT_TABLE = "support_sql"  # the history's table name for `baoxue-cli sql --write`
STATE = "state"  # a history row with the full state of a record written outside the ORM
HEAD_EVENT_TABLE = "chain_head"  # history events about the chain head file (its creation, restores)
HEAD_CREATED, HEAD_RESTORED = "建立校验链头", "从备份恢复（历史记录回退）"


class VerifyCancelled(Exception):  # noqa: N818 - a signal, not an error
    """The person cancelled the check; nothing was changed."""


@dataclass(frozen=True)
class Finding:
    """One thing the check found, in words a person reads.

    Attributes:
        kind: ``differs`` (a field is not what the history gives), ``no_history`` (a row the history
            never created), ``missing`` (a record the history created that is gone), ``chain``,
            ``head``, ``damage`` or ``note``.
        table: the table's name in the store.
        record_id: the record's id ("" when not about one record).
        who: the student's name or the case, as a person knows it.
        field: the field's name in the store ("" for the whole record).
        stored: the value in the store.
        expected: the value the history gives.
        text: the sentence shown for ``chain``/``head``/``damage``/``note``.
    """

    kind: str
    table: str = ""
    record_id: str = ""
    who: str = ""
    field: str = ""
    stored: str | None = None
    expected: str | None = None
    text: str = ""

    @property
    def table_label(self) -> str:
        return table_label(self.table)

    @property
    def field_label(self) -> str:
        return field_label(self.field) if self.field else ""

    def message(self) -> str:
        if self.text:
            return self.text
        where = f"{self.table_label}“{self.who or self.record_id[:8]}”"
        if self.kind == "differs":
            return (f"{where}的“{self.field_label}”被改动：数据文件中是{_quoted(self.stored)}，"
                    f"历史记录中应为{_quoted(self.expected)}")
        if self.kind == "no_history":
            return f"{where}没有任何历史记录：记录是在程序之外添加的，或其历史被删除"
        if self.kind == "missing":
            return f"{where}在历史记录中存在，但数据文件中已不见：记录在程序之外被删除"
        if self.kind == "altered":
            return (f"{where}与导入名册时记下的校验值不符：导入后在程序之外被改动过"
                    "（程序内的修改都逐项记入历史记录）")
        return where


def _quoted(value: str | None) -> str:
    return "（空）" if value in (None, "") else f"“{value}”"


@dataclass
class Replay:
    """The state each record's history gives, built row by row.

    ``records[table][record_id]`` is ``[full_state_text, changed_fields or None]``.
    """

    records: dict[str, dict[str, list[Any]]] = field(default_factory=dict)
    sql_events: list[tuple[str, str, str]] = field(default_factory=list)  # (at, user, statement)
    head_announced: bool = False
    #: ``bulk`` entries: (table, record id of the entry, digest, table -> [(row id, short hash)])
    bulks: list[tuple[str, str, str, dict[str, list[tuple[str, str]]]]] = field(default_factory=list)
    covered: dict[str, dict[str, str]] = field(default_factory=dict)  # table -> row id -> short hash
    first_old: dict[tuple[str, str], dict[str, str | None]] = field(default_factory=dict)  # undo of later updates
    full: dict[tuple[str, str], str] = field(default_factory=dict)  # row hashes recomputed (for the digests)

    def note_old(self, table: str, record_id: str, fld: str, old: str | None) -> None:
        """An ``update`` of a row a ``bulk`` entry listed: its first old value per field undoes the later ones."""
        state = self.records.get(table, {}).get(record_id)
        if state is not None and state[0] is BULK_STATE:
            self.first_old.setdefault((table, record_id), {}).setdefault(fld, old)


def _on_insert(replay: Replay, table: str, record_id: str, _field: str, new: str | None) -> None:
    replay.records.setdefault(table, {})[record_id] = [new or "{}", None]


def _on_update(replay: Replay, table: str, record_id: str, fld: str, new: str | None) -> None:
    per_table = replay.records.setdefault(table, {})
    state = per_table.get(record_id)
    if state is None:  # an update of a record created elsewhere (received; its creation is remote)
        state = per_table[record_id] = [None, None]
    if state[1] is None:
        state[1] = {}
    state[1][fld] = new


def _on_event(replay: Replay, table: str, _record_id: str, fld: str, new: str | None) -> None:
    if table == SQL_EVENT_TABLE:
        replay.sql_events.append(("", fld, new or ""))
    elif table == HEAD_EVENT_TABLE and fld == HEAD_CREATED:
        replay.head_announced = True


BULK_STATE = "\x00bulk"  # the state of a row a ``bulk`` entry listed: checked by its hash (not JSON)


def _on_bulk(replay: Replay, table: str, record_id: str, _field: str, new: str | None) -> None:
    parsed = bulk.parse(new)
    if parsed is None:  # the chain holds, so the program wrote it: an entry this check cannot read
        return
    digest, listing = parsed
    replay.bulks.append((table, record_id, digest, listing))
    for name, rows in listing.items():
        per_table = replay.records.setdefault(name, {})
        hashes = replay.covered.setdefault(name, {})
        for rid, short in rows:
            per_table[rid] = [BULK_STATE, None]
            hashes[rid] = short


ENTRY_KINDS: dict[str, Callable[[Replay, str, str, str, str | None], None]] = {
    "insert": _on_insert,
    STATE: _on_insert,  # a full state replaces whatever came before
    "update": _on_update,
    "event": _on_event,
    bulk.BULK: _on_bulk,
}


def _at_text(value: Any) -> str:
    """The time as ``row_hash`` hashes it (``datetime.isoformat(timespec='microseconds')``)."""
    if isinstance(value, str):
        if len(value) == 26 and value[10] == " ":
            return value[:10] + "T" + value[11:]
        return dt.datetime.fromisoformat(value).isoformat(timespec="microseconds")
    if isinstance(value, dt.datetime):
        return value.isoformat(timespec="microseconds")
    raise ValueError(value)


_enc = json.encoder.encode_basestring


def replay_history(cursor: Any, total: int, tick: Callable[[int], None] | None = None,
                   ) -> tuple[Replay, int, str, Finding | None]:
    """Check the chain and replay every row; returns the replay, the row count, the last hash and the
    first broken link (None: the chain holds).

    ``cursor`` yields (id, at, user, node_id, action, table_name, record_id, field, old, new, prev, hash)."""
    replay = Replay()
    kinds = ENTRY_KINDS
    sha256 = hashlib.sha256
    enc = _enc
    j = audit._j  # noqa: SLF001 - the same encoder the chain is written with
    prev = audit.GENESIS
    count = 0
    expected_id = 1
    step = 20_000
    while rows := cursor.fetchmany(5000):
        for rid, at, user, node, action, table, record_id, fld, old, new, prev_hash, row_hash in rows:
            count += 1
            try:
                head = f"[{enc(prev)}, {enc(_at_text(at))}, {enc(user)}, {enc(node)}, {enc(action)}, {enc(table)}, "
                tail = (f"{enc(record_id)}, {enc(fld)}, {'null' if old is None else enc(old)}, "
                        f"{'null' if new is None else enc(new)}]")
            except (TypeError, ValueError):
                try:
                    head = f"[{j(prev)}, {j(_at_text(at))}, {j(user)}, {j(node)}, {j(action)}, {j(table)}, "
                    tail = f"{j(record_id)}, {j(fld)}, {j(old)}, {j(new)}]"
                except (TypeError, ValueError):
                    head, tail = "", "?"
            if prev_hash != prev or row_hash != sha256((head + tail).encode("utf-8", "surrogatepass")).hexdigest() \
                    or rid != expected_id:
                return replay, count, prev, Finding("chain", table=str(table), record_id=str(record_id), text=(
                    f"历史记录第{rid}条（{str(at)[:16]}，{table_label(str(table))}）与校验链不符："
                    "历史记录在程序之外被修改、插入或删除过"))
            expected_id += 1
            prev = row_hash
            handler = kinds.get(action)
            if handler is not None:
                if action == "update" and replay.bulks:
                    replay.note_old(table, record_id, fld, old)
                handler(replay, table, record_id, fld, new)
            if action == "event" and table == SQL_EVENT_TABLE:
                replay.sql_events[-1] = (str(at)[:16], str(user), new or "")
        if tick is not None and count // step != (count - len(rows)) // step:
            tick(count)
    if tick is not None:
        tick(count)
    return replay, count, prev, None


def _to_text_for(column: Any) -> Callable[[Any], str | None] | None:
    """How a stored value of ``column`` becomes the text the history holds (None: as it is, for text)."""
    kind = column.type
    if isinstance(kind, Boolean):
        return lambda v: None if v is None else ("是" if v == 1 else "否" if v == 0 else str(v))
    if isinstance(kind, Integer):
        return lambda v: None if v is None else str(v)
    return None  # text, and dates (stored as ISO text, which is what the history holds)


def _default_text(column: Any) -> str | None:
    d = column.default
    if d is not None and d.is_scalar:
        return audit.to_text(d.arg)
    return None


@dataclass(frozen=True)
class TableCheck:
    """How one ledger table is read and compared."""

    table: Table
    columns: tuple[str, ...]  # data columns (not the meta columns)
    converters: tuple[tuple[int, Callable[[Any], str | None]], ...]  # (index, convert) for non-text columns
    defaults: dict[str, str | None]  # for fields a partial snapshot leaves out

    @classmethod
    def of(cls, table: Table) -> TableCheck:
        cols = tuple(c.name for c in table.columns if c.name not in META)
        conv = tuple((i, f) for i, c in enumerate(cols) if (f := _to_text_for(table.c[c])) is not None)
        return cls(table, cols, conv, {c: _default_text(table.c[c]) for c in cols})

    def select_sql(self) -> str:
        return f'SELECT "id", {", ".join(chr(34) + c + chr(34) for c in self.columns)} FROM "{self.table.name}"'


def ledger_tables() -> list[Table]:
    names = {m.__tablename__ for m in ledger_models()}
    return [t for t in Base.metadata.sorted_tables if t.name in names]


def compare_tables(conn: Any, replay: Replay, tables: Iterable[Table],
                   tick: Callable[[int], None] | None = None, *, only: bool = False) -> list[Finding]:
    """Every row of every table against its replayed state (``only``: just the rows ``replay`` has).

    The states compared are taken out of ``replay``; what is left are records that are gone."""
    findings: list[Finding] = []
    loads = json.loads
    no_history: list[tuple[str, str]] = []
    for n, table in enumerate(tables):
        check = TableCheck.of(table)
        states = replay.records.pop(table.name, {})
        pick = operator.itemgetter(*check.columns)
        defaults = check.defaults
        refs = {c.name for c in table.columns if c.foreign_keys}
        converters = check.converters
        cursor = conn.execute(check.select_sql())
        while rows := cursor.fetchmany(5000):
            for row in rows:
                rid = row[0]
                stored = list(row[1:])
                for i, convert in converters:
                    stored[i] = convert(stored[i])
                state = states.pop(rid, None)
                if state is None:
                    if not only:
                        no_history.append((table.name, rid))
                    continue
                text, changed = state
                if text is BULK_STATE:
                    findings.extend(_check_bulk_row(replay, check, table.name, rid, stored, changed))
                    continue
                if text is None:  # only updates here: its creation came in a package (remote history)
                    no_history.append((table.name, rid))
                    states[rid] = state  # kept for the remote look-up
                    continue
                try:
                    snap = loads(text)
                except ValueError:
                    snap = {}
                merged = {**defaults, **snap, **changed} if changed else {**defaults, **snap}
                expected = pick(merged)
                if len(check.columns) == 1:
                    expected = (expected,)
                if tuple(stored) != expected:
                    for name, have, want in zip(check.columns, stored, expected, strict=True):
                        if have != want and not (want is None and (have == defaults[name] or name in refs)
                                                 and (not changed or name not in changed)):
                            # An insert through the ORM records a column left to its default as null, and
                            # before 0.2 also a parent given as an object (``case.student = s``).
                            findings.append(Finding("differs", table.name, rid, field=name, stored=have,
                                                    expected=want))
        replay.records[table.name] = states  # left: created in the history, gone from the store
        if tick is not None:
            tick(n + 1)
    findings.extend(Finding("no_history", t, rid) for t, rid in no_history)
    return findings


def _check_bulk_row(replay: Replay, check: TableCheck, table: str, rid: str, stored: list[Any],
                    changed: dict[str, str | None] | None) -> list[Finding]:
    """A row a ``bulk`` entry listed: its fields changed since as the history says, and its state with those
    changes undone as the entry's hash says."""
    out = []
    at_import = stored
    if changed:
        undo = replay.first_old.get((table, rid), {})
        at_import = list(stored)
        for i, name in enumerate(check.columns):
            if name in changed:
                if stored[i] != changed[name] and not (stored[i] in (None, "") and changed[name] in (None, "")):
                    out.append(Finding("differs", table, rid, field=name, stored=stored[i], expected=changed[name]))
                at_import[i] = undo.get(name)
    full = bulk.row_hash(rid, at_import)
    replay.full[(table, rid)] = full
    if full[:bulk.SHORT] != replay.covered.get(table, {}).get(rid):
        out.append(Finding("altered", table, rid))
    return out


def bulk_findings(replay: Replay) -> list[Finding]:
    """Each ``bulk`` entry's digest over the rows it listed, once every one of them was compared and none
    differed (a differing row is named by itself)."""
    out = []
    for table, record_id, digest, listing in replay.bulks:
        fulls: dict[str, list[tuple[str, str]]] = {}
        for name, rows in listing.items():
            got = [(rid, replay.full.get((name, rid))) for rid, short in rows]
            if any(full is None or full[:bulk.SHORT] != short for (_r, full), (_r2, short) in zip(got, rows,
                                                                                                   strict=True)):
                break
            fulls[name] = [(rid, str(full)) for rid, full in got]
        else:
            if bulk.digest_of(fulls) != digest:
                out.append(Finding("chain", table, record_id, text=(
                    f"{table_label(table)}（编号{record_id[:8]}）导入的记录与导入时记下的总校验值不符："
                    "导入的记录在程序之外被改动过")))
    return out


def gone(replay: Replay, tables: Iterable[Table]) -> list[Finding]:
    out = []
    for table in tables:
        for rid, (text, _changed) in replay.records.get(table.name, {}).items():
            if text is not None:
                out.append(Finding("missing", table.name, rid))
    return out
