"""The ledger page: model/view checks, typing a search, choosing filters, opening rows."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from desktop_app.services import cases, demo
from desktop_app.services.store import Store
from desktop_app.ui.ledger.model import CaseLedgerModel
from desktop_app.ui.ledger.page import LedgerPage
from desktop_app.ui.main_window import MainWindow
from tests.factories import full_form
from tests.helpers.qt import choose, type_into


@pytest.fixture
def filled(store: Store) -> Store:
    demo.load(store, 250, seed=11)
    cases.save_form(store, full_form())
    return store


def test_model_passes_qtmodeltester(qtmodeltester, filled: Store) -> None:  # noqa: ANN001
    model = CaseLedgerModel(filled)
    model.reload()
    qtmodeltester.check(model, force_py=True)


def test_paging_fetches_more_rows_on_scroll(qtbot, filled: Store) -> None:  # noqa: ANN001
    page = LedgerPage(filled)
    qtbot.addWidget(page)
    page.show()
    assert page.model.rowCount() == CaseLedgerModel.PAGE
    assert page.model.total == 251
    assert page.count_label.text() == "共 251 件"
    page.view.scrollToBottom()
    qtbot.waitUntil(lambda: page.model.rowCount() > CaseLedgerModel.PAGE)
    while page.model.canFetchMore():
        page.model.fetchMore()
    assert page.model.rowCount() == 251
    assert len({page.model.case_id(r) for r in range(251)}) == 251


def test_search_as_the_user_types(qtbot, filled: Store) -> None:  # noqa: ANN001
    page = LedgerPage(filled)
    qtbot.addWidget(page)
    with qtbot.waitSignal(page.model.total_changed, timeout=2000):
        type_into(qtbot, page.search_edit, "张小明")
    names = {page.model.index(r, 0).data() for r in range(page.model.rowCount())}
    assert "张小明" in names
    with qtbot.waitSignal(page.model.total_changed, timeout=2000):
        type_into(qtbot, page.search_edit, "zxm")
    assert "张小明" in {page.model.index(r, 0).data() for r in range(page.model.rowCount())}
    # identity numbers are shown masked in the list, but found by any fragment
    with qtbot.waitSignal(page.model.total_changed, timeout=2000):
        type_into(qtbot, page.search_edit, full_form().id_number[6:14])
    row = next(r for r in range(page.model.rowCount()) if page.model.index(r, 0).data() == "张小明")
    assert "*" in page.model.index(row, 2).data()


def test_filters(qtbot, filled: Store) -> None:  # noqa: ANN001
    page = LedgerPage(filled)
    qtbot.addWidget(page)
    choose(page.status_combo, "已销号")
    statuses = {page.model.index(r, 6).data() for r in range(page.model.rowCount())}
    assert statuses == {"已销号"}
    choose(page.status_combo, "未销号（全部在案）")
    assert "已销号" not in {page.model.index(r, 6).data() for r in range(page.model.rowCount())}
    assert page.model.total == cases.open_case_count(filled)
    choose(page.status_combo, "全部")
    choose(page.township_combo, "米心镇")
    villages = [page.village_combo.itemText(i) for i in range(page.village_combo.count())]
    assert "青龙村" in villages and "大石村" not in villages  # 大石村 belongs to 龙形镇
    choose(page.village_combo, "青龙村")
    choose(page.grade_combo, "七年级")
    rows = range(page.model.rowCount())
    assert page.model.rowCount() >= 1
    assert {(page.model.index(r, 4).data(), page.model.index(r, 5).data(), page.model.index(r, 3).data())
            for r in rows} == {("米心镇", "青龙村", "七年级")}


def test_sorting_by_header_click(qtbot, filled: Store) -> None:  # noqa: ANN001
    page = LedgerPage(filled)
    qtbot.addWidget(page)
    page.view.sortByColumn(8, Qt.SortOrder.DescendingOrder)
    values = [page.model.index(r, 8).data() for r in range(page.model.rowCount())]
    assert values == sorted(values, reverse=True)
    page.view.sortByColumn(8, Qt.SortOrder.AscendingOrder)
    values = [page.model.index(r, 8).data() for r in range(page.model.rowCount())]
    assert values == sorted(values)


def test_overview_figure_opens_the_filtered_ledger(qtbot, filled: Store) -> None:  # noqa: ANN001
    window = MainWindow(filled)
    qtbot.addWidget(window)
    window.show()
    open_count = cases.open_case_count(filled)
    qtbot.waitUntil(lambda: str(open_count) in window.overview.open_button.text(), timeout=20000)
    qtbot.mouseClick(window.overview.open_button, Qt.MouseButton.LeftButton)
    assert window.stack.currentWidget() is window.ledger
    assert window.ledger.model.total == open_count


def test_enter_on_a_row_opens_its_form(qtbot, filled: Store) -> None:  # noqa: ANN001
    window = MainWindow(filled)
    qtbot.addWidget(window)
    window.show()
    window.show_page("台账")
    view = window.ledger.view
    view.setFocus()
    view.setCurrentIndex(window.ledger.model.index(3, 0))
    qtbot.keyClick(view, Qt.Key.Key_Return)
    case_id = window.ledger.model.case_id(3)
    assert case_id in window.forms
    dialog = window.forms[case_id]
    qtbot.addWidget(dialog)
    assert dialog.name_edit.text() == window.ledger.model.index(3, 0).data()


def test_overview_refreshes_in_the_background_when_shown(qtbot, filled: Store) -> None:  # noqa: ANN001
    window = MainWindow(filled)
    qtbot.addWidget(window)
    window.show()
    window.show_page("台账")
    with qtbot.waitSignal(window.overview.refreshed, timeout=20000):
        window.show_page("总览")
    assert window.overview.data is not None
    assert window.overview.data.open_count == cases.open_case_count(filled)
    assert window.overview.todo_box.title().startswith("待办（") and "计算" not in window.overview.todo_box.title()


def test_overview_status_figures_are_not_cut_off_on_a_768_pixel_screen(qtbot, filled: Store) -> None:  # noqa: ANN001
    """Each status button shows two lines (the status and its count): on a 1366×768 screen it must be tall
    enough for both, not squeezed to one line's height."""
    window = MainWindow(filled)
    qtbot.addWidget(window)
    window.resize(1366, 740)
    with qtbot.waitSignal(window.overview.refreshed, timeout=20000):
        window.show()
        window.show_page("总览")
    for status, button in window.overview.status_buttons.items():
        assert button.text().startswith(status) and "\n" in button.text()
        lines = button.text().count("\n") + 1
        assert button.height() >= lines * button.fontMetrics().lineSpacing() + 16, status  # two lines + padding


def test_ctrl_f_moves_to_the_search_box(qtbot, store: Store) -> None:  # noqa: ANN001
    page = LedgerPage(store)
    qtbot.addWidget(page)
    page.show()
    qtbot.waitExposed(page)
    page.windowHandle().requestActivate()  # a shortcut only works in the active window
    qtbot.waitUntil(lambda: QApplication.activeWindow() is page)
    page.view.setFocus()
    qtbot.keyClick(page.view, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    assert page.focusWidget() is page.search_edit
