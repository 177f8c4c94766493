"""送教上门 / 网络送教 (N-9): the term calendar, plans, the session log, break contacts and compliance.

The calendar of a semester is its dates (``semesters``) plus the entered days (``calendar_days``):
holidays on weekdays and make-up school days on weekends.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from database.care import (
    BreakContact,
    CalendarEntry,
    DisabilityFile,
    HomeTeachingPlan,
    HomeTeachingSession,
    MissedWeekReason,
)
from database.models import Semester, Student
from desktop_app.domain import care as care_rules
from desktop_app.domain import school_calendar as cal
from desktop_app.domain.errors import FieldError, NotFoundError, ValidationError
from desktop_app.domain.home_teaching import (
    BREAKS,
    Compliance,
    Minimum,
    SessionEntry,
    Visit,
    WeekStatus,
    compliance,
)
from desktop_app.domain.identity import mask_id_number
from desktop_app.services import audit, semesters, settings, todo
from desktop_app.services.access import Permission, require, require_student
from desktop_app.services.store import Store

MIN_VISITS = settings.declare("home_teaching.min_visits_per_week", "送教上门每周最少次数", 1,
                              minimum=1, maximum=7, unit="次")
MIN_HOURS = settings.declare("home_teaching.min_class_hours", "送教上门每次最少学时", 2,
                             minimum=1, maximum=8, unit="学时")
SOURCE_OFFICIAL = "国家法定"
SOURCE_MANUAL = "手工录入"


def minimum(store: Store) -> Minimum:
    return Minimum(int(settings.get(store, MIN_VISITS.key)), int(settings.get(store, MIN_HOURS.key)))


# --- the calendar ------------------------------------------------------------------------

def _semester_row(session: Session, name: str) -> Semester:
    row = session.execute(select(Semester).where(Semester.name == name)).scalar_one_or_none()
    if row is None:
        raise NotFoundError(f"学期{name}不存在")
    return row


def _entries(session: Session, semester_id: str) -> list[CalendarEntry]:
    return list(session.execute(select(CalendarEntry).where(
        CalendarEntry.semester_id == semester_id, CalendarEntry.voided.is_(False)
    ).order_by(CalendarEntry.day)).scalars())


def calendar_days(store: Store, semester: str) -> list[dict[str, Any]]:
    semesters.ensure(store, semester)
    with store.read() as session:
        row = _semester_row(session, semester)
        return [{"id": e.id, "day": e.day, "kind": e.kind, "name": e.name, "source": e.source}
                for e in _entries(session, row.id)]


def term_calendar(store: Store, semester: str) -> cal.TermCalendar:
    span = semesters.ensure(store, semester)
    with store.read() as session:
        entries = _entries(session, _semester_row(session, semester).id)
    return cal.TermCalendar(
        span.start, span.end,
        frozenset(e.day for e in entries if e.kind == cal.HOLIDAY),
        frozenset(e.day for e in entries if e.kind == cal.MAKEUP),
    )


def calendar_warning(store: Store, semester: str) -> str:
    """A sentence when some year of the term has no holiday data (nothing known, nothing entered)."""
    span = semesters.ensure(store, semester)
    entered = [cal.CalendarDay(d["day"], d["kind"], d["name"]) for d in calendar_days(store, semester)]
    years = cal.years_without_data(span.start, span.end, entered)
    return cal.unknown_years_message(years) if years else ""


def add_calendar_day(store: Store, semester: str, day: dt.date, kind: str, name: str = "",
                     source: str = SOURCE_MANUAL) -> str:
    require(store, Permission.MANAGE_SETTINGS)
    span = semesters.ensure(store, semester)
    if kind not in cal.DAY_KINDS:
        raise ValidationError(FieldError("kind", "请选择“放假”或“调休上课”"))
    if not span.contains(day):
        raise ValidationError(FieldError("day", f"{day:%Y-%m-%d}不在学期{semester}（{span.start}至{span.end}）内"))
    if kind == cal.HOLIDAY and day.weekday() >= 5:
        raise ValidationError(FieldError("day", f"{day:%Y-%m-%d}是周末，本来就不上课，不需登记放假"))
    if kind == cal.MAKEUP and day.weekday() < 5:
        raise ValidationError(FieldError("day", f"{day:%Y-%m-%d}是工作日，本来就上课，调休上课日应为周末"))
    with store.write() as session:
        row = _semester_row(session, semester)
        if any(e.day == day for e in _entries(session, row.id)):
            raise ValidationError(FieldError("day", f"{day:%Y-%m-%d}已登记，请先作废原记录"))
        entry = CalendarEntry(semester_id=row.id, day=day, kind=kind, name=name.strip(), source=source)
        session.add(entry)
        session.flush()
        return entry.id


def void_calendar_day(store: Store, entry_id: str, reason: str) -> None:
    require(store, Permission.MANAGE_SETTINGS)
    if not reason.strip():
        raise ValidationError("作废须填写原因")
    with store.write() as session:
        entry = session.get(CalendarEntry, entry_id)
        if entry is None:
            raise NotFoundError("校历记录不存在")
        entry.voided, entry.void_reason = True, reason.strip()


def propose_calendar(store: Store, semester: str) -> cal.Proposal:
    """Enter the official holidays and make-up days chinese-calendar knows for the term (days already
    entered are kept); the proposal's message names the years it knows nothing about."""
    require(store, Permission.MANAGE_SETTINGS)
    span = semesters.ensure(store, semester)
    proposal = cal.propose(span.start, span.end)
    with store.write() as session:
        row = _semester_row(session, semester)
        have = {e.day for e in _entries(session, row.id)}
        for d in proposal.days:
            if d.day not in have:
                session.add(CalendarEntry(semester_id=row.id, day=d.day, kind=d.kind, name=d.name,
                                          source=SOURCE_OFFICIAL))
    return proposal


# --- plans -----------------------------------------------------------------------------------

@dataclass
class PlanEntry:
    student_id: str
    semester: str
    teachers: str
    content: str
    weekday: int
    hours_per_visit: int = 2
    start_date: dt.date | None = None
    mode: str = ""  # 送教上门 | 网络送教; defaults to the child's placement


def save_plan(store: Store, entry: PlanEntry, plan_id: str | None = None) -> str:
    """Create or change the plan of a child placed in home or online teaching for a semester."""
    require(store, Permission.EDIT_RECORDS, student_id=entry.student_id)
    span = semesters.ensure(store, entry.semester)
    problems = []
    if not entry.teachers.strip():
        problems.append(FieldError("teachers", "请填写送教教师"))
    if not entry.content.strip():
        problems.append(FieldError("content", "请填写送教内容"))
    if not 0 <= entry.weekday <= 6:
        problems.append(FieldError("weekday", "请选择送教日"))
    if not 1 <= entry.hours_per_visit <= 8:
        problems.append(FieldError("hours_per_visit", "每次学时应为1-8"))
    start = entry.start_date or span.start
    if not span.contains(start):
        problems.append(FieldError("start_date", f"开始日期应在学期{entry.semester}（{span.start}至{span.end}）内"))
    if problems:
        raise ValidationError(problems)
    with store.write() as session:
        file = session.execute(select(DisabilityFile).where(
            DisabilityFile.student_id == entry.student_id)).scalar_one_or_none()
        if file is None or file.placement not in care_rules.TAUGHT_AT_HOME:
            raise ValidationError("该生的安置方式不是送教上门或网络送教：请先在“特殊学生关爱”中登记残疾情况和安置方式")
        mode = entry.mode or file.placement
        if mode not in care_rules.TAUGHT_AT_HOME:
            raise ValidationError(FieldError("mode", "送教方式应为送教上门或网络送教"))
        semester_id = _semester_row(session, entry.semester).id
        if plan_id:
            plan = session.get(HomeTeachingPlan, plan_id)
            if plan is None or plan.voided:
                raise NotFoundError("送教计划不存在或已作废")
        else:
            existing = session.execute(select(HomeTeachingPlan).where(
                HomeTeachingPlan.student_id == entry.student_id, HomeTeachingPlan.semester_id == semester_id,
                HomeTeachingPlan.voided.is_(False))).scalar_one_or_none()
            if existing is not None:
                raise ValidationError(f"该生本学期（{entry.semester}）已有送教计划，请修改原计划")
            plan = HomeTeachingPlan(student_id=entry.student_id, semester_id=semester_id)
            session.add(plan)
        values = {"mode": mode, "teachers": entry.teachers.strip(), "content": entry.content.strip(),
                  "weekday": entry.weekday, "hours_per_visit": entry.hours_per_visit, "start_date": start}
        for name, value in values.items():
            if getattr(plan, name) != value:
                setattr(plan, name, value)
        session.flush()
        return plan.id


def load_plan(store: Store, plan_id: str) -> tuple[PlanEntry, dict[str, Any]]:
    """The plan and facts about its child (name, masked id, guardian)."""
    with store.read() as session:
        plan = session.get(HomeTeachingPlan, plan_id)
        if plan is None:
            raise NotFoundError("送教计划不存在")
        student = session.get(Student, plan.student_id)
        semester = session.get(Semester, plan.semester_id)
        assert student is not None and semester is not None
        entry = PlanEntry(plan.student_id, semester.name, plan.teachers, plan.content, plan.weekday,
                          plan.hours_per_visit, plan.start_date, plan.mode)
        facts = {"name": student.name, "sex": student.sex, "id_number": student.id_number,
                 "guardian": student.guardian1_name, "guardian_phone": student.guardian1_phone,
                 "birth_date": student.birth_date}
        return entry, facts


def candidates(store: Store) -> list[dict[str, Any]]:
    """Children whose placement is home or online teaching (those who need a plan)."""
    with store.read() as session:
        rows = session.execute(
            select(Student.id, Student.name, Student.id_number, DisabilityFile.placement)
            .join(DisabilityFile, DisabilityFile.student_id == Student.id)
            .where(DisabilityFile.placement.in_(care_rules.TAUGHT_AT_HOME)).order_by(Student.name_pinyin)
        )
        return [{"student_id": sid, "name": name, "masked_id": mask_id_number(idn), "placement": placement}
                for sid, name, idn, placement in rows]


# --- sessions, reasons, break contacts -----------------------------------------------------------

def log_session(store: Store, plan_id: str, entry: SessionEntry, copy_photos: bool = True) -> str:
    """Record one visit; photos are copied into the data folder (``photos/<plan>/``)."""
    require(store, Permission.EDIT_RECORDS)
    entry.validate()
    with store.read() as session:
        plan = session.get(HomeTeachingPlan, plan_id)
        if plan is None or plan.voided:
            raise NotFoundError("送教计划不存在或已作废")
        require_student(session, store, plan.student_id)
        _check_in_term(session, plan, entry.session_date)
    copied: list[Path] = []
    try:
        stored = _copy_photos(store, plan_id, entry.photos, copied) if copy_photos else list(entry.photos)
        with store.write() as session:
            row = HomeTeachingSession(
                plan_id=plan_id, student_id=plan.student_id, session_date=entry.session_date,
                class_hours=entry.class_hours, form=entry.form, teachers=entry.teachers.strip(),
                content=entry.content.strip(), guardian_confirmed=entry.guardian_confirmed,
                guardian_name=entry.guardian_name.strip(), photos="\n".join(stored),
            )
            session.add(row)
            session.flush()
            return row.id
    except BaseException:
        for target in copied:  # the visit was not saved: its copies would belong to nothing
            target.unlink(missing_ok=True)
        raise


def _check_in_term(session: Session, plan: HomeTeachingPlan, day: dt.date) -> None:
    """A visit's date lies inside its plan's semester (a break-time contact is recorded elsewhere)."""
    sem = session.get(Semester, plan.semester_id)
    assert sem is not None
    if not sem.start_date <= day <= sem.end_date:
        raise ValidationError(FieldError(
            "session_date",
            f"送教日期不在学期{sem.name}（{sem.start_date}至{sem.end_date}）内；假期联系请记在“假期联系”中",
        ))


def update_session(store: Store, session_id: str, entry: SessionEntry, copy_photos: bool = True) -> None:
    """Correct a visit (a mistyped date, hours, content …); each changed field goes to the history.

    Photos: the visit keeps every photo it has. ``entry.photos`` lists only photos to ADD (local
    files, copied into the data folder as ``log_session`` does); an empty list leaves the photos as
    they are. A photo is never removed by an edit.

    Raises:
        ValidationError: the entry is refused as when logging (the date must lie in the plan's
            semester), or the visit is voided; nothing saved, no photo copy left behind.
        NotFoundError: no such visit, or its plan is voided.
    """
    require(store, Permission.EDIT_RECORDS)
    entry.validate()
    copied: list[Path] = []
    try:
        with store.write() as session:
            row = session.get(HomeTeachingSession, session_id)
            if row is None:
                raise NotFoundError("送教记录不存在")
            if row.voided:
                raise ValidationError("该送教记录已作废，不能修改；如需更正请重新记录")
            plan = session.get(HomeTeachingPlan, row.plan_id)
            if plan is None or plan.voided:
                raise NotFoundError("送教计划不存在或已作废")
            require_student(session, store, plan.student_id)
            _check_in_term(session, plan, entry.session_date)
            added = _copy_photos(store, plan.id, entry.photos, copied) if copy_photos else list(entry.photos)
            values = {
                "session_date": entry.session_date, "class_hours": entry.class_hours, "form": entry.form,
                "teachers": entry.teachers.strip(), "content": entry.content.strip(),
                "guardian_confirmed": entry.guardian_confirmed, "guardian_name": entry.guardian_name.strip(),
                "photos": "\n".join([p for p in row.photos.split("\n") if p] + added),
            }
            for name, value in values.items():
                if getattr(row, name) != value:
                    setattr(row, name, value)
    except BaseException:
        for target in copied:  # the change was not saved: its copies would belong to nothing
            target.unlink(missing_ok=True)
        raise


def _copy_photos(store: Store, plan_id: str, photos: list[str], copied: list[Path]) -> list[str]:
    """Copy the photos into the data folder; each copy made is appended to ``copied`` as it is made."""
    out = []
    folder = store.data_dir / "photos" / plan_id
    for name in photos:
        source = Path(name)
        if not source.is_file():
            raise ValidationError(FieldError("photos", f"照片文件不存在：{name}"))
        folder.mkdir(parents=True, exist_ok=True)
        target = folder / source.name
        n = 1
        while target.exists():
            target = folder / f"{source.stem}-{n}{source.suffix}"
            n += 1
        try:
            shutil.copy2(source, target)
        except OSError as exc:
            target.unlink(missing_ok=True)  # a partly written copy (a full disk)
            raise ValidationError(FieldError("photos", f"无法复制照片 {source.name}：{exc.strerror}")) from exc
        copied.append(target)
        out.append(str(target.relative_to(store.data_dir)))
    return out


def void_session(store: Store, session_id: str, reason: str) -> None:
    require(store, Permission.EDIT_RECORDS)
    if not reason.strip():
        raise ValidationError("作废须填写原因")
    with store.write() as session:
        row = session.get(HomeTeachingSession, session_id)
        if row is None:
            raise NotFoundError("送教记录不存在")
        require_student(session, store, row.student_id)
        row.voided, row.void_reason = True, reason.strip()


def sessions(store: Store, plan_id: str) -> list[dict[str, Any]]:
    with store.read() as session:
        rows = session.execute(select(HomeTeachingSession).where(HomeTeachingSession.plan_id == plan_id)
                               .order_by(HomeTeachingSession.session_date, HomeTeachingSession.created_at)).scalars()
        return [{"id": r.id, "session_date": r.session_date, "class_hours": r.class_hours, "form": r.form,
                 "teachers": r.teachers, "content": r.content, "guardian_confirmed": r.guardian_confirmed,
                 "guardian_name": r.guardian_name, "photos": [p for p in r.photos.split("\n") if p],
                 "voided": r.voided, "void_reason": r.void_reason} for r in rows]


def set_missed_reason(store: Store, plan_id: str, week_monday: dt.date, reason: str) -> None:
    """The reason a week had no sufficient visit; entering it again replaces the text (kept in the history)."""
    require(store, Permission.EDIT_RECORDS)
    if not reason.strip():
        raise ValidationError(FieldError("reason", "请填写未送教（或学时不足）的原因"))
    with store.write() as session:
        plan = session.get(HomeTeachingPlan, plan_id)
        if plan is None:
            raise NotFoundError("送教计划不存在")
        require_student(session, store, plan.student_id)
        row = session.execute(select(MissedWeekReason).where(
            MissedWeekReason.plan_id == plan_id, MissedWeekReason.week_monday == week_monday)).scalar_one_or_none()
        if row is None:
            session.add(MissedWeekReason(plan_id=plan_id, week_monday=week_monday, reason=reason.strip()))
        elif row.reason != reason.strip():
            row.reason = reason.strip()


def add_break_contact(store: Store, student_id: str, semester: str, break_kind: str, contact_date: dt.date,
                      method: str, people: str, notes: str = "") -> str:
    require(store, Permission.EDIT_RECORDS, student_id=student_id)
    problems = []
    if break_kind not in BREAKS:
        problems.append(FieldError("break_kind", "请选择寒假或暑假"))
    if contact_date > dt.date.today():
        problems.append(FieldError("contact_date", "联系日期不能晚于今天"))
    if not method.strip():
        problems.append(FieldError("method", "请选择联系方式"))
    if not people.strip():
        problems.append(FieldError("people", "请填写联系人员"))
    if problems:
        raise ValidationError(problems)
    with store.write() as session:
        if session.get(Student, student_id) is None:
            raise NotFoundError("学生不存在")
        row = BreakContact(student_id=student_id, semester=semester, break_kind=break_kind,
                           contact_date=contact_date, method=method.strip(), people=people.strip(),
                           notes=notes.strip())
        session.add(row)
        session.flush()
        return row.id


def break_contacts(store: Store, student_id: str) -> list[dict[str, Any]]:
    with store.read() as session:
        rows = session.execute(select(BreakContact).where(BreakContact.student_id == student_id,
                                                          BreakContact.voided.is_(False))
                               .order_by(BreakContact.contact_date.desc())).scalars()
        return [{"id": r.id, "semester": r.semester, "break_kind": r.break_kind, "contact_date": r.contact_date,
                 "method": r.method, "people": r.people, "notes": r.notes} for r in rows]


# --- compliance --------------------------------------------------------------------------------

def plan_compliance(store: Store, plan_id: str, today: dt.date | None = None) -> Compliance:
    today = today or dt.date.today()
    entry, _facts = load_plan(store, plan_id)
    calendar = term_calendar(store, entry.semester)
    with store.read() as session:
        visits = [Visit(d, h) for d, h in session.execute(
            select(HomeTeachingSession.session_date, HomeTeachingSession.class_hours)
            .where(HomeTeachingSession.plan_id == plan_id, HomeTeachingSession.voided.is_(False)))]
        reasons = {m: r for m, r in session.execute(
            select(MissedWeekReason.week_monday, MissedWeekReason.reason).where(MissedWeekReason.plan_id == plan_id))}
    return compliance(calendar, entry.weekday, visits, minimum(store), today, start=entry.start_date,
                      reasons=reasons, hours_per_visit=entry.hours_per_visit)


def _plan_results(store: Store, semester: str, today: dt.date) -> list[tuple[dict[str, Any], Compliance]]:
    """The semester's plans with their compliance, read in a few queries (one calendar for all)."""
    calendar = term_calendar(store, semester)
    need = minimum(store)
    with store.read() as session:
        sem = _semester_row(session, semester)
        rows = session.execute(
            select(HomeTeachingPlan, Student).join(Student, Student.id == HomeTeachingPlan.student_id)
            .where(HomeTeachingPlan.semester_id == sem.id, HomeTeachingPlan.voided.is_(False))
            .order_by(Student.name_pinyin)
        ).all()
        ids = [p.id for p, _s in rows]
        visits: dict[str, list[Visit]] = {}
        for pid, day, hours in session.execute(
            select(HomeTeachingSession.plan_id, HomeTeachingSession.session_date, HomeTeachingSession.class_hours)
            .where(HomeTeachingSession.plan_id.in_(ids), HomeTeachingSession.voided.is_(False))
        ):
            visits.setdefault(pid, []).append(Visit(day, hours))
        reasons: dict[str, dict[dt.date, str]] = {}
        for pid, monday, reason in session.execute(
            select(MissedWeekReason.plan_id, MissedWeekReason.week_monday, MissedWeekReason.reason)
            .where(MissedWeekReason.plan_id.in_(ids))
        ):
            reasons.setdefault(pid, {})[monday] = reason
    out = []
    for p, s in rows:
        c = compliance(calendar, p.weekday, visits.get(p.id, []), need, today, start=p.start_date,
                       reasons=reasons.get(p.id, {}), hours_per_visit=p.hours_per_visit)
        failed = c.failed
        out.append(({
            "plan_id": p.id, "student_id": s.id, "name": s.name, "id_number": s.id_number,
            "masked_id": mask_id_number(s.id_number), "mode": p.mode, "teachers": p.teachers,
            "due_weeks": len(c.due()), "met_weeks": c.met, "failed_weeks": len(failed),
            "unexplained": sum(1 for w in failed if not w.reason),
            "planned_hours": c.planned_hours, "delivered_hours": c.delivered_hours, "summary": c.summary(),
        }, c))
    return out


def plan_rows(store: Store, semester: str, today: dt.date | None = None) -> list[dict[str, Any]]:
    """Every active plan of the semester with the child and the compliance figures (the school view)."""
    return [row for row, _c in _plan_results(store, semester, today or dt.date.today())]


@todo.provider
def missed_weeks_todo(store: Store, today: dt.date) -> list[todo.TodoItem]:
    """From the Monday after, every term week without a sufficient visit and without a reason entered."""
    inst = store.installation()
    if inst is None or inst.kind != "school":  # the school's own work, not on the district's list
        return []
    semester = semesters.current(store, today).name
    items = []
    for row, result in _plan_results(store, semester, today):
        for week in result.failed:
            if week.reason:
                continue
            items.append(todo.TodoItem(
                due=week.week.sunday + dt.timedelta(days=1),
                title=f"送教上门未达标：{row['name']} {week.week.label()}",
                detail=f"{week.status.value}（实际{week.delivered_hours}学时）。请补送或填写原因",
                kind="送教上门", target=("home_teaching_plan", row["plan_id"]),
            ))
    return items


# --- exports -------------------------------------------------------------------------------------

def export_log(store: Store, semester: str, path: Path, today: dt.date | None = None, *,
               full_numbers: bool = False, reason: str = "") -> int:
    """The semester's home-teaching log: a compliance sheet (one row per child), the weeks and the sessions.

    Identity numbers are masked unless ``full_numbers`` (an administrator, with a ``reason``)."""
    require(store, Permission.EXPORT)
    from openpyxl import Workbook

    from desktop_app.reports import excel
    from desktop_app.services import privacy

    today = today or dt.date.today()
    results = _plan_results(store, semester, today)
    rows = [r for r, _c in results]
    privacy.record_numbers_export(store, f"送教上门记录（{semester}）", len(rows), full_numbers=full_numbers,
                                  reason=reason, target=Path(path).name)
    if not (full_numbers and privacy.full_allowed(store, privacy.Purpose.EXPORT)):
        rows = [{**r, "id_number": privacy.mask_id_number(r["id_number"] or "")} for r in rows]
    inst = store.installation()
    sub = (f"填报单位：{inst.name if inst else ''}　　学期：{semester}　　要求：{minimum(store).text()}"
           f"　　统计至：{today:%Y年%m月%d日}")
    wb = Workbook()
    excel.add_sheet(
        wb, "达标情况", "送教上门达标情况汇总表", sub,
        [("序号", 6), ("姓名", 10), ("居民身份证号码", 22), ("送教方式", 10), ("送教教师", 18), ("应送教周数", 11),
         ("达标周数", 9), ("未达标周数", 11), ("其中未说明原因", 14), ("计划学时", 9), ("实际学时", 9)],
        [[i, r["name"], r["id_number"], r["mode"], r["teachers"], r["due_weeks"], r["met_weeks"], r["failed_weeks"],
          r["unexplained"], r["planned_hours"], r["delivered_hours"]] for i, r in enumerate(rows, 1)],
        text_columns={2}, first=True,
    )
    week_rows, session_rows = [], []
    for r, result in results:
        for w in result.weeks:
            week_rows.append([r["name"], w.week.label(), w.planned_day, w.status.value, w.planned_hours,
                              w.delivered_hours, w.visits, w.reason])
        for s in sessions(store, r["plan_id"]):
            if s["voided"]:
                continue
            session_rows.append([r["name"], s["session_date"], s["class_hours"], s["form"], s["teachers"],
                                 s["content"], "已确认" if s["guardian_confirmed"] else "未确认", s["guardian_name"],
                                 len(s["photos"])])
    excel.add_sheet(wb, "逐周情况", "送教上门逐周达标情况", sub,
                    [("姓名", 10), ("教学周", 26), ("计划送教日", 12), ("情况", 11), ("计划学时", 9),
                     ("实际学时", 9), ("送教次数", 9), ("未送教原因", 36)], week_rows)
    excel.add_sheet(wb, "送教记录", "送教上门工作记录", sub,
                    [("姓名", 10), ("日期", 12), ("学时", 6), ("形式", 8), ("送教教师", 18), ("送教内容", 40),
                     ("监护人确认", 11), ("确认人", 10), ("照片数", 8)], session_rows)
    excel.save(wb, path)
    with store.write() as session:
        audit.record_event(session, "home_teaching_plans", "", "导出送教上门记录",
                           f"{path.name}，{semester}，{len(rows)}人")
    return len(rows)


def export_child_pdf(store: Store, plan_id: str, path: Path, today: dt.date | None = None) -> None:
    """One child's home-teaching record for the semester, printable on A4 for signatures."""
    require(store, Permission.PRINT)
    from desktop_app.reports import home_teaching_pdf

    today = today or dt.date.today()
    entry, facts = load_plan(store, plan_id)
    inst = store.installation()
    c = plan_compliance(store, plan_id, today)
    file_row: dict[str, Any] = {}
    with store.read() as session:
        f = session.execute(select(DisabilityFile).where(DisabilityFile.student_id == entry.student_id)).scalar_one()
        file_row = {"kind": f.kind, "grade": f.grade, "certificate_number": f.certificate_number,
                    "placement": f.placement, "placement_start": f.placement_start}
    home_teaching_pdf.write(
        path, unit=inst.name if inst else "", semester=entry.semester, child=facts, disability=file_row,
        plan={"mode": entry.mode, "teachers": entry.teachers, "content": entry.content,
              "weekday": entry.weekday, "hours_per_visit": entry.hours_per_visit, "start_date": entry.start_date},
        sessions=[s for s in sessions(store, plan_id) if not s["voided"]],
        weeks=c.weeks, summary=c.summary(), minimum=minimum(store).text(),
        contacts=break_contacts(store, entry.student_id), today=today,
    )
    with store.write() as session:
        audit.record_event(session, "home_teaching_plans", plan_id, "打印送教档案",
                           json.dumps({"file": path.name}, ensure_ascii=False))


__all__ = ["WeekStatus"]
