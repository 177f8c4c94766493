"""联查建议 on the school's census pages, used as a teacher would: the district's answers arrive in its
package, the teacher accepts one on 摸排核查 (its status then shows the source), accepts all on 衔接 and
rejects one on 返校核查 with a reason."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from desktop_app.domain import proposals as P
from desktop_app.services import census, semesters
from desktop_app.services.census import proposals
from desktop_app.ui.census.census_page import CensusPage
from desktop_app.ui.census.proposals_panel import ProposalsPanel
from desktop_app.ui.census.return_page import ReturnCheckPage
from desktop_app.ui.district.matching_page import MatchingPage
from tests.conftest import MessageLog
from tests.district_fixture import JUNIOR, NINE, PRIMARY, SEM, World, name_of, round_trip, sid, world_at
from tests.sync_helpers import send

LEFT = Qt.MouseButton.LeftButton


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    for w in world_at(tmp_path):
        round_trip(w)
        for _code, school in w.schools:
            semesters.choose_current(school, SEM)
        yield w


def _column(model, title: str) -> int:  # noqa: ANN001
    return next(c for c in range(model.columnCount()) if model.headerData(c, Qt.Orientation.Horizontal) == title)


def test_teacher_accepts_a_proposal_on_the_census_page(qtbot, qtmodeltester, world: World,  # noqa: ANN001
                                                      messages: MessageLog) -> None:
    w = world
    page = CensusPage(w.primary)
    qtbot.addWidget(page)
    page.show()
    panel = page.proposals
    assert panel.isVisible() and "待确认" in panel.summary_label.text()
    qtmodeltester.check(panel.model)
    c1 = name_of(w, "C1")
    assert panel.select_name(c1)
    row = panel.view.selectionModel().selectedRows()[0].row()
    answer = panel.model.index(row, _column(panel.model, "区教委联查结果")).data()
    assert answer == f"在{JUNIOR[1]}八年级就读"
    with qtbot.waitSignal(panel.changed, timeout=5000):
        qtbot.mouseClick(panel.accept_button, LEFT)
    assert messages.texts("info")[-1] == "已接受 1 条联查建议。"
    row = next(r for r in range(panel.model.rowCount()) if panel.model.row(r)["name"] == c1)  # decided: listed last
    assert panel.model.index(row, _column(panel.model, "处理")).data().startswith("已接受（")
    # the child's status on the census list now says where it came from
    page.search_edit.setText(c1)
    page.apply_filters()
    assert page.model.rowCount() == 1
    shown = {page.model.headerData(c, Qt.Orientation.Horizontal): page.model.index(0, c).data()
             for c in range(page.model.columnCount())}
    assert (shown["就读状态"], shown["就读学校"]) == ("区内他校在读", JUNIOR[1])
    assert "来源：区教委联查（" in shown["备注"]
    status = census.status_of(w.primary, sid(w.primary, c1), SEM)
    assert status is not None and status.status == "区内他校在读"
    assert panel.select_name(c1) and not panel.accept_button.isEnabled()  # accepted: not again


def test_teacher_accepts_all_leavers_and_rejects_a_return_answer(qtbot, world: World,  # noqa: ANN001
                                                                 messages: MessageLog,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    w = world
    page = ReturnCheckPage(w.primary)
    qtbot.addWidget(page)
    page.show()
    page.tabs.setCurrentIndex(1)
    panel = page.transition_proposals
    assert panel.isVisible()
    assert page.transition_model.rowCount() == 3  # none of the three leavers found by the primary alone
    with qtbot.waitSignal(panel.changed, timeout=5000):
        qtbot.mouseClick(panel.accept_all_button, LEFT)
    assert messages.texts("confirm")[-1].startswith("接受2026秋学期全部 2 条")
    assert messages.texts("info")[-1] == "已接受区教委联查建议 2 条"
    # only the one found nowhere is left on the 未衔接 list, with the district's answer
    assert page.transition_model.rowCount() == 1
    left = page.transition_model.row(0)
    assert left["name"] == name_of(w, "L2") and "全区各校均未找到" in left["district"]

    junior = ReturnCheckPage(w.junior)
    qtbot.addWidget(junior)
    junior.show()
    panel = junior.return_proposals
    assert panel.select_name(name_of(w, "R2"))
    monkeypatch.setattr(ProposalsPanel, "ask_reason", classmethod(lambda _cls, _parent, _name: "同名儿童，非本校学生"))
    with qtbot.waitSignal(panel.changed, timeout=5000):
        qtbot.mouseClick(panel.reject_button, LEFT)
    rejected = {r.name: r for r in proposals.proposal_rows(w.junior, SEM, [P.RETURNS])}[name_of(w, "R2")]
    assert (rejected.status, rejected.reason, rejected.found_school) == (P.REJECTED, "同名儿童，非本校学生", NINE[1])
    monkeypatch.setattr(ProposalsPanel, "ask_reason", classmethod(lambda _cls, _parent, _name: " "))
    assert panel.select_name(name_of(w, "R1"))
    assert not panel.reject_selected()
    assert messages.texts("error")[-1] == "请填写拒绝的原因（区教委会看到）"

    # the rejection goes back with the junior's next package and shows on the district's 全区联查 page
    send(w.junior, "district", w.district, w.usb)
    semesters.choose_current(w.district, SEM)
    matching_page = MatchingPage(w.district)
    qtbot.addWidget(matching_page)
    assert "已拒绝 1 条" in matching_page.feedback_label.text()
    model = matching_page.rejected_model
    assert model.rowCount() == 1
    shown = [model.index(0, c).data() for c in range(model.columnCount())]
    assert shown[0] == JUNIOR[1] and shown[3] == name_of(w, "R2") and shown[-1] == "同名儿童，非本校学生"
    per_school = matching_page.decision_model  # per school: 待确认, 已接受, 已拒绝, 通知
    rows = {per_school.index(r, 1).data(): [per_school.index(r, c).data() for c in range(3, 7)]
            for r in range(per_school.rowCount())}
    assert rows[JUNIOR[1]] == ["1", "0", "1", "1"]  # R1 waiting, R2 rejected, D1 a notice
    assert rows[PRIMARY[1]] == ["5", "0", "0", "2"]  # its acceptances have not reached the district yet
