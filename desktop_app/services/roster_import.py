"""Roster import (花名册导入) for the census: preview, column mapping, and the import itself.

The roster streams from ``roster_reader`` row by row into one transaction, in chunks: a roster of a
million rows is imported in bounded memory (the children already met are remembered in a set up to
``SEEN_IN_MEMORY``, beyond that in a temporary table of the transaction; the rejected rows go
straight into the error report's workbook on disk). The history of the rows it adds is one ``bulk``
entry listing them with a digest over them (``integrity.bulk``; a roster of more than 100,000
children: one per ``ENTRY_ROWS`` rows), not one row per child. ``desktop_app.services.census``
re-exports these names.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import gc
import operator
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import select, update

from database import engine as db
from database.census import RosterImport, RosterMember
from database.models import AuditEntry, Student, ordered_ids, utcnow
from desktop_app.domain.census import (
    ROSTER_LABELS,
    RosterKind,
    RosterRecord,
    cell_text,
    clean_row,
    fields_for,
    guess_mapping,
    header_key,
)
from desktop_app.domain.errors import FieldError, ValidationError
from desktop_app.domain.names import name_initials, name_pinyin
from desktop_app.domain.semester import default_span
from desktop_app.services import audit, backup, roster_reader, semesters, settings, workfiles
from desktop_app.services.access import Permission, require
from desktop_app.services.integrity.bulk import BulkEntry
from desktop_app.services.store import Store

if TYPE_CHECKING:
    from desktop_app.reports.roster_report import ErrorReport

MAPPING_KEYS = {kind.value: settings.declare(f"census.mapping.{kind.value}", f"{kind.label}列对应", {})
                for kind in RosterKind}

Progress = Callable[[int, int], bool]
KEPT_REJECTIONS = 2000  # rejected rows listed in the result (the error report holds every one)
CHUNK = 5000  # rows matched and written at a time
SEEN_IN_MEMORY = 500_000  # children of one import remembered in memory to find duplicates (beyond: a temporary table)
ENTRY_ROWS = 200_000  # rows one history entry lists (a roster of up to 100,000 children: one entry)


class ImportCancelled(Exception):
    """The user cancelled an import; nothing was saved."""


@dataclass
class RosterPreview:
    """What the import dialog shows before importing: headers, the first rows, the column mapping."""

    kind: str
    headers: list[str]
    rows: list[list[str]]
    mapping: dict[str, int]
    header_row: int
    total_rows: int
    raw_rows: list[tuple[int, list[Any]]] = field(default_factory=list)  # (sheet row, cells) of ``rows``
    problems: dict[int, str] = field(default_factory=dict)  # sheet row → why it cannot be read (too long …)

    def check(self, mapping: dict[str, int]) -> list[str]:
        """What importing would make of each previewed row with ``mapping``: 可导入 (with the birth date as it
        will be read: a date typed as text or an Excel serial) or 拒绝 and the reason. Duplicates are
        only found by the import itself."""
        out = []
        today = dt.date.today()
        for row_number, cells in self.raw_rows:
            if problem := self.problems.get(row_number):
                out.append(f"拒绝：{problem}")
                continue
            record, reason = clean_row(self.kind, row_number,
                                       {k: cells[c] if 0 <= c < len(cells) else None for k, c in mapping.items()},
                                       today)
            if record is None:
                out.append(f"拒绝：{reason}")
            else:
                out.append(f"可导入（出生日期 {record.birth_date.isoformat()}）" if record.birth_date else "可导入")
        return out


def _resolve_mapping(store: Store, kind: str, headers: list[str]) -> dict[str, int]:
    """The remembered mapping (by header text) where the headers match, else a guess."""
    mapping = guess_mapping(kind, headers)
    remembered: dict[str, str] = settings.get(store, MAPPING_KEYS[kind].key) or {}
    keys = [header_key(h) for h in headers]
    for fkey, header in remembered.items():
        if header_key(header) in keys:
            mapping[fkey] = keys.index(header_key(header))
    return mapping


def preview_roster(store: Store, path: str | Path, kind: str, limit: int = 20) -> RosterPreview:
    """Read a roster (streamed: only the first ``limit`` rows are kept) and guess where its columns go."""
    _check_kind(kind)
    roster = roster_reader.open_roster(path)
    info = roster_reader.locate_header(kind, roster.head)
    raw: list[tuple[int, list[Any]]] = []
    problems: dict[int, str] = {}
    total = 0
    for number, cells, problem in roster_reader.data_rows(roster, info):
        total += 1
        if len(raw) < limit:
            if problem:
                problems[number] = problem
                cells = [c[:50] + "…" if isinstance(c, str) and len(c) > 50 else c for c in cells[:len(info.headers)]]
            raw.append((number, cells))
    shown = [[cell_text(c) for c in cells] for _n, cells in raw]
    return RosterPreview(kind, info.headers, shown, _resolve_mapping(store, kind, info.headers),
                         info.header_row, total, raw_rows=raw, problems=problems)


def _mapping_setting(headers: list[str], mapping: dict[str, int]) -> dict[str, str]:
    """A column mapping as remembered: field key → header text (so it survives columns moving)."""
    return {k: headers[i] for k, i in mapping.items() if 0 <= i < len(headers) and headers[i]}


@dataclass
class ImportResult:
    accepted: int
    rejected: int
    duplicates: int
    report_path: Path | None = None
    rejected_rows: list[tuple[int, str]] = field(default_factory=list)  # (sheet row, reason): the first ones
    report_note: str = ""  # why the error report is not where it was asked for (the rows were imported)

    def summary(self) -> str:
        return f"接受 {self.accepted} 行，拒绝 {self.rejected} 行，重复 {self.duplicates} 行"


def _check_kind(kind: str) -> None:
    if kind not in ROSTER_LABELS:
        raise ValidationError(f"未知的名册类型“{kind}”")


def _mapping_errors(kind: str, mapping: dict[str, int]) -> list[FieldError]:
    errs = []
    for f in fields_for(kind):
        if f.required and f.key not in mapping:
            errs.append(FieldError(f.key, f"请为“{f.label}”选择对应的列"))
    if "id_number" not in mapping and "birth_date" not in mapping:
        errs.append(FieldError("id_number", "请为“身份证号码”选择对应的列（没有身份证号码列时至少要有出生日期列）"))
    return errs


@functools.lru_cache(maxsize=16384)
def _char_pinyin(ch: str) -> tuple[str, str]:
    return name_initials(ch), name_pinyin(ch)


@functools.lru_cache(maxsize=65536)
def _pinyin(name: str) -> tuple[str, str]:
    """Search keys of a name, character by character (cached: bulk imports meet the same names and
    characters often).

    The form recomputes them from the whole name when a case is saved.
    """
    parts = [_char_pinyin(ch) for ch in name]
    return "".join(p[0] for p in parts), "".join(p[1] for p in parts)


class _Rows:
    """The roster's data rows cleaned one by one: accepted records out, rejected rows into the report."""

    def __init__(self, roster: roster_reader.RosterFile, info: roster_reader.HeaderInfo, kind: str,
                 mapping: dict[str, int], report: Callable[[int], None], total: int) -> None:
        self.roster, self.info, self.kind = roster, info, kind
        self.columns = list(mapping.items())
        self.report, self.total = report, total
        self.rejected = 0
        self.kept: list[tuple[int, str]] = []
        self.errors: ErrorReport | None = None
        self.today = dt.date.today()

    def _reject(self, number: int, cells: list[Any], reason: str) -> None:
        self.rejected += 1
        if len(self.kept) < KEPT_REJECTIONS:
            self.kept.append((number, reason))
        if self.errors is None:
            from desktop_app.reports.roster_report import STYLED_HEADER_BELOW, ErrorReport  # openpyxl: when needed

            self.errors = ErrorReport(self.info.headers, styled=self.total < STYLED_HEADER_BELOW)
        self.errors.add(number, cells, reason)

    def records(self) -> Iterator[RosterRecord]:
        step = max(self.total // 50, 500)
        columns, kind, today = self.columns, self.kind, self.today
        keys = [k for k, _c in columns]
        width = max((c for _k, c in columns), default=-1) + 1  # a row this long has every mapped cell
        pick = operator.itemgetter(*(c for _k, c in columns)) if len(columns) > 1 else None
        for i, (number, cells, problem) in enumerate(roster_reader.data_rows(self.roster, self.info)):
            if i % step == 0:
                self.report(i)
            if problem:
                self._reject(number, cells, problem)
                continue
            if pick is not None and len(cells) >= width:
                mapped = dict(zip(keys, pick(cells), strict=True))
            else:
                mapped = {k: cells[c] if c < len(cells) else None for k, c in columns}
            record, reason = clean_row(kind, number, mapped, today)
            if record is None:
                self._reject(number, cells, reason)
                continue
            yield record


def _first_pass(roster: roster_reader.RosterFile, info: roster_reader.HeaderInfo, kind: str,
                mapping: dict[str, int]) -> tuple[int, bool]:
    """The number of data rows (for the progress: a workbook's sheet says it without being read, blank rows
    included) and whether any is acceptable (streamed up to the first that is, nothing kept)."""
    columns = list(mapping.items())
    today = dt.date.today()
    height = roster.height()
    total, acceptable = 0, False
    for number, cells, problem in roster_reader.data_rows(roster, info):
        total += 1
        if not acceptable and not problem:
            record, _reason = clean_row(kind, number, {k: cells[c] if c < len(cells) else None for k, c in columns},
                                        today)
            acceptable = record is not None
            if acceptable and height is not None:
                return max(height - info.data_start, total), True
    return total, acceptable


def import_roster(store: Store, path: str | Path, kind: str, *, mapping: dict[str, int] | None = None,
                  semester: str | None = None, report_path: str | Path | None = None,
                  progress: Progress | None = None, remember: bool = True) -> ImportResult:
    """Import a roster in one transaction; rows already present (same child on the same list) add nothing.

    The file is read twice as a stream (counting, then importing), never whole: memory stays bounded
    whatever its size. A row with an overlong cell is refused like any bad row, into the error report.

    Args:
        mapping: field key → column index; None uses the remembered mapping or a guess.
        semester: the semester of an enrolment roster (default: the current one).
        report_path: where to write the rejected rows (default: beside the file, ``…-未导入的行.xlsx``).
        progress: ``progress(done, total)``; returning False cancels (nothing is saved).

    Raises:
        RosterFileError: the file cannot be read (corrupt, encrypted, wrong type, past a limit).
        ValidationError: a required column is not mapped.
        ImportCancelled: the user cancelled.
    """
    _check_kind(kind)
    inst = store.installation()
    # a school's rosters are its records; the district's own (household registers, monitored households) feed
    # 全区联查, the district administrator's work
    require(store, Permission.MATCH if inst is not None and inst.kind == "district" else Permission.EDIT_RECORDS)
    if semester:
        try:
            default_span(semester)
        except ValueError as exc:
            raise ValidationError(FieldError("semester", f"学期名称应如“2026秋”或“2027春”，不是“{semester}”")) from exc
    path = Path(path)
    roster = roster_reader.open_roster(path)
    info = roster_reader.locate_header(kind, roster.head)
    if mapping is None:
        mapping = _resolve_mapping(store, kind, info.headers)
    if errs := _mapping_errors(kind, mapping):
        raise ValidationError(errs)
    total, acceptable = _first_pass(roster, info, kind, mapping)

    def report(done: int) -> None:
        if progress and progress(done, total * 2) is False:
            raise ImportCancelled

    report(0)
    digest = roster_reader.stream_sha256(path)
    member_semester = (semester or semesters.current(store).name) if kind == RosterKind.ENROLLED.value else ""
    if acceptable:
        backup.before_import(store, "花名册")  # a checked copy of the store before anything is written
    remembered = (MAPPING_KEYS[kind].key, _mapping_setting(info.headers, mapping)) if remember else None
    rows = _Rows(roster, info, kind, mapping, lambda d: report(total + d), total)
    try:
        with _cycles_uncollected():
            added, existing, duplicates = _write_roster(store, kind, member_semester, path.name, digest, rows,
                                                        remembered)
    except BaseException:
        if rows.errors is not None:
            rows.errors.discard()
        raise
    store.checkpoint_soon()
    result = ImportResult(added, rows.rejected, duplicates + existing, rejected_rows=rows.kept)
    if rows.errors is not None:
        target = Path(report_path) if report_path else path.with_name(f"{path.stem}-未导入的行.xlsx")
        _write_report(store, result, target, rows.errors)
    return result


@contextlib.contextmanager
def _cycles_uncollected() -> Iterator[None]:
    """Python's collector of reference cycles paused while rows stream in: every row makes a few container
    objects that live until its chunk is written, and the collector would walk all of them again and again
    (about a tenth of a large import's time); the import makes no cycles it needs collected meanwhile."""
    paused = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if paused:
            gc.enable()


def _write_report(store: Store, result: ImportResult, target: Path, errors: ErrorReport) -> None:
    """The error report beside the roster; when that cannot be written (the old report still open in Excel,
    a write-protected or full drive) into the data folder instead, saying why. The import itself stands.

    The workbook is saved once, into a work file of the data folder (0600), then copied."""
    try:
        with workfiles.work_file(store.data_dir, "导入错误报告", ".xlsx") as temp:
            errors.save(temp)
            try:
                result.report_path = workfiles.copy_out(temp, target)
                return
            except OSError as exc:
                reason = exc.strerror or type(exc).__name__
            fallback = store.data_dir / "导入错误报告" / f"{target.stem}-{dt.datetime.now():%Y%m%d-%H%M%S}.xlsx"
            try:
                workfiles.private_dir(fallback.parent)
                result.report_path = workfiles.copy_out(temp, fallback)
                result.report_note = (f"无法写入 {target}（{reason}；如该文件正在 Excel 中打开，请先关闭），"
                                      f"未导入的行已改存到 {fallback}")
            except OSError as exc:
                result.report_note = (f"名册已导入，但未导入的行的报告无法写出（{target}：{reason}；"
                                      f"{fallback.parent}：{exc.strerror or type(exc).__name__}）")
    except OSError as exc:
        result.report_note = f"名册已导入，但未导入的行的报告无法写出：{exc.strerror or type(exc).__name__}"


_STUDENT_FIELDS = ("name", "name_initials", "name_pinyin", "id_number", "sex", "birth_date", "guardian1_name",
                   "guardian1_phone", "hukou_township", "hukou_detail", "village", "student_number")
_MEMBER_EXTRA = ("grade", "class_name", "school", "household_type", "disability", "disability_grade", "certificate")
_MEMBER_FIELDS = ("student_id", "kind", "semester", "import_id", *_MEMBER_EXTRA)

_FILLABLE = {  # student column ← record attribute: filled on an existing student only where empty
    "guardian1_name": "guardian_name", "guardian1_phone": "guardian_phone",
    "hukou_township": "township", "hukou_detail": "address", "village": "village",
}
_SEEN_TABLE = "temp.baoxue_roster_seen"


def _chunks(records: Iterator[RosterRecord], size: int) -> Iterator[list[RosterRecord]]:
    chunk: list[RosterRecord] = []
    for record in records:
        chunk.append(record)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _write_roster(store: Store, kind: str, semester: str, file_name: str, digest: str, rows: _Rows,
                  remembered: tuple[str, dict[str, str]] | None = None) -> tuple[int, int, int]:
    """Insert new students and roster members with their history (a ``bulk`` entry per chunk listing its new
    rows with their hashes, see ``integrity.bulk``; an ``update`` row per field filled in or entry revived), and remember
    the column mapping (``remembered``: setting key and value), all in one transaction, chunk by chunk as the
    rows stream in; returns (added, already there, duplicates within the file)."""
    inst = store.installation()
    node = inst.node_id if inst else ""
    now = utcnow()
    stamp = _sql_value(now)
    meta = {"created_at": stamp, "updated_at": stamp, "updated_by": store.user, "node_id": node, "version": 1}
    with store.write() as session:
        conn = session.connection()
        conn.exec_driver_sql("PRAGMA cache_size=-65536")  # 64 MB page cache: large index inserts
        db.checkpoint_later(conn)  # the store file is written from the log beside the user's next steps
        seen = _Seen(conn)  # the rows met so far in this file, by match key
        next_id = ordered_ids().__next__
        import_id = next_id()
        state = _WriteState(store.user, node, now, stamp, meta, kind, semester, import_id, audit.last_hash(session))
        # a store without children yet (the first census): no row of the file can match one already there
        state.matching = session.execute(select(Student.id).limit(1)).first() is not None
        try:
            for chunk in _chunks(rows.records(), CHUNK):
                fresh = seen.unseen(chunk)
                state.duplicates += len(chunk) - len(fresh)
                state.write_chunk(session, conn, fresh, next_id)
        finally:
            seen.close()
        if not state.added and not state.filled:
            if remembered:
                settings.put_in(session, store.user, *remembered)
            rows.report(rows.total)  # the last word on cancelling: still inside the transaction
            return 0, state.existing, state.duplicates
        import_values = {
            "kind": kind, "semester": semester, "file_name": file_name, "file_sha256": digest,
            "accepted": state.added, "rejected": rows.rejected, "duplicates": state.duplicates + state.existing,
        }
        _insert_row(conn, RosterImport.__table__, {"id": import_id, **import_values, **meta})
        state.changes.append(audit.Change("insert", "roster_imports", import_id, "*", None,
                                          audit.snapshot_text({k: audit.to_text(v) for k, v in import_values.items()})))
        state.flush(conn, last=True)
        if remembered:  # part of the import (a teacher may import): chained after the rows above
            settings.put_in(session, store.user, *remembered)
        rows.report(rows.total)  # the last word on cancelling: still inside the transaction
        return state.added, state.existing, state.duplicates


class _Seen:
    """The children this import has met so far, by match key: in memory up to ``SEEN_IN_MEMORY`` keys (a
    set: one look-up per row in Python), beyond that also in the transaction's temporary table (a roster of
    millions of rows stays in bounded memory), looked up and filled a chunk at a time."""

    def __init__(self, conn: Any) -> None:
        self.conn = conn
        self.keys: set[str] = set()
        self.cursor: Any = None  # the temporary table's, once the set is full

    def _spill(self) -> None:
        rowid = "" if db.is_server(self.conn) else " WITHOUT ROWID"
        self.conn.exec_driver_sql(f"CREATE TABLE IF NOT EXISTS {_SEEN_TABLE} (key TEXT PRIMARY KEY){rowid}")
        self.conn.exec_driver_sql(f"DELETE FROM {_SEEN_TABLE}")
        self.cursor = db.dbapi(self.conn).cursor()

    def unseen(self, chunk: list[RosterRecord]) -> list[RosterRecord]:
        """The records of ``chunk`` whose child this import has not met yet (first of each within the chunk),
        noted as met."""
        keys = self.keys
        by_key: dict[str, RosterRecord] = {}
        for rec in chunk:
            key = "\x1f".join(rec.match_key())
            if key not in keys:
                by_key.setdefault(key, rec)
        if self.cursor is None and len(keys) + len(by_key) > SEEN_IN_MEMORY:
            self._spill()
        if self.cursor is not None:
            fresh = list(by_key)
            for start in range(0, len(fresh), 900):
                part = fresh[start:start + 900]
                self.cursor.execute(f"SELECT key FROM {_SEEN_TABLE} WHERE key IN ({','.join('?' * len(part))})",
                                    part)
                for (key,) in self.cursor.fetchall():
                    del by_key[key]
            self.cursor.executemany(f"INSERT INTO {_SEEN_TABLE} VALUES (?)", [(k,) for k in by_key])
        else:
            keys.update(by_key)
        return list(by_key.values())

    def close(self) -> None:
        if self.cursor is not None:
            self.cursor.close()
            self.conn.exec_driver_sql(f"DROP TABLE IF EXISTS {_SEEN_TABLE}")
        self.keys.clear()


class _WriteState:
    """What one import has written so far, and the rows and history waiting to be flushed."""

    def __init__(self, user: str, node: str, now: dt.datetime, stamp: Any, meta: dict[str, Any], kind: str,
                 semester: str, import_id: str, prev: str) -> None:
        self.user, self.node, self.now, self.stamp = user, node, now, stamp
        self.kind, self.semester, self.import_id, self.prev = kind, semester, import_id, prev
        self.added = self.existing = self.duplicates = self.filled = 0
        self.students: list[tuple[Any, ...]] = []  # rows: id, _STUDENT_FIELDS, meta, defaults
        self.members: list[tuple[Any, ...]] = []  # rows: id, _MEMBER_FIELDS, voided, void_reason, meta, defaults
        self.changes: list[audit.Change | tuple[Any, ...]] = []
        self.bulk = BulkEntry()  # the new rows: a history entry per ENTRY_ROWS rows with a digest over them
        self.matching = True  # whether the store held children before the import (else nothing to match)
        (self.student_sql, defaults), self.student_columns = _insert_sql(Student.__table__,
                                                                         ["id", *_STUDENT_FIELDS, *meta])
        self.student_tail = (*meta.values(), *defaults)  # meta, the columns left to their defaults
        (self.member_sql, defaults), self.member_columns = _insert_sql(
            RosterMember.__table__, ["id", *_MEMBER_FIELDS, "voided", "void_reason", *meta])
        self.member_tail = (0, "", *meta.values(), *defaults)  # voided, void_reason, meta, defaults

    def flush(self, conn: Any, last: bool = False) -> None:
        """Write the rows gathered so far and the other history (fills, revived entries), and let them go
        (bounded memory); the rows are hashed as stored into the history entry listing them
        (``integrity.bulk``), written once it lists ``ENTRY_ROWS`` rows, and at the ``last`` flush."""
        for sql, columns, rows, table, fixed_from in (
                (self.student_sql, self.student_columns, self.students, "students", 1 + len(_STUDENT_FIELDS)),
                (self.member_sql, self.member_columns, self.members, "roster_members", 1 + len(_MEMBER_FIELDS))):
            if rows:  # each row: id, values, then the tail (the same in every row)
                conn.exec_driver_sql(sql, rows)
                self.bulk.add(table, columns, rows, fixed_from)
        if (last or len(self.bulk) >= ENTRY_ROWS) and (entry := self.bulk.take("roster_imports",
                                                                              self.import_id)) is not None:
            self.changes.insert(0, entry)
        rows = audit.chained_tuples(self.changes, self.prev, self.user, self.node, self.now, self.stamp)
        if rows:
            self.prev = rows[-1][-1]
            conn.exec_driver_sql(_AUDIT_INSERT, rows)
        self.students.clear()
        self.members.clear()
        self.changes.clear()

    def write_chunk(self, session: Any, conn: Any, records: list[RosterRecord], next_id: Callable[[], str]) -> None:
        """Match one chunk of new rows against the store and write it (and what came before it)."""
        by_key = self._existing(session, records) if self.matching else {}
        sids = [v[0] for v in by_key.values()]
        voided_members: dict[str, tuple[str, str | None, str]] = {}  # student -> (entry, its import, void reason)
        members: set[str] = set()
        for start in range(0, len(sids), 900):
            for member_id, student_id, voided, old_import, reason in session.execute(
                select(RosterMember.id, RosterMember.student_id, RosterMember.voided, RosterMember.import_id,
                       RosterMember.void_reason)
                .where(RosterMember.kind == self.kind, RosterMember.semester == self.semester,
                       RosterMember.student_id.in_(sids[start:start + 900]))
            ):
                if voided:
                    voided_members.setdefault(student_id, (member_id, old_import, reason))
                else:
                    members.add(student_id)
        revived: list[tuple[str, str | None, str]] = []
        fills: list[tuple[str, str, Any, Any]] = []
        no_extra = ("",) * len(_MEMBER_EXTRA)
        for rec in records:
            id_number = rec.id_number
            found = by_key.get(rec.match_key()) if by_key else None
            extra = rec.extra
            if found is None:  # a child new to the store (rows were deduplicated: met once per import)
                sid = next_id()
                initials, pinyin = _pinyin(rec.name)
                student_values = (rec.name, initials, pinyin, id_number, rec.sex,
                                  rec.birth_date.isoformat() if rec.birth_date else None,  # as stored
                                  rec.guardian_name, rec.guardian_phone, rec.township, rec.address, rec.village,
                                  extra.get("student_number", ""))
                self.students.append((sid, *student_values, *self.student_tail))
            else:
                sid, current = found
                for column, attr in _FILLABLE.items():
                    value = getattr(rec, attr)
                    if value and not current.get(column):
                        fills.append((sid, column, current.get(column), value))
                        current[column] = value
                if sid in members:
                    self.existing += 1
                    continue
                members.add(sid)
                if sid in voided_members:  # on a list whose import was voided: this import brings it back
                    revived.append(voided_members.pop(sid))
                    self.added += 1
                    continue
            mid = next_id()
            member_values = (sid, self.kind, self.semester, self.import_id,
                             *(tuple(extra.get(k, "") for k in _MEMBER_EXTRA) if extra else no_extra))
            self.members.append((mid, *member_values, *self.member_tail))
            self.added += 1
        for mid, old_import, reason in revived:
            session.execute(update(RosterMember).where(RosterMember.id == mid).values(
                voided=False, void_reason="", import_id=self.import_id, updated_at=self.now, updated_by=self.user,
                version=RosterMember.version + 1))
            self.changes.append(audit.Change("update", "roster_members", mid, "voided", "是", "否"))
            self.changes.append(audit.Change("update", "roster_members", mid, "import_id", old_import, self.import_id))
            self.changes.append(audit.Change("update", "roster_members", mid, "void_reason", reason or None, ""))
        for sid, column, old, value in fills:
            session.execute(update(Student).where(Student.id == sid).values(
                {column: value, "updated_at": self.now, "updated_by": self.user, "version": Student.version + 1}
            ))
            self.changes.append(audit.Change("update", "students", sid, column, audit.to_text(old),
                                             audit.to_text(value)))
        self.filled += len(fills)
        self.flush(conn)  # the next chunk sees this one's students and members

    def _existing(self, session: Any, records: list[RosterRecord]) -> dict[tuple[str, ...], tuple[str, dict[str, Any]]]:
        """The chunk's children already in the store, by match key: (student id, fillable columns)."""
        found: dict[tuple[str, ...], tuple[str, dict[str, Any]]] = {}
        fillable = [getattr(Student, c) for c in _FILLABLE]
        ids = [r.id_number for r in records if r.id_number]
        for start in range(0, len(ids), 900):
            for row in session.execute(select(Student.id, Student.id_number, *fillable)
                                       .where(Student.id_number.in_(ids[start:start + 900]))):
                found.setdefault(("id", row.id_number), (row.id, dict(row._mapping)))
        names = sorted({r.name for r in records if not r.id_number})
        for start in range(0, len(names), 900):
            for row in session.execute(
                select(Student.id, Student.name, Student.birth_date, *fillable)
                .where(Student.id_number == "", Student.name.in_(names[start:start + 900]))
            ):
                key = ("nbg", row.name, row.birth_date.isoformat() if row.birth_date else "", row.guardian1_name)
                found[key] = (row.id, dict(row._mapping))
        return found


def _sql_value(value: Any) -> Any:
    """A value as SQLAlchemy's SQLite types store it (dates and times as ISO text, booleans as 0/1)."""
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S.%f")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, bool):
        return int(value)
    return value


def _insert_sql(table: Any, keys: list[str]) -> tuple[tuple[str, tuple[Any, ...]], tuple[str, ...]]:
    """INSERT of ``keys`` plus the columns left out that have a scalar default, and those defaults' values;
    and the names of all the columns it writes, in order."""
    defaults = {c.name: c.default.arg for c in table.columns
                if c.name not in keys and c.default is not None and c.default.is_scalar}
    names = (*keys, *defaults)
    sql = f"INSERT INTO {table.name} ({', '.join(names)}) VALUES ({', '.join('?' * len(names))})"
    return (sql, tuple(_sql_value(v) for v in defaults.values())), names


def _insert_row(conn: Any, table: Any, values: dict[str, Any]) -> None:
    """One INSERT of ``values`` (already in stored forms); columns left out take their declared scalar default."""
    (sql, extra), _names = _insert_sql(table, list(values))
    conn.exec_driver_sql(sql, (*values.values(), *extra))


_AUDIT_INSERT = (f"INSERT INTO {AuditEntry.__tablename__} ({audit.AUDIT_COLUMNS_SQL}) "
                 f"VALUES ({', '.join('?' * len(audit.AUDIT_COLUMNS))})")
