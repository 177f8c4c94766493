"""The 缓学审批 tab of 区教委督导, used as a district officer would."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QDate, Qt, QTimer
from PySide6.QtWidgets import QApplication
from sqlalchemy import select

from database.lifecycle import DeferralDecision
from database.models import Case
from desktop_app.domain.roles import Role
from desktop_app.services import accounts, district
from desktop_app.ui.district.page import ApprovalDialog, SupervisionPage
from desktop_app.ui.main_window import MainWindow
from tests.conftest import MessageLog
from tests.helpers.qt import type_into
from tests.test_district_approvals import DOC, PASSWORD, TODAY, Offices, offices  # noqa: F401 - the fixture

LEFT = Qt.MouseButton.LeftButton


def when_shown(fill: Callable[[ApprovalDialog], None]) -> None:
    """Fill the approval dialog once it is open (it blocks in exec())."""
    def run() -> None:
        dialog = QApplication.activeModalWidget()
        assert isinstance(dialog, ApprovalDialog), dialog
        try:
            fill(dialog)
        finally:  # a failed check must not leave the dialog blocking the test
            if dialog.isVisible():
                dialog.reject()

    QTimer.singleShot(50, run)


def approvals(qtbot, dist_offices: Offices) -> SupervisionPage:  # noqa: ANN001
    window = MainWindow(dist_offices.dist)
    qtbot.addWidget(window)
    window.show()
    window.show_page("区教委督导")
    sup = window.supervision
    assert sup is not None
    sup.tabs.setCurrentWidget(sup.approvals_tab)
    return sup


def column(sup: SupervisionPage, col: int) -> list[str]:
    return [sup.approval_model.index(r, col).data() for r in range(sup.approval_model.rowCount())]


def test_officer_approves_a_pending_application_in_the_dialog(qtbot, offices: Offices,  # noqa: ANN001, F811
                                                              qtmodeltester) -> None:  # noqa: ANN001
    sup = approvals(qtbot, offices)
    qtmodeltester.check(sup.approval_model)
    assert sup.tabs.tabText(sup.tabs.indexOf(sup.approvals_tab)) == "缓学审批（2）"
    assert sup.pending_only_check.isChecked()
    assert column(sup, 3) == ["王小芳", "张小明"]
    assert column(sup, 1) == ["双江镇中心小学", "米心镇中心小学"]
    assert not sup.approve_app_button.isEnabled()  # nothing selected yet
    sup.approval_view.selectRow(1)
    assert "已有法院判决且监护人已履行法定义务" in sup.approval_detail.toPlainText()
    assert "米心镇人民政府于2026-10-28申请" in sup.approval_detail.toPlainText()
    assert sup.approve_app_button.isEnabled() and sup.refuse_app_button.isEnabled()

    seen: list[str] = []

    def fill(d: ApprovalDialog) -> None:
        seen.append(d.summary_label.text())
        assert d.approve_radio.isChecked()
        d.date_edit.setDate(QDate(2026, 11, 2))
        qtbot.mouseClick(d.buttons.button(d.buttons.StandardButton.Ok), LEFT)  # no document number
        assert d.isVisible()
        assert d.error_label.text() == "同意的批复须填写批准文号"
        type_into(qtbot, d.document_edit, DOC)
        type_into(qtbot, d.note_edit, "同意延缓入学一年")
        qtbot.mouseClick(d.buttons.button(d.buttons.StandardButton.Ok), LEFT)

    when_shown(fill)
    qtbot.mouseClick(sup.approve_app_button, LEFT)
    assert "张小明" in seen[0] and "米心镇中心小学" in seen[0] and "延缓入学" in seen[0]
    assert column(sup, 3) == ["王小芳"]  # only the pending ones are listed
    assert "张小明" in sup.approval_status_label.text() and "已批准" in sup.approval_status_label.text()
    assert "将随下一次数据包发回学校" in sup.approval_status_label.text()
    assert sup.tabs.tabText(sup.tabs.indexOf(sup.approvals_tab)) == "缓学审批（1）"
    qtbot.mouseClick(sup.pending_only_check, LEFT, pos=sup.pending_only_check.rect().center())
    assert not sup.pending_only_check.isChecked()
    assert column(sup, 3) == ["王小芳", "张小明"]
    assert [sup.approval_model.index(1, c).data() for c in (0, 8, 9)] == ["已批准", "2026-11-02", DOC]
    sup.approval_view.selectRow(1)
    assert not sup.approve_app_button.isEnabled()  # decided: nothing more to decide
    assert "同意延缓入学一年" in sup.approval_detail.toPlainText()
    with offices.dist.read() as session:
        decision = session.execute(select(DeferralDecision)).scalar_one()
        assert (decision.application_id, decision.approved, decision.document_number, decision.note) == (
            offices.applied, True, DOC, "同意延缓入学一年")
        assert session.get(Case, decision.case_id).deferral_document == DOC


def test_refusal_started_from_the_button_and_cancelled_changes_nothing(qtbot, offices: Offices) -> None:  # noqa: ANN001, F811
    sup = approvals(qtbot, offices)
    sup.approval_view.selectRow(0)

    def cancel(d: ApprovalDialog) -> None:
        assert d.refuse_radio.isChecked()
        assert "王小芳" in d.summary_label.text()
        d.reject()

    when_shown(cancel)
    qtbot.mouseClick(sup.refuse_app_button, LEFT)
    assert len(district.deferral_applications(offices.dist, pending_only=True)) == 2
    assert sup.approval_status_label.text() == ""


def test_show_application_selects_its_row_even_when_decided(qtbot, offices: Offices,  # noqa: ANN001, F811
                                                            messages: MessageLog) -> None:
    sup = approvals(qtbot, offices)
    sup.tabs.setCurrentIndex(0)
    assert sup.show_application(offices.applied)
    assert sup.tabs.currentWidget() is sup.approvals_tab
    assert sup.selected_application()["application_id"] == offices.applied
    assert sup.pending_only_check.isChecked()
    district.decide_application(offices.dist, offices.later, False, TODAY, "", today=TODAY)
    assert sup.show_application(offices.later)  # decided since: the filter is taken off to show it
    assert not sup.pending_only_check.isChecked()
    assert sup.selected_application()["application_id"] == offices.later
    assert sup.approval_model.index(sup.approval_view.currentIndex().row(), 0).data() == "不批准"
    assert not sup.show_application(offices.voided)
    assert messages.texts("error") == ["此申请不存在或已被学校作废"]


def test_a_supervisor_sees_the_applications_but_may_not_decide(qtbot, offices: Offices) -> None:  # noqa: ANN001, F811
    accounts.create_account(offices.dist, "admin", PASSWORD, Role.DISTRICT_ADMIN, display_name="刘科长")
    accounts.create_account(offices.dist, "du", PASSWORD, Role.SUPERVISOR, display_name="陈督学")
    accounts.sign_in(offices.dist, "du", PASSWORD)
    sup = approvals(qtbot, offices)
    assert sup.approval_model.rowCount() == 2
    sup.approval_view.selectRow(0)
    assert "王小芳" in sup.approval_detail.toPlainText()
    assert not sup.approve_app_button.isEnabled() and not sup.refuse_app_button.isEnabled()
    assert "无权" in sup.approve_app_button.toolTip()


def test_a_pending_application_on_the_overview_opens_in_the_approvals_tab(qtbot, offices: Offices,  # noqa: ANN001, F811
                                                                          ) -> None:
    """The district's 待办 lists each application awaiting a decision; double-clicking one shows it, selected,
    in 区教委督导 → 缓学审批."""
    window = MainWindow(offices.dist)
    qtbot.addWidget(window)
    window.show()
    window.overview.refresh(TODAY)
    model = window.overview.todo_model
    row = next(r for r in range(model.rowCount()) if model.item(r).target == ("approval", offices.later))
    assert model.item(row).kind == "缓学审批" and "王小芳" in model.item(row).title
    window.overview.open_todo(row)
    sup = window.supervision
    assert sup is not None and window.stack.currentWidget() is sup and sup.tabs.currentWidget() is sup.approvals_tab
    selected = sup.selected_application()
    assert selected is not None and selected["application_id"] == offices.later and selected["name"] == "王小芳"
