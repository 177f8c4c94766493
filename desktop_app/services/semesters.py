"""Semesters with their real dates; the current one is a setting (defaults to today's)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from database.models import Semester
from desktop_app.domain.errors import ValidationError
from desktop_app.domain.semester import SemesterSpan, default_span, semester_name
from desktop_app.services import settings
from desktop_app.services.access import Permission, require
from desktop_app.services.store import Store


def ensure(store: Store, name: str) -> SemesterSpan:
    """The semester's stored dates, creating it with default dates when it is new."""
    with store.read() as session:
        row = session.execute(select(Semester).where(Semester.name == name)).scalar_one_or_none()
        if row:
            return SemesterSpan(row.name, row.start_date, row.end_date)
    span = default_span(name)
    with store.write() as session:
        session.add(Semester(name=span.name, start_date=span.start, end_date=span.end))
    return span


def set_dates(store: Store, name: str, start: dt.date, end: dt.date) -> SemesterSpan:
    require(store, Permission.MANAGE_SETTINGS)
    if end <= start:
        raise ValidationError(f"学期{name}的结束日期应晚于开始日期")
    if (end - start).days > 250:
        raise ValidationError(f"学期{name}长于250天，请核对日期")
    ensure(store, name)
    with store.write() as session:
        row = session.execute(select(Semester).where(Semester.name == name)).scalar_one()
        row.start_date, row.end_date = start, end
    return SemesterSpan(name, start, end)


def all_semesters(store: Store) -> list[SemesterSpan]:
    with store.read() as session:
        rows = session.execute(select(Semester).order_by(Semester.start_date)).scalars()
        return [SemesterSpan(r.name, r.start_date, r.end_date) for r in rows]


def current_name(store: Store, today: dt.date | None = None) -> str:
    """The name of the semester chosen in 设置, or of the one today falls in (its row is not created)."""
    return str(settings.get(store, settings.CURRENT_SEMESTER.key) or semester_name(today or dt.date.today()))


def current(store: Store, today: dt.date | None = None) -> SemesterSpan:
    """The semester chosen in 设置, or the one today falls in."""
    return ensure(store, current_name(store, today))


def choose_current(store: Store, name: str) -> SemesterSpan:
    require(store, Permission.MANAGE_SETTINGS)
    span = ensure(store, name)
    settings.put(store, settings.CURRENT_SEMESTER.key, name)
    return span
