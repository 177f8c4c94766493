"""``verify``: the file, the history chain, 人账相符 (every ledger row against its history), the chain head
kept beside the store, and the evidence attachments. Never raises for a damaged file: the damage is a finding."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy.exc import DBAPIError, SQLAlchemyError

from database import engine as db
from desktop_app.services import audit
from desktop_app.services.integrity import head, ledger
from desktop_app.services.integrity.ledger import Finding, Replay, VerifyCancelled

if TYPE_CHECKING:
    from desktop_app.services.store import Store

#: progress(percent) may return False to cancel.
Progress = Callable[[int], "bool | None"]
_AUDIT_SQL = ('SELECT id, at, "user", node_id, action, table_name, record_id, field, old_value, new_value, '
              "prev_hash, row_hash FROM audit_log ORDER BY id")
MAX_LISTED = 200

# What a damaged file raises (either SQLite driver), reading it or decoding its text.
_DAMAGE: tuple[type[Exception], ...] = (*db.DRIVER_ERRORS, DBAPIError, UnicodeError, ValueError)
_OPEN_ERRORS: tuple[type[Exception], ...] = (DBAPIError, SQLAlchemyError, *db.DRIVER_ERRORS)


@dataclass(frozen=True)
class CheckResult(audit.VerifyResult):
    """``VerifyResult`` with every finding (``message`` is the summary line)."""

    findings: tuple[Finding, ...] = field(default=())
    head_count: int = 0
    head_hash: str = audit.GENESIS

    def lines(self) -> list[str]:
        return [f.message() for f in self.findings]


def _names(conn: Any, replay: Replay, findings: list[Finding]) -> list[Finding]:
    """The student's name or the case for every finding about a record."""
    cache: dict[tuple[str, str], dict[str, Any] | None] = {}

    def values(table: str, rid: str) -> dict[str, Any] | None:
        key = (table, rid)
        if key not in cache:
            found: dict[str, Any] | None = None
            state = replay.records.get(table, {}).get(rid)
            if state is not None and state[0] is not None:
                try:
                    found = {**json.loads(state[0]), **(state[1] or {})}
                except ValueError:
                    found = None
            if found is None:
                try:
                    cur = conn.execute(f'SELECT * FROM "{table}" WHERE id = ?', (rid,))
                    row = cur.fetchone()
                    found = dict(zip([d[0] for d in cur.description], row, strict=True)) if row else None
                except db.DRIVER_ERRORS:
                    found = None
            cache[key] = found
        return cache[key]

    def who(table: str, rid: str, depth: int = 0) -> str:
        row = values(table, rid)
        if row is None or depth > 3:
            return rid[:8]
        if table == "students":
            return str(row.get("name") or rid[:8])
        if table == "cases":
            student = who("students", str(row.get("student_id") or ""), depth + 1)
            return f"{student}的案件（立案日期{row.get('opened_on') or '不详'}）"
        if row.get("case_id"):
            return who("cases", str(row["case_id"]), depth + 1)
        if row.get("student_id"):
            return who("students", str(row["student_id"]), depth + 1)
        return str(row.get("name") or row.get("semester") or rid[:8])

    out = []
    for f in findings:
        if f.record_id and not f.who and f.kind in ("differs", "no_history", "missing"):
            name = who(f.table, f.record_id)
            if f.table == "students" and f.field == "name" and f.expected:
                name = str(f.expected)
            f = Finding(f.kind, f.table, f.record_id, name, f.field, f.stored, f.expected, f.text)
        out.append(f)
    return out


def _remote(conn: Any, findings: list[Finding], replay: Replay) -> list[Finding]:
    """Rows with no local creation whose creation came in a package before received rows got local
    history (stores written before this check existed): replayed from the received history."""
    wanted = [f for f in findings if f.kind == "no_history"]
    if not wanted:
        return findings
    try:
        has = db.has_table(conn, "remote_audit_log")
    except db.DRIVER_ERRORS:
        has = False
    if not has:
        return findings
    keep = [f for f in findings if f.kind != "no_history"]
    sub = Replay()
    by_table: dict[str, list[str]] = {}
    for f in wanted:
        by_table.setdefault(f.table, []).append(f.record_id)
    for table, ids in by_table.items():
        for start in range(0, len(ids), 500):
            chunk = ids[start:start + 500]
            cur = conn.execute(
                "SELECT action, table_name, record_id, field, new_value FROM remote_audit_log "
                f"WHERE table_name = ? AND record_id IN ({','.join('?' * len(chunk))}) ORDER BY id", (table, *chunk))
            for action, t, rid, fld, new in cur.fetchall():
                handler = ledger.ENTRY_KINDS.get(action)
                if handler is not None and action != "event":
                    handler(sub, t, rid, fld, new)
    for table, ids in by_table.items():
        local = replay.records.get(table, {})
        for rid in ids:
            state = sub.records.get(table, {}).get(rid)
            if state is None or state[0] is None:
                keep.append(Finding("no_history", table, rid))
                continue
            mine = local.pop(rid, None)
            if mine is not None and mine[1]:
                state[1] = {**(state[1] or {}), **mine[1]}
    if sub.records:
        tables = [t for t in ledger.ledger_tables() if t.name in sub.records]
        keep += [f for f in ledger.compare_tables(conn, sub, tables, only=True) if f.kind == "differs"]
    return keep


def _bad_blob(conn: Any) -> Finding | None:
    cur = conn.execute("SELECT sha256, size, content FROM evidence_blobs")
    while rows := cur.fetchmany(64):
        for sha, size, content in rows:
            if content is None or len(content) != size or hashlib.sha256(content).hexdigest() != sha:
                names = [r[0] for r in conn.execute(
                    "SELECT file_name FROM evidence_files WHERE sha256 = ? LIMIT 3", (sha,)).fetchall()]
                label = "、".join(f"“{n}”" for n in names) or f"校验值 {str(sha)[:12]}…"
                return Finding("damage", "evidence_files", text=(
                    f"佐证材料{label}的内容与其校验值不符：数据文件在程序之外被改动过，或已损坏"))
    return None


def check_connection(conn: Any, progress: Progress | None = None, data_dir: Path | None = None) -> CheckResult:
    """The whole check on an open DB-API connection (the live store, or an automatic copy).

    Raises:
        VerifyCancelled: ``progress`` returned False.
        sqlite3.Error (or the SQLCipher driver's): the file is damaged (see ``describe_damage``).
    """
    def report(percent: int) -> None:
        if progress is not None and progress(percent) is False:
            raise VerifyCancelled

    report(0)
    on_server = isinstance(conn, db.ServerConnection)
    if not on_server:  # the server keeps its own pages sound (and checksums them)
        status = conn.execute("PRAGMA quick_check").fetchone()[0]
        if status != "ok":
            return CheckResult(False, 0, f"数据文件已损坏（{status}）",
                               (Finding("damage", text=f"数据文件已损坏（{status}）"),))
    present = set(db.table_names(conn))
    tables = ledger.ledger_tables()
    lost = [t.name for t in tables if t.name not in present] + [n for n in ("audit_log",) if n not in present]
    if lost:
        text = f"数据文件缺少数据表：{'、'.join(ledger.table_label(n) for n in lost)}"
        return CheckResult(False, 0, text, (Finding("damage", text=text),))
    total = conn.execute("SELECT max(id) FROM audit_log").fetchone()[0] or 0
    report(2)
    replay, rows, last, broken = ledger.replay_history(
        conn.execute(_AUDIT_SQL), total, lambda n: report(2 + int(60 * n / max(total, 1))))
    if broken is not None:
        return CheckResult(False, rows, broken.text, (broken,), rows - 1, last)
    findings = ledger.compare_tables(conn, replay, tables, lambda n: report(62 + int(35 * n / len(tables))))
    findings = _remote(conn, findings, replay)
    findings += ledger.gone(replay, tables)
    if "evidence_blobs" in present and (bad := _bad_blob(conn)) is not None:
        findings.append(bad)
    # on a server the head file is this PC's: a PC that has not written yet has none
    announced = replay.head_announced and not on_server
    if data_dir is not None and (cut := head.compare(data_dir, conn, announced)) is not None:
        findings.insert(0, cut)
    findings = _names(conn, replay, findings)
    report(100)
    if findings:
        notes = [Finding("note", text=f"{at} {user} 曾用命令行 sql --write 直接执行：{sql}")
                 for at, user, sql in replay.sql_events]
        findings += notes
        n = len(findings) - len(notes)
        summary = findings[0].message() if n == 1 else f"发现{n}处数据与历史记录不符（人账不符）"
        return CheckResult(False, rows, summary, tuple(findings), rows, last)
    return CheckResult(True, rows, f"校验通过：历史记录共{rows}条，台账与历史记录相符，未发现篡改", (), rows, last)


def run(store: Store, progress: Progress | None = None) -> CheckResult:
    """``check_connection`` on the live store; damage becomes one finding naming it."""
    try:
        raw = store.engine.raw_connection()
    except _OPEN_ERRORS as exc:
        return damaged(store, exc)
    try:
        conn: Any = raw.driver_connection
        if store.is_server:
            conn = db.ServerConnection(conn)
            conn.rollback()
            conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")  # one snapshot
        else:
            conn.execute("BEGIN")  # one consistent snapshot of history and ledger
        try:
            result = check_connection(conn, progress, store.data_dir)
        finally:
            conn.rollback() if store.is_server else conn.execute("ROLLBACK")
    except VerifyCancelled:
        raise
    except _DAMAGE as exc:
        return damaged(store, exc)
    finally:
        raw.close()
    if result.findings and result.findings[0].kind == "damage" and not result.rows:
        return damaged(store, None, result.findings[0].text)  # with the newest good automatic copy
    return result


def damaged(store: Store, exc: BaseException | None, what: str = "") -> CheckResult:
    from desktop_app.services.integrity import rescue

    text = rescue.damage_message(store.data_dir, exc, what, store.key)
    return CheckResult(False, 0, text, (Finding("damage", text=text),))
