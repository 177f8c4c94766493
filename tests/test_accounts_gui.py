"""Screens: sign-in, set-up with the first administrator, idle lock and unlock, the wait after
wrong passwords, accounts page (add, reset), backup and restore from 设置."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialogButtonBox
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from database.models import AuditEntry
from desktop_app.domain.roles import Role
from desktop_app.services import accounts, backup, cases, demo
from desktop_app.services.store import Store
from desktop_app.ui.accounts.dialogs import PassphraseDialog, SignInDialog
from desktop_app.ui.main_window import MainWindow
from desktop_app.ui.settings.backup_box import FileChooser
from desktop_app.ui.setup_dialog import SetupDialog
from tests.conftest import MessageLog
from tests.helpers.accounts import sign_in_admin
from tests.helpers.qt import type_into

PASSWORD = "Mixin2026!"


@pytest.fixture
def signed_in(store: Store) -> Store:
    accounts.create_account(store, "admin", PASSWORD, Role.ADMIN, display_name="周老师")
    accounts.create_account(store, "li", PASSWORD, Role.TEACHER, display_name="李老师")
    accounts.sign_in(store, "admin", PASSWORD)
    return store


@pytest.fixture
def window(qtbot: QtBot, signed_in: Store) -> Iterator[MainWindow]:
    w = MainWindow(signed_in)
    qtbot.addWidget(w)
    w.show()
    yield w
    w.window_lock.stop()


def click_ok(qtbot: QtBot, buttons: QDialogButtonBox) -> None:
    qtbot.mouseClick(buttons.button(QDialogButtonBox.StandardButton.Ok), Qt.MouseButton.LeftButton)


def test_sign_in_dialog_wrong_then_right_password(qtbot: QtBot, signed_in: Store) -> None:
    dialog = SignInDialog(signed_in)
    qtbot.addWidget(dialog)
    type_into(qtbot, dialog.form.user_edit, "li")
    type_into(qtbot, dialog.form.password_edit, "wrong-password")
    click_ok(qtbot, dialog.buttons)
    assert dialog.result() != SignInDialog.DialogCode.Accepted
    assert "用户名或密码不正确" in dialog.form.message.text()
    assert signed_in.user == "admin"
    type_into(qtbot, dialog.form.password_edit, PASSWORD)
    with qtbot.waitSignal(dialog.accepted, timeout=2000):
        click_ok(qtbot, dialog.buttons)
    assert signed_in.user == "li" and signed_in.account.role == Role.TEACHER


def test_five_wrong_passwords_disable_the_field_and_count_down(qtbot: QtBot, signed_in: Store) -> None:
    dialog = SignInDialog(signed_in, None, "li")
    qtbot.addWidget(dialog)
    for _ in range(5):
        type_into(qtbot, dialog.form.password_edit, "wrong-password")
        click_ok(qtbot, dialog.buttons)
    assert "30秒后再试" in dialog.form.message.text()
    assert not dialog.form.password_edit.isEnabled() and dialog.form.waiting
    qtbot.waitUntil(lambda: "29秒" in dialog.form.message.text(), timeout=2500)


def test_setup_dialog_creates_the_unit_and_its_administrator(qtbot: QtBot, empty_store: Store) -> None:
    dialog = SetupDialog(empty_store)
    qtbot.addWidget(dialog)
    type_into(qtbot, dialog.unit_form.edits["name"], "米心镇中心小学")
    type_into(qtbot, dialog.unit_form.edits["code"], "2150022302")
    type_into(qtbot, dialog.admin.user_edit, "zhou")
    type_into(qtbot, dialog.admin.password_edit, "short")
    type_into(qtbot, dialog.admin.again_edit, "short")
    click_ok(qtbot, dialog.buttons)
    assert "至少8位" in dialog.other_errors.text() and empty_store.installation() is None
    type_into(qtbot, dialog.admin.password_edit, PASSWORD)
    type_into(qtbot, dialog.admin.again_edit, PASSWORD)
    with qtbot.waitSignal(dialog.accepted, timeout=2000):
        click_ok(qtbot, dialog.buttons)
    assert empty_store.installation().name == "米心镇中心小学"
    assert empty_store.user == "zhou" and empty_store.account.role == Role.ADMIN


def test_idle_window_locks_and_unlocks_with_the_password(qtbot: QtBot, window: MainWindow,
                                                         signed_in: Store) -> None:
    lock = window.window_lock
    lock.watcher.set_interval_ms(150)
    lock.watcher.start()
    form = window.new_case()
    with qtbot.waitSignal(lock.locked, timeout=3000):
        pass
    assert lock.overlay.isVisible() and not form.isVisible()
    assert not window.new_action.isEnabled()  # no shortcut reaches the ledger while locked
    type_into(qtbot, lock.overlay.form.password_edit, "wrong-password")
    qtbot.mouseClick(lock.overlay.unlock_button, Qt.MouseButton.LeftButton)
    assert lock.is_locked and "不正确" in lock.overlay.form.message.text()
    type_into(qtbot, lock.overlay.form.password_edit, PASSWORD)
    with qtbot.waitSignal(lock.unlocked, timeout=2000):
        qtbot.mouseClick(lock.overlay.unlock_button, Qt.MouseButton.LeftButton)
    assert not lock.is_locked and form.isVisible() and window.new_action.isEnabled()
    form.close()


def test_activity_keeps_the_window_unlocked(qtbot: QtBot, window: MainWindow) -> None:
    lock = window.window_lock
    lock.watcher.set_interval_ms(400)
    lock.watcher.start()
    for _ in range(6):
        qtbot.wait(150)
        qtbot.keyClick(window.ledger, Qt.Key.Key_Shift)
    assert not lock.is_locked


def test_another_user_may_sign_in_at_the_lock(qtbot: QtBot, window: MainWindow, signed_in: Store) -> None:
    window.lock()
    type_into(qtbot, window.window_lock.overlay.form.user_edit, "li")
    type_into(qtbot, window.window_lock.overlay.form.password_edit, PASSWORD)
    qtbot.mouseClick(window.window_lock.overlay.unlock_button, Qt.MouseButton.LeftButton)
    assert signed_in.user == "li" and "李老师" in window.user_label.text()
    window.show_page("账户")
    assert not window.accounts_page.add_button.isEnabled()


def test_accounts_page_adds_an_account_and_resets_a_password(qtbot: QtBot, window: MainWindow,
                                                            signed_in: Store, messages: MessageLog) -> None:
    window.show_page("账户")
    page = window.accounts_page
    assert page.model.rowCount() == 3  # the set-up's 周老师, admin and li
    dialog = page.add_account()
    type_into(qtbot, dialog.user_edit, "wang")
    type_into(qtbot, dialog.display_edit, "王老师")
    type_into(qtbot, dialog.password_edit, PASSWORD)
    type_into(qtbot, dialog.again_edit, PASSWORD)
    with qtbot.waitSignal(dialog.accepted, timeout=2000):
        click_ok(qtbot, dialog.buttons)
    assert page.model.rowCount() == 4
    assert accounts.get_account(signed_in, "wang").role == Role.TEACHER
    row = next(r for r in range(page.model.rowCount()) if page.model.account(r).user_name == "wang")
    page.view.selectRow(row)
    reset = page.reset_selected()
    type_into(qtbot, reset.password_edit, "Temporary2026")
    type_into(qtbot, reset.again_edit, "Temporary2026")
    with qtbot.waitSignal(reset.accepted, timeout=2000):
        click_ok(qtbot, reset.buttons)
    assert "已重置" in messages.texts("info")[-1]
    assert "待改密码" in page.model.index(row, 5).data()
    with signed_in.read() as session:
        event = session.execute(select(AuditEntry).where(AuditEntry.field == "密码重置")).scalar_one()
    assert event.user == "admin" and "wang" in (event.new_value or "")


def test_backup_to_a_folder_and_restore_from_settings(qtbot: QtBot, window: MainWindow, signed_in: Store,
                                                      tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                      messages: MessageLog) -> None:
    demo.load(signed_in, 6)
    usb = tmp_path / "usb"
    usb.mkdir()
    monkeypatch.setattr(FileChooser, "folder", staticmethod(lambda *_a: usb))
    monkeypatch.setattr(PassphraseDialog, "ask", classmethod(lambda *_a, **_k: "u盘备份密码2026"))
    box = window.settings_page.backup_box
    worker = box.ask_backup_encrypted()
    assert worker is not None
    qtbot.waitUntil(lambda: any("已写入并核对" in t for t in messages.texts("info")), timeout=10000)
    (file,) = usb.glob("*.bxbak")
    demo.load(signed_in, 4)
    assert cases.ledger_count(signed_in, cases.LedgerQuery()) == 10
    monkeypatch.setattr(FileChooser, "open_file", staticmethod(lambda *_a: file))
    with qtbot.waitSignal(box.restored, timeout=10000):
        box.ask_restore()
    assert any("6件案件" in t for t in messages.texts("confirm"))
    assert cases.ledger_count(signed_in, cases.LedgerQuery()) == 6
    assert window.window_lock.is_locked  # sign in again after a restore
    assert any(b.reason == backup.BEFORE_RESTORE for b in backup.list_local(backup.backups_dir(signed_in)))


def test_read_only_role_sees_a_masked_form_it_cannot_save(qtbot: QtBot, window: MainWindow, signed_in: Store) -> None:
    from tests.factories import ID_NUMBER, full_form

    case_id = cases.save_form(signed_in, full_form())
    accounts.create_account(signed_in, "viewer", PASSWORD, Role.READONLY)
    accounts.sign_in(signed_in, "viewer", PASSWORD)
    window.account_changed()
    assert not window.new_action.isEnabled() and not window.demo_action.isEnabled()
    dialog = window.open_case(case_id)
    assert dialog.id_edit.text() == ID_NUMBER[:4] + "*" * 10 + ID_NUMBER[-4:]
    assert dialog.guardian1_phone_edit.text() == "138****5678" and dialog.id_edit.isReadOnly()
    assert not dialog.save_button.isVisible()
    dialog.close()
    # the ledger masks numbers for everyone
    window.show_page("台账")
    model = window.ledger.model
    phones = [model.index(r, 10).data() for r in range(model.rowCount())]
    assert phones == ["138****5678"]


def test_demo_start_signs_in_the_demo_administrator(qtbot: QtBot, empty_store: Store,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    from desktop_app.ui import app

    assert app.sign_in_at_start(empty_store, demo_start=True)
    assert empty_store.user == "admin" and cases.ledger_count(empty_store, cases.LedgerQuery()) == 80
    # a later --demo start shows the sign-in with the demo account filled in
    asked: list[tuple[str, str]] = []

    def ask(_cls, store: Store, _parent: object, user: str = "", password: str = "") -> bool:  # noqa: ANN001
        asked.append((user, password))
        accounts.sign_in(store, user, password)
        return True

    monkeypatch.setattr(SignInDialog, "ask", classmethod(ask))
    assert app.sign_in_at_start(empty_store, demo_start=True)
    assert asked == [("admin", "baoxue-demo")]


def test_district_demo_start_builds_schools_and_signs_in(qtbot: QtBot, empty_store: Store,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """``baoxue --demo-district`` on an empty folder: the demonstration district office, its schools'
    packages imported (two schools here, for speed), the administrator signed in."""
    from desktop_app.services import demo_district, district
    from desktop_app.ui import app

    monkeypatch.setattr(demo_district, "SCHOOLS", demo_district.SCHOOLS[:2])
    assert app.sign_in_at_start(empty_store, demo_district=True)
    assert empty_store.installation().kind == "district" and empty_store.user == "admin"
    figures = district.school_figures(empty_store)
    assert len(figures) == 2 and all(f.open_cases > 0 for f in figures)


def test_the_demo_menu_at_a_district_adds_schools_not_cases(qtbot: QtBot, empty_store: Store, messages,  # noqa: ANN001
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    """文件 → 载入演示数据… at the district office: demonstration schools with their packages (one here, for
    speed), built on a worker thread; the district's own ledger gets no cases of its own."""
    from desktop_app.services import demo_district, district, installation

    monkeypatch.setattr(demo_district, "SCHOOLS", demo_district.SCHOOLS[:1])
    installation.setup(empty_store, demo_district.DEMO_DISTRICT)
    sign_in_admin(empty_store, "督导员")  # a store without an account may load nothing
    window = MainWindow(empty_store)
    qtbot.addWidget(window)
    with qtbot.waitSignal(window.overview.refreshed, timeout=20000):
        window.show()
    window.ask_load_demo()
    assert "演示学校" in messages.texts("confirm")[-1]
    qtbot.waitUntil(lambda: "已载入演示学校 1 所" in window.statusBar().currentMessage(), timeout=30000)
    [school] = district.school_figures(empty_store)
    assert school.open_cases > 0 and school.last_package_at is not None
    assert all(r["school"] != "本单位" for r in district.ledger_page(empty_store, cases.LedgerQuery(), limit=10_000))


def test_assign_students_to_a_teacher(qtbot: QtBot, window: MainWindow, signed_in: Store,
                                      messages: MessageLog, qtmodeltester) -> None:  # noqa: ANN001
    demo.load(signed_in, 5)
    accounts.create_account(signed_in, "zhao", PASSWORD, Role.TEACHER, all_students=False)
    window.show_page("账户")
    page = window.accounts_page
    page.view.selectRow(0)  # admin: not a limited teacher
    assert page.assign_selected() is None and "教师账户" in messages.texts("info")[-1]
    row = next(r for r in range(page.model.rowCount()) if page.model.account(r).user_name == "zhao")
    page.view.selectRow(row)
    dialog = page.assign_selected()
    qtmodeltester.check(dialog.model)
    qtmodeltester.check(page.model)
    assert dialog.model.rowCount() == 5
    first = dialog.model.index(0, 0)
    assert dialog.model.setData(first, Qt.CheckState.Checked.value, Qt.ItemDataRole.CheckStateRole)
    with qtbot.waitSignal(dialog.accepted, timeout=2000):
        click_ok(qtbot, dialog.buttons)
    assigned = accounts.assigned_student_ids(signed_in, "zhao")
    assert len(assigned) == 1


def test_export_reason_dialog(qtbot: QtBot, signed_in: Store) -> None:
    from desktop_app.ui.accounts.dialogs import ExportReasonDialog

    dialog = ExportReasonDialog(signed_in, "台账Excel")
    qtbot.addWidget(dialog)
    dialog.show()
    click_ok(qtbot, dialog.buttons)
    assert "导出原因" in dialog.errors.text() and dialog.result() != ExportReasonDialog.DialogCode.Accepted
    assert dialog.full_numbers.isVisible()  # an administrator may choose full numbers
    type_into(qtbot, dialog.reason_edit, "上报区教委")
    with qtbot.waitSignal(dialog.accepted, timeout=2000):
        click_ok(qtbot, dialog.buttons)
    accounts.sign_in(signed_in, "li", PASSWORD)
    teacher = ExportReasonDialog(signed_in, "台账Excel")
    qtbot.addWidget(teacher)
    teacher.show()
    assert not teacher.full_numbers.isVisible()
