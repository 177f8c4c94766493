"""移交 on screen: the teacher hands a case over from its 案件处理 tab, the receiving school accepts or sends back
from the ledger, and the district sees the handovers in flight on 全区联查."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from desktop_app.domain import handover as rules
from desktop_app.services import cases, handover, lifecycle
from desktop_app.ui.district.matching_page import MatchingPage
from desktop_app.ui.ledger.page import LedgerPage
from desktop_app.ui.lifecycle import actions
from desktop_app.ui.lifecycle import handover as dialogs
from desktop_app.ui.lifecycle.panel import CaseLifecyclePanel
from tests.factories import full_form
from tests.handover_world import A, B, C, World, a_case, make_world
from tests.helpers.qt import choose, type_into
from tests.sync_helpers import make_district, make_school


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    yield from make_world(tmp_path)


def test_the_handover_dialog_offers_the_district_schools_and_asks_what_is_missing(qtbot, world: World) -> None:  # noqa: ANN001
    dialog = dialogs.HandoverDialog(handover.district_schools(world.a))
    qtbot.addWidget(dialog)
    offered = [dialog.school_combo.itemText(i) for i in range(dialog.school_combo.count())]
    assert any(B[1] in t for t in offered) and any(C[1] in t for t in offered) and not any(A[1] in t for t in offered)
    dialog.reason_combo.setEditText("")
    qtbot.mouseClick(dialog.buttons.button(dialog.buttons.StandardButton.Ok), Qt.MouseButton.LeftButton)
    assert dialog.result() == 0 and "请选择接收学校" in dialog.error_label.text()
    choose(dialog.school_combo, next(t for t in offered if B[1] in t))
    choose(dialog.reason_combo, "家庭搬迁")
    type_into(qtbot, dialog.detail_edit, "随父母搬到双江镇")
    with qtbot.waitSignal(dialog.finished):
        qtbot.mouseClick(dialog.buttons.button(dialog.buttons.StandardButton.Ok), Qt.MouseButton.LeftButton)
    value = dialog.value()
    assert (value.to_code, value.reason, value.detail) == (B[0], "家庭搬迁", "随父母搬到双江镇")


def test_handing_over_from_the_case_panel_then_accepting_at_b_and_seeing_it_at_the_district(
        qtbot, world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, messages,  # noqa: ANN001
        qtmodeltester) -> None:  # noqa: ANN001
    w = world
    case_id = a_case(w, tmp_path)
    panel = CaseLifecyclePanel(w.a)
    qtbot.addWidget(panel)
    panel.set_case(case_id)
    assert panel.handover_button.isEnabled()
    asked: list[list[str]] = []

    def ask(_parent, schools, _previous=None):  # noqa: ANN001, ANN202
        asked.append([s.code for s in schools])
        return rules.Request(B[0], lifecycle.state(w.a, case_id).opened_on, "家庭搬迁", "随父母搬到双江镇")

    monkeypatch.setattr(dialogs.HandoverDialog, "ask", staticmethod(ask))
    with qtbot.waitSignal(panel.changed):
        qtbot.mouseClick(panel.handover_button, Qt.MouseButton.LeftButton)
    assert sorted(asked[0]) == [B[0], C[0]]
    assert "移交中" in panel.steps_label.text() and "移交至：双江镇中心小学" in panel.records_label.text()
    assert not panel.handover_button.isEnabled()  # one handover at a time

    w.round(w.a, w.b)
    ledger = LedgerPage(w.b)
    qtbot.addWidget(ledger)
    assert ledger.incoming_button.isVisibleTo(ledger) and "收到移交 1 件" in ledger.incoming_button.text()
    dialog = ledger.show_incoming()
    qtbot.addWidget(dialog)
    assert dialog.model.rowCount() == 1 and dialog.model.index(0, 0).data() == "张小明"
    qtmodeltester.check(dialog.model)
    with qtbot.waitSignal(dialog.case_accepted) as accepted:
        qtbot.mouseClick(dialog.accept_button, Qt.MouseButton.LeftButton)
    new_case = accepted.args[0]
    assert messages.shown[-1][0] == "info" and dialog.model.rowCount() == 0
    assert not ledger.incoming_button.isVisibleTo(ledger)
    assert any(ledger.model.case_id(r) == new_case for r in range(ledger.model.rowCount()))
    b_panel = CaseLifecyclePanel(w.b)
    qtbot.addWidget(b_panel)
    b_panel.set_case(new_case)
    assert "移交自：米心镇中心小学" in b_panel.records_label.text()

    send_district = MatchingPage(w.district)
    qtbot.addWidget(send_district)
    assert send_district.handover_box.count_label.text() == "移交在途：1 件"
    assert send_district.handover_box.model.rowCount() == 1
    qtmodeltester.check(send_district.handover_box.model)
    column = send_district.school_model.headers.index("移交在途")  # per school: sent by A, waiting at B
    model = send_district.school_model
    assert {model.key(r): model.index(r, column).data() for r in range(model.rowCount())} == \
        {A[0]: "1", B[0]: "1", C[0]: "0"}
    w.round(w.b)
    send_district.refresh()
    assert send_district.handover_box.count_label.text() == "移交在途：0 件"
    send_district.handover_box.in_flight_check.setChecked(False)
    assert send_district.handover_box.model.index(0, 5).data() == "已接收"


def test_sending_a_handover_back_asks_for_the_reason(qtbot, world: World, tmp_path: Path,  # noqa: ANN001
                                                    monkeypatch: pytest.MonkeyPatch, messages) -> None:  # noqa: ANN001
    w = world
    cid = a_case(w, tmp_path)
    handover.request_handover(w.a, cid, rules.Request(B[0], lifecycle.state(w.a, cid).opened_on, "家庭搬迁"))
    w.round(w.a, w.b)
    dialog = dialogs.IncomingHandoversDialog(w.b)
    qtbot.addWidget(dialog)
    reject = dialogs.RejectHandoverDialog("张小明", A[1])
    qtbot.addWidget(reject)
    qtbot.mouseClick(reject.buttons.button(reject.buttons.StandardButton.Ok), Qt.MouseButton.LeftButton)
    assert "请填写退回原因" in reject.error_label.text()
    monkeypatch.setattr(dialogs.RejectHandoverDialog, "ask",
                        staticmethod(lambda *_a: ("该生家庭住址不在本校服务范围", None)))
    with qtbot.waitSignal(dialog.answered):
        qtbot.mouseClick(dialog.reject_button, Qt.MouseButton.LeftButton)
    assert dialog.model.rowCount() == 0 and handover.incoming(w.b) == []
    w.round(w.b)
    w.round(w.a)
    assert lifecycle.state(w.a, cid).status == "联合劝返"  # A's case stayed open
    assert any("被退回：该生家庭住址不在本校服务范围" in line for line in handover.chain_lines(w.a, cid))


def test_without_the_district_list_the_teacher_is_told_where_it_comes_from(qtbot, tmp_path: Path,  # noqa: ANN001
                                                                          messages) -> None:  # noqa: ANN001
    usb = tmp_path / "usb"
    usb.mkdir()
    district = make_district(tmp_path / "district")
    school = make_school(tmp_path / "a", district, *A, usb)
    try:
        case_id = cases.save_form(school, full_form())
        panel = CaseLifecyclePanel(school)
        qtbot.addWidget(panel)
        panel.set_case(case_id)
        qtbot.mouseClick(panel.handover_button, Qt.MouseButton.LeftButton)
        [(kind, title, text)] = messages.shown
        assert (kind, title) == ("error", "不能移交") and "还没有区教委的学校名单" in text
        assert not actions.handover_case(None, district, case_id)  # the district forwards, it does not hand over
        assert messages.shown[-1][2] == "移交由学校办理：区教委转交学校发来的移交"
    finally:
        school.close()
        district.close()


def test_withdrawing_a_handover_from_the_case_panel(qtbot, world: World, tmp_path: Path,  # noqa: ANN001
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """撤回移交 shows only while a handover is in flight; the dialog asks for the reason; after it the case is
    no longer 移交中 and 移交… is offered again."""
    w = world
    case_id = a_case(w, tmp_path)
    panel = CaseLifecyclePanel(w.a)
    qtbot.addWidget(panel)
    panel.set_case(case_id)
    assert not panel.withdraw_button.isVisibleTo(panel)
    handover.request_handover(w.a, case_id, rules.Request(B[0], lifecycle.state(w.a, case_id).opened_on, "家庭搬迁"))
    panel.refresh()
    assert panel.withdraw_button.isVisibleTo(panel) and panel.withdraw_button.isEnabled()

    dialog = dialogs.WithdrawHandoverDialog(handover.in_flight_request(w.a, case_id))
    qtbot.addWidget(dialog)
    qtbot.mouseClick(dialog.buttons.button(dialog.buttons.StandardButton.Ok), Qt.MouseButton.LeftButton)
    assert dialog.result() == 0 and "请填写撤回原因" in dialog.error_label.text()
    type_into(qtbot, dialog.reason_edit, "家长决定暂不搬家")
    with qtbot.waitSignal(dialog.finished):
        qtbot.mouseClick(dialog.buttons.button(dialog.buttons.StandardButton.Ok), Qt.MouseButton.LeftButton)
    assert dialog.value() == "家长决定暂不搬家"

    monkeypatch.setattr(dialogs.WithdrawHandoverDialog, "ask", staticmethod(lambda _p, _line: "家长决定暂不搬家"))
    with qtbot.waitSignal(panel.changed):
        qtbot.mouseClick(panel.withdraw_button, Qt.MouseButton.LeftButton)
    assert "移交中" not in panel.steps_label.text() and "已撤回：家长决定暂不搬家" in panel.records_label.text()
    assert not panel.withdraw_button.isVisibleTo(panel) and panel.handover_button.isEnabled()
    assert handover.in_flight_request(w.a, case_id) == ""
