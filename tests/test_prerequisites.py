"""Every step that must come first is said on the page before anything is asked, with its button."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from desktop_app.services import demo, semesters
from desktop_app.services.store import Store
from desktop_app.ui.exchange.page import ExchangePage, Pickers
from desktop_app.ui.main_window import MainWindow


def test_a_school_not_enrolled_is_told_to_import_the_enrolment_package_first(
        qtbot, store: Store, monkeypatch: pytest.MonkeyPatch, messages) -> None:  # noqa: ANN001
    asked: list[str] = []
    monkeypatch.setattr(Pickers, "folder", staticmethod(lambda *_a: pytest.fail("asked for a folder first")))
    monkeypatch.setattr(Pickers, "files", staticmethod(lambda _p, title: asked.append(title) or []))
    page = ExchangePage(store)
    qtbot.addWidget(page)
    page.refresh()
    banner = page.prerequisite
    assert banner.needed and "登记包" in banner.label.text() and banner.button.text() == "导入登记包…"
    qtbot.mouseClick(page.export_button, Qt.MouseButton.LeftButton)
    assert "还没有导入区教委的登记包" in messages.texts("error")[-1]
    qtbot.mouseClick(banner.button, Qt.MouseButton.LeftButton)
    assert asked == ["选择要导入的数据包"]  # the button does the step


def test_an_enrolled_school_has_nothing_to_do_first(qtbot, pair) -> None:  # noqa: ANN001
    school, district = pair
    for store in (school, district):
        page = ExchangePage(store)
        qtbot.addWidget(page)
        page.refresh()
        assert not page.prerequisite.needed


def test_a_district_without_schools_is_told_to_register_one(qtbot, tmp_path: Path,  # noqa: ANN001
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.sync_helpers import make_district

    district = make_district(tmp_path / "d")
    try:
        page = ExchangePage(district)
        qtbot.addWidget(page)
        page.refresh()
        assert page.prerequisite.needed and page.prerequisite.button.text() == "登记学校并生成登记包…"
        opened: list[bool] = []
        monkeypatch.setattr(page, "enrol", lambda: opened.append(True))
        page._show_missing_step()  # the banner's button is connected to the page's own enrol
        qtbot.mouseClick(page.prerequisite.button, Qt.MouseButton.LeftButton)
        assert opened == [True]
    finally:
        district.close()


def test_census_asks_for_the_semester_then_the_roster(qtbot, store: Store) -> None:  # noqa: ANN001
    window = MainWindow(store)
    qtbot.addWidget(window)
    window.show_page("摸排核查")
    banner = window.census_page.prerequisite
    assert banner.needed and "学期" in banner.label.text() and banner.button.text() == "去设置学期"
    for name in ("返校核查", "送教上门"):
        window.show_page(name)
        assert window.pages[name].prerequisite.needed
    window.show_page("摸排核查")
    qtbot.mouseClick(banner.button, Qt.MouseButton.LeftButton)
    assert window.current_page_name() == "设置"
    semesters.choose_current(store, semesters.current_name(store))
    window.show_page("摸排核查")
    assert banner.needed and banner.button.text() == "导入名册…" and "适龄儿童" in banner.label.text()
    demo.load_census(store, 30)
    window.census_page.refresh()
    assert not banner.needed
    for name in ("返校核查", "送教上门"):
        window.show_page(name)
        assert not window.pages[name].prerequisite.needed


def test_a_semester_published_with_real_dates_counts_as_confirmed(store: Store) -> None:
    import datetime as dt

    from desktop_app.ui.common import prerequisite

    assert not prerequisite.semester_confirmed(store)
    name = semesters.current_name(store)
    span = semesters.ensure(store, name)
    assert not prerequisite.semester_confirmed(store)  # default dates only
    semesters.set_dates(store, name, span.start + dt.timedelta(days=1), span.end)
    assert prerequisite.semester_confirmed(store)
