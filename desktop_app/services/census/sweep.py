"""The school-age children ledger (摸排核查): the list, per-village progress, statuses, the semester sweep."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, cast

from sqlalchemy import and_, func, or_, select

from database.census import (
    CensusSweep,
    ChildStatusRecord,
    RosterMember,
)
from database.models import Student
from desktop_app.domain.census import (
    CHECK_METHODS,
    ChildStatus,
    RosterKind,
)
from desktop_app.domain.errors import FieldError, NotFoundError, ValidationError
from desktop_app.domain.roles import Purpose
from desktop_app.services import privacy
from desktop_app.services.access import Permission, require
from desktop_app.services.census.base import _window
from desktop_app.services.store import Store

# --- the school-age children ledger ---------------------------------------------------------

@dataclass
class ChildQuery:
    semester: str
    township: str = ""
    village: str = ""
    status: str = ""  # "" all, "未核查" unchecked, or a ChildStatus value
    search: str = ""


UNCHECKED = "未核查"


def _children_select(store: Store, query: ChildQuery, columns: list[Any]) -> Any:
    earliest, latest = _window(store, query.semester)
    status = ChildStatusRecord
    stmt = (
        select(*columns).select_from(RosterMember)
        .join(Student, Student.id == RosterMember.student_id)
        .outerjoin(status, and_(status.student_id == Student.id, status.semester == query.semester))
        .where(RosterMember.kind == RosterKind.CENSUS.value, RosterMember.voided.is_(False),
               Student.birth_date >= earliest, Student.birth_date <= latest)
    )
    if query.township:
        stmt = stmt.where(Student.hukou_township == query.township)
    if query.village:
        stmt = stmt.where(Student.village == query.village)
    if query.status == UNCHECKED:
        stmt = stmt.where(status.id.is_(None))
    elif query.status:
        stmt = stmt.where(status.status == query.status)
    if query.search:
        text = query.search.strip()
        stmt = stmt.where(or_(Student.name.like(f"%{text}%"), Student.id_number.like(f"%{text.upper()}%"),
                              Student.name_initials.like(f"{text.lower()}%")))
    return stmt


def children_page(store: Store, query: ChildQuery, offset: int = 0, limit: int = 200, *,
                  purpose: str = Purpose.LIST, full: bool = True) -> list[dict[str, Any]]:
    """One page of the school-age children ledger; identity and phone numbers as the account may see them
    for ``purpose`` (masked in lists; in an export only when asked for full numbers and allowed)."""
    s = ChildStatusRecord
    columns = [
        Student.id.label("student_id"), Student.name, Student.sex, Student.id_number, Student.birth_date,
        Student.hukou_township.label("township"), Student.village, Student.guardian1_name,
        Student.guardian1_phone, s.status, s.method, s.checked_by, s.checked_on, s.school, s.place, s.note,
    ]
    stmt = _children_select(store, query, columns).order_by(
        Student.hukou_township, Student.village, Student.name_pinyin, Student.id
    ).offset(offset).limit(limit)
    with store.read() as session:
        rows = [dict(r._mapping) for r in session.execute(stmt)]
    privacy.mask_rows(store, rows, purpose, phones=("guardian1_phone",), full=full)
    return rows


def children_count(store: Store, query: ChildQuery) -> int:
    with store.read() as session:
        return session.execute(_children_select(store, query, [func.count()])).scalar_one()


@dataclass(frozen=True)
class VillageProgress:
    township: str
    village: str
    total: int
    checked: int

    @property
    def unchecked(self) -> int:
        return self.total - self.checked


def village_progress(store: Store, semester: str) -> list[VillageProgress]:
    """Per village: school-age children on the area roster, and how many have this semester's status."""
    q = ChildQuery(semester)
    stmt = _children_select(store, q, [
        Student.hukou_township, Student.village, func.count(), func.count(ChildStatusRecord.id),
    ]).group_by(Student.hukou_township, Student.village).order_by(Student.hukou_township, Student.village)
    with store.read() as session:
        rows = cast("Iterable[tuple[str | None, str | None, int, int]]", session.execute(stmt))  # stmt: built in parts
        return [VillageProgress(t or "", v or "", n, c) for t, v, n, c in rows]


@dataclass
class StatusEntry:
    """A child's status as the teacher records it."""

    status: str
    method: str
    checked_by: str
    checked_on: dt.date = field(default_factory=dt.date.today)
    school: str = ""
    place: str = ""
    note: str = ""

    def errors(self) -> list[FieldError]:
        errs = []
        if self.status not in {s.value for s in ChildStatus}:
            errs.append(FieldError("status", "请选择就读状态"))
        if self.method not in CHECK_METHODS:
            errs.append(FieldError("method", "请选择核查方式"))
        if not self.checked_by.strip():
            errs.append(FieldError("checked_by", "请填写核查人"))
        if self.checked_on > dt.date.today():
            errs.append(FieldError("checked_on", "核查日期不能晚于今天"))
        if self.status == ChildStatus.OUT_OF_DISTRICT.value:
            if not self.school.strip():
                errs.append(FieldError("school", "区外就读须填写就读学校"))
            if not self.place.strip():
                errs.append(FieldError("place", "区外就读须填写就读地点（省市县）"))
        if self.status == ChildStatus.OTHER_SCHOOL.value and not self.school.strip():
            errs.append(FieldError("school", "区内他校在读须填写就读学校"))
        if self.status == ChildStatus.OTHER.value and not self.note.strip():
            errs.append(FieldError("note", "状态为“其他”时须在备注中说明"))
        return errs


def mark_status(store: Store, student_id: str, semester: str, entry: StatusEntry) -> None:
    """Record (or correct) a child's status for a semester; the change goes to the history."""
    mark_statuses(store, [student_id], semester, entry)


def mark_statuses(store: Store, student_ids: list[str], semester: str, entry: StatusEntry) -> int:
    """Record the same status for several children (a teacher who checked a family's or a class's children
    the same way), in one transaction: all of them or, on any problem, none. Returns how many."""
    require(store, Permission.EDIT_RECORDS)
    entry.checked_by, entry.school, entry.place = entry.checked_by.strip(), entry.school.strip(), entry.place.strip()
    if errs := entry.errors():
        raise ValidationError(errs)
    if not student_ids:
        raise ValidationError("请先选择要核查的儿童")
    with store.write() as session:
        for student_id in dict.fromkeys(student_ids):
            if session.get(Student, student_id) is None:
                raise NotFoundError("要核查的儿童不存在")
            row = session.execute(select(ChildStatusRecord).where(
                ChildStatusRecord.student_id == student_id, ChildStatusRecord.semester == semester
            )).scalar_one_or_none()
            if row is None:
                row = ChildStatusRecord(student_id=student_id, semester=semester)
                session.add(row)
            for name in ("status", "method", "checked_by", "checked_on", "school", "place", "note"):
                if getattr(row, name) != getattr(entry, name):
                    setattr(row, name, getattr(entry, name))
    return len(dict.fromkeys(student_ids))


def status_of(store: Store, student_id: str, semester: str) -> ChildStatusRecord | None:
    with store.read() as session:
        return session.execute(select(ChildStatusRecord).where(
            ChildStatusRecord.student_id == student_id, ChildStatusRecord.semester == semester
        )).scalar_one_or_none()


def sweep_completed(store: Store, semester: str) -> CensusSweep | None:
    with store.read() as session:
        return session.execute(select(CensusSweep).where(CensusSweep.semester == semester)).scalar_one_or_none()


def complete_sweep(store: Store, semester: str, by: str) -> CensusSweep:
    """Mark the semester's census complete; refused while any school-age child has no status (确保无遗漏)."""
    require(store, Permission.EDIT_RECORDS)
    unchecked = children_page(store, ChildQuery(semester, status=UNCHECKED), 0, 5)
    if unchecked:
        count = children_count(store, ChildQuery(semester, status=UNCHECKED))
        names = "、".join(f"{r['village'] or r['township']}{r['name']}" for r in unchecked)
        raise ValidationError(
            f"{semester}学期还有 {count} 名适龄儿童没有核查就读状态（{names}{'等' if count > 5 else ''}），"
            "不能标记摸排完成"
        )
    total = children_count(store, ChildQuery(semester))
    if total == 0:
        raise ValidationError("还没有导入户籍适龄儿童名册，不能标记摸排完成")
    if sweep_completed(store, semester):
        raise ValidationError(f"{semester}学期的摸排已标记完成")
    if not by.strip():
        raise ValidationError("请填写确认人")
    with store.write() as session:
        sweep = CensusSweep(semester=semester, completed_on=dt.date.today(), completed_by=by.strip(), children=total)
        session.add(sweep)
    return sweep


REGISTRY_NOTE = "本学期本校学籍名册中有此儿童"


def unchecked_on_roster(store: Store, semester: str) -> list[str]:
    """The school-age children without a status this semester who are on this semester's enrolment roster
    of the school (the ones the registry already shows studying here)."""
    unchecked = {r["student_id"] for r in children_page(store, ChildQuery(semester, status=UNCHECKED), 0, 10**9)}
    with store.read() as session:
        enrolled = set(session.execute(select(RosterMember.student_id).where(
            RosterMember.kind == RosterKind.ENROLLED.value, RosterMember.semester == semester,
            RosterMember.voided.is_(False))).scalars())
    return sorted(unchecked & enrolled)


def mark_here_from_roster(store: Store, semester: str, checked_by: str) -> int:
    """Mark 本校在读 (checked through 全国学籍管理系统) every unchecked school-age child on this semester's
    enrolment roster, in one transaction; children already checked keep their status. Returns how many."""
    require(store, Permission.EDIT_RECORDS)
    entry = StatusEntry(ChildStatus.HERE.value, CHECK_METHODS[0], checked_by.strip(), note=REGISTRY_NOTE)
    if errs := entry.errors():
        raise ValidationError(errs)
    ids = unchecked_on_roster(store, semester)
    with store.write() as session:
        for sid in ids:
            session.add(ChildStatusRecord(student_id=sid, semester=semester, status=entry.status, method=entry.method,
                                          checked_by=entry.checked_by, checked_on=entry.checked_on, note=entry.note))
    return len(ids)
