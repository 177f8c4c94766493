"""特殊学生关爱 and 送教上门 screens, used as a teacher uses them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from PySide6.QtCore import QDate, Qt, QTimer
from PySide6.QtWidgets import QApplication, QDialog
from pytestqt.modeltest import ModelTester
from sqlalchemy import select

from database.care import CareHelper, CareRecord, HomeTeachingSession, StudentTag
from desktop_app.domain.care import DisabilityFile
from desktop_app.domain.identity import make_id_number
from desktop_app.services import care, cases, home_teaching, semesters
from desktop_app.services.store import Store
from desktop_app.ui.care.dialogs import CareRecordDialog, RegisterStudentDialog
from desktop_app.ui.common.pages import Ask
from desktop_app.ui.home_teaching.dialogs import CalendarDialog, PlanDialog, SessionDialog
from desktop_app.ui.main_window import MainWindow
from tests.factories import full_form
from tests.helpers.qt import choose, type_into

CHILD_ID = make_id_number("500223", dt.date(2015, 3, 8), 42)
OK = Qt.MouseButton.LeftButton


def when_shown(kind: type[QDialog], fill: Callable[[QDialog], None]) -> None:
    """Fill the modal dialog of ``kind`` once it is open (it blocks in exec())."""
    def run() -> None:
        dialog = QApplication.activeModalWidget()
        assert isinstance(dialog, kind), dialog
        fill(dialog)

    QTimer.singleShot(50, run)


@pytest.fixture
def window(qtbot, store: Store) -> MainWindow:  # noqa: ANN001
    w = MainWindow(store)
    qtbot.addWidget(w)
    w.show()
    return w


def test_register_tag_assign_helper_and_log_care(qtbot, window: MainWindow, store: Store) -> None:  # noqa: ANN001
    window.show_page("特殊学生关爱")
    page = window.care_page
    ModelTester(None).check(page.model)

    # 家庭困难 without its kind and no guardian: refused with messages, the dialog stays open; then corrected.
    def register_badly(d: RegisterStudentDialog) -> None:
        type_into(qtbot, d.name_edit, "刘小芳")
        type_into(qtbot, d.id_edit, CHILD_ID)
        d.tags.checks["家庭困难"].setChecked(True)
        qtbot.mouseClick(d.buttons.button(d.buttons.StandardButton.Ok), OK)
        assert "家庭困难须选择类别" in d.errors["tags"].text()
        assert "监护人姓名不能为空" in d.errors["guardian_name"].text()
        type_into(qtbot, d.guardian_edit, "刘大海")
        type_into(qtbot, d.phone_edit, "13912345678")
        choose(d.tags.hardship_combo, "监测户")
        qtbot.mouseClick(d.buttons.button(d.buttons.StandardButton.Ok), OK)

    when_shown(RegisterStudentDialog, register_badly)
    qtbot.mouseClick(page.register_button, OK)
    assert page.model.rowCount() == 1
    assert page.model.row(0)["tags"] == "家庭困难（监测户）"
    assert page.student_label.text().startswith("刘小芳")

    # Tag: add 留守儿童 and 学习困难.
    page.tag_picker.checks["留守儿童"].setChecked(True)
    page.tag_picker.checks["学习困难"].setChecked(True)
    qtbot.mouseClick(page.save_tags_button, OK)
    assert page.model.row(0)["tags"] == "家庭困难（监测户）、留守儿童、学习困难"

    # Helper: a wrong phone is refused on the screen, then the right one is saved.
    type_into(qtbot, page.helper_name_edit, "王老师")
    type_into(qtbot, page.helper_phone_edit, "1380000")
    qtbot.mouseClick(page.assign_button, OK)
    assert "帮扶责任人电话" in page.helper_error.text()
    type_into(qtbot, page.helper_phone_edit, "13800001111")
    qtbot.mouseClick(page.assign_button, OK)
    assert page.helper_label.text().startswith("王老师（13800001111")
    assert page.model.row(0)["helper"] == "王老师"

    # A care record through its dialog.
    page.tabs.setCurrentIndex(1)

    def record(d: CareRecordDialog) -> None:
        assert d.people_edit.text() == "王老师"  # the helper is suggested
        d.date_edit.setDate(QDate(2026, 11, 20))
        choose(d.kind_combo, "家访")
        type_into(qtbot, d.notes_edit, "到家中了解学习情况，祖父身体尚好")
        qtbot.mouseClick(d.buttons.button(d.buttons.StandardButton.Ok), OK)

    when_shown(CareRecordDialog, record)
    qtbot.mouseClick(page.add_record_button, OK)
    assert page.records_model.rowCount() == 1
    assert page.records_model.data(page.records_model.index(0, 1)) == "家访"
    assert page.model.row(0)["care_count"] == 1
    ModelTester(None).check(page.records_model)

    with store.read() as s:
        assert sorted(t.tag for t in s.execute(select(StudentTag)).scalars()) == ["学习困难", "家庭困难", "留守儿童"]
        helper = s.execute(select(CareHelper)).scalar_one()
        assert (helper.teacher_name, helper.phone, helper.end_date) == ("王老师", "13800001111", None)
        rec = s.execute(select(CareRecord)).scalar_one()
        assert (rec.record_date, rec.kind, rec.people) == (dt.date(2026, 11, 20), "家访", "王老师")

    # Reopened, the page shows the same.
    window.care_page.deleteLater()
    from desktop_app.ui.care.page import CarePage

    again = CarePage(store)
    qtbot.addWidget(again)
    assert again.select_student(page.student_id or "")
    assert again.tag_picker.checks["学习困难"].isChecked() and again.records_model.rowCount() == 1


def test_the_case_form_shows_the_students_tags(qtbot, window: MainWindow, store: Store) -> None:  # noqa: ANN001
    case_id = cases.save_form(store, full_form())
    dialog = window.open_case(case_id)
    assert dialog.care_tags_label.isHidden()
    dialog.close()
    qtbot.waitUntil(lambda: case_id not in window.forms)
    form = cases.load_form(store, case_id)
    care.set_tags(store, form.student_id or "", [care.Tag("留守儿童"), care.Tag("有外出打工倾向")])
    dialog = window.open_case(case_id)
    assert dialog.care_tags_label.text() == "特殊学生类别：留守儿童、有外出打工倾向"
    assert dialog.care_tags_label.isVisibleTo(dialog)
    dialog.close()


def test_plan_sessions_and_the_compliance_view(qtbot, window: MainWindow, store: Store,  # noqa: ANN001
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    sid = care.register_student(store, care.NewStudent("陈小宇", CHILD_ID, "陈国强", "父亲", "13700001234"),
                                [care.Tag("身体残疾")])
    care.save_disability(store, sid, DisabilityFile("多重", "一级", "", "送教上门", dt.date(2026, 9, 1), True))
    semesters.set_dates(store, "2026秋", dt.date(2026, 9, 1), dt.date(2027, 1, 22))
    window.show_page("送教上门")
    page = window.home_teaching_page
    page.semester_combo.setCurrentText("2026秋")

    # The calendar: propose the official holidays; 2027 is unknown and the screen says so.
    def calendar(d: CalendarDialog) -> None:
        qtbot.mouseClick(d.propose_button, OK)
        assert "不知道2027年的法定节假日安排" in d.info_label.text()
        assert d.model.rowCount() == 8
        d.reject()

    when_shown(CalendarDialog, calendar)
    qtbot.mouseClick(page.calendar_button, OK)
    assert "2027年" in page.calendar_warning.text() and page.calendar_warning.isVisibleTo(page)

    def plan(d: PlanDialog) -> None:
        assert d.child_combo.currentText().startswith("陈小宇（送教上门")
        type_into(qtbot, d.teachers_edit, "王老师、李老师")
        type_into(qtbot, d.content_edit, "生活语文、康复训练")
        choose(d.weekday_combo, "星期一")
        d.start_edit.setDate(QDate(2026, 9, 1))
        qtbot.mouseClick(d.buttons.button(d.buttons.StandardButton.Ok), OK)

    when_shown(PlanDialog, plan)
    qtbot.mouseClick(page.new_plan_button, OK)
    assert page.plans_model.rowCount() == 1
    ModelTester(None).check(page.plans_model)
    assert page.weeks_model.data(page.weeks_model.index(0, 2)) == "未送教"
    # 国庆: the Monday of 5 October is moved to Thursday 8 October.
    week6 = page.weeks_model.row(5)
    assert week6["planned_day"] == "10-08 星期四"
    failed_before = page.plans_model.row(0)["failed_weeks"]
    summary_before = page.summary_label.text()

    def log(day: dt.date, hours: int) -> Callable[[QDialog], None]:
        def fill(d: QDialog) -> None:
            assert isinstance(d, SessionDialog)
            d.date_edit.setDate(QDate(day.year, day.month, day.day))
            d.hours_spin.setValue(hours)
            choose(d.form_combo, "送文化")
            type_into(qtbot, d.content_edit, "认识数字1-10")
            d.confirmed_check.setChecked(True)
            type_into(qtbot, d.guardian_edit, "陈国强")
            qtbot.mouseClick(d.buttons.button(d.buttons.StandardButton.Ok), OK)
        return fill

    page.tabs.setCurrentIndex(0)
    page.weeks_view.selectRow(0)
    when_shown(SessionDialog, log(dt.date(2026, 9, 1), 2))
    qtbot.mouseClick(page.log_button, OK)
    assert page.weeks_model.data(page.weeks_model.index(0, 2)) == "达标"
    assert page.plans_model.row(0)["failed_weeks"] == failed_before - 1
    assert page.summary_label.text() != summary_before

    when_shown(SessionDialog, log(dt.date(2026, 9, 8), 1))  # a short visit
    qtbot.mouseClick(page.log_button, OK)
    assert page.weeks_model.data(page.weeks_model.index(1, 2)) == "学时不足"
    assert page.plans_model.row(0)["failed_weeks"] == failed_before - 1

    # The reason for the short week.
    page.weeks_view.selectRow(1)
    monkeypatch.setattr(Ask, "text", staticmethod(lambda *_a, **_k: "学生身体不适，提前结束"))
    qtbot.mouseClick(page.reason_button, OK)
    assert page.weeks_model.data(page.weeks_model.index(1, 5)) == "学生身体不适，提前结束"
    assert page.plans_model.row(0)["unexplained"] == failed_before - 2

    # A province asking only one class hour a visit: the short week becomes met.
    page.min_hours_spin.setValue(1)
    qtbot.mouseClick(page.save_minimum_button, OK)
    assert page.weeks_model.data(page.weeks_model.index(1, 2)) == "达标"
    assert home_teaching.minimum(store).hours == 1

    with store.read() as s:
        logged = s.execute(select(HomeTeachingSession).order_by(HomeTeachingSession.session_date)).scalars().all()
        assert [(r.session_date, r.class_hours, r.guardian_name) for r in logged] == [
            (dt.date(2026, 9, 1), 2, "陈国强"), (dt.date(2026, 9, 8), 1, "陈国强")]
    assert home_teaching.plan_compliance(store, page.plan_id or "").weeks[1].reason == "学生身体不适，提前结束"


def test_exports_run_off_the_gui_thread_and_report(qtbot, window: MainWindow, store: Store,  # noqa: ANN001
                                                   monkeypatch: pytest.MonkeyPatch, messages, tmp_path) -> None:  # noqa: ANN001
    sid = care.register_student(store, care.NewStudent("陈小宇", CHILD_ID, "陈国强", "父亲", "13700001234"),
                                [care.Tag("身体残疾")])
    care.save_disability(store, sid, DisabilityFile("多重", "一级", "", "送教上门", dt.date(2026, 9, 1), True))
    plan_id = home_teaching.save_plan(store, home_teaching.PlanEntry(sid, "2026秋", "王老师", "生活语文", weekday=1,
                                                                    start_date=dt.date(2026, 9, 1)))
    target = tmp_path / "名册.xlsx"
    monkeypatch.setattr(Ask, "save_path", staticmethod(lambda *_a: target))
    window.show_page("特殊学生关爱")
    worker = window.care_page.export_register()
    assert worker is not None
    qtbot.waitUntil(lambda: bool(messages.texts("info")), timeout=10000)
    assert target.exists() and "已导出1人" in messages.texts("info")[0]

    pdf = tmp_path / "档案.pdf"
    monkeypatch.setattr(Ask, "save_path", staticmethod(lambda *_a: pdf))
    window.show_page("送教上门")
    page = window.home_teaching_page
    page.semester_combo.setCurrentText("2026秋")
    assert page.select_plan(plan_id)
    assert page.school_label.text().startswith("全校：送教学生1人")
    qtbot.mouseClick(page.pdf_button, OK)
    qtbot.waitUntil(lambda: len(messages.texts("info")) == 2, timeout=10000)
    assert pdf.read_bytes().startswith(b"%PDF") and "送教档案已保存" in messages.texts("info")[1]
