"""The return check (返校核查): last semester's enrolled students, this semester's result."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import and_, select

from database.census import (
    ReturnCheck,
    RosterMember,
)
from database.models import Student
from desktop_app.domain.census import (
    ReturnResult,
    RosterKind,
)
from desktop_app.domain.errors import FieldError, NotFoundError, ValidationError
from desktop_app.domain.roles import Purpose
from desktop_app.domain.semester import previous_name
from desktop_app.services import privacy
from desktop_app.services.access import Permission, require
from desktop_app.services.census.suspected import open_suspected_case
from desktop_app.services.store import Store

# --- return check (返校核查) -------------------------------------------------------------------

@dataclass
class ReturnRow:
    student_id: str
    name: str
    id_number: str
    grade: str
    class_name: str
    guardian: str
    phone: str
    result: str  # "" not yet checked
    migration_done: bool
    destination: str
    case_id: str
    in_current_roster: bool


def return_rows(store: Store, semester: str) -> list[ReturnRow]:
    """Every student enrolled last semester, with this semester's return-check result."""
    previous = previous_name(semester)
    rc = ReturnCheck
    now = (select(RosterMember.student_id).where(
        RosterMember.kind == RosterKind.ENROLLED.value, RosterMember.semester == semester,
        RosterMember.voided.is_(False)))
    stmt = (
        select(Student.id, Student.name, Student.id_number, RosterMember.grade, RosterMember.class_name,
               Student.guardian1_name, Student.guardian1_phone, rc.result, rc.migration_done, rc.destination,
               rc.case_id, Student.id.in_(now).label("in_now"))
        .join(RosterMember, RosterMember.student_id == Student.id)
        .outerjoin(rc, and_(rc.student_id == Student.id, rc.semester == semester))
        .where(RosterMember.kind == RosterKind.ENROLLED.value, RosterMember.semester == previous,
               RosterMember.voided.is_(False))
        .order_by(RosterMember.grade, RosterMember.class_name, Student.name_pinyin)
    )
    with store.read() as session:
        # 12 columns: more than SQLAlchemy's typed rows carry; the return check is outer-joined (None)
        rows = cast("Iterable[tuple[str, str, str, str, str, str, str, str | None, bool | None, str | None, "
                    "str | None, bool]]", session.execute(stmt))
        # a list: identity and phone numbers masked, whoever looks (the services decide, not the widgets)
        return [ReturnRow(r[0], r[1], privacy.shown_id_number(store, r[2] or "", Purpose.LIST), r[3], r[4], r[5],
                          privacy.shown_phone(store, r[6] or "", Purpose.LIST), r[7] or "", bool(r[8]), r[9] or "",
                          r[10] or "", bool(r[11])) for r in rows]


def mark_return(store: Store, student_id: str, semester: str, result: str, *, checked_by: str,
                migration_done: bool = False, destination: str = "", note: str = "",
                checked_on: dt.date | None = None) -> None:
    require(store, Permission.EDIT_RECORDS)
    errs = []
    if result not in {r.value for r in ReturnResult}:
        errs.append(FieldError("result", "请选择返校情况：已返校、转学或未返校"))
    if not checked_by.strip():
        errs.append(FieldError("checked_by", "请填写核查人"))
    if result == ReturnResult.TRANSFERRED.value and not destination.strip():
        errs.append(FieldError("destination", "转学须填写转入学校"))
    if errs:
        raise ValidationError(errs)
    with store.write() as session:
        _set_return(session, student_id, semester, {
            "result": result, "checked_by": checked_by.strip(), "migration_done": migration_done,
            "destination": destination.strip(), "note": note, "checked_on": checked_on or dt.date.today()})


def _set_return(session: Any, student_id: str, semester: str, values: dict[str, Any]) -> None:
    row = session.execute(select(ReturnCheck).where(
        ReturnCheck.student_id == student_id, ReturnCheck.semester == semester)).scalar_one_or_none()
    if row is None:
        row = ReturnCheck(student_id=student_id, semester=semester)
        session.add(row)
    for name, value in values.items():
        if getattr(row, name) != value:
            setattr(row, name, value)


def mark_returned_from_roster(store: Store, semester: str, checked_by: str) -> int:
    """Mark 已返校 every unchecked student of last semester found on this semester's enrolment roster
    (one transaction: all of them or, on any failure, none)."""
    require(store, Permission.EDIT_RECORDS)
    if not checked_by.strip():
        raise ValidationError(FieldError("checked_by", "请填写核查人"))
    todo_rows = [r for r in return_rows(store, semester) if not r.result and r.in_current_roster]
    today = dt.date.today()
    with store.write() as session:
        for r in todo_rows:
            _set_return(session, r.student_id, semester, {
                "result": ReturnResult.RETURNED.value, "checked_by": checked_by.strip(), "migration_done": False,
                "destination": "", "note": "本学期学籍名册中有此学生", "checked_on": today})
    return len(todo_rows)


def case_for_not_returned(store: Store, student_id: str, semester: str) -> str:
    """Turn a not-returned student into a suspected-dropout case, carrying over the student's data."""
    require(store, Permission.EDIT_RECORDS)
    row = next((r for r in return_rows(store, semester) if r.student_id == student_id), None)
    if row is None:
        raise NotFoundError("该学生不在上学期的在籍名册中")
    if row.result != ReturnResult.NOT_RETURNED.value:
        raise ValidationError(f"{row.name}的返校情况不是“未返校”，不能据此立案")
    def link(session: Any, case_id: str) -> None:
        check = session.execute(select(ReturnCheck).where(
            ReturnCheck.student_id == student_id, ReturnCheck.semester == semester)).scalar_one()
        check.case_id = case_id

    return open_suspected_case(store, student_id, row.grade, f"{semester}返校核查：未返校", link)
