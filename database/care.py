"""Tables of special-student care (N-7), disabled children (N-8), the school calendar and home teaching (N-9).

Every table points at ``students`` (the one person table). Nothing is deleted: rows are voided
with a reason, a helper's assignment is ended, a calendar day is voided. The calendar is kept in
plain tables so the district's sync package can fill it.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from database.models import Base, LedgerMixin

_VERSIONED = {"version_id_col": LedgerMixin.version}  # type: ignore[attr-defined]


class StudentTag(LedgerMixin, Base):
    """One tag of a special student (家庭困难 with its kind, 留守儿童 …); removed tags are voided."""

    __tablename__ = "student_tags"
    __mapper_args__ = _VERSIONED

    student_id: Mapped[str] = mapped_column(ForeignKey("students.id"))
    tag: Mapped[str] = mapped_column(String(20))
    detail: Mapped[str] = mapped_column(String(20), default="")
    since: Mapped[dt.date] = mapped_column(Date)
    voided: Mapped[bool] = mapped_column(Boolean, default=False)
    void_reason: Mapped[str] = mapped_column(Text, default="")

    __table_args__ = (Index("ix_student_tags_student_id", "student_id"),)


class CareHelper(LedgerMixin, Base):
    """一对一帮扶: the teacher responsible for a student, from ``start_date`` until ``end_date``."""

    __tablename__ = "care_helpers"
    __mapper_args__ = _VERSIONED

    student_id: Mapped[str] = mapped_column(ForeignKey("students.id"))
    teacher_name: Mapped[str] = mapped_column(String(50))
    phone: Mapped[str] = mapped_column(String(30), default="")
    start_date: Mapped[dt.date] = mapped_column(Date)
    end_date: Mapped[dt.date | None] = mapped_column(Date)

    __table_args__ = (Index("ix_care_helpers_student_id", "student_id"),)


class CareRecord(LedgerMixin, Base):
    """One care action: 心理疏导, 困难帮扶, 家访, 电话联系, 资助落实."""

    __tablename__ = "care_records"
    __mapper_args__ = _VERSIONED

    student_id: Mapped[str] = mapped_column(ForeignKey("students.id"))
    record_date: Mapped[dt.date] = mapped_column(Date)
    kind: Mapped[str] = mapped_column(String(20))
    notes: Mapped[str] = mapped_column(Text, default="")
    people: Mapped[str] = mapped_column(String(200), default="")
    voided: Mapped[bool] = mapped_column(Boolean, default=False)
    void_reason: Mapped[str] = mapped_column(Text, default="")

    __table_args__ = (Index("ix_care_records_student_id", "student_id"),)


class AidRecord(LedgerMixin, Base):
    """Aid a student receives in a semester (营养改善计划, 生活补助 …); the amount in fen."""

    __tablename__ = "aid_records"
    __mapper_args__ = _VERSIONED

    student_id: Mapped[str] = mapped_column(ForeignKey("students.id"))
    semester: Mapped[str] = mapped_column(String(20))
    kind: Mapped[str] = mapped_column(String(30))
    amount_fen: Mapped[int] = mapped_column(Integer, default=0)
    notes: Mapped[str] = mapped_column(Text, default="")
    voided: Mapped[bool] = mapped_column(Boolean, default=False)
    void_reason: Mapped[str] = mapped_column(Text, default="")

    __table_args__ = (Index("ix_aid_records_student_id", "student_id"),)


class DisabilityFile(LedgerMixin, Base):
    """一人一档: one disabled child's kind, grade, certificate, placement and registry record."""

    __tablename__ = "disability_files"
    __mapper_args__ = _VERSIONED

    student_id: Mapped[str] = mapped_column(ForeignKey("students.id"), unique=True)
    kind: Mapped[str] = mapped_column(String(10))
    grade: Mapped[str] = mapped_column(String(10), default="")
    certificate_number: Mapped[str] = mapped_column(String(30), default="")
    placement: Mapped[str] = mapped_column(String(20))
    placement_start: Mapped[dt.date | None] = mapped_column(Date)
    registry_confirmed: Mapped[bool] = mapped_column(Boolean, default=False)
    notes: Mapped[str] = mapped_column(Text, default="")


class IndividualPlan(LedgerMixin, Base):
    """一人一案: the individual education plan of a disabled child for one semester."""

    __tablename__ = "individual_plans"
    __mapper_args__ = _VERSIONED

    student_id: Mapped[str] = mapped_column(ForeignKey("students.id"))
    semester: Mapped[str] = mapped_column(String(20))
    goals: Mapped[str] = mapped_column(Text, default="")
    content: Mapped[str] = mapped_column(Text, default="")
    teachers: Mapped[str] = mapped_column(String(200), default="")

    __table_args__ = (Index("ix_individual_plans_student_id", "student_id", "semester", unique=True),)


class CalendarEntry(LedgerMixin, Base):
    """A day of a semester that differs from the ordinary week: 放假 on a weekday, 调休上课 on a weekend."""

    __tablename__ = "calendar_days"
    __mapper_args__ = _VERSIONED

    semester_id: Mapped[str] = mapped_column(ForeignKey("semesters.id"))
    day: Mapped[dt.date] = mapped_column(Date)
    kind: Mapped[str] = mapped_column(String(10))
    name: Mapped[str] = mapped_column(String(50), default="")
    source: Mapped[str] = mapped_column(String(20), default="")  # 国家法定 | 手工录入 | 区教委
    voided: Mapped[bool] = mapped_column(Boolean, default=False)
    void_reason: Mapped[str] = mapped_column(Text, default="")

    __table_args__ = (Index("ix_calendar_days_semester_id", "semester_id", "day"),)


class HomeTeachingPlan(LedgerMixin, Base):
    """The home-teaching plan of one child for one semester: who, what, which day, how long."""

    __tablename__ = "home_teaching_plans"
    __mapper_args__ = _VERSIONED

    student_id: Mapped[str] = mapped_column(ForeignKey("students.id"))
    semester_id: Mapped[str] = mapped_column(ForeignKey("semesters.id"))
    mode: Mapped[str] = mapped_column(String(10))  # 送教上门 | 网络送教
    teachers: Mapped[str] = mapped_column(String(200))
    content: Mapped[str] = mapped_column(Text, default="")
    weekday: Mapped[int] = mapped_column(Integer)  # 0 = Monday
    hours_per_visit: Mapped[int] = mapped_column(Integer, default=2)
    start_date: Mapped[dt.date] = mapped_column(Date)
    voided: Mapped[bool] = mapped_column(Boolean, default=False)
    void_reason: Mapped[str] = mapped_column(Text, default="")

    __table_args__ = (Index("ix_home_teaching_plans_semester_id", "semester_id", "student_id"),)


class HomeTeachingSession(LedgerMixin, Base):
    """One visit (or online lesson) as it happened."""

    __tablename__ = "home_teaching_sessions"
    __mapper_args__ = _VERSIONED

    plan_id: Mapped[str] = mapped_column(ForeignKey("home_teaching_plans.id"))
    student_id: Mapped[str] = mapped_column(ForeignKey("students.id"))
    session_date: Mapped[dt.date] = mapped_column(Date)
    class_hours: Mapped[int] = mapped_column(Integer)
    form: Mapped[str] = mapped_column(String(10))
    teachers: Mapped[str] = mapped_column(String(200))
    content: Mapped[str] = mapped_column(Text, default="")
    guardian_confirmed: Mapped[bool] = mapped_column(Boolean, default=False)
    guardian_name: Mapped[str] = mapped_column(String(50), default="")
    photos: Mapped[str] = mapped_column(Text, default="")  # one file name a line, under <data>/photos
    voided: Mapped[bool] = mapped_column(Boolean, default=False)
    void_reason: Mapped[str] = mapped_column(Text, default="")

    __table_args__ = (Index("ix_home_teaching_sessions_plan_id", "plan_id", "session_date"),)


class MissedWeekReason(LedgerMixin, Base):
    """Why a term week had no sufficient visit (the child in hospital, roads closed …)."""

    __tablename__ = "missed_week_reasons"
    __mapper_args__ = _VERSIONED

    plan_id: Mapped[str] = mapped_column(ForeignKey("home_teaching_plans.id"))
    week_monday: Mapped[dt.date] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(Text)

    __table_args__ = (Index("ix_missed_week_reasons_plan_id", "plan_id", "week_monday", unique=True),)


class BreakContact(LedgerMixin, Base):
    """Contact with a home-taught child over the winter or summer break."""

    __tablename__ = "break_contacts"
    __mapper_args__ = _VERSIONED

    student_id: Mapped[str] = mapped_column(ForeignKey("students.id"))
    semester: Mapped[str] = mapped_column(String(20))  # the semester the break follows
    break_kind: Mapped[str] = mapped_column(String(4))  # 寒假 | 暑假
    contact_date: Mapped[dt.date] = mapped_column(Date)
    method: Mapped[str] = mapped_column(String(20))
    people: Mapped[str] = mapped_column(String(200))
    notes: Mapped[str] = mapped_column(Text, default="")
    voided: Mapped[bool] = mapped_column(Boolean, default=False)
    void_reason: Mapped[str] = mapped_column(Text, default="")

    __table_args__ = (Index("ix_break_contacts_student_id", "student_id"),)
