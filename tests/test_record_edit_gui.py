"""Correcting a care record, an aid record and a home-teaching visit on the screen, as a teacher does."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from PySide6.QtCore import QDate, Qt, QTimer
from PySide6.QtWidgets import QApplication, QDialog, QTableView

from database.care import AidRecord, CareRecord, HomeTeachingSession
from desktop_app.domain.care import CareEntry, DisabilityFile, Tag
from desktop_app.domain.home_teaching import SessionEntry
from desktop_app.domain.identity import make_id_number
from desktop_app.domain.roles import Role
from desktop_app.services import accounts, care, home_teaching, semesters
from desktop_app.services.store import Store
from desktop_app.ui.care import page as care_page
from desktop_app.ui.care.dialogs import AidDialog, CareRecordDialog
from desktop_app.ui.care.page import CarePage
from desktop_app.ui.common.pages import selected_row
from desktop_app.ui.home_teaching.dialogs import SessionDialog
from desktop_app.ui.home_teaching.page import HomeTeachingPage
from tests.helpers.qt import choose, type_into
from tests.test_permissions_wiring import PASSWORD

D = dt.date
CHILD_ID = make_id_number("500223", D(2014, 6, 1), 71)
LEFT = Qt.MouseButton.LeftButton


def when_shown(kind: type[QDialog], fill: Callable[[QDialog], None]) -> list[QDialog]:
    """Fill the modal dialog of ``kind`` once it is open; a failing check closes it so the test ends."""
    seen: list[QDialog] = []

    def run() -> None:
        dialog = QApplication.activeModalWidget()
        assert isinstance(dialog, kind), dialog
        seen.append(dialog)
        try:
            fill(dialog)
        finally:
            if dialog.isVisible() and dialog.result() != QDialog.DialogCode.Accepted:
                dialog.reject()

    QTimer.singleShot(50, run)
    return seen


def ok(qtbot, dialog: QDialog) -> None:  # noqa: ANN001
    buttons = dialog.buttons  # type: ignore[attr-defined]
    qtbot.mouseClick(buttons.button(buttons.StandardButton.Ok), LEFT)


def double_click(qtbot, view: QTableView, row: int) -> None:  # noqa: ANN001
    rect = view.visualRect(view.model().index(row, 0))
    qtbot.mouseClick(view.viewport(), LEFT, pos=rect.center())
    qtbot.mouseDClick(view.viewport(), LEFT, pos=rect.center())


def child(store: Store) -> str:
    return care.register_student(store, care.NewStudent("陈小宇", CHILD_ID, "陈国强", "父亲", "13700001234"),
                                 [Tag("身体残疾")])


@pytest.fixture
def care_screen(qtbot, store: Store) -> tuple[CarePage, str]:  # noqa: ANN001
    sid = child(store)
    care.add_care_record(store, sid, CareEntry(D(2026, 11, 2), "电话联系", "询问近况", "王老师"))
    care.add_care_record(store, sid, CareEntry(D(2026, 10, 9), "家访", "了解学习情况", "王老师"))
    care.add_aid(store, sid, "2026秋", "生活补助", "800")
    page = CarePage(store)
    qtbot.addWidget(page)
    page.resize(1300, 700)
    page.show()
    assert page.select_student(sid)
    return page, sid


def test_correct_a_care_record_with_the_add_dialog_filled(qtbot, care_screen, store: Store) -> None:  # noqa: ANN001
    page, _sid = care_screen
    page.tabs.setCurrentIndex(1)
    assert not page.edit_record_button.isEnabled()  # nothing selected
    page.records_view.selectRow(1)  # 10-09 家访
    assert page.edit_record_button.isEnabled()
    record_id = page.records_model.row(1)["id"]

    def correct(d: QDialog) -> None:
        assert isinstance(d, CareRecordDialog)
        assert d.windowTitle() == "修改关爱记录"
        assert (d.kind_combo.currentText(), d.people_edit.text(), d.notes_edit.toPlainText()) == (
            "家访", "王老师", "了解学习情况")
        assert d.date_edit.date() == QDate(2026, 10, 9)
        d.date_edit.setDate(QDate(2026, 11, 5))  # the date was mistyped
        type_into(qtbot, d.notes_edit, "了解学习和生活情况，祖父身体尚好")
        type_into(qtbot, d.people_edit, "王老师、李老师")
        ok(qtbot, d)

    when_shown(CareRecordDialog, correct)
    qtbot.mouseClick(page.edit_record_button, LEFT)
    # Newest first: the corrected record moved to the top and is still the selected one.
    row = selected_row(page.records_view)
    assert row == 0 and page.records_model.row(0)["id"] == record_id
    assert [page.records_model.data(page.records_model.index(0, c)) for c in range(4)] == [
        "2026-11-05", "家访", "王老师、李老师", "了解学习和生活情况，祖父身体尚好"]
    assert page.model.row(0)["last_care"] == D(2026, 11, 5)
    with store.read() as s:
        rec = s.get(CareRecord, record_id)
        assert rec is not None
        assert (rec.record_date, rec.people, rec.notes, rec.version) == (
            D(2026, 11, 5), "王老师、李老师", "了解学习和生活情况，祖父身体尚好", 2)


def test_a_refused_correction_keeps_the_dialog_open(qtbot, care_screen, store: Store,  # noqa: ANN001
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    page, _sid = care_screen
    page.tabs.setCurrentIndex(1)
    page.records_view.selectRow(0)
    record_id = page.records_model.row(0)["id"]
    care.void_care_record(store, record_id, "记错学生")  # voided meanwhile (another window)

    def refused(d: QDialog) -> None:
        assert isinstance(d, CareRecordDialog)
        type_into(qtbot, d.notes_edit, "询问近况和身体情况")
        ok(qtbot, d)
        assert d.isVisible() and "关爱记录已作废，不能修改" in d.error_label.text()

    shown = when_shown(CareRecordDialog, refused)
    qtbot.mouseClick(page.edit_record_button, LEFT)
    assert shown and shown[0].result() == QDialog.DialogCode.Rejected
    page.refresh()
    page.records_view.selectRow(0)
    assert page.records_model.row(0)["voided"] and not page.edit_record_button.isEnabled()
    opened: list[object] = []
    monkeypatch.setattr(care_page.CareRecordDialog, "ask", classmethod(lambda *a, **k: opened.append(a)))
    double_click(qtbot, page.records_view, 0)  # a voided record does not open
    assert opened == []
    with store.read() as s:
        rec = s.get(CareRecord, record_id)
        assert rec is not None and rec.notes == "询问近况"


def test_correct_an_aid_record_by_double_click(qtbot, care_screen, store: Store) -> None:  # noqa: ANN001
    page, _sid = care_screen
    page.tabs.setCurrentIndex(2)
    assert not page.edit_aid_button.isEnabled()
    aid_id = page.aid_model.row(0)["id"]

    def correct(d: QDialog) -> None:
        assert isinstance(d, AidDialog)
        assert d.windowTitle() == "修改资助记录"
        assert (d.semester_combo.currentText(), d.kind_combo.currentText(), d.amount_edit.text()) == (
            "2026秋", "生活补助", "800.00")
        type_into(qtbot, d.amount_edit, "一千二")
        ok(qtbot, d)
        assert d.isVisible() and "不是数字" in d.errors["amount"].text()
        type_into(qtbot, d.amount_edit, "1200")
        choose(d.kind_combo, "临时困难救助")
        type_into(qtbot, d.notes_edit, "住院期间")
        ok(qtbot, d)

    when_shown(AidDialog, correct)
    double_click(qtbot, page.aid_view, 0)
    assert selected_row(page.aid_view) == 0 and page.aid_model.row(0)["id"] == aid_id
    assert [page.aid_model.data(page.aid_model.index(0, c)) for c in range(4)] == [
        "2026秋", "临时困难救助", "1200.00", "住院期间"]
    with store.read() as s:
        aid = s.get(AidRecord, aid_id)
        assert aid is not None and (aid.kind, aid.amount_fen, aid.notes) == ("临时困难救助", 120000, "住院期间")


def test_read_only_accounts_see_no_edit(qtbot, store: Store) -> None:  # noqa: ANN001
    sid = child(store)
    care.add_care_record(store, sid, CareEntry(D(2026, 11, 2), "电话联系", "询问近况", "王老师"))
    accounts.create_account(store, "admin", PASSWORD, Role.ADMIN, display_name="周老师")
    accounts.create_account(store, "ro", PASSWORD, Role.READONLY, display_name="王主任")
    accounts.sign_in(store, "ro", PASSWORD)
    page = CarePage(store)
    qtbot.addWidget(page)
    assert page.select_student(sid)
    page.records_view.selectRow(0)
    assert selected_row(page.records_view) == 0 and not page.edit_record_button.isEnabled()
    # nor anything else that changes records: the buttons say so before the service would refuse
    for button in (page.void_record_button, page.add_record_button, page.add_aid_button, page.save_tags_button,
                   page.assign_button, page.save_file_button, page.save_plan_button, page.register_button):
        assert not button.isEnabled(), button.text()


def test_read_only_accounts_cannot_log_or_void_visits(qtbot, teaching_screen, store: Store) -> None:  # noqa: ANN001
    page, _plan_id = teaching_screen
    page.sessions_view.selectRow(0)
    assert page.log_button.isEnabled() and page.void_session_button.isEnabled()  # the set-up's administrator
    accounts.create_account(store, "admin", PASSWORD, Role.ADMIN, display_name="周老师")
    accounts.create_account(store, "ro", PASSWORD, Role.READONLY, display_name="王主任")
    accounts.sign_in(store, "ro", PASSWORD)
    page.refresh()  # as the main window does after a sign-in
    page.sessions_view.selectRow(0)
    for button in (page.log_button, page.edit_session_button, page.void_session_button, page.new_plan_button,
                   page.reason_button, page.edit_plan_button, page.contact_button):
        assert not button.isEnabled(), button.text()


@pytest.fixture
def teaching_screen(qtbot, store: Store) -> tuple[HomeTeachingPage, str]:  # noqa: ANN001
    sid = child(store)
    care.save_disability(store, sid, DisabilityFile("多重", "一级", "", "送教上门", D(2026, 9, 1), True))
    semesters.set_dates(store, "2026秋", D(2026, 9, 1), D(2027, 1, 22))
    plan_id = home_teaching.save_plan(store, home_teaching.PlanEntry(sid, "2026秋", "王老师", "生活语文", weekday=1,
                                                                    start_date=D(2026, 9, 1)))
    home_teaching.log_session(store, plan_id, SessionEntry(D(2026, 9, 2), 1, "送文化", "王老师", "认识数字1-10",
                                                           True, "陈国强"))
    page = HomeTeachingPage(store)
    qtbot.addWidget(page)
    page.resize(1300, 700)
    page.show()
    page.semester_combo.setCurrentText("2026秋")
    assert page.select_plan(plan_id)
    page.tabs.setCurrentIndex(1)
    return page, plan_id


def test_correct_a_visit_and_the_weeks_follow(qtbot, teaching_screen, store: Store) -> None:  # noqa: ANN001
    page, _plan_id = teaching_screen
    assert page.weeks_model.row(0)["status"] == "学时不足"
    assert not page.edit_session_button.isEnabled()
    page.sessions_view.selectRow(0)
    visit_id = page.sessions_model.row(0)["id"]

    def correct(d: QDialog) -> None:
        assert isinstance(d, SessionDialog)
        assert d.windowTitle() == "修改送教记录"
        assert (d.hours_spin.value(), d.form_combo.currentText(), d.content_edit.toPlainText(),
                d.guardian_edit.text(), d.confirmed_check.isChecked()) == (1, "送文化", "认识数字1-10", "陈国强", True)
        d.date_edit.setDate(QDate(2026, 8, 28))  # in the summer break: refused, the dialog stays open
        ok(qtbot, d)
        assert d.isVisible() and "送教日期不在学期2026秋" in d.error_label.text()
        d.date_edit.setDate(QDate(2026, 9, 1))
        d.hours_spin.setValue(2)
        type_into(qtbot, d.content_edit, "认识数字1-20")
        ok(qtbot, d)

    when_shown(SessionDialog, correct)
    qtbot.mouseClick(page.edit_session_button, LEFT)
    assert selected_row(page.sessions_view) == 0 and page.sessions_model.row(0)["id"] == visit_id
    assert [page.sessions_model.data(page.sessions_model.index(0, c)) for c in range(5)] == [
        "2026-09-01", "2", "送文化", "王老师", "认识数字1-20"]
    assert page.weeks_model.row(0)["status"] == "达标"
    with store.read() as s:
        row = s.get(HomeTeachingSession, visit_id)
        assert row is not None and (row.session_date, row.class_hours, row.content) == (D(2026, 9, 1), 2,
                                                                                         "认识数字1-20")


def test_a_voided_visit_cannot_be_opened_for_correction(qtbot, teaching_screen, store: Store,  # noqa: ANN001
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    page, _plan_id = teaching_screen
    home_teaching.void_session(store, page.sessions_model.row(0)["id"], "日期记错")
    page.refresh()
    page.sessions_view.selectRow(0)
    assert page.sessions_model.row(0)["voided"] and not page.edit_session_button.isEnabled()
    opened: list[object] = []
    monkeypatch.setattr(SessionDialog, "ask", classmethod(lambda *a, **k: opened.append(a)))
    double_click(qtbot, page.sessions_view, 0)
    assert opened == []


def test_a_new_visit_refused_keeps_what_was_typed(qtbot, teaching_screen, store: Store) -> None:  # noqa: ANN001
    """Logging a visit dated in the summer break: the refusal shows in the dialog, which stays open with
    what the teacher typed; with the date fixed it saves."""
    page, plan_id = teaching_screen
    before = len(home_teaching.sessions(store, plan_id))

    def log(d: QDialog) -> None:
        assert isinstance(d, SessionDialog) and d.windowTitle() == "送教记录"
        d.date_edit.setDate(QDate(2026, 8, 28))
        type_into(qtbot, d.content_edit, "穿衣训练")
        ok(qtbot, d)
        assert d.isVisible() and "送教日期不在学期2026秋" in d.error_label.text()
        assert d.content_edit.toPlainText() == "穿衣训练"  # nothing typed is lost
        d.date_edit.setDate(QDate(2026, 9, 8))
        ok(qtbot, d)

    shown = when_shown(SessionDialog, log)
    qtbot.mouseClick(page.log_button, LEFT)
    assert shown and shown[0].result() == QDialog.DialogCode.Accepted
    visits = home_teaching.sessions(store, plan_id)
    assert len(visits) == before + 1
    assert any(v["session_date"] == D(2026, 9, 8) and v["content"] == "穿衣训练" for v in visits)


def test_add_aid_with_a_note_from_the_row_under_the_list(qtbot, care_screen, store: Store) -> None:  # noqa: ANN001
    """The aid row: a wrong amount is refused beside the row and nothing is added; with the amount and a
    note typed, 添加 adds the record, shows it, and clears the row for the next one."""
    page, sid = care_screen
    page.tabs.setCurrentIndex(2)
    choose(page.aid_kind_combo, "营养改善计划")
    type_into(qtbot, page.aid_amount_edit, "五百")
    qtbot.mouseClick(page.add_aid_button, LEFT)
    assert "不是数字" in page.aid_error.text() and page.aid_model.rowCount() == 1
    page.aid_amount_edit.clear()
    type_into(qtbot, page.aid_amount_edit, "500")
    type_into(qtbot, page.aid_notes_edit, "秋季学期第一批")
    qtbot.mouseClick(page.add_aid_button, LEFT)
    rows = [[page.aid_model.data(page.aid_model.index(r, c)) for c in range(4)] for r in range(page.aid_model.rowCount())]
    assert [page.aid_semester_combo.currentText(), "营养改善计划", "500.00", "秋季学期第一批"] in rows
    assert page.aid_amount_edit.text() == "" and page.aid_notes_edit.text() == "" and page.aid_error.text() == ""
    assert any(a["notes"] == "秋季学期第一批" and a["kind"] == "营养改善计划" for a in care.aid_records(store, sid))
