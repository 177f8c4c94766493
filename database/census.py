"""Census tables (摸排核查): imported rosters, per-semester child statuses, guardian contacts,
return checks, completed sweeps and confirmed fuzzy matches.

Children themselves are ``students`` rows (one person table for the whole program); these tables
hang census data off them.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from database.models import Base, LedgerMixin


class RosterImport(LedgerMixin, Base):
    """One imported roster file (who imported what, and the counts)."""

    __tablename__ = "roster_imports"
    __mapper_args__ = {"version_id_col": LedgerMixin.version}

    kind: Mapped[str] = mapped_column(String(20))
    semester: Mapped[str] = mapped_column(String(20), default="")
    file_name: Mapped[str] = mapped_column(String(255))
    file_sha256: Mapped[str] = mapped_column(String(64))
    accepted: Mapped[int] = mapped_column(Integer, default=0)
    rejected: Mapped[int] = mapped_column(Integer, default=0)
    duplicates: Mapped[int] = mapped_column(Integer, default=0)
    voided: Mapped[bool] = mapped_column(Boolean, default=False)  # a wrong file: its rows are voided too
    void_reason: Mapped[str] = mapped_column(Text, default="")


class RosterMember(LedgerMixin, Base):
    """A child on a roster: the area's household register, this school's enrolment in a semester,
    a monitored-household or disability list, a kindergarten leavers' list."""

    __tablename__ = "roster_members"
    __mapper_args__ = {"version_id_col": LedgerMixin.version}

    student_id: Mapped[str] = mapped_column(ForeignKey("students.id"))
    kind: Mapped[str] = mapped_column(String(20))
    semester: Mapped[str] = mapped_column(String(20), default="")  # "" for lists not tied to a semester
    import_id: Mapped[str] = mapped_column(String(36), default="")
    grade: Mapped[str] = mapped_column(String(20), default="")
    class_name: Mapped[str] = mapped_column(String(50), default="")
    school: Mapped[str] = mapped_column(String(100), default="")
    household_type: Mapped[str] = mapped_column(String(30), default="")
    disability: Mapped[str] = mapped_column(String(50), default="")
    disability_grade: Mapped[str] = mapped_column(String(20), default="")
    certificate: Mapped[str] = mapped_column(String(50), default="")
    voided: Mapped[bool] = mapped_column(Boolean, default=False)
    void_reason: Mapped[str] = mapped_column(Text, default="")

    __table_args__ = (
        UniqueConstraint("kind", "semester", "student_id", name="uq_roster_members_kind_semester_student"),
        Index("ix_roster_members_student_id", "student_id"),
        Index("ix_roster_members_kind", "kind", "voided", "student_id", "id"),  # covers the district's census figure
    )


class ChildStatusRecord(LedgerMixin, Base):
    """Where a school-age child studies in one semester, who checked it, how and when."""

    __tablename__ = "census_statuses"
    __mapper_args__ = {"version_id_col": LedgerMixin.version}

    student_id: Mapped[str] = mapped_column(ForeignKey("students.id"))
    semester: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20))
    method: Mapped[str] = mapped_column(String(30), default="")
    checked_by: Mapped[str] = mapped_column(String(50), default="")
    checked_on: Mapped[dt.date] = mapped_column(Date)
    school: Mapped[str] = mapped_column(String(100), default="")  # the school (区内他校, 特殊学校, 区外)
    place: Mapped[str] = mapped_column(String(200), default="")  # 区外就读: where
    note: Mapped[str] = mapped_column(Text, default="")

    __table_args__ = (
        UniqueConstraint("student_id", "semester", name="uq_census_statuses_student_semester"),
        Index("ix_census_statuses_semester", "semester"),
    )


class GuardianContact(LedgerMixin, Base):
    """A contact with the guardian of a child schooled outside the district."""

    __tablename__ = "guardian_contacts"
    __mapper_args__ = {"version_id_col": LedgerMixin.version}

    student_id: Mapped[str] = mapped_column(ForeignKey("students.id"))
    contact_date: Mapped[dt.date] = mapped_column(Date)
    method: Mapped[str] = mapped_column(String(20), default="")
    contacted_by: Mapped[str] = mapped_column(String(50), default="")
    note: Mapped[str] = mapped_column(Text, default="")
    voided: Mapped[bool] = mapped_column(Boolean, default=False)
    void_reason: Mapped[str] = mapped_column(Text, default="")

    __table_args__ = (Index("ix_guardian_contacts_student_id", "student_id"),)


class ReturnCheck(LedgerMixin, Base):
    """返校核查: last semester's student at the start of this one."""

    __tablename__ = "return_checks"
    __mapper_args__ = {"version_id_col": LedgerMixin.version}

    student_id: Mapped[str] = mapped_column(ForeignKey("students.id"))
    semester: Mapped[str] = mapped_column(String(20))
    result: Mapped[str] = mapped_column(String(20))
    migration_done: Mapped[bool] = mapped_column(Boolean, default=False)  # 转学: 学籍迁移已办结
    destination: Mapped[str] = mapped_column(String(100), default="")
    checked_by: Mapped[str] = mapped_column(String(50), default="")
    checked_on: Mapped[dt.date] = mapped_column(Date)
    note: Mapped[str] = mapped_column(Text, default="")
    case_id: Mapped[str] = mapped_column(String(36), default="")

    __table_args__ = (
        UniqueConstraint("student_id", "semester", name="uq_return_checks_student_semester"),
    )


class CensusSweep(LedgerMixin, Base):
    """A semester's census marked complete (every child of the area has a status)."""

    __tablename__ = "census_sweeps"
    __mapper_args__ = {"version_id_col": LedgerMixin.version}

    semester: Mapped[str] = mapped_column(String(20), unique=True)
    completed_on: Mapped[dt.date] = mapped_column(Date)
    completed_by: Mapped[str] = mapped_column(String(50), default="")
    children: Mapped[int] = mapped_column(Integer, default=0)


class MatchLink(LedgerMixin, Base):
    """A person confirmed that two student rows (found by a fuzzy match) are the same child."""

    __tablename__ = "census_match_links"
    __mapper_args__ = {"version_id_col": LedgerMixin.version}

    student_id: Mapped[str] = mapped_column(ForeignKey("students.id"))
    other_student_id: Mapped[str] = mapped_column(ForeignKey("students.id"))
    confirmed_by: Mapped[str] = mapped_column(String(50), default="")
    note: Mapped[str] = mapped_column(Text, default="")
