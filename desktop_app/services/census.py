"""Census (摸排核查) use cases: roster import, the school-age children ledger, per-village progress,
the semester sweep, out-of-district contacts, the return check (返校核查), transitions (幼升小、小升初)
and data comparison (数据比对).

Children are ``students`` rows, matched by identity number (or, without one, by name + birth date +
guardian); census data lives in the tables of ``database.census``.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, cast

from sqlalchemy import and_, func, or_, select

from database.census import (
    CensusSweep,
    ChildStatusRecord,
    GuardianContact,
    MatchLink,
    ReturnCheck,
    RosterImport,
    RosterMember,
)
from database.models import Case, Student
from desktop_app.domain import codes
from desktop_app.domain.census import (
    CHECK_METHODS,
    IN_SCHOOL,
    ChildStatus,
    ReturnResult,
    RosterKind,
    birth_window,
    next_grade,
)
from desktop_app.domain.codes import CaseStatus
from desktop_app.domain.contact import Address
from desktop_app.domain.errors import FieldError, NotFoundError, ValidationError
from desktop_app.domain.registration import RegistrationForm
from desktop_app.domain.roles import Purpose
from desktop_app.domain.semester import previous_name
from desktop_app.services import audit, cases, privacy, semesters, settings, todo
from desktop_app.services.access import Permission, require
from desktop_app.services.roster_import import MAPPING_KEYS as MAPPING_KEYS  # the roster import, re-exported
from desktop_app.services.roster_import import ImportCancelled as ImportCancelled
from desktop_app.services.roster_import import ImportResult as ImportResult
from desktop_app.services.roster_import import Progress as Progress
from desktop_app.services.roster_import import RosterPreview as RosterPreview
from desktop_app.services.roster_import import import_roster as import_roster
from desktop_app.services.roster_import import preview_roster as preview_roster
from desktop_app.services.store import Store

MIN_AGE = settings.declare("census.min_age", "适龄儿童最小年龄（8月31日前满）", 6, minimum=3, maximum=10, unit="岁")
MAX_AGE = settings.declare("census.max_age", "适龄儿童最大年龄（8月31日时）", 15, minimum=12, maximum=20, unit="岁")
CONTACT_DAYS = settings.declare(
    "census.contact_interval_days", "区外就读儿童监护人联系间隔", 30, minimum=7, maximum=180, unit="天", scope="school"
)
def age_bounds(store: Store) -> tuple[int, int]:
    return int(settings.get(store, MIN_AGE.key)), int(settings.get(store, MAX_AGE.key))


def current_semester(store: Store) -> str:
    return semesters.current(store).name


def void_import(store: Store, import_id: str, reason: str) -> int:
    """Void a roster imported by mistake: its list entries stop counting; nothing is deleted.

    Returns the number of entries voided. Children and their statuses stay (they may be on other lists).
    """
    require(store, Permission.CLOSE_CASES)
    if not reason.strip():
        raise ValidationError(FieldError("void_reason", "请填写作废原因"))
    with store.write() as session:
        row = session.get(RosterImport, import_id)
        if row is None:
            raise NotFoundError("要作废的导入记录不存在")
        if row.voided:
            raise ValidationError(f"{row.file_name}的导入已作废")
        row.voided, row.void_reason = True, reason.strip()
        members = session.execute(select(RosterMember).where(
            RosterMember.import_id == import_id, RosterMember.voided.is_(False))).scalars().all()
        for m in members:
            m.voided, m.void_reason = True, f"导入作废：{reason.strip()}"
        return len(members)


def imports(store: Store) -> list[RosterImport]:
    with store.read() as session:
        return list(session.execute(select(RosterImport).order_by(RosterImport.created_at.desc())).scalars())


# --- the school-age children ledger ---------------------------------------------------------

@dataclass
class ChildQuery:
    semester: str
    township: str = ""
    village: str = ""
    status: str = ""  # "" all, "未核查" unchecked, or a ChildStatus value
    search: str = ""


UNCHECKED = "未核查"


def _window(store: Store, semester: str) -> tuple[dt.date, dt.date]:
    low, high = age_bounds(store)
    return birth_window(semester, low, high)


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
    return out


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


def semester_choices(store: Store) -> list[str]:
    """Semesters worth offering: those stored, the current one, and the ones with rosters."""
    names = {s.name for s in semesters.all_semesters(store)}
    names.add(current_semester(store))
    with store.read() as session:
        names |= {s for (s,) in session.execute(select(RosterMember.semester).distinct()) if s}
    return sorted(names, key=lambda n: (n[:4], n[4:] == "秋"))
