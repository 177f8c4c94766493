"""全区联查 (district matching): each match the district found across its schools, with how it was made.

Not a ledger table: matches are worked out again from the schools' data on every run and never travel
in packages themselves. A match found again keeps its row (``last_found_at`` moves on); one no longer
found is marked ``已消除`` rather than deleted.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import DateTime, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from database.models import Base, utcnow


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
