"""Transitions (幼升小、小升初) inside one school's own store."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from database.census import (
    ChildStatusRecord,
    RosterMember,
)
from database.models import Student
from desktop_app.domain.census import (
    IN_SCHOOL,
    RosterKind,
    next_grade,
)
from desktop_app.domain.errors import ValidationError
from desktop_app.domain.semester import previous_name
from desktop_app.services.store import Store

# --- transitions (幼升小、小升初) --------------------------------------------------------------

PRIMARY_TO_JUNIOR = "小升初"
KINDERGARTEN_TO_PRIMARY = "幼升小"


@dataclass
class TransitionRow:
    student_id: str
    name: str
    id_number: str
    came_from: str
    found: bool
    where: str
    district: str = ""  # the district's answer (联查建议), when it sent one


def _in_school_now(session: Any, semester: str) -> tuple[dict[str, str], dict[str, str]]:
    enrolled = {sid: grade for sid, grade in session.execute(select(RosterMember.student_id, RosterMember.grade).where(
        RosterMember.kind == RosterKind.ENROLLED.value, RosterMember.semester == semester,
        RosterMember.voided.is_(False)))}
    statuses = {sid: (status, school) for sid, status, school in session.execute(
        select(ChildStatusRecord.student_id, ChildStatusRecord.status, ChildStatusRecord.school)
        .where(ChildStatusRecord.semester == semester))}
    return enrolled, {sid: f"{s}{('：' + sc) if sc else ''}" for sid, (s, sc) in statuses.items() if s in IN_SCHOOL}


def transition_rows(store: Store, semester: str, kind: str) -> list[TransitionRow]:
    """Leavers of grade 6 (小升初: last spring's enrolment) or kindergarten (幼升小: the imported list),
    each found or not in the next stage this semester (enrolment roster or a recorded in-school status)."""
    with store.read() as session:
        if kind == PRIMARY_TO_JUNIOR:
            spring = previous_name(semester) if semester.endswith("秋") else previous_name(previous_name(semester))
            leavers = session.execute(
                select(Student.id, Student.name, Student.id_number, RosterMember.class_name)
                .join(RosterMember, RosterMember.student_id == Student.id)
                .where(RosterMember.kind == RosterKind.ENROLLED.value, RosterMember.semester == spring,
                       RosterMember.grade == "六年级", RosterMember.voided.is_(False))
                .order_by(Student.name_pinyin)
            ).all()
            wanted = next_grade("六年级")
            came = f"{spring}六年级"
        elif kind == KINDERGARTEN_TO_PRIMARY:
            leavers = session.execute(
                select(Student.id, Student.name, Student.id_number, RosterMember.school)
                .join(RosterMember, RosterMember.student_id == Student.id)
                .where(RosterMember.kind == RosterKind.KINDERGARTEN.value, RosterMember.voided.is_(False))
                .order_by(Student.name_pinyin)
            ).all()
            wanted = "一年级"
            came = "幼儿园"
        else:
            raise ValidationError(f"未知的衔接类型“{kind}”")
        enrolled, in_school = _in_school_now(session, semester)
    out = []
    for sid, name, id_number, extra in leavers:
        if enrolled.get(sid) == wanted:
            found, where = True, f"本校{wanted}"
        elif sid in in_school:
            found, where = True, in_school[sid]
        else:
            found, where = False, ""
        out.append(TransitionRow(sid, name, id_number, f"{came}{(' ' + extra) if extra else ''}", found, where))
    from desktop_app.services.census import proposals  # noqa: PLC0415 - the district's answers, where it sent any

    answers = proposals.by_student(store, semester, [kind])
    for row in out:
        if (p := answers.get(row.student_id)) is not None:
            row.district = f"{p.answer}（{p.status}，{p.source}）"
    return out
