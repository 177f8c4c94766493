"""Tables of case handover (移交) between schools, and the district's list of its schools.

Each table is written by one kind of installation, so ownership stays simple:

- ``district_schools`` (the district): the schools of the district, sent to every school so a teacher
  can choose where a case goes.
- ``case_handovers`` (the sending school): the request, on its own case (voided when it withdraws it).
- ``handover_transfers`` (the district): the district's forward of a request, sent to the sending and
  the receiving school only; it carries the answer back (state, date, reason).
- ``handover_items`` (the district): what the receiving school needs to take the case over: the child,
  the case, its persuasion log, joint reports, evidence (the file's SHA-256, so the bytes travel with
  the package) and the history lines, one record per row. Sent to the receiving school only.
- ``handover_answers`` (the receiving school): accepted (with its new case) or rejected with a reason.

References to another school's records are plain text, not foreign keys: the receiving school never
holds the sending school's rows.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, Select, String, Text, select
from sqlalchemy.orm import Mapped, mapped_column

from database.models import Base, LedgerMixin
from desktop_app.domain.handover import ACCEPTED


class DistrictSchool(LedgerMixin, Base):
    """A school of the district, as the district registered it (published to every school)."""

    __tablename__ = "district_schools"
    __mapper_args__ = {"version_id_col": LedgerMixin.version}

    code: Mapped[str] = mapped_column(String(20), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    township: Mapped[str] = mapped_column(String(100), default="")


class CaseHandover(LedgerMixin, Base):
    """A school's request to hand one of its cases to another school of the district."""

    __tablename__ = "case_handovers"
    __mapper_args__ = {"version_id_col": LedgerMixin.version}

    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id"), index=True)
    to_code: Mapped[str] = mapped_column(String(20))
    to_name: Mapped[str] = mapped_column(String(100), default="")
    requested_on: Mapped[dt.date] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(String(30), default="")
    detail: Mapped[str] = mapped_column(Text, default="")
    voided: Mapped[bool] = mapped_column(Boolean, default=False)  # withdrawn (撤回移交) with the reason
    void_reason: Mapped[str] = mapped_column(Text, default="")


class HandoverTransfer(LedgerMixin, Base):
    """The district's forward of a handover request, with the receiving school's answer."""

    __tablename__ = "handover_transfers"
    __mapper_args__ = {"version_id_col": LedgerMixin.version}

    request_id: Mapped[str] = mapped_column(String(36), index=True)  # case_handovers.id at the sending school
    case_id: Mapped[str] = mapped_column(String(36), index=True)  # the sending school's case
    from_code: Mapped[str] = mapped_column(String(20))
    from_name: Mapped[str] = mapped_column(String(100), default="")
    to_code: Mapped[str] = mapped_column(String(20))
    to_name: Mapped[str] = mapped_column(String(100), default="")
    student_name: Mapped[str] = mapped_column(String(50), default="")
    birth_date: Mapped[dt.date | None] = mapped_column(Date)
    requested_on: Mapped[dt.date] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(String(30), default="")
    detail: Mapped[str] = mapped_column(Text, default="")
    forwarded_on: Mapped[dt.date] = mapped_column(Date)
    state: Mapped[str] = mapped_column(String(10))  # 待接收 | 已接收 | 已退回
    answered_on: Mapped[dt.date | None] = mapped_column(Date)
    answer_reason: Mapped[str] = mapped_column(Text, default="")
    new_case_id: Mapped[str] = mapped_column(String(36), default="")  # the receiving school's case

    __table_args__ = (Index("ix_handover_transfers_state", "state", "to_code", "from_code"),)


def handed_over_cases() -> Select[str]:
    """The ids of sending schools' cases whose handover the receiving school accepted.

    At the district both cases stay open from the moment the receiving school's acceptance (and its new case)
    arrives until the sending school's closing (移交) does; the child is counted once, at the receiving school,
    so these cases are left out of the open-case figures. While the handover is in flight (requested, or
    forwarded and not yet answered) the child counts at the sending school, whose case is the only one."""
    return select(HandoverTransfer.case_id).where(HandoverTransfer.state == ACCEPTED)


class HandoverItem(LedgerMixin, Base):
    """One record of a forwarded case (JSON), in the order the receiving school takes them over."""

    __tablename__ = "handover_items"
    __mapper_args__ = {"version_id_col": LedgerMixin.version}

    transfer_id: Mapped[str] = mapped_column(ForeignKey("handover_transfers.id"), index=True)
    to_code: Mapped[str] = mapped_column(String(20))
    position: Mapped[int] = mapped_column(Integer, default=0)
    kind: Mapped[str] = mapped_column(String(20))  # a table of the case, or history
    data: Mapped[str] = mapped_column(Text, default="")
    sha256: Mapped[str] = mapped_column(String(64), default="")  # evidence: the file travels with the package


class HandoverAnswer(LedgerMixin, Base):
    """The receiving school's answer to a forwarded handover."""

    __tablename__ = "handover_answers"
    __mapper_args__ = {"version_id_col": LedgerMixin.version}

    transfer_id: Mapped[str] = mapped_column(ForeignKey("handover_transfers.id"), index=True)
    accepted: Mapped[bool] = mapped_column(Boolean, default=False)
    answered_on: Mapped[dt.date] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(Text, default="")
    new_case_id: Mapped[str | None] = mapped_column(ForeignKey("cases.id"), index=True)
