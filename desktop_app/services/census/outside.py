"""Children schooled outside the district: guardian contacts and the overdue ones on the 待办 list."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import cast

from sqlalchemy import func, select

from database.census import (
    ChildStatusRecord,
    GuardianContact,
)
from database.models import Student
from desktop_app.domain.census import (
    ChildStatus,
)
from desktop_app.domain.errors import FieldError, NotFoundError, ValidationError
from desktop_app.services import semesters, settings, todo
from desktop_app.services.access import Permission, require
from desktop_app.services.census.base import CONTACT_DAYS
from desktop_app.services.store import Store

# --- children schooled outside the district --------------------------------------------------

def log_contact(store: Store, student_id: str, contact_date: dt.date, method: str, by: str, note: str) -> None:
    require(store, Permission.EDIT_RECORDS)
    errs = []
    if contact_date > dt.date.today():
        errs.append(FieldError("contact_date", "联系日期不能晚于今天"))
    if not by.strip():
        errs.append(FieldError("contacted_by", "请填写联系人（教师）"))
    if not note.strip():
        errs.append(FieldError("note", "请简要记录联系情况"))
    if errs:
        raise ValidationError(errs)
    with store.write() as session:
        if session.get(Student, student_id) is None:
            raise NotFoundError("儿童不存在")
        session.add(GuardianContact(student_id=student_id, contact_date=contact_date, method=method,
                                    contacted_by=by.strip(), note=note.strip()))


def contacts(store: Store, student_id: str) -> list[GuardianContact]:
    with store.read() as session:
        return list(session.execute(
            select(GuardianContact).where(GuardianContact.student_id == student_id, GuardianContact.voided.is_(False))
            .order_by(GuardianContact.contact_date.desc())
        ).scalars())


@dataclass(frozen=True)
class OutOfDistrictChild:
    student_id: str
    name: str
    village: str
    school: str
    place: str
    guardian: str
    phone: str
    last_contact: dt.date | None
    due: dt.date


def out_of_district(store: Store, semester: str) -> list[OutOfDistrictChild]:
    """Children whose status this semester is 区外就读, with the day their next guardian contact is due."""
    interval = dt.timedelta(days=int(settings.get(store, CONTACT_DAYS.key)))
    last = (select(GuardianContact.student_id, func.max(GuardianContact.contact_date).label("last"))
            .where(GuardianContact.voided.is_(False)).group_by(GuardianContact.student_id).subquery())
    stmt = (
        select(Student.id, Student.name, Student.village, ChildStatusRecord.school, ChildStatusRecord.place,
               Student.guardian1_name, Student.guardian1_phone, last.c.last, ChildStatusRecord.checked_on)
        .join(ChildStatusRecord, ChildStatusRecord.student_id == Student.id)
        .outerjoin(last, last.c.student_id == Student.id)
        .where(ChildStatusRecord.semester == semester, ChildStatusRecord.status == ChildStatus.OUT_OF_DISTRICT.value)
        .order_by(Student.village, Student.name_pinyin)
    )
    with store.read() as session:
        out = []
        rows = cast("Iterable[tuple[str, str, str, str, str, str, str, dt.date | None, dt.date]]",  # 9 columns
                    session.execute(stmt))
        for sid, name, village, school, place, guardian, phone, last_date, checked in rows:
            base = last_date or checked
            out.append(OutOfDistrictChild(sid, name, village, school, place, guardian, phone, last_date,
                                          base + interval))
        return out


@todo.provider
def overdue_contacts(store: Store, today: dt.date) -> list[todo.TodoItem]:
    """待办: guardians of out-of-district children not contacted within the interval."""
    inst = store.installation()
    if inst is None or inst.kind != "school":  # the school's own work, not on the district's list
        return []
    items = []
    for child in out_of_district(store, semesters.current(store, today).name):
        if child.due <= today:
            last = child.last_contact.isoformat() if child.last_contact else "从未联系"
            items.append(todo.TodoItem(
                due=child.due, title=f"联系区外就读儿童{child.name}的监护人",
                detail=f"{child.village} {child.name}，{child.place}{child.school}；上次联系：{last}",
                kind="区外联系", target=("student", child.student_id),
            ))
    return items
