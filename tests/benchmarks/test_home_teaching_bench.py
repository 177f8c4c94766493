"""How long the 送教上门 page takes to compute a semester's compliance for a large school."""

from __future__ import annotations

import datetime as dt

from desktop_app.domain.care import DisabilityFile, Tag
from desktop_app.domain.home_teaching import SessionEntry
from desktop_app.domain.identity import make_id_number
from desktop_app.services import care, home_teaching, semesters
from desktop_app.services.store import Store

CHILDREN = 30
SESSIONS = 12


def test_plan_rows_for_a_semester(benchmark, store: Store) -> None:  # noqa: ANN001
    semesters.set_dates(store, "2026秋", dt.date(2026, 9, 1), dt.date(2027, 1, 22))
    home_teaching.propose_calendar(store, "2026秋")
    for i in range(CHILDREN):
        sid = care.register_student(store, care.NewStudent(
            f"学生{i}", make_id_number("500223", dt.date(2013, 1, 1) + dt.timedelta(days=i), 11), "家长", "父亲",
            "13700001234"), [Tag("身体残疾")])
        care.save_disability(store, sid, DisabilityFile("肢体", "一级", "", "送教上门", dt.date(2026, 9, 1)))
        plan = home_teaching.save_plan(store, home_teaching.PlanEntry(sid, "2026秋", "王老师", "语文", i % 5))
        for w in range(SESSIONS):
            home_teaching.log_session(store, plan, SessionEntry(
                dt.date(2026, 9, 1) + dt.timedelta(days=7 * w), 2, "送文化", "王老师", "识字"), copy_photos=False)
    rows = benchmark(home_teaching.plan_rows, store, "2026秋", dt.date(2026, 11, 28))
    assert len(rows) == CHILDREN
