"""特殊学生关爱 (N-7) and 一人一案/一人一档 (N-8): the register, helpers, care records, aid, disability files.

A student is in the care register when they carry at least one tag. Students who are not dropout
cases are registered here with ``register_student`` (a ``students`` row without a case).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from database.care import AidRecord, CareHelper, CareRecord, DisabilityFile, IndividualPlan, StudentTag
from database.models import Student
from desktop_app.domain import care as rules
from desktop_app.domain.care import CareEntry, Tag
from desktop_app.domain.contact import normalize_phone, phone_error
from desktop_app.domain.errors import FieldError, NotFoundError, ValidationError
from desktop_app.domain.identity import id_number_error, mask_id_number, normalize_id_number, parse_id_number
from desktop_app.domain.names import name_initials, name_pinyin, name_problem
from desktop_app.domain.roles import Purpose
from desktop_app.services import audit, privacy
from desktop_app.services.access import Permission, require, require_student
from desktop_app.services.store import Store


@dataclass
class NewStudent:
    """A special student who is not a dropout case: the few fields the register needs."""

    name: str
    id_number: str
    guardian_name: str
    guardian_relation: str = ""
    guardian_phone: str = ""


def _student(session: Session, student_id: str) -> Student:
    student = session.get(Student, student_id)
    if student is None:
        raise NotFoundError("学生不存在")
    return student


def register_student(store: Store, new: NewStudent, tags: list[Tag]) -> str:
    """Put a student in the care register with their tags; creates the ``students`` row when new.

    A student already known by identity number (a dropout case, say) is reused when the name agrees.

    Raises:
        ValidationError: every problem at once; nothing saved.
    """
    require(store, Permission.EDIT_RECORDS)
    problems: list[FieldError] = []
    name = new.name.strip()
    if not name:
        problems.append(FieldError("name", "姓名不能为空"))
    if err := id_number_error(new.id_number):
        problems.append(err)
    if not new.guardian_name.strip():
        problems.append(FieldError("guardian_name", "监护人姓名不能为空"))
    for key, label, value in (("name", "姓名", name), ("guardian_name", "监护人姓名", new.guardian_name.strip())):
        if problem := name_problem(value, label):
            problems.append(FieldError(key, problem))
    if err := phone_error(new.guardian_phone, "guardian_phone", "监护人电话", required=True):
        problems.append(err)
    if not tags:
        problems.append(FieldError("tags", "请至少选择一类特殊学生"))
    try:
        tags = rules.check_tags(tags)
    except ValidationError as exc:
        problems += exc.errors
    if problems:
        raise ValidationError(problems)
    info = parse_id_number(new.id_number)
    with store.write() as session:
        student = session.execute(
            select(Student).where(Student.id_number == info.number).limit(1)
        ).scalar_one_or_none()
        if student is not None:
            if student.name != name:
                raise ValidationError(FieldError(
                    "id_number", f"身份证号码 {info.number} 已登记为“{student.name}”，与填写的姓名不一致"
                ))
            if _active_tags(session, student.id):
                raise ValidationError(FieldError("id_number", f"{student.name}已在关爱名册中，请在名册中修改"))
        else:
            student = Student(
                name=name, name_initials=name_initials(name), name_pinyin=name_pinyin(name),
                id_number=info.number, birth_date=info.birth_date, sex=info.sex.value,
                student_number="G" + info.number, guardian1_name=new.guardian_name.strip(),
                guardian1_relation=new.guardian_relation.strip(), guardian1_phone=normalize_phone(new.guardian_phone),
            )
            session.add(student)
            session.flush()
        for tag in tags:
            session.add(StudentTag(student_id=student.id, tag=tag.tag, detail=tag.detail, since=dt.date.today()))
        return student.id


def _active_tags(session: Session, student_id: str) -> list[StudentTag]:
    return list(session.execute(
        select(StudentTag).where(StudentTag.student_id == student_id, StudentTag.voided.is_(False))
    ).scalars())


def tags_of(store: Store, student_id: str) -> list[Tag]:
    with store.read() as session:
        tags = [Tag(t.tag, t.detail) for t in _active_tags(session, student_id)]
    return sorted(tags, key=lambda t: rules.TAGS.index(t.tag) if t.tag in rules.TAGS else 99)


def tags_text(store: Store, student_id: str | None) -> str:
    """The student's tags as one line (for the registration form); empty when none."""
    return rules.tags_text(tags_of(store, student_id)) if student_id else ""


def set_tags(store: Store, student_id: str, tags: list[Tag], reason: str = "不再属于此类") -> None:
    """Make the student's active tags exactly ``tags``: new ones added, dropped ones voided with ``reason``."""
    require(store, Permission.EDIT_RECORDS, student_id=student_id)
    tags = rules.check_tags(tags)
    with store.write() as session:
        _student(session, student_id)
        active = {(t.tag, t.detail): t for t in _active_tags(session, student_id)}
        wanted = {(t.tag, t.detail) for t in tags}
        for key, row in active.items():
            if key not in wanted:
                row.voided, row.void_reason = True, reason
        for tag in tags:
            if (tag.tag, tag.detail) not in active:
                session.add(StudentTag(student_id=student_id, tag=tag.tag, detail=tag.detail, since=dt.date.today()))


# --- one-to-one helper -----------------------------------------------------------------

@dataclass(frozen=True)
class Helper:
    teacher_name: str
    phone: str
    start_date: dt.date


def assign_helper(store: Store, student_id: str, teacher_name: str, phone: str,
                  start: dt.date | None = None) -> None:
    """Make ``teacher_name`` the student's one-to-one helper; the previous assignment ends that day."""
    require(store, Permission.EDIT_RECORDS, student_id=student_id)
    start = start or dt.date.today()
    problems = []
    if not teacher_name.strip():
        problems.append(FieldError("teacher_name", "请填写帮扶责任人（教师）姓名"))
    if err := phone_error(phone, "phone", "帮扶责任人电话", required=True):
        problems.append(err)
    if problems:
        raise ValidationError(problems)
    with store.write() as session:
        _student(session, student_id)
        for row in session.execute(select(CareHelper).where(
            CareHelper.student_id == student_id, CareHelper.end_date.is_(None)
        )).scalars():
            if row.teacher_name == teacher_name.strip() and row.phone == normalize_phone(phone):
                return
            row.end_date = start
        session.add(CareHelper(student_id=student_id, teacher_name=teacher_name.strip(),
                               phone=normalize_phone(phone), start_date=start))


def current_helper(store: Store, student_id: str) -> Helper | None:
    with store.read() as session:
        row = session.execute(select(CareHelper).where(
            CareHelper.student_id == student_id, CareHelper.end_date.is_(None)
        ).order_by(CareHelper.start_date.desc()).limit(1)).scalar_one_or_none()
        return Helper(row.teacher_name, row.phone, row.start_date) if row else None


# --- care records and aid ----------------------------------------------------------------

def add_care_record(store: Store, student_id: str, entry: CareEntry) -> str:
    require(store, Permission.EDIT_RECORDS, student_id=student_id)
    entry.validate()
    with store.write() as session:
        _student(session, student_id)
        row = CareRecord(student_id=student_id, record_date=entry.record_date, kind=entry.kind,
                         notes=entry.notes.strip(), people=entry.people.strip())
        session.add(row)
        session.flush()
        return row.id


def care_records(store: Store, student_id: str) -> list[dict[str, Any]]:
    with store.read() as session:
        rows = session.execute(select(CareRecord).where(CareRecord.student_id == student_id)
                               .order_by(CareRecord.record_date.desc(), CareRecord.created_at.desc())).scalars()
        return [{"id": r.id, "record_date": r.record_date, "kind": r.kind, "people": r.people, "notes": r.notes,
                 "voided": r.voided, "void_reason": r.void_reason} for r in rows]


def _void(store: Store, model: Any, record_id: str, reason: str) -> None:
    require(store, Permission.EDIT_RECORDS)
    if not reason.strip():
        raise ValidationError("作废须填写原因")
    with store.write() as session:
        row = session.get(model, record_id)
        if row is None:
            raise NotFoundError("记录不存在")
        require_student(session, store, row.student_id)  # a limited teacher: only their students' records
        if not row.voided:
            row.voided, row.void_reason = True, reason.strip()


def void_care_record(store: Store, record_id: str, reason: str) -> None:
    _void(store, CareRecord, record_id, reason)


def _editable(session: Session, store: Store, model: Any, record_id: str, what: str) -> Any:
    """Inside the transaction: the record to correct; refused when missing, voided or not the teacher's student."""
    row = session.get(model, record_id)
    if row is None:
        raise NotFoundError(f"{what}不存在")
    if row.voided:
        raise ValidationError(f"{what}已作废，不能修改；如需更正请重新添加")
    require_student(session, store, row.student_id)
    return row


def _set_changed(row: Any, values: dict[str, Any]) -> None:
    """Set only the fields whose value differs, so the history holds one row per real change."""
    for name, value in values.items():
        if getattr(row, name) != value:
            setattr(row, name, value)


def update_care_record(store: Store, record_id: str, entry: CareEntry) -> None:
    """Correct a care record (a mistyped date, kind, people or content); each changed field goes to the history.

    Raises:
        ValidationError: the entry is refused as when adding, or the record is voided; nothing saved.
        NotFoundError: no such record.
    """
    require(store, Permission.EDIT_RECORDS)
    entry.validate()
    with store.write() as session:
        row = _editable(session, store, CareRecord, record_id, "关爱记录")
        _set_changed(row, {"record_date": entry.record_date, "kind": entry.kind, "notes": entry.notes.strip(),
                           "people": entry.people.strip()})


def _aid_amount(semester: str, kind: str, amount: str) -> int:
    """Check an aid record as typed; returns the amount in fen.

    Raises:
        ValidationError: every problem at once.
    """
    problems = []
    if not kind.strip():
        problems.append(FieldError("kind", "请选择或填写资助项目"))
    if not semester.strip():
        problems.append(FieldError("semester", "请选择学期"))
    try:
        fen = rules.parse_amount(amount) if amount.strip() else 0
    except ValidationError as exc:
        problems += exc.errors
        fen = 0
    if problems:
        raise ValidationError(problems)
    return fen


def add_aid(store: Store, student_id: str, semester: str, kind: str, amount: str, notes: str = "") -> str:
    require(store, Permission.EDIT_RECORDS, student_id=student_id)
    fen = _aid_amount(semester, kind, amount)
    with store.write() as session:
        _student(session, student_id)
        row = AidRecord(student_id=student_id, semester=semester, kind=kind.strip(), amount_fen=fen,
                        notes=notes.strip())
        session.add(row)
        session.flush()
        return row.id


def aid_records(store: Store, student_id: str) -> list[dict[str, Any]]:
    with store.read() as session:
        rows = session.execute(select(AidRecord).where(AidRecord.student_id == student_id)
                               .order_by(AidRecord.semester.desc(), AidRecord.kind)).scalars()
        return [{"id": r.id, "semester": r.semester, "kind": r.kind, "amount": rules.amount_text(r.amount_fen),
                 "notes": r.notes, "voided": r.voided, "void_reason": r.void_reason} for r in rows]


def void_aid(store: Store, record_id: str, reason: str) -> None:
    _void(store, AidRecord, record_id, reason)


def update_aid(store: Store, record_id: str, semester: str, kind: str, amount: str, notes: str = "") -> None:
    """Correct an aid record; checked as when adding, each changed field goes to the history.

    Raises:
        ValidationError: the values are refused as when adding, or the record is voided; nothing saved.
        NotFoundError: no such record.
    """
    require(store, Permission.EDIT_RECORDS)
    fen = _aid_amount(semester, kind, amount)
    with store.write() as session:
        row = _editable(session, store, AidRecord, record_id, "资助记录")
        _set_changed(row, {"semester": semester, "kind": kind.strip(), "amount_fen": fen, "notes": notes.strip()})


# --- disabled children -------------------------------------------------------------------

def save_disability(store: Store, student_id: str, file: rules.DisabilityFile) -> None:
    """Create or update the child's 一人一档; a child with a file also carries the 身体残疾 tag."""
    require(store, Permission.EDIT_RECORDS, student_id=student_id)
    file.validate()
    with store.write() as session:
        _student(session, student_id)
        row = session.execute(
            select(DisabilityFile).where(DisabilityFile.student_id == student_id)
        ).scalar_one_or_none()
        if row is None:
            row = DisabilityFile(student_id=student_id)
            session.add(row)
        for name in ("kind", "grade", "placement", "placement_start", "registry_confirmed"):
            if getattr(row, name) != getattr(file, name):
                setattr(row, name, getattr(file, name))
        for name in ("certificate_number", "notes"):
            if getattr(row, name) != getattr(file, name).strip():
                setattr(row, name, getattr(file, name).strip())
        if not any(t.tag == rules.DISABLED for t in _active_tags(session, student_id)):
            session.add(StudentTag(student_id=student_id, tag=rules.DISABLED, since=dt.date.today()))


def disability_of(store: Store, student_id: str) -> rules.DisabilityFile | None:
    with store.read() as session:
        row = session.execute(
            select(DisabilityFile).where(DisabilityFile.student_id == student_id)
        ).scalar_one_or_none()
        if row is None:
            return None
        return rules.DisabilityFile(row.kind, row.grade, row.certificate_number, row.placement, row.placement_start,
                                    row.registry_confirmed, row.notes)


@dataclass
class PlanText:
    goals: str = ""
    content: str = ""
    teachers: str = ""


def save_individual_plan(store: Store, student_id: str, semester: str, plan: PlanText) -> None:
    """一人一案 for one semester: goals, content and teachers."""
    require(store, Permission.EDIT_RECORDS, student_id=student_id)
    if not plan.goals.strip() or not plan.teachers.strip():
        raise ValidationError(FieldError("plan", "个别化教育计划须填写目标和任课教师"))
    with store.write() as session:
        if session.execute(select(DisabilityFile.id).where(DisabilityFile.student_id == student_id)).first() is None:
            raise ValidationError("请先保存该生的残疾情况（一人一档），再制定一人一案")
        row = session.execute(select(IndividualPlan).where(
            IndividualPlan.student_id == student_id, IndividualPlan.semester == semester
        )).scalar_one_or_none()
        if row is None:
            row = IndividualPlan(student_id=student_id, semester=semester)
            session.add(row)
        for name in ("goals", "content", "teachers"):
            value = getattr(plan, name).strip()
            if getattr(row, name) != value:
                setattr(row, name, value)


def individual_plan(store: Store, student_id: str, semester: str) -> PlanText | None:
    with store.read() as session:
        row = session.execute(select(IndividualPlan).where(
            IndividualPlan.student_id == student_id, IndividualPlan.semester == semester
        )).scalar_one_or_none()
        return PlanText(row.goals, row.content, row.teachers) if row else None


# --- the register --------------------------------------------------------------------------

REGISTER_COLUMNS: tuple[tuple[str, str], ...] = (
    ("name", "姓名"), ("sex", "性别"), ("id_number", "身份证号码"), ("tags", "类别"),
    ("helper", "帮扶责任人"), ("helper_phone", "责任人电话"), ("care_count", "关爱次数"),
    ("last_care", "最近关爱"), ("disability", "残疾情况"), ("placement", "安置方式"),
)


def register_rows(store: Store, search: str = "", tag: str = "", *, full: bool = False) -> list[dict[str, Any]]:
    """One row per student in the register (at least one active tag), ordered by name's pinyin.

    A list: identity and phone numbers masked (``full`` only for an export, which masks them itself)."""
    with store.read() as session:
        tagged = select(StudentTag.student_id).where(StudentTag.voided.is_(False))
        if tag:
            tagged = tagged.where(StudentTag.tag == tag)
        stmt = select(Student).where(Student.id.in_(tagged))
        text = normalize_id_number(search)
        if text:
            if text.isascii():
                stmt = stmt.where(or_(Student.name_initials.like(f"{text.lower()}%"),
                                      Student.name_pinyin.like(f"{text.lower()}%"),
                                      Student.id_number.like(f"%{text}%")))
            else:
                stmt = stmt.where(Student.name.like(f"%{text}%"))
        students = list(session.execute(stmt.order_by(Student.name_pinyin, Student.id)).scalars())
        ids = [s.id for s in students]
        tags: dict[str, list[Tag]] = {}
        for t in session.execute(select(StudentTag).where(StudentTag.student_id.in_(ids),
                                                          StudentTag.voided.is_(False))).scalars():
            tags.setdefault(t.student_id, []).append(Tag(t.tag, t.detail))
        helpers = {h.student_id: h for h in session.execute(select(CareHelper).where(
            CareHelper.student_id.in_(ids), CareHelper.end_date.is_(None))).scalars()}
        care = {sid: (n, last) for sid, n, last in session.execute(
            select(CareRecord.student_id, func.count(), func.max(CareRecord.record_date))
            .where(CareRecord.student_id.in_(ids), CareRecord.voided.is_(False)).group_by(CareRecord.student_id))}
        files = {f.student_id: f for f in session.execute(
            select(DisabilityFile).where(DisabilityFile.student_id.in_(ids))).scalars()}
        aid = {sid: n for sid, n in session.execute(
            select(AidRecord.student_id, func.aggregate_strings(AidRecord.kind, "、"))
            .where(AidRecord.student_id.in_(ids), AidRecord.voided.is_(False)).group_by(AidRecord.student_id))}
    rows = []
    for s in students:
        h, f = helpers.get(s.id), files.get(s.id)
        count, last = care.get(s.id, (0, None))
        rows.append({
            "student_id": s.id, "name": s.name, "sex": s.sex, "id_number": s.id_number,
            "masked_id": mask_id_number(s.id_number),
            "tags": rules.tags_text(sorted(tags.get(s.id, []), key=lambda t: rules.TAGS.index(t.tag))),
            "helper": h.teacher_name if h else "", "helper_phone": h.phone if h else "",
            "care_count": count, "last_care": last,
            "disability": f"{f.kind}{f.grade}" if f else "", "placement": f.placement if f else "",
            "guardian": s.guardian1_name, "guardian_phone": s.guardian1_phone, "aid": aid.get(s.id, ""),
        })
    if not full:
        privacy.mask_rows(store, rows, Purpose.LIST, phones=("helper_phone", "guardian_phone"))
    return rows


def placement_rows(store: Store, semester: str) -> list[dict[str, Any]]:
    """Every disabled child with the file, the placement and this semester's individual plan."""
    with store.read() as session:
        result = session.execute(
            select(Student, DisabilityFile, IndividualPlan)
            .join(DisabilityFile, DisabilityFile.student_id == Student.id)
            .outerjoin(IndividualPlan,
                       (IndividualPlan.student_id == Student.id) & (IndividualPlan.semester == semester))
            .order_by(Student.name_pinyin)
        ).all()
        return [{
            "student_id": s.id, "name": s.name, "sex": s.sex, "id_number": s.id_number, "kind": f.kind,
            "grade": f.grade, "certificate_number": f.certificate_number, "placement": f.placement,
            "placement_start": f.placement_start, "registry_confirmed": "是" if f.registry_confirmed else "否",
            "plan_goals": p.goals if p else "", "plan_teachers": p.teachers if p else "",
            "guardian": s.guardian1_name, "guardian_phone": s.guardian1_phone,
        } for s, f, p in result]


# --- exports ---------------------------------------------------------------------------------

def export_register(store: Store, path: Path, *, full_numbers: bool = False, reason: str = "") -> int:
    """The special-student register as an Excel file; returns the number of students written.

    Identity and phone numbers are masked unless ``full_numbers`` (an administrator, with a ``reason``)."""
    require(store, Permission.EXPORT)
    from desktop_app.reports import excel
    rows = register_rows(store, full=True)
    privacy.record_numbers_export(store, "特殊学生关爱帮扶名册", len(rows), full_numbers=full_numbers, reason=reason,
                                  target=Path(path).name)
    privacy.mask_rows(store, rows, Purpose.EXPORT, phones=("helper_phone", "guardian_phone"),
                      full=full_numbers)
    inst = store.installation()
    unit = inst.name if inst else ""
    excel.write_table(
        path, "特殊学生关爱帮扶名册", f"填报单位：{unit}　　导出日期：{dt.date.today():%Y年%m月%d日}",
        [("序号", 6), ("姓名", 10), ("性别", 6), ("居民身份证号码", 22), ("特殊学生类别", 28),
         ("一对一帮扶责任人", 14), ("责任人电话", 15), ("监护人", 10), ("监护人电话", 15),
         ("关爱次数", 9), ("最近关爱日期", 13), ("残疾情况", 10), ("安置方式", 12), ("资助项目", 24)],
        [[i, r["name"], r["sex"], r["id_number"], r["tags"], r["helper"], r["helper_phone"], r["guardian"],
          r["guardian_phone"], r["care_count"], r["last_care"], r["disability"], r["placement"], r["aid"]]
         for i, r in enumerate(rows, 1)],
        text_columns={3, 6, 8},
    )
    with store.write() as session:
        audit.record_event(session, "students", "", "导出特殊学生名册", f"{path.name}，{len(rows)}人")
    return len(rows)


def export_placements(store: Store, semester: str, path: Path, *, full_numbers: bool = False, reason: str = "") -> int:
    """The placements of disabled children (一人一案) as an Excel file; identity and phone numbers are masked
    unless ``full_numbers`` (an administrator, with a ``reason``)."""
    require(store, Permission.EXPORT)
    from desktop_app.reports import excel

    rows = placement_rows(store, semester)
    privacy.record_numbers_export(store, f"残疾儿童安置情况（{semester}）", len(rows), full_numbers=full_numbers,
                                  reason=reason, target=Path(path).name)
    privacy.mask_rows(store, rows, Purpose.EXPORT, ids=("id_number", "certificate_number"), phones=("guardian_phone",),
                      full=full_numbers)
    inst = store.installation()
    excel.write_table(
        path, "适龄残疾儿童少年安置情况表（一人一案）",
        f"填报单位：{inst.name if inst else ''}　　学期：{semester}　　导出日期：{dt.date.today():%Y年%m月%d日}",
        [("序号", 6), ("姓名", 10), ("性别", 6), ("居民身份证号码", 22), ("残疾类别", 10), ("残疾等级", 10),
         ("残疾证号", 24), ("安置方式", 12), ("安置时间", 12), ("学籍是否完善", 12), ("个别化教育目标", 36),
         ("任课教师", 16), ("监护人", 10), ("监护人电话", 15)],
        [[i, r["name"], r["sex"], r["id_number"], r["kind"], r["grade"], r["certificate_number"], r["placement"],
          r["placement_start"], r["registry_confirmed"], r["plan_goals"], r["plan_teachers"], r["guardian"],
          r["guardian_phone"]] for i, r in enumerate(rows, 1)],
        text_columns={3, 6, 13},
    )
    with store.write() as session:
        audit.record_event(session, "disability_files", "", "导出残疾儿童安置情况", f"{path.name}，{len(rows)}人")
    return len(rows)
