"""The registration form screen, filled as a teacher would fill it."""

from __future__ import annotations

import datetime as dt

import pytest
from PySide6.QtCore import QDate, Qt, QTimer
from PySide6.QtWidgets import QApplication
from sqlalchemy import func, select

from database.models import Case, Student
from desktop_app.domain.identity import age_on
from desktop_app.services.store import Store
from desktop_app.ui.form.attempts import AttemptDialog
from desktop_app.ui.form.registration_dialog import RegistrationFormDialog
from desktop_app.ui.main_window import MainWindow
from tests.factories import ID_NUMBER
from tests.helpers.qt import choose, type_into


def fill_attempt_when_shown(qtbot, date: dt.date, people: str, place: str, method: str, result: str) -> None:  # noqa: ANN001
    def fill() -> None:
        dialog = QApplication.activeModalWidget()
        assert isinstance(dialog, AttemptDialog)
        dialog.date_edit.setDate(QDate(date.year, date.month, date.day))
        type_into(qtbot, dialog.people_edit, people)
        type_into(qtbot, dialog.place_edit, place)
        choose(dialog.method_combo, method)
        type_into(qtbot, dialog.result_edit, result)
        qtbot.mouseClick(dialog.buttons.button(dialog.buttons.StandardButton.Ok), Qt.MouseButton.LeftButton)

    QTimer.singleShot(50, fill)


def fill_whole_form(qtbot, d: RegistrationFormDialog) -> None:  # noqa: ANN001
    type_into(qtbot, d.name_edit, "张小明")
    type_into(qtbot, d.id_edit, ID_NUMBER.lower())  # a lower-case x is fine too
    choose(d.ethnic_combo, "土家族")
    choose(d.health_combo, "一般")
    type_into(qtbot, d.student_number_edit, "G" + ID_NUMBER)
    choose(d.grade_combo, "七年级")
    type_into(qtbot, d.guardian1_name_edit, "张大山")
    choose(d.guardian1_relation_combo, "父亲")
    type_into(qtbot, d.guardian1_phone_edit, "138 1234 5678")
    type_into(qtbot, d.guardian2_name_edit, "李秀英")
    choose(d.guardian2_relation_combo, "母亲")
    type_into(qtbot, d.guardian2_phone_edit, "023-44556677")
    for part, value in zip(("township", "detail"), ("米心镇", "青龙村3组12号"), strict=True):
        type_into(qtbot, d.address_edits["hukou"].edits[part], value)
    registry = d.address_edits["registry"].edits
    for part, value in (("province", "重庆市"), ("city", "重庆市"), ("county", "潼南区"), ("township", "米心镇"),
                        ("detail", "米心镇中心小学")):
        type_into(qtbot, registry[part], value)
    qtbot.mouseClick(d.copy_address_button, Qt.MouseButton.LeftButton)
    type_into(qtbot, d.address_edits["residence"].edits["detail"], "青龙村3组12号（随祖母）")
    choose(d.reason_combo, "外出务工")
    type_into(qtbot, d.reason_detail_edit, "随父亲到东莞打工")
    type_into(qtbot, d.family_edit, "父母在外务工，家庭经济困难。")
    d.tabs.setCurrentIndex(1)
    choose(d.result_combo, "未复学")
    type_into(qtbot, d.not_returned_edit, "学生本人不愿返校")
    type_into(qtbot, d.responsible_edit, "王校长")
    type_into(qtbot, d.responsible_phone_edit, "13900001111")
    fill_attempt_when_shown(qtbot, dt.date(2026, 10, 10), "王校长、李老师", "学生家中", "上门家访", "家长同意配合")
    qtbot.mouseClick(d.add_attempt_button, Qt.MouseButton.LeftButton)
    fill_attempt_when_shown(qtbot, dt.date(2026, 10, 20), "镇政府干部", "村委会", "联合劝返", "仍不愿返校")
    qtbot.mouseClick(d.add_attempt_button, Qt.MouseButton.LeftButton)


@pytest.fixture
def window(qtbot, store: Store) -> MainWindow:  # noqa: ANN001
    w = MainWindow(store)
    qtbot.addWidget(w)
    w.show()
    return w


def test_fill_save_close_reopen_from_ledger(qtbot, window: MainWindow, store: Store) -> None:  # noqa: ANN001
    dialog = window.new_case()
    qtbot.addWidget(dialog)
    fill_whole_form(qtbot, dialog)
    # Derived fields are shown, never typed.
    assert dialog.birth_edit.date() == QDate(2013, 5, 17) and not dialog.birth_edit.isEnabled()
    assert dialog.sex_combo.currentText() == "男"
    assert dialog.count_label.text() == "2次" and dialog.started_label.text() == "是"
    with qtbot.waitSignal(dialog.saved, timeout=3000):
        qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert "劝返中" in dialog.status_label.text()  # 联合劝返 needs the written report (案件处理)
    dialog.close()

    window.show_page("台账")
    type_into(qtbot, window.ledger.search_edit, "zxm")
    window.ledger.apply_filters()
    assert window.ledger.model.rowCount() == 1
    index = window.ledger.model.index(0, 0)
    assert index.data() == "张小明"
    rect = window.ledger.view.visualRect(index)
    qtbot.mouseClick(window.ledger.view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    qtbot.mouseDClick(window.ledger.view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    reopened = window.forms[window.ledger.model.case_id(0)]
    qtbot.addWidget(reopened)
    assert reopened.name_edit.text() == "张小明"
    assert reopened.id_edit.text() == ID_NUMBER
    assert reopened.age_label.text() == f"{age_on(dt.date(2013, 5, 17), dt.date.today())}岁"
    assert reopened.ethnic_combo.currentText() == "土家族"
    assert reopened.health_combo.currentText() == "一般"
    assert reopened.grade_combo.currentText() == "七年级"
    assert reopened.guardian1_phone_edit.text() == "13812345678"
    assert reopened.guardian2_relation_combo.currentText() == "母亲"
    assert reopened.address_edits["hukou"].value().detail == "青龙村3组12号"
    assert reopened.address_edits["hukou"].value().county == "潼南区"
    assert reopened.address_edits["registry"].value().detail == "米心镇中心小学"
    assert reopened.address_edits["residence"].value().detail == "青龙村3组12号（随祖母）"
    assert reopened.reason_combo.currentText() == "外出务工"
    assert reopened.reason_detail_edit.text() == "随父亲到东莞打工"
    assert reopened.family_edit.toPlainText() == "父母在外务工，家庭经济困难。"
    assert reopened.result_combo.currentText() == "未复学"
    assert reopened.responsible_edit.text() == "王校长"
    model = reopened.attempts_model
    assert model.rowCount() == 2
    assert [model.index(r, 2).data() for r in range(2)] == ["王校长、李老师", "镇政府干部"]
    assert model.index(1, 6).data() == "是"
    assert not reopened.is_dirty()
    with store.read() as s:
        student = s.execute(select(Student)).scalar_one()
        assert (student.id_number, student.guardian1_phone, student.village) == (ID_NUMBER, "13812345678", "青龙村")


def test_wrong_identity_number_shows_message_and_saves_nothing(qtbot, window: MainWindow, store: Store) -> None:  # noqa: ANN001
    dialog = window.new_case()
    qtbot.addWidget(dialog)
    fill_whole_form(qtbot, dialog)
    wrong = ID_NUMBER[:-1] + ("1" if ID_NUMBER[-1] != "1" else "2")
    type_into(qtbot, dialog.id_edit, wrong)
    type_into(qtbot, dialog.guardian1_phone_edit, "12345")
    with qtbot.assertNotEmitted(dialog.saved):
        qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert "校验码错误" in dialog.errors["id_number"].text()
    assert dialog.errors["id_number"].isVisibleTo(dialog)
    assert "监护人1联系电话" in dialog.errors["guardian1_phone"].text()
    assert dialog.errors["student_number"].text()  # G + the old number no longer matches
    assert "3处" in dialog.banner.text()
    assert dialog.tabs.currentIndex() == 0
    with store.read() as s:
        assert s.scalar(select(func.count()).select_from(Case)) == 0
        assert s.scalar(select(func.count()).select_from(Student)) == 0


def test_closing_with_unsaved_changes_asks(qtbot, window: MainWindow, messages) -> None:  # noqa: ANN001
    dialog = window.new_case()
    qtbot.addWidget(dialog)
    qtbot.mouseClick(dialog.close_button, Qt.MouseButton.LeftButton)  # nothing typed: closes without asking
    assert not dialog.isVisible() and messages.shown == []
    dialog = window.new_case()
    qtbot.addWidget(dialog)
    type_into(qtbot, dialog.name_edit, "李四")
    messages.answer = False
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    assert messages.texts("confirm") and dialog.isVisible()
    messages.answer = True
    qtbot.mouseClick(dialog.close_button, Qt.MouseButton.LeftButton)
    assert not dialog.isVisible()


def test_ctrl_s_saves_the_form(qtbot, window: MainWindow, store: Store) -> None:  # noqa: ANN001
    dialog = window.new_case()
    qtbot.addWidget(dialog)
    fill_whole_form(qtbot, dialog)
    dialog.windowHandle().requestActivate()  # a shortcut only works in the active window
    qtbot.waitUntil(lambda: QApplication.activeWindow() is dialog)
    with qtbot.waitSignal(dialog.saved, timeout=3000):
        qtbot.keyClick(dialog.name_edit, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    with store.read() as s:
        assert s.execute(select(Student.name)).scalars().all() == ["张小明"]
