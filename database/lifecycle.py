"""Tables of a case's lifecycle: joint-persuasion reports, court rulings, deferral applications and
the district's decisions, closings (销号) and reopenings, evidence attachments.

Evidence files are kept in ``evidence_blobs`` by their SHA-256 (content-addressed, written once,
never changed); the ledger row ``evidence_files`` says what the file is and what it belongs to,
so the history holds the hash without the bytes.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, Date, DateTime, ForeignKey, Index, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from database.models import Base, LedgerMixin, utcnow


class JointReport(LedgerMixin, Base):
    """联合劝返: the written report to the township Party committee and government."""

    __tablename__ = "joint_reports"
    __mapper_args__ = {"version_id_col": LedgerMixin.version}

    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id"), index=True)
    report_date: Mapped[dt.date] = mapped_column(Date)
    reported_to: Mapped[str] = mapped_column(String(100), default="")
    reported_by: Mapped[str] = mapped_column(String(100), default="")
    note: Mapped[str] = mapped_column(Text, default="")
    voided: Mapped[bool] = mapped_column(Boolean, default=False)
    void_reason: Mapped[str] = mapped_column(Text, default="")


class CourtRuling(LedgerMixin, Base):
    """A court ruling on the guardian's duty (N-11's second path to a deferral)."""

    __tablename__ = "court_rulings"
    __mapper_args__ = {"version_id_col": LedgerMixin.version}

    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id"), index=True)
    ruling_date: Mapped[dt.date] = mapped_column(Date)
    court: Mapped[str] = mapped_column(String(100), default="")
    document_number: Mapped[str] = mapped_column(String(100), default="")
    guardian_duty_fulfilled: Mapped[bool] = mapped_column(Boolean, default=False)
    note: Mapped[str] = mapped_column(Text, default="")
    voided: Mapped[bool] = mapped_column(Boolean, default=False)
    void_reason: Mapped[str] = mapped_column(Text, default="")


class DeferralApplication(LedgerMixin, Base):
    """The township's application to the district leading group for 延缓入学/休学 (owned by the school)."""

    __tablename__ = "deferral_applications"
    __mapper_args__ = {"version_id_col": LedgerMixin.version}

    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id"), index=True)
    kind: Mapped[str] = mapped_column(String(10))  # 延缓入学 | 休学
    application_date: Mapped[dt.date] = mapped_column(Date)
    reported_by: Mapped[str] = mapped_column(String(100), default="")
    basis: Mapped[str] = mapped_column(Text, default="")
    note: Mapped[str] = mapped_column(Text, default="")
    voided: Mapped[bool] = mapped_column(Boolean, default=False)
    void_reason: Mapped[str] = mapped_column(Text, default="")


class DeferralDecision(LedgerMixin, Base):
    """The district leading group's decision on an application (owned by the district office)."""

    __tablename__ = "deferral_decisions"
    __mapper_args__ = {"version_id_col": LedgerMixin.version}

    application_id: Mapped[str] = mapped_column(ForeignKey("deferral_applications.id"), index=True)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id"), index=True)
    approved: Mapped[bool] = mapped_column(Boolean, default=False)
    decision_date: Mapped[dt.date] = mapped_column(Date)
    document_number: Mapped[str] = mapped_column(String(100), default="")
    approver: Mapped[str] = mapped_column(String(100), default="")
    note: Mapped[str] = mapped_column(Text, default="")


class CaseClosing(LedgerMixin, Base):
    """One closing (销号) with its reason and evidence; a reopening fills the reopen_* fields."""

    __tablename__ = "case_closings"
    __mapper_args__ = {"version_id_col": LedgerMixin.version}

    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id"), index=True)
    reason: Mapped[str] = mapped_column(String(20))
    closed_on: Mapped[dt.date] = mapped_column(Date)
    event_date: Mapped[dt.date | None] = mapped_column(Date)
    grade: Mapped[str] = mapped_column(String(20), default="")
    class_name: Mapped[str] = mapped_column(String(50), default="")
    placement: Mapped[str] = mapped_column(String(20), default="")
    school: Mapped[str] = mapped_column(String(100), default="")
    place: Mapped[str] = mapped_column(String(200), default="")
    registry_migrated: Mapped[bool] = mapped_column(Boolean, default=False)
    detail: Mapped[str] = mapped_column(Text, default="")
    proof: Mapped[str] = mapped_column(Text, default="")
    decision_id: Mapped[str | None] = mapped_column(ForeignKey("deferral_decisions.id"))
    reopened_on: Mapped[dt.date | None] = mapped_column(Date)
    reopen_reason: Mapped[str] = mapped_column(Text, default="")


class EvidenceFile(LedgerMixin, Base):
    """A photo or scan attached to a case, a persuasion attempt or a closing."""

    __tablename__ = "evidence_files"
    __mapper_args__ = {"version_id_col": LedgerMixin.version}

    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id"), index=True)
    owner_table: Mapped[str] = mapped_column(String(50))  # cases | persuasion_attempts | case_closings
    owner_id: Mapped[str] = mapped_column(String(36))
    file_name: Mapped[str] = mapped_column(String(255))
    media_type: Mapped[str] = mapped_column(String(50))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(ForeignKey("evidence_blobs.sha256"))
    caption: Mapped[str] = mapped_column(String(200), default="")
    voided: Mapped[bool] = mapped_column(Boolean, default=False)
    void_reason: Mapped[str] = mapped_column(Text, default="")

    __table_args__ = (Index("ix_evidence_files_owner", "owner_table", "owner_id"),)


class EvidenceBlob(Base):
    """The bytes of an evidence file, keyed by their SHA-256; written once, never changed."""

    __tablename__ = "evidence_blobs"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    size: Mapped[int] = mapped_column(Integer)
    content: Mapped[bytes] = mapped_column(LargeBinary)
    # The file as it was picked, before a photo was reduced (equal to sha256/size when stored unchanged;
    # empty for files stored before migration 0014 and for blobs received in a package). Kept with the
    # bytes, not in the synced ledger row, so packages to earlier releases carry the same row.
    original_sha256: Mapped[str | None] = mapped_column(String(64), nullable=True)
    original_size: Mapped[int | None] = mapped_column(Integer, nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
