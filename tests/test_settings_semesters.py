"""Business settings and semesters."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from database.models import AuditEntry
from desktop_app.domain.errors import ValidationError
from desktop_app.domain.semester import default_span, next_name, previous_name, semester_name
from desktop_app.services import semesters, settings
from desktop_app.services.store import Store


def test_semester_names_and_default_dates() -> None:
    assert semester_name(dt.date(2026, 9, 1)) == "2026秋"
    assert semester_name(dt.date(2027, 1, 20)) == "2026秋"
    assert semester_name(dt.date(2027, 2, 1)) == "2027春"
    assert default_span("2026秋").end == dt.date(2027, 1, 31)
    assert next_name("2026秋") == "2027春" and previous_name("2026秋") == "2026春"
    with pytest.raises(ValueError, match="学期名称"):
        default_span("2026")


def test_current_semester_defaults_to_today_and_can_be_chosen(store: Store) -> None:
    assert semesters.current(store, dt.date(2026, 11, 28)).name == "2026秋"
    semesters.choose_current(store, "2027春")
    assert semesters.current(store, dt.date(2026, 11, 28)).name == "2027春"
    span = semesters.set_dates(store, "2027春", dt.date(2027, 2, 24), dt.date(2027, 7, 5))
    assert semesters.current(store).start == span.start
    with pytest.raises(ValidationError, match="结束日期"):
        semesters.set_dates(store, "2027春", dt.date(2027, 7, 5), dt.date(2027, 2, 24))
    assert store.verify().ok


def test_settings_range_and_history(store: Store) -> None:
    spec = settings.declare("test.days", "测试天数", 3, minimum=1, maximum=30, unit="天")
    assert settings.get(store, spec.key) == 3
    settings.put(store, spec.key, "7")
    assert settings.get(store, spec.key) == 7
    with pytest.raises(ValidationError, match="不能大于30天"):
        settings.put(store, spec.key, 31)
    with store.read() as s:
        rows = s.execute(select(AuditEntry).where(AuditEntry.record_id == spec.key)).scalars().all()
    assert [r.new_value for r in rows] == ["7"]
    settings.SPECS.pop(spec.key)
