"""On 全区联查 the officer double-clicks a school's 待确认建议 or a township's 移交在途 and sees its list below,
with that list's own columns, and exports it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from openpyxl import load_workbook
from PySide6.QtCore import Qt

from desktop_app.services import semesters
from desktop_app.ui.accounts.dialogs import ExportReasonDialog
from desktop_app.ui.district.matching_page import MatchingPage
from desktop_app.ui.exchange.page import Pickers
from tests import district_fixture, handover_world
from tests.conftest import MessageLog
from tests.district_fixture import JUNIOR, NINE, SEM, name_of, round_trip
from tests.handover_world import A, B, a_case, hand_over

LEFT = Qt.MouseButton.LeftButton


@pytest.fixture
def district(tmp_path: Path) -> Iterator[district_fixture.World]:
    yield from district_fixture.world_at(tmp_path)


@pytest.fixture
def moving(tmp_path: Path) -> Iterator[handover_world.World]:
    yield from handover_world.make_world(tmp_path)


def double_click(qtbot, view, row: int, column: int) -> None:  # noqa: ANN001
    """What a double-click sends: a click, then a second press the system reports as a double-click."""
    pos = view.visualRect(view.model().index(row, column)).center()
    qtbot.mouseClick(view.viewport(), LEFT, pos=pos)
    qtbot.mouseDClick(view.viewport(), LEFT, pos=pos)


def test_double_clicking_a_schools_pending_proposals_opens_that_list(
        qtbot, qtmodeltester, district: district_fixture.World, tmp_path: Path,  # noqa: ANN001
        monkeypatch: pytest.MonkeyPatch, messages: MessageLog) -> None:
    w = district
    round_trip(w)
    semesters.choose_current(w.district, SEM)
    page = MatchingPage(w.district)
    qtbot.addWidget(page)
    page.resize(1150, 680)
    with qtbot.waitExposed(page):
        page.show()
    page.tabs.setCurrentIndex(2)  # looking at the handovers: a figure brings the list back
    model = page.school_model
    column = model.headers.index("待确认建议")
    row = next(r for r in range(model.rowCount()) if model.key(r) == JUNIOR[0])
    assert model.index(row, column).data() == "2"
    assert page.total_buttons["待确认建议"].text() == "全区待确认建议：7"
    double_click(qtbot, page.school_view, row, column)
    assert page.tabs.currentIndex() == 0
    assert page.list_label.text() == "米心镇中学 待确认建议：2 条"
    headers = page.list_model.headers
    assert headers[headers.index("姓名") + 1] == "身份证号码" and "联查日期" in headers
    qtmodeltester.check(page.list_model)
    listed = {page.list_model.index(r, headers.index("姓名")).data(): page.list_model.index(
        r, headers.index("找到的学校")).data() for r in range(page.list_model.rowCount())}
    assert listed == {name_of(w, "R1"): NINE[1], name_of(w, "R2"): NINE[1]}
    assert all("*" in page.list_model.index(r, headers.index("身份证号码")).data() for r in range(2))

    out = tmp_path / "pending.xlsx"
    monkeypatch.setattr(ExportReasonDialog, "ask", classmethod(lambda cls, *a, **k: ("督促学校确认", False)))
    monkeypatch.setattr(Pickers, "save", staticmethod(lambda *a: out))
    qtbot.mouseClick(page.export_button, LEFT)
    assert messages.texts("info") == [f"已导出 2 人：{out}"]
    assert load_workbook(out).active.cell(3, 4).value == "姓名"

    # another figure puts the match list's columns back
    double_click(qtbot, page.school_view, row, model.headers.index("他校找到"))
    assert page.list_model.headers[-1] == "首次找到" and page.list_label.text() == "米心镇中学 他校找到：2 条"


def test_double_clicking_a_townships_handovers_in_flight_opens_that_list(
        qtbot, qtmodeltester, moving: handover_world.World, tmp_path: Path) -> None:  # noqa: ANN001
    w = moving
    hand_over(w, a_case(w, tmp_path))
    w.round(w.a)
    page = MatchingPage(w.district)
    qtbot.addWidget(page)
    with qtbot.waitExposed(page):
        page.show()
    towns = page.town_model
    column = towns.headers.index("移交在途")
    counts = {towns.key(r): towns.index(r, column).data() for r in range(towns.rowCount())}
    assert counts == {"米心镇": "1", "双江镇": "1", "古溪镇": "0"}
    row = next(r for r in range(towns.rowCount()) if towns.key(r) == "双江镇")  # the receiving school's township
    double_click(qtbot, page.town_view, row, column)
    assert page.list_label.text() == "双江镇 移交在途：1 条"
    qtmodeltester.check(page.list_model)
    headers = page.list_model.headers
    shown = {h: page.list_model.index(0, c).data() for c, h in enumerate(headers)}
    assert (shown["移出学校"], shown["接收学校"], shown["学生"], shown["状态"]) == (A[1], B[1], "张小明", "待接收")
    assert "*" in shown["身份证号码"]
    assert page.export_button.isEnabled()
