"""Data comparison (数据比对, N-13): household register and monitored households against the school's rosters."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select

from database.census import (
    ChildStatusRecord,
    MatchLink,
    ReturnCheck,
    RosterMember,
)
from database.models import Student
from desktop_app.domain.census import (
    IN_SCHOOL,
    ChildStatus,
    ReturnResult,
    RosterKind,
)
from desktop_app.domain.errors import NotFoundError, ValidationError
from desktop_app.services.access import Permission, require
from desktop_app.services.census.base import _window
from desktop_app.services.store import Store

# --- data comparison (数据比对) -----------------------------------------------------------------

REGISTERED_NOT_IN_REGISTRY = "户籍在册但学籍名册中没有"
IN_REGISTRY_NOT_IN_SCHOOL = "学籍在册但不在校"
MONITORED_WITHOUT_STATUS = "监测户/边缘户儿童没有就读状态"
COMPARISONS = (REGISTERED_NOT_IN_REGISTRY, IN_REGISTRY_NOT_IN_SCHOOL, MONITORED_WITHOUT_STATUS)


@dataclass
class Candidate:
    student_id: str
    name: str
    birth_date: dt.date | None
    guardian: str
    id_number: str
    why: str


@dataclass
class ComparisonHit:
    student_id: str
    name: str
    id_number: str
    birth_date: dt.date | None
    village: str
    guardian: str
    reason: str
    grade: str = ""
    candidates: list[Candidate] = field(default_factory=list)


def compare(store: Store, semester: str, which: str) -> list[ComparisonHit]:
    """One comparison list with the reason each child is flagged.

    Children are the same when they are the same ``students`` row (matched by identity number at import,
    or by name + birth date + guardian where there is none) or when a person confirmed a fuzzy match.
    """
    earliest, latest = _window(store, semester)
    with store.read() as session:
        def people(kind: str, sem: str, window: bool) -> dict[str, tuple[Any, ...]]:
            stmt = (select(Student.id, Student.name, Student.id_number, Student.birth_date, Student.village,
                           Student.guardian1_name, RosterMember.grade, RosterMember.household_type)
                    .join(RosterMember, RosterMember.student_id == Student.id)
                    .where(RosterMember.kind == kind, RosterMember.semester == sem, RosterMember.voided.is_(False)))
            if window:
                stmt = stmt.where(Student.birth_date >= earliest, Student.birth_date <= latest)
            return {r[0]: tuple(r) for r in session.execute(stmt)}

        statuses = dict(session.execute(select(ChildStatusRecord.student_id, ChildStatusRecord.status)
                                        .where(ChildStatusRecord.semester == semester)).all())
        links: dict[str, set[str]] = defaultdict(set)
        for a, b in session.execute(select(MatchLink.student_id, MatchLink.other_student_id)):
            links[a].add(b)
            links[b].add(a)
        enrolled = people(RosterKind.ENROLLED.value, semester, False)
        returns = dict(session.execute(select(ReturnCheck.student_id, ReturnCheck.result)
                                       .where(ReturnCheck.semester == semester)).all())
        if which == REGISTERED_NOT_IN_REGISTRY:
            census = people(RosterKind.CENSUS.value, "", True)
            by_name: dict[str, list[tuple[Any, ...]]] = defaultdict(list)
            for row in enrolled.values():
                by_name[row[1]].append(row)
            hits = []
            for sid, row in census.items():
                if sid in enrolled or sid in statuses or links[sid] & enrolled.keys():
                    continue
                hit = _hit(row, "户籍在本片区，本学期本校学籍名册中没有，也没有登记就读状态")
                for other in by_name.get(row[1], ()):
                    if other[0] == sid:
                        continue
                    same_birth = other[3] == row[3] and row[3] is not None
                    same_guardian = bool(other[5]) and other[5] == row[5]
                    if same_birth or same_guardian:
                        why = "同名、同出生日期" if same_birth else "同名、同监护人"
                        if same_birth and same_guardian:
                            why = "同名、同出生日期、同监护人（身份证号码不同或缺失）"
                        hit.candidates.append(Candidate(other[0], other[1], other[3], other[5], other[2], why))
                hits.append(hit)
            return hits
        if which == IN_REGISTRY_NOT_IN_SCHOOL:
            hits = []
            for sid, row in enrolled.items():
                status = statuses.get(sid)
                ret = returns.get(sid)
                if ret == ReturnResult.NOT_RETURNED.value:
                    hits.append(_hit(row, "在本校学籍名册中，但返校核查为“未返校”"))
                elif status is not None and status != ChildStatus.HERE.value and status not in IN_SCHOOL:
                    hits.append(_hit(row, f"在本校学籍名册中，但摸排状态为“{status}”"))
                elif status is not None and status != ChildStatus.HERE.value:
                    hits.append(_hit(row, f"在本校学籍名册中，但摸排状态为“{status}”，须办理学籍迁移"))
            return hits
        if which == MONITORED_WITHOUT_STATUS:
            monitored = people(RosterKind.MONITORED.value, "", True)
            monitored.update({k: v for k, v in people(RosterKind.DISABLED.value, "", True).items()
                              if k not in monitored})
            hits = []
            for sid, row in monitored.items():
                if sid in statuses or sid in enrolled or links[sid] & enrolled.keys():
                    continue
                label = row[7] or "监测户/边缘户或残疾儿童名单"
                hits.append(_hit(row, f"{label}中的适龄儿童，本学期没有就读状态，也不在本校学籍名册中"))
            return hits
    raise ValidationError(f"未知的比对“{which}”")


def _hit(row: tuple[Any, ...], reason: str) -> ComparisonHit:
    sid, name, id_number, birth, village, guardian, grade, _household = row
    return ComparisonHit(sid, name, id_number, birth, village or "", guardian or "", reason, grade or "")


def confirm_match(store: Store, student_id: str, other_student_id: str, note: str = "") -> None:
    """A person confirms that a fuzzy match is the same child."""
    require(store, Permission.EDIT_RECORDS)
    if student_id == other_student_id:
        raise ValidationError("不能把儿童与自己匹配")
    with store.write() as session:
        for sid in (student_id, other_student_id):
            if session.get(Student, sid) is None:
                raise NotFoundError("要匹配的儿童不存在")
        session.add(MatchLink(student_id=student_id, other_student_id=other_student_id,
                              confirmed_by=store.user, note=note))
