"""Business settings and semesters."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
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


def test_business_settings_show_what_this_installation_uses_and_save_together(qtbot, store: Store,  # noqa: ANN001
                                                                               tmp_path: Path) -> None:
    """设置 → 业务设置 at a school lists the school's thresholds, not the district's (schools not reporting,
    approval deadline); changed values are saved together; the district office sees its own."""
    from desktop_app.services import settings
    from desktop_app.ui.settings.backup_box import BusinessSettingsBox
    from tests.sync_helpers import make_district

    box = BusinessSettingsBox(store)
    qtbot.addWidget(box)
    assert "lifecycle.first_attempt_days" in box.spins and "home_teaching.min_class_hours" in box.spins
    assert "sync.stale_days" not in box.spins and "district.approval_days" not in box.spins
    box.spins["lifecycle.first_attempt_days"].setValue(5)
    box.spins["backup.keep_daily"].setValue(14)
    qtbot.mouseClick(box.save_button, Qt.MouseButton.LeftButton)
    assert settings.get(store, "lifecycle.first_attempt_days") == 5 and settings.get(store, "backup.keep_daily") == 14
    assert box.saved_label.text().startswith("已保存")

    district = make_district(tmp_path / "d")
    try:
        dbox = BusinessSettingsBox(district)
        qtbot.addWidget(dbox)
        assert "sync.stale_days" in dbox.spins and "district.approval_days" in dbox.spins
        assert "lifecycle.first_attempt_days" not in dbox.spins and "census.contact_interval_days" not in dbox.spins
    finally:
        district.close()


def test_several_settings_are_saved_all_or_none(store: Store) -> None:
    with pytest.raises(ValidationError, match="不能大于"):
        settings.put_many(store, {"backup.keep_daily": 10, "lifecycle.first_attempt_days": 99})
    assert settings.get(store, "backup.keep_daily") == 7  # the good value was not kept either
    settings.put_many(store, {"backup.keep_daily": 10, "lifecycle.first_attempt_days": 5})
    assert (settings.get(store, "backup.keep_daily"), settings.get(store, "lifecycle.first_attempt_days")) == (10, 5)
