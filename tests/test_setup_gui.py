"""First-run set-up, 设置, and loading demonstration data from the GUI."""

from __future__ import annotations

from PySide6.QtCore import Qt

from desktop_app.services import cases
from desktop_app.services.store import Store
from desktop_app.ui.main_window import MainWindow
from desktop_app.ui.setup_dialog import SetupDialog
from tests.helpers.qt import type_into


def test_first_run_setup_as_a_school(qtbot, empty_store: Store) -> None:  # noqa: ANN001
    dialog = SetupDialog(empty_store)
    qtbot.addWidget(dialog)
    form = dialog.unit_form
    type_into(qtbot, form.edits["name"], "潼南区古溪镇中心小学")
    type_into(qtbot, form.edits["code"], "21500")  # too short
    ok = dialog.buttons.button(dialog.buttons.StandardButton.Ok)
    qtbot.mouseClick(ok, Qt.MouseButton.LeftButton)
    assert "10位数字" in form.errors["code"].text()
    assert empty_store.installation() is None
    type_into(qtbot, form.edits["code"], "2150022310")
    type_into(qtbot, form.edits["township_centre"], "古溪教管中心")
    type_into(qtbot, form.edits["contact_name"], "刘老师")
    type_into(qtbot, form.edits["contact_phone"], "13800001234")
    type_into(qtbot, dialog.admin.user_edit, "liu")
    type_into(qtbot, dialog.admin.password_edit, "Guxi2026!")
    type_into(qtbot, dialog.admin.again_edit, "Guxi2026!")
    with qtbot.waitSignal(dialog.finished, timeout=2000):
        qtbot.mouseClick(ok, Qt.MouseButton.LeftButton)
    assert dialog.result() == SetupDialog.DialogCode.Accepted
    inst = empty_store.installation()
    assert (inst.kind, inst.name, inst.code, inst.contact_phone) == ("school", "潼南区古溪镇中心小学", "2150022310",
                                                                      "13800001234")


def test_first_run_setup_as_the_district(qtbot, empty_store: Store) -> None:  # noqa: ANN001
    dialog = SetupDialog(empty_store)
    qtbot.addWidget(dialog)
    dialog.unit_form.district_radio.click()
    assert dialog.unit_form.code_caption.text() == "区县代码"
    township = (dialog.unit_form.edits["township_centre"], dialog.unit_form.township_caption)
    assert not any(w.isVisibleTo(dialog) for w in township)  # a district office has no township centre
    dialog.unit_form.school_radio.click()
    assert all(w.isVisibleTo(dialog) for w in township)
    dialog.unit_form.district_radio.click()
    type_into(qtbot, dialog.unit_form.edits["name"], "潼南区教委")
    type_into(qtbot, dialog.unit_form.edits["code"], "500152")
    type_into(qtbot, dialog.admin.user_edit, "admin")
    type_into(qtbot, dialog.admin.password_edit, "Tongnan2026!")
    type_into(qtbot, dialog.admin.again_edit, "Tongnan2026!")
    qtbot.mouseClick(dialog.buttons.button(dialog.buttons.StandardButton.Ok), Qt.MouseButton.LeftButton)
    assert empty_store.installation().kind == "district"


def test_settings_page_edits_the_unit(qtbot, store: Store) -> None:  # noqa: ANN001
    window = MainWindow(store)
    qtbot.addWidget(window)
    window.show_page("设置")
    page = window.settings_page
    type_into(qtbot, page.unit_form.edits["contact_phone"], "bad")
    qtbot.mouseClick(page.save_button, Qt.MouseButton.LeftButton)
    assert "格式不对" in page.unit_form.errors["contact_phone"].text()
    assert store.installation().contact_phone == "023-44551234"
    type_into(qtbot, page.unit_form.edits["contact_phone"], "023-44559999")
    qtbot.mouseClick(page.save_button, Qt.MouseButton.LeftButton)
    assert page.saved_label.text() == "已保存"
    assert store.installation().contact_phone == "023-44559999"
    assert store.verify().ok


def test_load_demo_data_from_the_menu(qtbot, store: Store, messages) -> None:  # noqa: ANN001
    window = MainWindow(store)
    qtbot.addWidget(window)
    window.show()
    worker = window.load_demo(40)
    with qtbot.waitSignal(worker.signals.finished, timeout=20000):
        pass
    qtbot.waitUntil(lambda: "40" in window.overview.open_button.text() or window.ledger.model.total == 40)
    assert cases.ledger_count(store, cases.LedgerQuery()) == 40
    assert window.ledger.model.total == 40


def test_cancelled_demo_loading_leaves_nothing(qtbot, store: Store) -> None:  # noqa: ANN001
    window = MainWindow(store)
    qtbot.addWidget(window)
    window.show()
    worker = window.load_demo(400)
    worker.cancel()
    with qtbot.waitSignal(worker.signals.cancelled, timeout=20000):
        pass
    assert cases.ledger_count(store, cases.LedgerQuery()) == 0
    assert store.verify().ok


def test_standard_buttons_speak_chinese(qapp) -> None:  # noqa: ANN001
    from PySide6.QtCore import QCoreApplication

    from desktop_app.ui.app import install_translations

    install_translations(qapp)
    assert QCoreApplication.translate("QPlatformTheme", "Cancel") == "取消"
