"""The district's answers sent back to each school as proposals (联查建议, ``match_proposals``).

After each run (in its transaction), every current match about a school's own child becomes, or updates,
one proposal for that school: one per child and kind (the first match found), and for 重复立案 one per
school of the pair. A proposal carries the child's own record id, the kind, the answer, the name of the
school where the child was found and the grade there: nothing else of another school's child. Its owner
row (``sync_record_owners``) names the child's school, so only that school's package carries it, and that
school decides on it; the decision (accepted, or rejected with a reason) comes back in its next package.

A proposal no longer found by a later run is marked withdrawn (``withdrawn``), never deleted.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Boolean, Date, DateTime, func, select
from sqlalchemy.orm import Session

from database.matching import DistrictMatch, MatchProposal
from database.models import Base, Student, utcnow
from database.sync import Peer, RecordOwner
from desktop_app.domain import proposals as P
from desktop_app.domain.roles import Purpose
from desktop_app.services import audit, privacy
from desktop_app.services.matching import kinds
from desktop_app.services.matching.storage import CURRENT
from desktop_app.services.store import Store

TABLE = "match_proposals"
_NAMESPACE = uuid.UUID("6f1d3c52-5b7e-4d2a-9a61-0c7f4e1b2a90")  # proposal ids: the same answer keeps its row


def proposal_id(semester: str, kind: str, student_id: str, other_student_id: str = "") -> str:
    key = "|".join((semester, kind, student_id, other_student_id if kind == P.DUPLICATE else ""))
    return str(uuid.uuid5(_NAMESPACE, key))


@dataclass(frozen=True)
class _Answer:
    id: str
    node: str  # the child's school
    student_id: str
    kind: str
    result: str
    found_school: str
    found_grade: str
    method: str


def _answers(session: Session, semester: str) -> list[_Answer]:
    """This semester's current matches about schools' own children, as the answers each school gets."""
    names = {p.node_id: p.name for p in session.execute(select(Peer).where(Peer.kind == "school")).scalars()
             if p.node_id}
    dm = DistrictMatch
    rows = session.connection().execute(
        select(dm.kind, dm.result, dm.student_id, dm.school_node, dm.other_student_id, dm.other_node, dm.grade,
               dm.method)
        .where(dm.semester == semester, dm.status == CURRENT, dm.kind.in_(P.KINDS), dm.school_node != "")
        .order_by(dm.id)).all()
    out: dict[str, _Answer] = {}
    for kind, result, student, node, other_student, other_node, grade, method in rows:
        if node not in names:
            continue
        if result == kinds.NOT_FOUND:
            found = _Answer(proposal_id(semester, kind, student), node, student, kind, result, "", "", "")
            out.setdefault(found.id, found)
            continue
        if other_node not in names or (other_node == node and kind != P.DUPLICATE):
            continue  # found at the district's own rows, or a 九年一贯制's own leaver (it sees that itself)
        if kind == P.DUPLICATE:  # both schools are told, each about its own child
            for mine, my_node, theirs, their_node in ((student, node, other_student, other_node),
                                                      (other_student, other_node, student, node)):
                pid = proposal_id(semester, kind, mine, theirs)
                out.setdefault(pid, _Answer(pid, my_node, mine, kind, result, names[their_node], "", method))
            continue
        pid = proposal_id(semester, kind, student)
        out.setdefault(pid, _Answer(pid, node, student, kind, result, names[other_node], grade or "", method or ""))
    return list(out.values())


_SNAPSHOT_FIELDS = ("id", "semester", "kind", "result", "student_id", "found_school", "found_grade", "method",
                    "matched_on", "withdrawn", "status", "decided_on", "decided_by", "reason")
_META = ("created_at", "updated_at", "updated_by", "node_id", "version")
_enc = json.encoder.encode_basestring  # as audit.snapshot_text writes each text
_SNAPSHOT_ORDER = sorted(range(len(_SNAPSHOT_FIELDS)), key=_SNAPSHOT_FIELDS.__getitem__)
_SNAPSHOT_TEMPLATE = "{" + ", ".join(f"{_enc(_SNAPSHOT_FIELDS[i])}: %s" for i in _SNAPSHOT_ORDER) + "}"


def _snapshot(texts: tuple[str | None, ...]) -> str:
    """``audit.snapshot_text`` of a new proposal's values (already as ``audit.to_text`` gives them), byte for
    byte, without a dict per row (a district's first run writes tens of thousands)."""
    return _SNAPSHOT_TEMPLATE % tuple("null" if (v := texts[i]) is None else _enc(v) for i in _SNAPSHOT_ORDER)


RAW_DIALECTS = ("sqlite",)  # where the bulk rows go to the driver as stored (elsewhere: through Core)


def _insert_many(conn: Any, name: str, columns: tuple[str, ...], rows: list[tuple[Any, ...]]) -> None:
    """One executemany: on SQLite straight to the driver (values as SQLite stores them: ISO texts, 0/1),
    elsewhere through Core, which converts them for the column types."""
    table = Base.metadata.tables[name]
    if conn.dialect.name in RAW_DIALECTS:
        conn.exec_driver_sql(f"INSERT INTO {table.name} ({', '.join(columns)}) "
                             f"VALUES ({', '.join('?' * len(columns))})", rows)
        return
    loaders = [_loader(table.c[c]) for c in columns]
    conn.execute(table.insert(), [{c: load(v) for c, load, v in zip(columns, loaders, row, strict=True)}
                                  for row in rows])


def _loader(column: Any) -> Any:
    kind = column.type
    if isinstance(kind, DateTime):
        return lambda v: dt.datetime.fromisoformat(v) if isinstance(v, str) else v
    if isinstance(kind, Date):
        return lambda v: dt.date.fromisoformat(v) if isinstance(v, str) else v
    if isinstance(kind, Boolean):
        return lambda v: v if v is None else bool(v)
    return lambda v: v


def _stored(at: dt.datetime) -> str:
    """A time as SQLAlchemy's SQLite DateTime stores it."""
    return at.strftime("%Y-%m-%d %H:%M:%S.%f")


def publish(session: Session, semester: str, today: dt.date) -> int:
    """Make or update this semester's proposals from the current matches; withdraw those not found any more.

    Runs in the matching's transaction. New proposals (all of them on the first run: tens of thousands in a
    large district) are written in bulk with their history rows; the few that change on a later run go
    through the ORM, whose hook writes their history. Returns how many proposals are new or changed.
    """
    mp = MatchProposal
    conn = session.connection()
    answers = _answers(session, semester)
    existing: dict[str, tuple[Any, ...]] = {r[0]: tuple(r) for r in conn.execute(
        select(mp.id, mp.result, mp.found_school, mp.found_grade, mp.method, mp.withdrawn, mp.status)
        .where(mp.semester == semester))}
    owners = {rid for (rid,) in conn.execute(
        select(RecordOwner.record_id).where(RecordOwner.table_name == TABLE))} if existing else set()
    user, node = session.info.get("user", ""), session.info.get("node_id", "")
    now = utcnow()
    meta = (_stored(now), _stored(now), user, node, 1)
    day = today.isoformat()
    new_rows: list[tuple[Any, ...]] = []
    new_owners: list[tuple[str, str, str, str]] = []
    history: list[audit.Change] = []
    changed: dict[str, dict[str, Any]] = {}
    wanted: set[str] = set()
    for a in answers:
        wanted.add(a.id)
        row = existing.get(a.id)
        if row is None:
            initial = P.PENDING if a.result in P.ACTIONABLE else P.NOTICE
            new_rows.append((a.id, semester, a.kind, a.result, a.student_id, a.found_school, a.found_grade, a.method,
                             day, 0, initial, None, "", "", *meta))
            history.append(audit.Change("insert", TABLE, a.id, "*", None, _snapshot((
                a.id, semester, a.kind, a.result, a.student_id, a.found_school, a.found_grade, a.method, day,
                audit.to_text(False), initial, None, "", ""))))
        else:
            _pid, result, school, grade, method, withdrawn, status = row
            diff: dict[str, Any] = {}
            if status in (P.PENDING, P.NOTICE):
                diff = {k: v for k, v, old in (("result", a.result, result), ("found_school", a.found_school, school),
                                               ("found_grade", a.found_grade, grade), ("method", a.method, method))
                        if v != old}
                if status == P.NOTICE and a.result in P.ACTIONABLE:  # 衔接未找到 found since: now to decide on
                    diff["status"] = P.PENDING
            # else decided at the school: the answer it decided on stays
            if withdrawn:
                diff["withdrawn"] = False
            if diff:
                if set(diff) - {"withdrawn"}:
                    diff["matched_on"] = today
                changed[a.id] = diff
        if a.id not in owners:
            new_owners.append((TABLE, a.id, a.node, node))
            owners.add(a.id)
    for pid, (_pid, *_rest, withdrawn, status) in existing.items():
        if pid not in wanted and not withdrawn and status in (P.PENDING, P.NOTICE):
            changed[pid] = {"withdrawn": True}
    if new_rows:  # the rows, their history (chained after the last row) and their owners, each one statement
        _insert_many(conn, TABLE, (*_SNAPSHOT_FIELDS, *_META), new_rows)
        rows = audit.chained_tuples(history, audit.last_hash(session), user, node, now)
        _insert_many(conn, "audit_log", audit.AUDIT_COLUMNS, [(_stored(r[0]), *r[1:]) for r in rows])
    if new_owners:
        _insert_many(conn, "sync_record_owners", ("table_name", "record_id", "owner_node", "origin_node"),
                     new_owners)
    for pid, diff in changed.items():  # a later run's few changes: the ORM writes their history
        proposal = session.get(MatchProposal, pid)
        if proposal is not None:
            for k, v in diff.items():
                setattr(proposal, k, v)
    session.flush()  # their history now, before the run's own event is chained after it
    return len(new_rows) + len(changed)


@dataclass
class Decision:
    """A school's decision on a proposal, as the district sees it."""

    school: str
    township: str
    kind: str
    name: str
    id_number: str
    result: str
    found_school: str
    found_grade: str
    status: str
    decided_on: dt.date | None
    decided_by: str
    reason: str


DECISION_HEADERS = ("学校", "乡镇", "类别", "姓名", "身份证号码", "联查结果", "找到的学校", "年级", "学校意见",
                    "处理日期", "处理人", "拒绝原因")


def decisions(store: Store, semester: str, status: str = "", *, purpose: str = Purpose.LIST) -> list[Decision]:
    """At the district: the proposals sent for ``semester`` and what each school decided (``status``: only
    those, e.g. ``已拒绝``), identity numbers masked as lists are."""
    mp = MatchProposal
    stmt = (select(mp, Student.name, Student.id_number, RecordOwner.owner_node)
            .join(Student, Student.id == mp.student_id)
            .join(RecordOwner, (RecordOwner.table_name == TABLE) & (RecordOwner.record_id == mp.id))
            .where(mp.semester == semester, mp.withdrawn.is_(False)))
    if status:
        stmt = stmt.where(mp.status == status)
    with store.read() as session:
        schools = {p.node_id: p for p in session.execute(select(Peer)).scalars() if p.node_id}
        rows = session.execute(stmt.order_by(RecordOwner.owner_node, mp.kind, Student.name_pinyin)).all()
    out = []
    for p, name, number, node in rows:
        school = schools.get(node)
        out.append(Decision(school.name if school else "", school.township if school else "", p.kind, name,
                            privacy.shown_id_number(store, number, purpose), p.result, p.found_school,
                            p.found_grade, p.status, p.decided_on, p.decided_by, p.reason))
    return out


def decision_counts(store: Store, semester: str) -> dict[str, int]:
    """At the district: proposals of ``semester`` by the schools' decision (待确认, 已接受, 已拒绝, 通知)."""
    mp = MatchProposal
    with store.read() as session:
        return {s: int(n) for s, n in session.execute(
            select(mp.status, func.count()).where(mp.semester == semester, mp.withdrawn.is_(False))
            .group_by(mp.status))}


SCHOOL_DECISION_HEADERS = ("学校标识码", "学校", "乡镇", P.PENDING, P.ACCEPTED, P.REJECTED, P.NOTICE)


def school_decisions(store: Store, semester: str) -> list[list[Any]]:
    """At the district: per school, its proposals of ``semester`` waiting, accepted, rejected, and notices
    (``SCHOOL_DECISION_HEADERS``); withdrawn ones are left out."""
    mp = MatchProposal
    with store.read() as session:
        counts: dict[tuple[str, str], int] = {(node, status): int(n) for node, status, n in session.execute(
            select(RecordOwner.owner_node, mp.status, func.count())
            .join(RecordOwner, (RecordOwner.table_name == TABLE) & (RecordOwner.record_id == mp.id))
            .where(mp.semester == semester, mp.withdrawn.is_(False))
            .group_by(RecordOwner.owner_node, mp.status))}
        schools = session.execute(select(Peer).where(Peer.kind == "school", Peer.node_id != "")
                                  .order_by(Peer.township, Peer.code)).scalars().all()
    return [[p.code, p.name, p.township, *(counts.get((p.node_id, s), 0) for s in P.STATUSES)]
            for p in schools if any(counts.get((p.node_id, s)) for s in P.STATUSES)]
