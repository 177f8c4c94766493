"""A demonstration case taken through its whole lifecycle on screen, as a school officer does it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import pytest
from PySide6.QtCore import QDate, QPoint, Qt, QTimer
from PySide6.QtWidgets import QApplication, QDialog
from sqlalchemy import func, select

from database.lifecycle import CaseClosing
from database.models import AuditEntry, Case
from desktop_app.domain.lifecycle import Closing
from desktop_app.services import demo, lifecycle
from desktop_app.services.store import Store
from desktop_app.ui.form.attempts import AttemptDialog
from desktop_app.ui.lifecycle import dialogs
from desktop_app.ui.lifecycle.evidence import EvidencePicker
from desktop_app.ui.main_window import MainWindow
from tests.helpers.qt import choose, type_into

TODAY = dt.date.today()


def when_shown(qtbot, cls: type[QDialog], fill: Callable[[QDialog], None], *, ok: bool = True) -> None:  # noqa: ANN001
    """Fill the modal dialog of type ``cls`` when it opens, then press OK (or Cancel)."""

    def act() -> None:
        dialog = QApplication.activeModalWidget()
        assert isinstance(dialog, cls), dialog
        fill(dialog)
        box = dialog.buttons  # type: ignore[attr-defined]
        button = box.button(box.StandardButton.Ok if ok else box.StandardButton.Cancel)
        qtbot.mouseClick(button, Qt.MouseButton.LeftButton)

    QTimer.singleShot(50, act)


def click(qtbot, button) -> None:  # noqa: ANN001
    assert button.isEnabled(), button.text()
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def qdate(d: dt.date) -> QDate:
    return QDate(d.year, d.month, d.day)


def todo_kinds(window: MainWindow, case_id: str) -> list[str]:
    window.overview.refresh()
    return [i.kind for i in window.overview.todo_model.items() if i.target == ("case", case_id)]


def db_status(store: Store, case_id: str) -> str:
    with store.read() as s:
        return s.get(Case, case_id).status


@pytest.fixture
def window(qtbot, store: Store) -> MainWindow:  # noqa: ANN001
    demo.load(store, 30, seed=11)
    w = MainWindow(store)
    qtbot.addWidget(w)
    w.show()
    return w


def test_demo_case_through_the_whole_lifecycle(qtbot, window: MainWindow, store: Store, messages,  # noqa: ANN001
                                               tmp_path: Path, qtmodeltester) -> None:
    # A suspected demonstration case, opened more than three days ago, without any attempt.
    window.show_ledger("疑似辍学")
    ledger = window.ledger
    rows = [r for r in range(ledger.model.rowCount())
            if ledger.model.index(r, 9).data() <= f"{TODAY - dt.timedelta(days=4):%Y-%m-%d}"]
    case_id = ledger.model.case_id(rows[0])
    window.overview.refresh()
    open_before = window.overview.data.open_count
    deferred_before = window.overview.data.by_status["缓学跟踪"]
    assert window.overview.open_count_text() == f"未销号案件：{open_before} 件"
    assert todo_kinds(window, case_id) == ["未及时劝返"]

    # Three joint persuasion attempts logged in the form.
    form = window.open_case(case_id)
    qtbot.addWidget(form)
    form.tabs.setCurrentIndex(1)
    for days in (3, 2, 1):
        def fill(d: AttemptDialog, days: int = days) -> None:
            d.date_edit.setDate(qdate(TODAY - dt.timedelta(days=days)))
            type_into(qtbot, d.people_edit, "镇政府干部、李老师")
            type_into(qtbot, d.place_edit, "村委会")
            choose(d.method_combo, "联合劝返")
            type_into(qtbot, d.result_edit, "学生仍不愿返校")
        when_shown(qtbot, AttemptDialog, fill)
        click(qtbot, form.add_attempt_button)
    assert form.count_label.text() == "3次"
    with qtbot.waitSignal(form.saved, timeout=3000):
        click(qtbot, form.save_button)
    assert "劝返中" in form.status_label.text()
    # Persuasion has started, so the form's 劝返结果 is now required for the printed form.
    assert todo_kinds(window, case_id) == ["表格未填完", "可申请缓学"]
    choose(form.result_combo, "未复学")
    type_into(qtbot, form.not_returned_edit, "学生本人不愿返校")
    with qtbot.waitSignal(form.saved, timeout=3000):
        click(qtbot, form.save_button)
    assert todo_kinds(window, case_id) == ["可申请缓学"]

    # 案件处理: the written report to the township government.
    form.tabs.setCurrentIndex(2)
    panel = form.lifecycle_panel
    assert "符合" in panel.eligibility_label.text() and "3次" in panel.eligibility_label.text()

    def report(d: dialogs.JointReportDialog) -> None:
        d.date_edit.setDate(qdate(TODAY))
        assert d.to_edit.text().endswith("党委政府")
    when_shown(qtbot, dialogs.JointReportDialog, report)
    click(qtbot, panel.report_button)
    assert db_status(store, case_id) == "联合劝返"
    assert "联合劝返" in form.status_label.text() and not panel.report_button.isEnabled()

    # N-11: the application, then the district leading group's approval.
    when_shown(qtbot, dialogs.ApplicationDialog, lambda d: choose(d.kind_combo, "休学"))
    click(qtbot, panel.apply_button)
    assert "待区领导小组审批" in panel.records_label.text()
    assert todo_kinds(window, case_id) == []

    def approve(d: dialogs.DecisionDialog) -> None:
        d.date_edit.setDate(qdate(TODAY))
        type_into(qtbot, d.number_edit, "潼扶组〔2026〕12号")
    when_shown(qtbot, dialogs.DecisionDialog, approve)
    click(qtbot, panel.decide_button)
    assert form.deferral_check.isChecked() and form.deferral_doc_edit.text() == "潼扶组〔2026〕12号"
    assert not form.deferral_check.isEnabled()  # filled from the approval, not typed

    # Refused: closing as 已复学 without a return date shows the message and changes nothing.
    with store.read() as s:
        history_before = s.scalar(select(func.count()).select_from(AuditEntry))

    def returned_without_date(d: dialogs.ClosingDialog) -> None:
        choose(d.reason_combo, "已复学")
        choose(d.grade_combo, "七年级")
        type_into(qtbot, d.class_edit, "2班")
        choose(d.placement_combo, "随班就读")
        QTimer.singleShot(0, lambda: when_shown(qtbot, dialogs.ClosingDialog, check_offered_again, ok=False))

    def check_offered_again(d: dialogs.ClosingDialog) -> None:
        assert d.reason_combo.currentText() == "已复学" and d.class_edit.text() == "2班"

    when_shown(qtbot, dialogs.ClosingDialog, returned_without_date)
    click(qtbot, panel.close_case_button)
    assert messages.texts("error") == ["以“已复学”销号须填写复学日期"]
    assert db_status(store, case_id) == "联合劝返"
    with store.read() as s:
        assert s.scalar(select(func.count()).select_from(AuditEntry)) == history_before
        assert s.scalar(select(func.count()).select_from(CaseClosing).where(CaseClosing.case_id == case_id)) == 0
    assert "联合劝返" in form.status_label.text()

    # Closed as deferred: no longer open, counted separately, still followed up.
    when_shown(qtbot, dialogs.ClosingDialog, lambda d: choose(d.reason_combo, "延缓入学/休学"))
    click(qtbot, panel.close_case_button)
    assert db_status(store, case_id) == "缓学跟踪"
    window.overview.refresh()
    assert window.overview.data.open_count == open_before - 1
    assert window.overview.deferred_button.text() == f"缓学跟踪\n{deferred_before + 1}"
    assert form.add_attempt_button.isEnabled() and panel.reopen_button.isEnabled()

    # Evidence: a scan of the approval, shown as a thumbnail.
    scan = tmp_path / "批复.png"
    scan.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 32)
    EvidencePicker.ask = staticmethod(lambda _parent: [str(scan)])  # type: ignore[method-assign]
    try:
        click(qtbot, panel.attach_button)
    finally:
        del EvidencePicker.ask
    assert panel.evidence_model.rowCount() == 1
    assert panel.evidence_model.index(0).data() == "批复.png"
    qtmodeltester.check(panel.evidence_model)

    # Reopened with a reason: back to joint persuasion and counted again.
    def reopen(d: dialogs.ReopenDialog) -> None:
        type_into(qtbot, d.reason_edit, "休学期满仍未返校")
    when_shown(qtbot, dialogs.ReopenDialog, reopen)
    click(qtbot, panel.reopen_button)
    assert db_status(store, case_id) == "联合劝返"
    window.overview.refresh()
    assert window.overview.data.open_count == open_before
    assert window.overview.open_count_text() == f"未销号案件：{open_before} 件"

    # The history tells the whole story in plain Chinese.
    history = panel.show_history()
    qtbot.addWidget(history)
    lines = [(history.model.index(r, 3).data(), history.model.index(r, 4).data(), history.model.index(r, 5).data())
             for r in range(history.model.rowCount())]
    statuses = [(old, new) for what, old, new in lines if what == "状态"]
    assert statuses == [("疑似辍学", "劝返中"), ("劝返中", "联合劝返"), ("联合劝返", "缓学跟踪"),
                        ("缓学跟踪", "联合劝返")]
    assert ("重新立案原因", "", "休学期满仍未返校") in lines
    click(qtbot, history.verify_button)  # the check runs off the GUI thread, in its own window
    from desktop_app.ui.verify_dialog import VerifyDialog

    check = history.findChild(VerifyDialog)
    qtbot.waitUntil(lambda: check.close_button.isEnabled(), timeout=20000)
    assert check.status.text().startswith("校验通过")
    check.close()
    assert lifecycle.state(store, case_id).closings[0].endswith("重新立案：休学期满仍未返校")


def test_ledger_saved_views_and_figures(qtbot, window: MainWindow, store: Store) -> None:  # noqa: ANN001
    ledger = window.ledger
    ledger.show_view("辍学学生台账")
    statuses = {ledger.model.index(r, 6).data() for r in range(ledger.model.rowCount())}
    assert statuses and statuses <= {"劝返中", "联合劝返", "缓学跟踪"}
    ledger.show_view("疑似辍学学生台账")
    assert ledger.model.total == 30
    # A figure of the overview opens the ledger behind it.
    overview = window.overview
    overview.refresh()
    overview.show_group("grade", 0)
    grade, count = overview.data.by_grade[0]
    assert window.stack.currentWidget() is ledger
    assert ledger.model.total == count
    assert {ledger.model.index(r, 3).data() for r in range(ledger.model.rowCount())} == {grade}
    assert grade in ledger.filter_label.text()
    click(qtbot, ledger.clear_filter_button)
    assert ledger.model.total == 30


def test_figures_and_chart_open_the_ledger_behind_them(qtbot, window: MainWindow) -> None:  # noqa: ANN001
    overview = window.overview
    overview.refresh()
    month, new, _closed = overview.data.trend[-3]
    rect = overview.chart._plot_rect()
    x = rect.left() + int(rect.width() / 12 * 9.5)
    assert overview.chart.month_at(x) == month
    qtbot.mouseClick(overview.chart, Qt.MouseButton.LeftButton, pos=QPoint(x, rect.center().y()))
    assert window.ledger.model.total == new
    assert month.replace("-", "年") + "月新增" in window.ledger.filter_label.text()
    click(qtbot, overview.period_buttons["closed_semester"])
    assert window.ledger.model.total == overview.data.closed_semester


def test_ledger_context_menu_closes_a_case(qtbot, window: MainWindow, store: Store,  # noqa: ANN001
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    ledger = window.ledger
    ledger.show_statuses("劝返中")
    case_id = ledger.model.case_id(0)
    total = ledger.model.total
    menu = ledger.context_actions(0)
    labels = {a.text(): a.isEnabled() for a in menu.actions() if a.text()}
    assert labels["销号…"] and not labels["重新立案…"] and not labels["登记区领导小组审批…"]
    monkeypatch.setattr(dialogs.ClosingDialog, "ask", classmethod(
        lambda cls, parent, previous=None: Closing("转学", TODAY, school="双江中学", registry_migrated=True)))
    next(a for a in menu.actions() if a.text() == "销号…").trigger()
    assert db_status(store, case_id) == "已销号"
    assert ledger.model.total == total - 1
    assert window.overview.open_count_text() == f"未销号案件：{window.overview.data.open_count} 件"


def test_models_pass_the_model_tester(qtmodeltester, window: MainWindow, store: Store) -> None:  # noqa: ANN001
    window.overview.refresh()
    qtmodeltester.check(window.overview.todo_model)
    qtmodeltester.check(window.overview.group_models["township"])
    window.show_ledger("联合劝返")
    case_id = window.ledger.model.case_id(0)
    from desktop_app.services import case_history
    from desktop_app.ui.lifecycle.history import HistoryModel

    qtmodeltester.check(HistoryModel(case_history.case_history(store, case_id)))
