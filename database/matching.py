"""全区联查 (district matching): each match the district found across its schools, with how it was made,
and the answers sent to each school as proposals (``match_proposals``, a ledger table: it travels).

Not a ledger table: matches are worked out again from the schools' data on every run and never travel
in packages themselves. A match found again keeps its row (``last_found_at`` moves on); one no longer
found is marked ``已消除`` rather than deleted.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, Date, DateTime, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from database.models import Base, LedgerMixin, utcnow


class DistrictMatch(Base):
    """One child of one school matched (or, for a leaver, not found) across the district in a semester."""

    __tablename__ = "district_matches"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    semester: Mapped[str] = mapped_column(String(20))
    kind: Mapped[str] = mapped_column(String(20))  # 摸排 | 小升初 | 幼升小 | 返校 | 重复立案
    result: Mapped[str] = mapped_column(String(20))  # 区内他校在读 | 已找到 | 衔接未找到 | 转学已确认 | …
    method: Mapped[str] = mapped_column(String(30), default="")  # 身份证号 | 姓名+出生日期+性别 | 同名、同监护人
    status: Mapped[str] = mapped_column(String(10), default="有效")  # 有效 | 已消除 (not found on a later run)
    student_id: Mapped[str] = mapped_column(String(36))  # the child's row at its own school
    school_node: Mapped[str] = mapped_column(String(36), default="")  # that school ("" the district's own)
    other_student_id: Mapped[str] = mapped_column(String(36), default="")  # "" when not found anywhere
    other_node: Mapped[str] = mapped_column(String(36), default="")  # the school where found
    grade: Mapped[str] = mapped_column(String(20), default="")  # the grade there
    place: Mapped[str] = mapped_column(String(100), default="")  # how it is there (学籍名册, a status …)
    first_found_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    last_found_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)

    __table_args__ = (
        UniqueConstraint("semester", "kind", "student_id", "other_student_id",
                         name="uq_district_matches_semester_kind_student_other"),
        Index("ix_district_matches_figures", "semester", "status", "kind", "result", "school_node"),
        Index("ix_district_matches_other", "semester", "other_node"),
    )


class MatchProposal(LedgerMixin, Base):
    """An answer of 全区联查 about one school's own child, sent to that school as a proposal (a ledger row).

    Made at the district for the school whose child it is (``sync_record_owners`` names that school, so only
    that school's package carries it) and owned by the school, which accepts or rejects it; its decision
    travels back. It names the school where the child was found and the grade there, and nothing else of
    another school's child. The district's fields (what was found) and the school's (the decision) are
    distinct, so a later run and a decision never clash.
    """

    __tablename__ = "match_proposals"
    __mapper_args__ = {"version_id_col": LedgerMixin.version}

    # the district's answer
    semester: Mapped[str] = mapped_column(String(20))
    kind: Mapped[str] = mapped_column(String(20))  # 摸排 | 小升初 | 幼升小 | 返校 | 重复立案
    result: Mapped[str] = mapped_column(String(20))  # 区内他校在读 | 已找到 | 衔接未找到 | 转学已确认 | 未返校已找到 | 重复立案
    student_id: Mapped[str] = mapped_column(ForeignKey("students.id"))  # the school's own child
    found_school: Mapped[str] = mapped_column(String(100), default="")  # where found ("" nowhere)
    found_grade: Mapped[str] = mapped_column(String(20), default="")  # the grade there
    method: Mapped[str] = mapped_column(String(30), default="")  # how the match was made
    matched_on: Mapped[dt.date] = mapped_column(Date)  # the day of the district's run
    withdrawn: Mapped[bool] = mapped_column(Boolean, default=False)  # a later run no longer finds it
    # the school's decision
    status: Mapped[str] = mapped_column(String(10), default="待确认")  # 待确认 | 已接受 | 已拒绝 | 通知
    decided_on: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    decided_by: Mapped[str] = mapped_column(String(50), default="")
    reason: Mapped[str] = mapped_column(Text, default="")  # why it was rejected

    __table_args__ = (Index("ix_match_proposals_semester_kind", "semester", "kind", "status"),
                      Index("ix_match_proposals_student", "student_id"))
