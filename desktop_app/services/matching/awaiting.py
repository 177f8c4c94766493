"""全区联查's two figures of things waiting for a school's answer, per school and township, with their lists:

- 待确认建议: the district's answers sent to a school as proposals (联查建议) that the school has not yet
  accepted or rejected (withdrawn ones and mere notices left out), counted at the child's school;
- 移交在途: cases handed from one school to another that the district forwarded and the receiving school
  has not yet accepted or sent back, counted at the sending and at the receiving school (a township
  counts each handover once, even when both schools lie in it).

Identity numbers in the lists are masked as ``figures.match_rows`` masks them.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import func, or_, select

from database.handover import HandoverTransfer
from database.matching import MatchProposal
from database.models import Case, Student
from database.sync import Peer, RecordOwner
from desktop_app.domain import handover as handover_rules
from desktop_app.domain import proposals as P
from desktop_app.domain.roles import Purpose
from desktop_app.services import privacy
from desktop_app.services.store import Store

PENDING_HEADERS = ("学校", "乡镇", "类别", "姓名", "身份证号码", "出生日期", "联查结果", "找到的学校", "年级",
                   "比对方式", "联查日期")
IN_FLIGHT_HEADERS = ("移出学校", "移出乡镇", "接收学校", "接收乡镇", "学生", "身份证号码", "出生日期", "移交日期",
                     "移交原因", "区教委转交日期", "状态")
TABLE = "match_proposals"


def _schools(store: Store) -> dict[str, Peer]:
    """The registered schools by node id."""
    with store.read() as session:
        return {p.node_id: p for p in session.execute(select(Peer).where(Peer.kind == "school")).scalars()
                if p.node_id}


def _nodes(schools: dict[str, Peer], school_code: str, township: str) -> list[str] | None:
    if not school_code and not township:
        return None
    return [node for node, p in schools.items()
            if (not school_code or p.code == school_code) and (not township or p.township == township)]


def _pending(semester: str) -> Any:
    mp = MatchProposal
    return (mp.semester == semester) & mp.withdrawn.is_(False) & (mp.status == P.PENDING)


def _owner_join() -> Any:
    return (RecordOwner.table_name == TABLE) & (RecordOwner.record_id == MatchProposal.id)


# --- 待确认建议 -------------------------------------------------------------------------------------

def pending_by_node(store: Store, semester: str) -> dict[str, int]:
    """Proposals of ``semester`` waiting for the school's decision, per school node."""
    with store.read() as session:
        return {node: int(n) for node, n in session.execute(
            select(RecordOwner.owner_node, func.count()).select_from(MatchProposal).join(RecordOwner, _owner_join())
            .where(_pending(semester)).group_by(RecordOwner.owner_node))}


def pending_rows(store: Store, semester: str, *, school_code: str = "", township: str = "",
                 full_numbers: bool = False, purpose: str = Purpose.LIST, limit: int | None = None) -> list[list[Any]]:
    """The proposals behind 待确认建议 (of one school or township, or the whole district) as
    ``PENDING_HEADERS`` rows."""
    mp = MatchProposal
    schools = _schools(store)
    nodes = _nodes(schools, school_code, township)
    stmt = (select(RecordOwner.owner_node, mp.kind, Student.name, Student.id_number, Student.birth_date, mp.result,
                   mp.found_school, mp.found_grade, mp.method, mp.matched_on)
            .select_from(mp).join(RecordOwner, _owner_join()).join(Student, Student.id == mp.student_id)
            .where(_pending(semester)))
    if nodes is not None:
        stmt = stmt.where(RecordOwner.owner_node.in_(nodes))
    stmt = stmt.order_by(RecordOwner.owner_node, mp.kind, Student.name_pinyin, mp.id).limit(limit)
    out: list[list[Any]] = []
    with store.read() as session:
        for node, kind, name, number, birth, result, found, grade, method, on in session.execute(stmt):
            school = schools.get(node)
            out.append([school.name if school else "", school.township if school else "", kind, name,
                        privacy.shown_id_number(store, number, purpose, full=full_numbers),
                        birth.isoformat() if isinstance(birth, dt.date) else "", result, found, grade, method,
                        on.isoformat() if isinstance(on, dt.date) else ""])
    return out


def pending_count(store: Store, semester: str, *, school_code: str = "", township: str = "") -> int:
    nodes = _nodes(_schools(store), school_code, township)
    stmt = select(func.count()).select_from(MatchProposal).join(RecordOwner, _owner_join()) \
        .where(_pending(semester))
    if nodes is not None:
        stmt = stmt.where(RecordOwner.owner_node.in_(nodes))
    with store.read() as session:
        return int(session.execute(stmt).scalar_one())


# --- 移交在途 ---------------------------------------------------------------------------------------

def _codes(store: Store, school_code: str, township: str) -> list[str] | None:
    if not school_code and not township:
        return None
    return [p.code for p in _schools(store).values()
            if (not school_code or p.code == school_code) and (not township or p.township == township)]


def _in_flight(codes: list[str] | None) -> Any:
    t = HandoverTransfer
    cond = t.state == handover_rules.WAITING
    return cond if codes is None else cond & or_(t.from_code.in_(codes), t.to_code.in_(codes))


def in_flight_by_code(store: Store) -> dict[str, int]:
    """Handovers waiting for the receiving school's answer, per school code (at both schools)."""
    t = HandoverTransfer
    out: dict[str, int] = {}
    with store.read() as session:
        for column in (t.from_code, t.to_code):
            for code, n in session.execute(select(column, func.count()).where(_in_flight(None)).group_by(column)):
                out[code] = out.get(code, 0) + int(n)
    return out


def in_flight_by_township(store: Store) -> dict[str, int]:
    """Handovers in flight per township, each once where both schools lie in the township."""
    towns = {p.code: p.township for p in _schools(store).values()}
    out: dict[str, int] = {}
    with store.read() as session:
        for from_code, to_code in session.execute(select(HandoverTransfer.from_code, HandoverTransfer.to_code)
                                                  .where(_in_flight(None))):
            for town in {towns[c] for c in (from_code, to_code) if c in towns}:
                out[town] = out.get(town, 0) + 1
    return out


def in_flight_rows(store: Store, *, school_code: str = "", township: str = "", full_numbers: bool = False,
                   purpose: str = Purpose.LIST, limit: int | None = None) -> list[list[Any]]:
    """The handovers behind 移交在途 (sent or to be received by one school, of a township's schools, or of the
    whole district) as ``IN_FLIGHT_HEADERS`` rows, oldest first (those waiting longest)."""
    t = HandoverTransfer
    schools = {p.code: p for p in _schools(store).values()}
    stmt = (select(t.from_code, t.from_name, t.to_code, t.to_name, t.student_name, Student.id_number, t.birth_date,
                   t.requested_on, t.reason, t.detail, t.forwarded_on, t.state)
            .outerjoin(Case, Case.id == t.case_id).outerjoin(Student, Student.id == Case.student_id)
            .where(_in_flight(_codes(store, school_code, township)))
            .order_by(t.requested_on, t.from_code, t.id).limit(limit))
    out: list[list[Any]] = []
    with store.read() as session:
        for fc, fn, tc, tn, name, number, birth, asked, reason, detail, forwarded, state in session.execute(stmt):
            out.append([fn, schools[fc].township if fc in schools else "", tn,
                        schools[tc].township if tc in schools else "", name,
                        privacy.shown_id_number(store, number or "", purpose, full=full_numbers) if number else "",
                        birth.isoformat() if isinstance(birth, dt.date) else "", asked.isoformat(),
                        reason + (f"：{detail}" if detail else ""),
                        forwarded.isoformat() if isinstance(forwarded, dt.date) else "", state])
    return out


def in_flight_count(store: Store, *, school_code: str = "", township: str = "") -> int:
    with store.read() as session:
        return int(session.execute(select(func.count()).select_from(HandoverTransfer).where(
            _in_flight(_codes(store, school_code, township)))).scalar_one())


__all__ = ["IN_FLIGHT_HEADERS", "PENDING_HEADERS", "in_flight_by_code", "in_flight_by_township", "in_flight_count",
           "in_flight_rows", "pending_by_node", "pending_count", "pending_rows"]
