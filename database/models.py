"""The tables of the store.

Every ledger row has a UUID key, creation and change times, the user and installation that
changed it last and a version counter (SQLAlchemy's optimistic ``version_id_col``). Nothing
is deleted: mistaken rows are voided with a reason. ``audit_log`` is the append-only history.
"""

from __future__ import annotations

import datetime as dt
import os
import time
from collections.abc import Iterator
from typing import TYPE_CHECKING, ClassVar

from sqlalchemy import (
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

if TYPE_CHECKING:
    from sqlalchemy import FromClause

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


_VARIANT = {c: "89ab"[int(c, 16) & 3] for c in "0123456789abcdef"}


def new_id() -> str:
    """A random (version 4) RFC 4122 UUID as text, as ``str(uuid.uuid4())`` gives, built a few times faster."""
    h = os.urandom(16).hex()
    return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-{_VARIANT[h[16]]}{h[17:20]}-{h[20:]}"


def new_ordered_id() -> str:
    """A time-ordered (version 7, RFC 9562) UUID as text: Unix milliseconds, 12 bits of sub-millisecond
    time (RFC 9562 section 6.2, method 3), then 62 random bits.

    For bulk imports of many thousand rows: keys made one after another sort one after another, so
    SQLite appends to its primary-key and reference indexes instead of inserting all over them.
    """
    ms, sub = divmod(time.time_ns(), 1_000_000)
    tick = max(ms << 12 | sub * 4096 // 1_000_000, _last_tick[0] + 1)  # never backwards within a process
    _last_tick[0] = tick
    ms, sub = tick >> 12, tick & 0xFFF
    h = os.urandom(8).hex()
    return f"{ms >> 16:08x}-{ms & 0xFFFF:04x}-7{sub:03x}-{_VARIANT[h[0]]}{h[1:4]}-{h[4:]}"


_last_tick = [0]


def ordered_ids(block: int = 4096) -> Iterator[str]:
    """``new_ordered_id`` many times over, for bulk imports: one clock reading and one call for random
    bytes per ``block`` keys. The block's time ticks are reserved at once, so keys made meanwhile by
    ``new_ordered_id`` still sort after them."""
    variant = _VARIANT
    while True:
        ms, sub = divmod(time.time_ns(), 1_000_000)
        first = max(ms << 12 | sub * 4096 // 1_000_000, _last_tick[0] + 1)
        _last_tick[0] = first + block - 1
        rand = os.urandom(8 * block).hex()
        tick, end = first, first + block
        while tick < end:  # a run of ticks within one millisecond shares the key's first 15 characters
            ms = tick >> 12
            head = f"{ms >> 16:08x}-{ms & 0xFFFF:04x}-7"
            run_end = min(end, (ms + 1) << 12)
            at = 16 * (tick - first)
            yield from [f"{head}{sub:03x}-{variant[rand[i]]}{rand[i + 1:i + 4]}-{rand[i + 4:i + 16]}"
                        for sub, i in zip(range(tick & 0xFFF, (tick & 0xFFF) + run_end - tick),
                                          range(at, at + 16 * (run_end - tick), 16), strict=True)]
            tick = run_end


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class LedgerMixin:
    """Columns every ledger row carries."""

    if TYPE_CHECKING:  # set on every ledger table (which also inherits Base); the mixin is not mapped
        __tablename__: str
        __table__: ClassVar[FromClause]

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)
    updated_by: Mapped[str] = mapped_column(String(64), default="")
    node_id: Mapped[str] = mapped_column(String(36), default="")
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)


class Installation(Base):
    """This installation: a school or the district office (one row)."""

    __tablename__ = "installation"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))  # "school" | "district"
    name: Mapped[str] = mapped_column(String(100))
    code: Mapped[str] = mapped_column(String(20))
    township_centre: Mapped[str] = mapped_column(String(100), default="")
    contact_name: Mapped[str] = mapped_column(String(50), default="")
    contact_phone: Mapped[str] = mapped_column(String(30), default="")
    node_id: Mapped[str] = mapped_column(String(36))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)


class Student(LedgerMixin, Base):
    """A child: the 基本信息 part of the registration form."""

    __tablename__ = "students"
    __mapper_args__ = {"version_id_col": LedgerMixin.version}

    name: Mapped[str] = mapped_column(String(50))
    name_initials: Mapped[str] = mapped_column(String(50), default="")
    name_pinyin: Mapped[str] = mapped_column(String(200), default="")
    id_number: Mapped[str] = mapped_column(String(18), default="")
    birth_date: Mapped[dt.date | None] = mapped_column(Date)
    sex: Mapped[str] = mapped_column(String(2), default="")
    ethnic_group: Mapped[str] = mapped_column(String(20), default="")
    health: Mapped[str] = mapped_column(String(50), default="")
    student_number: Mapped[str] = mapped_column(String(30), default="")
    guardian1_name: Mapped[str] = mapped_column(String(50), default="")
    guardian1_relation: Mapped[str] = mapped_column(String(20), default="")
    guardian1_phone: Mapped[str] = mapped_column(String(30), default="")
    guardian2_name: Mapped[str] = mapped_column(String(50), default="")
    guardian2_relation: Mapped[str] = mapped_column(String(20), default="")
    guardian2_phone: Mapped[str] = mapped_column(String(30), default="")
    hukou_province: Mapped[str] = mapped_column(String(50), default="")
    hukou_city: Mapped[str] = mapped_column(String(50), default="")
    hukou_county: Mapped[str] = mapped_column(String(50), default="")
    hukou_township: Mapped[str] = mapped_column(String(50), default="")
    hukou_detail: Mapped[str] = mapped_column(String(200), default="")
    registry_province: Mapped[str] = mapped_column(String(50), default="")
    registry_city: Mapped[str] = mapped_column(String(50), default="")
    registry_county: Mapped[str] = mapped_column(String(50), default="")
    registry_township: Mapped[str] = mapped_column(String(50), default="")
    registry_detail: Mapped[str] = mapped_column(String(200), default="")
    residence_province: Mapped[str] = mapped_column(String(50), default="")
    residence_city: Mapped[str] = mapped_column(String(50), default="")
    residence_county: Mapped[str] = mapped_column(String(50), default="")
    residence_township: Mapped[str] = mapped_column(String(50), default="")
    residence_detail: Mapped[str] = mapped_column(String(200), default="")
    village: Mapped[str] = mapped_column(String(100), default="")
    family_situation: Mapped[str] = mapped_column(Text, default="")

    cases: Mapped[list[Case]] = relationship(back_populates="student")

    __table_args__ = (
        Index("ix_students_id_number", "id_number"),
        Index("ix_students_hukou_township", "hukou_township", "village"),
        # Narrow covering index the ledger search scans instead of the wide table; with the name first it
        # serves every lookup by name too (no index of its own: one index fewer to keep per new child); the
        # id last, for the ledger's ``student_id IN (…)`` (the index alone answers a search).
        Index("ix_students_search", "name", "name_initials", "name_pinyin", "id_number", "student_number", "id"),
    )


class Case(LedgerMixin, Base):
    """A suspected-dropout case: the 核查劝返情况 part of the form and the ledger row."""

    __tablename__ = "cases"
    __mapper_args__ = {"version_id_col": LedgerMixin.version}

    student_id: Mapped[str] = mapped_column(ForeignKey("students.id"))
    status: Mapped[str] = mapped_column(String(20))
    grade: Mapped[str] = mapped_column(String(20), default="")
    fill_date: Mapped[dt.date] = mapped_column(Date)
    opened_on: Mapped[dt.date] = mapped_column(Date)
    closed_on: Mapped[dt.date | None] = mapped_column(Date)
    contact_name: Mapped[str] = mapped_column(String(50), default="")
    contact_phone: Mapped[str] = mapped_column(String(30), default="")
    dropout_reason: Mapped[str] = mapped_column(String(30), default="")
    reason_detail: Mapped[str] = mapped_column(Text, default="")
    result: Mapped[str] = mapped_column(String(30), default="")
    not_returned_reason: Mapped[str] = mapped_column(Text, default="")
    persuading_unit: Mapped[str] = mapped_column(String(100), default="")
    responsible_person: Mapped[str] = mapped_column(String(50), default="")
    responsible_phone: Mapped[str] = mapped_column(String(30), default="")
    deferral_approved: Mapped[bool] = mapped_column(Boolean, default=False)
    deferral_approval_date: Mapped[dt.date | None] = mapped_column(Date)
    deferral_document: Mapped[str] = mapped_column(String(100), default="")
    attempt_count: Mapped[int] = mapped_column(Integer, default=0)
    voided: Mapped[bool] = mapped_column(Boolean, default=False)
    void_reason: Mapped[str] = mapped_column(Text, default="")

    student: Mapped[Student] = relationship(back_populates="cases")
    attempts: Mapped[list[PersuasionAttempt]] = relationship(
        back_populates="case", order_by="PersuasionAttempt.attempt_date"
    )

    __table_args__ = (
        Index("ix_cases_student_id", "student_id"),
        Index("ix_cases_status", "status", "voided", "opened_on", "id"),  # covers the status filters and counts
        # Overview: the grouped figures and the date counts read these indexes alone, never the table.
        Index("ix_cases_figures", "status", "voided", "dropout_reason", "grade"),
        Index("ix_cases_opened_on", "opened_on", "voided"),
        Index("ix_cases_closed_on", "closed_on", "voided"),
        # 待办: what the reminders read of each open or deferred case, without the wide table rows (in
        # opening order, so a new case goes at the end; its student_id serves the overview by township)
        Index("ix_cases_reminders", "status", "voided", "opened_on", "id", "student_id", "grade", "contact_name",
              "contact_phone", "persuading_unit", "responsible_person", "responsible_phone", "result"),
        Index("ix_cases_grade", "grade"),
        Index("ix_cases_attempt_count", "attempt_count"),
    )


class PersuasionAttempt(LedgerMixin, Base):
    """One persuasion visit or call (劝返过程详细记录, one entry per attempt)."""

    __tablename__ = "persuasion_attempts"
    __mapper_args__ = {"version_id_col": LedgerMixin.version}

    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id"))
    attempt_date: Mapped[dt.date] = mapped_column(Date)
    people: Mapped[str] = mapped_column(String(200), default="")
    place: Mapped[str] = mapped_column(String(200), default="")
    method: Mapped[str] = mapped_column(String(30), default="")
    result: Mapped[str] = mapped_column(Text, default="")
    is_joint: Mapped[bool] = mapped_column(Boolean, default=False)
    voided: Mapped[bool] = mapped_column(Boolean, default=False)
    void_reason: Mapped[str] = mapped_column(Text, default="")

    case: Mapped[Case] = relationship(back_populates="attempts")

    # covers the reminders' per-case last attempt and joint count
    __table_args__ = (Index("ix_persuasion_attempts_case_id", "case_id", "voided", "attempt_date", "is_joint"),)


class AuditEntry(Base):
    """Append-only history; each row carries the SHA-256 of the row before it."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime)
    user: Mapped[str] = mapped_column(String(64))
    node_id: Mapped[str] = mapped_column(String(36))
    action: Mapped[str] = mapped_column(String(16))  # insert | update | event
    table_name: Mapped[str] = mapped_column(String(50))
    record_id: Mapped[str] = mapped_column(String(36))
    field: Mapped[str] = mapped_column(String(50))
    old_value: Mapped[str | None] = mapped_column(Text)
    new_value: Mapped[str | None] = mapped_column(Text)
    prev_hash: Mapped[str] = mapped_column(String(64))
    row_hash: Mapped[str] = mapped_column(String(64))

    __table_args__ = (Index("ix_audit_log_record_id", "record_id"),)


def ledger_models() -> list[type[LedgerMixin]]:
    """Every mapped class that carries the ledger columns (all modules of ``database`` loaded)."""
    import database.all_models  # noqa: F401 - registers every table on Base.metadata

    return [m.class_ for m in Base.registry.mappers if issubclass(m.class_, LedgerMixin)]


class AppSetting(Base):
    """A business setting shared by every user of this installation (reminder thresholds …).

    Changes are written to the history by the settings service.
    """

    __tablename__ = "app_settings"

    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    value: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)
    updated_by: Mapped[str] = mapped_column(String(64), default="")


class Semester(LedgerMixin, Base):
    """A semester with its real start and end dates (the term calendar hangs off it)."""

    __tablename__ = "semesters"
    __mapper_args__ = {"version_id_col": LedgerMixin.version}

    name: Mapped[str] = mapped_column(String(20), unique=True)
    start_date: Mapped[dt.date] = mapped_column(Date)
    end_date: Mapped[dt.date] = mapped_column(Date)
