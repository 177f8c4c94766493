"""The 全区联查 page and the district overview's 未找到 figure, used as a district officer would."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from openpyxl import load_workbook
from PySide6.QtCore import Qt

from desktop_app.services import semesters
from desktop_app.ui.accounts.dialogs import ExportReasonDialog
from desktop_app.ui.exchange.page import Pickers
from desktop_app.ui.main_window import MainWindow
from tests.conftest import MessageLog
from tests.matching_world import JUNIOR, PRIMARY, SEM, World, build

LEFT = Qt.MouseButton.LeftButton


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    w = build(tmp_path)
    semesters.choose_current(w.district, SEM)
    yield w
    w.close()


def cell(view, row: int, col: int):  # noqa: ANN001, ANN201
    return view.visualRect(view.model().index(row, col)).center()


def test_officer_runs_the_matching_and_opens_each_figure(qtbot, qtmodeltester, world: World,  # noqa: ANN001
                                                         tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                         messages: MessageLog) -> None:
    window = MainWindow(world.district)
    qtbot.addWidget(window)
    window.show()
    overview = window.overview
    with qtbot.waitSignal(overview.refreshed, timeout=20_000):
        overview.refresh_async()
    assert overview.not_found_button is not None
    assert overview.not_found_button.text() == "衔接未找到：尚未联查"

    window.show_page("全区联查")
    page = window.matching_page
    assert page is not None and page.semester() == SEM
    assert page.status_label.text() == "2026秋尚未运行全区联查"
    with qtbot.waitSignal(page.matched, timeout=30_000):
        qtbot.mouseClick(page.run_button, LEFT)
    assert page.status_label.text() == "联查：找到 8 人，未找到 1 人，重复立案 1 件"
    qtmodeltester.check(page.school_model)
    qtmodeltester.check(page.list_model)
    schools = {page.school_model.index(r, 0).data(): [page.school_model.index(r, c).data() for c in range(3, 7)]
               for r in range(page.school_model.rowCount())}
    assert schools[PRIMARY[0]] == ["5", "1", "1", "0"] and schools[JUNIOR[0]] == ["2", "0", "1", "0"]
    assert [b.text() for b in page.total_buttons.values()] == ["全区他校找到：7", "全区未找到：1", "全区重复立案：1",
                                                              "全区数据比对：0", "全区待确认建议：7", "全区移交在途：0"]

    # a school's figure opens its list
    row = next(r for r in range(page.school_model.rowCount()) if page.school_model.key(r) == JUNIOR[0])
    qtbot.mouseClick(page.school_view.viewport(), LEFT, pos=cell(page.school_view, row, 3))
    assert page.list_label.text() == "米心镇中学 他校找到：2 条"
    names = sorted(page.list_model.index(r, 3).data() for r in range(page.list_model.rowCount()))
    assert names == sorted([world.kids["R1"]["name"], world.kids["R2"]["name"]])
    # a township's duplicates: the pair at the primary and the junior
    qtbot.mouseClick(page.town_view.viewport(), LEFT, pos=cell(page.town_view, 1, 4))
    assert page.list_label.text().startswith("米心镇 重复立案")
    assert page.list_model.rowCount() == 1 and page.list_model.index(0, 6).data() == "重复立案"

    # the overview's figure beside the open cases, and clicking it opens the not-found list
    with qtbot.waitSignal(overview.refreshed, timeout=20_000):
        overview.refresh_async()
    assert overview.not_found_button.text() == "衔接未找到：1 人"
    window.show_page("总览")
    qtbot.mouseClick(overview.not_found_button, LEFT)
    assert window.stack.currentWidget() is page
    assert page.list_label.text() == "全区 未找到：1 条"
    assert page.list_model.index(0, 3).data() == world.kids["L2"]["name"]
    assert "*" in page.list_model.index(0, 4).data()

    # export the list shown
    out = tmp_path / "lost.xlsx"
    monkeypatch.setattr(ExportReasonDialog, "ask", classmethod(lambda cls, *a, **k: ("衔接核查", False)))
    monkeypatch.setattr(Pickers, "save", staticmethod(lambda *a: out))
    qtbot.mouseClick(page.export_button, LEFT)
    assert messages.texts("info") == [f"已导出 1 人：{out}"]
    assert load_workbook(out).active.cell(4, 4).value == world.kids["L2"]["name"]
