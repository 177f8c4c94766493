"""The sign-in that unlocks the encrypted store, 忘记密码/无法打开 → 使用恢复密钥, a new recovery key on the
accounts page, and 关于 saying the store is encrypted."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QDialogButtonBox, QWidget
from pytestqt.qtbot import QtBot

from desktop_app.domain.roles import Role
from desktop_app.services import accounts, encryption, installation, keyslots
from desktop_app.services.store import Store
from desktop_app.ui import app
from desktop_app.ui.accounts.unlock import NewRecoveryKeyDialog, SetAdminPasswordDialog, UnlockDialog
from tests.conftest import SCHOOL
from tests.helpers.qt import choose, type_into

PASSWORD = "Mixin2026!"


@pytest.fixture
def locked(data_dir: Path) -> tuple[Path, str]:
    """A closed school store with an administrator and a teacher; (its folder, its recovery key)."""
    s = Store.open(data_dir, user="setup")
    installation.setup(s, SCHOOL)
    accounts.create_first_admin(s, "admin", PASSWORD, display_name="管理员甲")
    accounts.sign_in(s, "admin", PASSWORD)
    accounts.create_account(s, "li", PASSWORD, Role.TEACHER)
    code = encryption.new_recovery_key(s)
    s.close()
    return data_dir, code


def click_ok(qtbot: QtBot, buttons: QDialogButtonBox) -> None:
    qtbot.mouseClick(buttons.button(QDialogButtonBox.StandardButton.Ok), Qt.MouseButton.LeftButton)


def when_modal(qtbot: QtBot, act: Callable[[QWidget], None]) -> None:
    """Act on the next modal dialog once it is open (its exec() blocks the test)."""

    def attempt() -> None:
        widget = QApplication.activeModalWidget()
        if widget is None:
            QTimer.singleShot(20, attempt)
            return
        act(widget)

    QTimer.singleShot(0, attempt)


def test_start_on_an_encrypted_store_asks_for_the_password(qtbot: QtBot, locked: tuple[Path, str],
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    folder, _code = locked
    seen: dict[str, object] = {}

    def ask(cls: type[UnlockDialog], data_dir: Path, parent: QWidget | None = None, user_name: str = "",
            password: str = "", message: str = "") -> Store | None:
        seen.update(data_dir=data_dir, message=message)
        return None if message else encryption.unlock(data_dir, "admin", PASSWORD)  # the user quits on a message

    monkeypatch.setattr(UnlockDialog, "ask", classmethod(ask))
    store = app.open_store(folder)
    assert store is not None and store.account.user_name == "admin" and seen == {"data_dir": folder, "message": ""}
    store.close()
    keyslots.keys_path(folder).write_text("{broken", encoding="utf-8")
    assert app.open_store(folder) is None
    assert "已损坏" in str(seen["message"]) and "使用恢复密钥" in str(seen["message"])


def test_wrong_then_right_password_unlocks_and_signs_in(qtbot: QtBot, locked: tuple[Path, str]) -> None:
    folder, _code = locked
    dialog = UnlockDialog(folder)
    qtbot.addWidget(dialog)
    type_into(qtbot, dialog.user_edit, "li")
    type_into(qtbot, dialog.password_edit, "wrong-password")
    click_ok(qtbot, dialog.buttons)
    assert dialog.store is None and "用户名或密码不正确" in dialog.message.text()
    type_into(qtbot, dialog.password_edit, PASSWORD)
    with qtbot.waitSignal(dialog.accepted, timeout=5000):
        click_ok(qtbot, dialog.buttons)
    assert dialog.store is not None and dialog.store.account.user_name == "li"
    dialog.store.close()


def test_five_wrong_passwords_make_the_sign_in_wait(qtbot: QtBot, locked: tuple[Path, str]) -> None:
    folder, _code = locked
    dialog = UnlockDialog(folder, None, "admin")
    qtbot.addWidget(dialog)
    for _ in range(5):
        type_into(qtbot, dialog.password_edit, "wrong-password")
        click_ok(qtbot, dialog.buttons)
    assert "30秒后再试" in dialog.message.text() and dialog.waiting and not dialog.password_edit.isEnabled()


def test_forgotten_passwords_recovery_key_then_new_administrator_password(qtbot: QtBot,
                                                                          locked: tuple[Path, str]) -> None:
    folder, code = locked
    dialog = UnlockDialog(folder)
    qtbot.addWidget(dialog)

    def set_password(widget: QWidget) -> None:
        assert isinstance(widget, SetAdminPasswordDialog)
        choose(widget.account_box, "管理员甲（admin）")
        type_into(qtbot, widget.new_edit, "Xinmima2026!")
        type_into(qtbot, widget.again_edit, "Xinmima2026!")
        click_ok(qtbot, widget.buttons)

    def recovery(widget: QWidget) -> None:
        type_into(qtbot, widget.key_edit, "AAAAA-AAAAA-AAAAA-AAAAA-AAAAA")  # type: ignore[attr-defined]
        click_ok(qtbot, widget.buttons)  # type: ignore[attr-defined]
        assert "恢复密钥不正确" in widget.message.text()  # type: ignore[attr-defined]
        type_into(qtbot, widget.key_edit, keyslots.format_code(code).lower())  # type: ignore[attr-defined]
        when_modal(qtbot, set_password)
        click_ok(qtbot, widget.buttons)  # type: ignore[attr-defined]

    when_modal(qtbot, recovery)
    with qtbot.waitSignal(dialog.accepted, timeout=10000):
        qtbot.mouseClick(dialog.recovery_button, Qt.MouseButton.LeftButton)
    assert dialog.store is not None and dialog.store.account.user_name == "admin"
    dialog.store.close()
    encryption.unlock(folder, "admin", "Xinmima2026!").close()


def test_accounts_page_makes_a_new_recovery_key_shown_once_with_its_sheet(
        qtbot: QtBot, locked: tuple[Path, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from desktop_app.ui.accounts.page import AccountsPage

    folder, old = locked
    store = encryption.unlock(folder, "admin", PASSWORD)
    page = AccountsPage(store)
    qtbot.addWidget(page)
    sheet = tmp_path / "恢复密钥单.pdf"
    monkeypatch.setattr(NewRecoveryKeyDialog, "sheet_target", lambda _self: str(sheet))
    shown: dict[str, str] = {}

    def read_and_close(widget: QWidget) -> None:
        assert isinstance(widget, NewRecoveryKeyDialog)
        shown["key"] = widget.key_label.text()
        qtbot.mouseClick(widget.sheet_button, Qt.MouseButton.LeftButton)
        qtbot.mouseClick(widget.done_button, Qt.MouseButton.LeftButton)

    when_modal(qtbot, read_and_close)
    qtbot.mouseClick(page.recovery_button, Qt.MouseButton.LeftButton)
    assert sheet.exists() and len(shown["key"]) == 29 and shown["key"] != keyslots.format_code(old)
    store.close()
    encryption.open_with_recovery(folder, shown["key"]).close()
    with pytest.raises(encryption.StoreError, match="取代"):
        encryption.open_with_recovery(folder, old)


def test_about_says_the_store_is_encrypted(qtbot: QtBot, locked: tuple[Path, str]) -> None:
    from desktop_app.ui.about_dialog import AboutDialog

    folder, _code = locked
    store = encryption.unlock(folder, "admin", PASSWORD)
    try:
        dialog = AboutDialog(store)
        qtbot.addWidget(dialog)
        text = dialog.text()
        assert "加密：SQLCipher 4（AES-256），密钥槽 3 个" in text and "恢复密钥：已生成" in text
    finally:
        store.close()


def test_set_up_at_start_makes_the_recovery_key_and_shows_it_once(qtbot: QtBot, empty_store: Store,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    from desktop_app.ui.setup_dialog import SetupDialog

    def set_up(_cls: type, store: Store, _parent: QWidget | None = None) -> bool:
        installation.setup(store, SCHOOL)
        accounts.create_first_admin(store, "admin", PASSWORD)
        accounts.sign_in(store, "admin", PASSWORD)
        return True

    shown: list[tuple[str, bool]] = []
    monkeypatch.setattr(SetupDialog, "ask", classmethod(set_up))
    monkeypatch.setattr(NewRecoveryKeyDialog, "ask",
                        classmethod(lambda _cls, _store, code, _parent=None, *, at_setup=False:
                                    shown.append((code, at_setup))))
    assert app.sign_in_at_start(empty_store)
    [(code, at_setup)] = shown
    assert at_setup and encryption.has_recovery_key(empty_store)
    folder = empty_store.data_dir
    empty_store.close()
    encryption.open_with_recovery(folder, code).close()


def test_a_missing_encrypted_store_is_restored_from_its_copy_after_signing_in(
        qtbot: QtBot, locked: tuple[Path, str], monkeypatch: pytest.MonkeyPatch) -> None:
    from desktop_app.services import backup
    from desktop_app.services.integrity import rescue
    from desktop_app.services.paths import STORE_FILE
    from desktop_app.ui.rescue_dialog import StoreRescueDialog

    folder, _code = locked
    store = encryption.unlock(folder, "admin", PASSWORD)
    backup.take(store, backup.DAILY)
    store.close()
    (folder / STORE_FILE).unlink()
    asked: list[str] = []

    def ask_key(_cls: type, data_dir: Path, message: str, _parent: QWidget | None = None) -> bytes | None:
        asked.append(message)
        return encryption.key_for(data_dir, "admin", PASSWORD)

    def rescue_ask(_cls: type, error: rescue.StoreMissing, _parent: QWidget | None = None) -> bool:
        assert error.good is not None  # the encrypted copy was checked with the key
        rescue.restore_copy(error.data_dir, error.good.path, key=error.key)
        return True

    monkeypatch.setattr(UnlockDialog, "ask_key", classmethod(ask_key))
    monkeypatch.setattr(StoreRescueDialog, "ask", classmethod(rescue_ask))
    monkeypatch.setattr(UnlockDialog, "ask", classmethod(
        lambda _cls, data_dir, _parent=None, _u="", _p="", message="": encryption.unlock(data_dir, "admin", PASSWORD)))
    reopened = app.open_store(folder)
    assert reopened is not None and reopened.verify().ok
    reopened.close()
    assert asked and "自动备份已加密" in asked[0]


def test_the_sign_in_says_what_it_is_doing_while_the_password_is_checked(
        qtbot: QtBot, locked: tuple[Path, str], monkeypatch: pytest.MonkeyPatch) -> None:
    """Checking the password derives keys slowly on purpose (about a second) and may upgrade the store:
    the dialog says so, with a wait cursor and its buttons off, and is back to normal afterwards."""
    folder, _code = locked
    dialog = UnlockDialog(folder, None, "admin")
    qtbot.addWidget(dialog)
    dialog.show()
    seen: list[tuple[bool, str, bool, bool]] = []
    real_unlock = encryption.unlock

    def unlock(data_dir: Path, user: str, password: str) -> Store:
        cursor = QApplication.overrideCursor()
        seen.append((dialog.busy_label.isVisible(), dialog.busy_label.text(), dialog.buttons.isEnabled(),
                     cursor is not None and cursor.shape() == Qt.CursorShape.WaitCursor))
        return real_unlock(data_dir, user, password)

    monkeypatch.setattr(encryption, "unlock", unlock)
    type_into(qtbot, dialog.password_edit, "wrong-password")
    click_ok(qtbot, dialog.buttons)
    assert seen == [(True, "正在核对密码并打开数据文件…（数据文件需要升级时会久一些）", False, True)]
    assert not dialog.busy_label.isVisible() and dialog.buttons.isEnabled() and QApplication.overrideCursor() is None
    assert "用户名或密码不正确" in dialog.message.text()
    type_into(qtbot, dialog.password_edit, PASSWORD)
    with qtbot.waitSignal(dialog.accepted, timeout=5000):
        click_ok(qtbot, dialog.buttons)
    assert len(seen) == 2 and seen[1][0] and QApplication.overrideCursor() is None
    assert dialog.store is not None
    dialog.store.close()
