"""Opening a suspected-dropout case from a census or return-check finding."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from sqlalchemy import select

from database.models import Case, Student
from desktop_app.domain import codes
from desktop_app.domain.codes import CaseStatus
from desktop_app.domain.contact import Address
from desktop_app.domain.errors import NotFoundError, ValidationError
from desktop_app.domain.registration import RegistrationForm
from desktop_app.services import audit, cases
from desktop_app.services.access import Permission, require
from desktop_app.services.store import Store

# --- opening a case from a census finding ---------------------------------------------------

def form_from_student(student: Student, grade: str = "") -> RegistrationForm:
    """A registration form carrying over what is known of the student; nothing invented."""
    form = RegistrationForm(
        name=student.name, id_number=student.id_number, birth_date=student.birth_date, sex=student.sex,
        ethnic_group=student.ethnic_group or "汉族", health=student.health or "健康",
        student_number=student.student_number, grade=grade if grade in codes.GRADES else "",
        guardian1_name=student.guardian1_name, guardian1_relation=student.guardian1_relation,
        guardian1_phone=student.guardian1_phone, guardian2_name=student.guardian2_name,
        guardian2_relation=student.guardian2_relation, guardian2_phone=student.guardian2_phone,
        family_situation=student.family_situation,
    )
    for kind in cases.ADDRESS_KINDS:
        setattr(form, kind, Address(**{p: getattr(student, f"{kind}_{p}") for p in Address.PARTS}))
    return form


def open_suspected_case(store: Store, student_id: str, grade: str, source: str,
                        link: Callable[[Any, str], None] | None = None) -> str:
    """Open a suspected-dropout case for a student in one action; returns the case id.

    A complete form is saved through ``cases.save_form``; otherwise the case is opened with the data
    there is (status 疑似辍学) and the teacher completes the form later. ``source`` (where the finding
    came from) goes to the case's history; ``link(session, case_id)`` records the case on the finding.

    Raises:
        ValidationError: the student already has an open case.
    """
    require(store, Permission.EDIT_RECORDS)
    with store.read() as session:
        student = session.get(Student, student_id)
        if student is None:
            raise NotFoundError("学生不存在")
        open_case = session.execute(select(Case.id, Case.opened_on).where(
            Case.student_id == student_id, Case.status.in_(CaseStatus.open_values()), Case.voided.is_(False)
        ).limit(1)).first()
        if open_case:
            raise ValidationError(f"{student.name}已有未销号的案件（{open_case.opened_on}立案），请在台账中打开")
        form = form_from_student(student, grade)
    if not form.errors():
        case_id = cases.save_form(store, form)
        with store.write() as session:
            audit.record_event(session, "cases", case_id, "立案来源", source)
            if link:
                link(session, case_id)
        return case_id
    with store.write() as session:
        today = dt.date.today()
        case = Case(student_id=student_id, status=CaseStatus.SUSPECTED.value, grade=form.grade,
                    fill_date=today, opened_on=today)
        session.add(case)
        session.flush()
        audit.record_event(session, "cases", case.id, "立案来源", source)
        if link:
            link(session, case.id)
        return case.id
