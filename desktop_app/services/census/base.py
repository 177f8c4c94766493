"""Census settings (the school-age window, the contact interval), the current semester, the semesters offered."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from database.census import (
    RosterMember,
)
from desktop_app.domain.census import (
    birth_window,
)
from desktop_app.services import semesters, settings
from desktop_app.services.store import Store

MIN_AGE = settings.declare("census.min_age", "适龄儿童最小年龄（8月31日前满）", 6, minimum=3, maximum=10, unit="岁")
MAX_AGE = settings.declare("census.max_age", "适龄儿童最大年龄（8月31日时）", 15, minimum=12, maximum=20, unit="岁")
CONTACT_DAYS = settings.declare(
    "census.contact_interval_days", "区外就读儿童监护人联系间隔", 30, minimum=7, maximum=180, unit="天", scope="school"
)
def age_bounds(store: Store) -> tuple[int, int]:
    return int(settings.get(store, MIN_AGE.key)), int(settings.get(store, MAX_AGE.key))


def current_semester(store: Store) -> str:
    return semesters.current(store).name


def _window(store: Store, semester: str) -> tuple[dt.date, dt.date]:
    low, high = age_bounds(store)
    return birth_window(semester, low, high)


def semester_choices(store: Store) -> list[str]:
    """Semesters worth offering: those stored, the current one, and the ones with rosters."""
    names = {s.name for s in semesters.all_semesters(store)}
    names.add(current_semester(store))
    with store.read() as session:
        names |= {s for (s,) in session.execute(select(RosterMember.semester).distinct()) if s}
    return sorted(names, key=lambda n: (n[:4], n[4:] == "秋"))
