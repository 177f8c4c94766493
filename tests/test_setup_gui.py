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


def _fill_district(qtbot, dialog: SetupDialog) -> None:  # noqa: ANN001
    dialog.unit_form.district_radio.click()
    type_into(qtbot, dialog.unit_form.edits["name"], "潼南区教委")
    type_into(qtbot, dialog.unit_form.edits["code"], "500152")
    type_into(qtbot, dialog.admin.user_edit, "admin")
    type_into(qtbot, dialog.admin.password_edit, "Tongnan2026!")
    type_into(qtbot, dialog.admin.again_edit, "Tongnan2026!")


def test_the_district_sets_up_on_a_database_server_and_a_second_pc_joins(  # noqa: ANN001
        qtbot, tmp_path, pg_cluster, pg_url) -> None:
    from sqlalchemy import make_url

    from desktop_app.services import accounts, encryption, server

    url = make_url(pg_url)
    first = Store.open(tmp_path / "pc1", user="admin")
    dialog = SetupDialog(first)
    qtbot.addWidget(dialog)
    assert not dialog.server.isVisibleTo(dialog)  # a school keeps its file: no choice shown
    _fill_district(qtbot, dialog)
    assert dialog.server.isVisibleTo(dialog) and not dialog.server.details.isVisibleTo(dialog)
    dialog.server.server_radio.click()
    ok = dialog.buttons.button(dialog.buttons.StandardButton.Ok)
    qtbot.mouseClick(ok, Qt.MouseButton.LeftButton)  # no server address: refused in one line, nothing changed
    assert "请填写数据库服务器地址" in dialog.other_errors.text()
    assert not first.is_server and first.installation() is None
    type_into(qtbot, dialog.server.host_edit, str(url.query["host"]))  # the test cluster's socket folder
    dialog.server.database_edit.clear()
    type_into(qtbot, dialog.server.database_edit, str(url.database))
    type_into(qtbot, dialog.server.user_edit, "baoxue")
    with qtbot.waitSignal(dialog.finished, timeout=20000):
        qtbot.mouseClick(ok, Qt.MouseButton.LeftButton)
    assert dialog.result() == SetupDialog.DialogCode.Accepted and not dialog.joined
    assert first.is_server and first.installation().kind == "district"
    assert not (tmp_path / "pc1" / "baoxue.sqlite3").exists()  # the empty file made at start is gone
    assert server.is_configured(tmp_path / "pc1")
    first.close()
    # the next start of PC 1 opens the server with the account's password
    again = encryption.unlock(tmp_path / "pc1", "admin", "Tongnan2026!")
    assert again.is_server and again.installation().name == "潼南区教委"
    again.close()
    # a second PC: the same server; the office's set-up is kept and its accounts sign in
    second = Store.open(tmp_path / "pc2", user="admin")
    dialog2 = SetupDialog(second)
    qtbot.addWidget(dialog2)
    _fill_district(qtbot, dialog2)
    dialog2.server.server_radio.click()
    type_into(qtbot, dialog2.server.host_edit, str(url.query["host"]))
    dialog2.server.database_edit.clear()
    type_into(qtbot, dialog2.server.database_edit, str(url.database))
    type_into(qtbot, dialog2.server.user_edit, "baoxue")
    with qtbot.waitSignal(dialog2.finished, timeout=20000):
        qtbot.mouseClick(dialog2.buttons.button(dialog2.buttons.StandardButton.Ok), Qt.MouseButton.LeftButton)
    assert dialog2.joined and second.is_server
    second.act_as(accounts.sign_in(second, "admin", "Tongnan2026!"))
    assert accounts.list_accounts(second)[0].user_name == "admin"
    second.close()
