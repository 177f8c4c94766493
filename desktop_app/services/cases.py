"""Cases: saving and loading the registration form, and the ledger query."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Select, and_, func, or_, select
from sqlalchemy.orm import Session

from database.models import Case, PersuasionAttempt, Student, utcnow
from desktop_app.domain import form_fields
from desktop_app.domain.codes import CaseStatus
from desktop_app.domain.contact import Address
from desktop_app.domain.errors import ConflictError, FieldError, NotFoundError, ValidationError
from desktop_app.domain.identity import normalize_id_number
from desktop_app.domain.lifecycle import status_after_attempts
from desktop_app.domain.names import name_initials, name_pinyin
from desktop_app.domain.registration import Attempt, RegistrationForm, village_of
from desktop_app.domain.roles import Purpose
from desktop_app.services import privacy
from desktop_app.services.access import Permission, require, require_student
from desktop_app.services.accounts import assign_new_student
from desktop_app.services.store import Store

# The form's fields as declared once in desktop_app.domain.form_fields.
ADDRESS_KINDS = tuple(f.column for f in form_fields.addresses())
STUDENT_FIELDS = form_fields.stored_in(form_fields.STUDENTS)
CASE_FIELDS = form_fields.stored_in(form_fields.CASES)
# The deferral fields of the form are filled from the district's approval record (services.lifecycle).
SAVED_CASE_FIELDS = tuple(f for f in CASE_FIELDS if not f.startswith("deferral_"))
ATTEMPT_FIELDS = ("attempt_date", "people", "place", "method", "result", "is_joint", "voided", "void_reason")


def _open_case_for_id_number(session: Session, id_number: str, except_case: str | None) -> Case | None:
    stmt = (
        select(Case).join(Student)
        .where(Student.id_number == id_number, ~Case.voided,
               Case.status.in_((*CaseStatus.open_values(), CaseStatus.DEFERRED.value)))
    )
    if except_case:
        stmt = stmt.where(Case.id != except_case)
    return session.execute(stmt.limit(1)).scalar_one_or_none()


def save_form(store: Store, form: RegistrationForm) -> str:
    """Validate and save the whole form in one transaction; returns the case id.

    Raises:
        ValidationError: every problem at once; nothing saved.
        ConflictError: the case was changed elsewhere since it was opened.
        PermissionDenied: the account may not edit records (or not this student's).
    """
    require(store, Permission.EDIT_RECORDS)
    form.validate()
    new_student = False
    with store.write() as session:
        if form.id_number and (other := _open_case_for_id_number(session, form.id_number, form.case_id)):
            raise ValidationError(FieldError(
                "id_number",
                f"身份证号码 {form.id_number} 已有未销号的案件（{other.student.name}，{other.opened_on}立案，"
                f"{other.status}），请打开原案件",
            ))
        if form.case_id:
            case = session.get(Case, form.case_id)
            if case is None:
                raise NotFoundError("要修改的案件不存在")
            stale_student = form.student_version is not None and case.student.version != form.student_version
            if (form.case_version is not None and case.version != form.case_version) or stale_student:
                raise ConflictError("此案件在您打开后已被修改（可能来自另一台电脑或另一窗口），请关闭后重新打开再改")
            student = case.student
            require_student(session, store, student.id)
        else:
            found = None
            if form.id_number:
                found = session.execute(
                    select(Student).where(Student.id_number == form.id_number).limit(1)
                ).scalar_one_or_none()
            if found is None:
                student = Student(name=form.name)
                session.add(student)
                new_student = True
            else:
                student = found
                require_student(session, store, student.id)
            case = Case(student=student, status=CaseStatus.SUSPECTED.value, opened_on=dt.date.today())
            session.add(case)
        _apply_student(student, form)
        for name in SAVED_CASE_FIELDS:
            _set(case, name, getattr(form, name))
        _apply_attempts(session, case, form.attempts)
        case.attempt_count = form.attempt_count
        _set(case, "status", status_after_attempts(case.status, form.attempt_count))
        if any(session.is_modified(o) for o in session.dirty) or session.new:
            case.updated_at = utcnow()  # any change to the form bumps the case's version
        session.flush()
        if new_student:
            assign_new_student(session, store.account, student.id)
        return case.id


def _set(obj: Any, name: str, value: Any) -> None:
    if getattr(obj, name) != value:
        setattr(obj, name, value)


def _apply_student(student: Student, form: RegistrationForm) -> None:
    for name in STUDENT_FIELDS:
        _set(student, name, getattr(form, name))
    for kind in ADDRESS_KINDS:
        address: Address = getattr(form, kind)
        for part in Address.PARTS:
            _set(student, f"{kind}_{part}", getattr(address, part).strip())
    _set(student, "name_initials", name_initials(form.name))
    _set(student, "name_pinyin", name_pinyin(form.name))
    _set(student, "village", village_of(form.hukou.detail))


def _apply_attempts(session: Session, case: Case, attempts: list[Attempt]) -> None:
    existing = {a.id: a for a in case.attempts} if case.id else {}
    for attempt in attempts:
        if attempt.id:
            row = existing.get(attempt.id)
            if row is None:
                raise NotFoundError("劝返记录不属于此案件")
        else:
            row = PersuasionAttempt(case=case)
            session.add(row)
        for name in ATTEMPT_FIELDS:
            _set(row, name, getattr(attempt, name))


def load_form(store: Store, case_id: str) -> RegistrationForm:
    with store.read() as session:
        case = session.get(Case, case_id)
        if case is None:
            raise NotFoundError("案件不存在或已作废")
        student = case.student
        form = RegistrationForm(
            case_id=case.id, student_id=student.id, case_version=case.version,
            student_version=student.version, status=case.status,
        )
        for name in STUDENT_FIELDS:
            setattr(form, name, getattr(student, name))
        for kind in ADDRESS_KINDS:
            setattr(form, kind, Address(**{p: getattr(student, f"{kind}_{p}") for p in Address.PARTS}))
        for name in CASE_FIELDS:
            setattr(form, name, getattr(case, name))
        form.attempts = [
            Attempt(**{n: getattr(a, n) for n in ATTEMPT_FIELDS}, id=a.id) for a in case.attempts
        ]
    if not privacy.full_allowed(store, Purpose.FORM):  # a read-only account sees the form masked
        form.id_number = privacy.mask_id_number(form.id_number)
        form.student_number = privacy.mask_id_number(form.student_number)
        for name in ("guardian1_phone", "guardian2_phone"):
            setattr(form, name, privacy.mask_phone(getattr(form, name)))
    return form


# --- the ledger -------------------------------------------------------------------------

LEDGER_COLUMNS: tuple[tuple[str, str], ...] = (
    ("name", "姓名"),
    ("sex", "性别"),
    ("id_number", "身份证号码"),
    ("grade", "年级"),
    ("township", "乡镇(街道)"),
    ("village", "村(社区)"),
    ("status", "状态"),
    ("dropout_reason", "辍学原因"),
    ("attempt_count", "劝返次数"),
    ("opened_on", "立案日期"),
    ("guardian1_phone", "监护人电话"),
    ("sync_state", "同步状态"),  # not a column: computed for the page's rows (services/sync.py)
)

_LIST_PHONES = ("guardian1_phone",)

_SORT_COLUMNS = {
    "name": Student.name_pinyin,
    "sex": Student.sex,
    "id_number": Student.id_number,
    "grade": Case.grade,
    "township": Student.hukou_township,
    "village": Student.village,
    "status": Case.status,
    "dropout_reason": Case.dropout_reason,
    "attempt_count": Case.attempt_count,
    "opened_on": Case.opened_on,
    "guardian1_phone": Student.guardian1_phone,
}


@dataclass
class LedgerQuery:
    """What the ledger shows: filters, search text and order."""

    statuses: tuple[str, ...] = ()
    grade: str = ""
    township: str = ""
    village: str = ""
    search: str = ""
    dropout_reason: str = ""
    opened_from: dt.date | None = None
    opened_to: dt.date | None = None
    closed_from: dt.date | None = None
    closed_to: dt.date | None = None
    title: str = ""  # what the overview figure behind this query was called
    sort: str = "opened_on"
    descending: bool = True
    extra: dict[str, Any] = field(default_factory=dict)


def _search_clause(text: str) -> Any:
    text = normalize_id_number(text)  # NFKC, no spaces, upper case
    if not text:
        return None
    if text.isascii() and text.isalpha() and text not in ("G", "L", "X"):
        low = text.lower()
        return or_(Student.name_initials.like(f"{low}%"), Student.name_pinyin.like(f"{low}%"))
    if text.isascii() and text.isalnum():
        return or_(Student.id_number.like(f"%{text}%"), Student.student_number.like(f"%{text}%"))
    return Student.name.like(f"%{text}%")


def ledger_select(query: LedgerQuery, columns: list[Any], *, join_students: bool = True) -> Select[Any]:
    """The ledger's rows as a statement over cases.

    Conditions on the student go through ``student_id IN (…)`` so SQLite answers them from the
    narrow search index of ``students``; the join is only there for the displayed columns.
    """
    stmt = select(*columns).select_from(Case)
    if join_students:
        stmt = stmt.join(Student, Case.student_id == Student.id)
    conditions: list[Any] = [Case.voided.is_(False)]
    if query.statuses:
        conditions.append(Case.status.in_(query.statuses))
    if query.grade:
        conditions.append(Case.grade == query.grade)
    student_conditions: list[Any] = []
    if query.township:
        student_conditions.append(Student.hukou_township == query.township)
    if query.village:
        student_conditions.append(Student.village == query.village)
    if query.dropout_reason:
        conditions.append(Case.dropout_reason == query.dropout_reason)
    if query.opened_from:
        conditions.append(Case.opened_on >= query.opened_from)
    if query.opened_to:
        conditions.append(Case.opened_on <= query.opened_to)
    if query.closed_from:
        conditions.append(Case.closed_on >= query.closed_from)
    if query.closed_to:
        conditions.append(Case.closed_on <= query.closed_to)
    clause = _search_clause(query.search)
    if clause is not None:
        student_conditions.append(clause)
    if student_conditions:
        conditions.append(Case.student_id.in_(select(Student.id).where(and_(*student_conditions))))
    return stmt.where(and_(*conditions))


#: Ledger columns the ledger can be ordered by (the sync state is computed per page, not sortable).
SORTABLE = frozenset(_SORT_COLUMNS)


def _row_columns() -> list[Any]:
    return [
        Case.id.label("case_id"), Student.name, Student.sex, Student.id_number, Case.grade,
        Student.hukou_township.label("township"), Student.village, Case.status, Case.dropout_reason,
        Case.attempt_count, Case.opened_on, Student.guardian1_phone, Case.student_id,
    ]


def ledger_page_select(query: LedgerQuery, offset: int, limit: int | None) -> Select[Any]:
    """One page of the ledger (``limit`` None: every row from ``offset`` on): the page's case ids are
    chosen on the narrow cases table first, then only those rows are joined to their students (never
    the whole filtered set)."""
    order = _SORT_COLUMNS.get(query.sort, Case.opened_on)
    order_by = [order.desc() if query.descending else order.asc(), Case.id]
    needs_join = order.class_ is Student
    page_ids = (
        ledger_select(query, [Case.id], join_students=needs_join)
        .order_by(*order_by).offset(offset).limit(limit)
    )
    return (
        select(*_row_columns()).select_from(Case).join(Student, Case.student_id == Student.id)
        .where(Case.id.in_(page_ids)).order_by(*order_by)
    )


def ledger_count_select(query: LedgerQuery) -> Select[Any]:
    return ledger_select(query, [func.count()], join_students=False)


def ledger_page(store: Store, query: LedgerQuery, offset: int = 0, limit: int = 200) -> list[dict[str, Any]]:
    """One page of the ledger; ``sync_state`` is the exchange state of the case and its student together."""
    from desktop_app.services import sync

    with store.read() as session:
        rows = [dict(r._mapping) for r in session.execute(ledger_page_select(query, offset, limit))]
    privacy.mask_rows(store, rows, Purpose.LIST, phones=_LIST_PHONES)  # a list: masked, whoever looks
    if rows and store.installation() is not None:
        sync.add_ledger_states(store, rows)
    return rows


def ledger_count(store: Store, query: LedgerQuery) -> int:
    with store.read() as session:
        return session.execute(ledger_count_select(query)).scalar_one()


@dataclass
class FilterOptions:
    grades: list[str]
    townships: list[str]
    villages: dict[str, list[str]]


def filter_options(store: Store) -> FilterOptions:
    """The values present in the ledger, for the filter boxes."""
    with store.read() as session:
        grades = [g for (g,) in session.execute(select(Case.grade).distinct()) if g]
        villages: dict[str, list[str]] = {}
        rows = session.execute(
            select(Student.hukou_township, Student.village).distinct()
            .order_by(Student.hukou_township, Student.village)
        )
        for township, village in rows:
            if township:
                villages.setdefault(township, [])
                if village:
                    villages[township].append(village)
        return FilterOptions(grades, list(villages), villages)


def open_case_count(store: Store) -> int:
    return ledger_count(store, LedgerQuery(statuses=CaseStatus.open_values()))
