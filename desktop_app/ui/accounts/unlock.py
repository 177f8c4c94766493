"""Opening the encrypted store at start: sign-in that unlocks it, the recovery key, a new recovery key."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QEventLoop, Qt, QTimer
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QApplication,
    QComboBox,
    QDialog,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desktop_app import APP_NAME
from desktop_app.domain.errors import BaoxueError, SignInError
from desktop_app.domain.roles import ADMIN_ROLES, wait_after_failures
from desktop_app.services import accounts, encryption, keyslots
from desktop_app.services.store import Store
from desktop_app.ui.accounts.dialogs import password_edit
from desktop_app.ui.widgets import ErrorLabel, Messages, ok_cancel_buttons


class UnlockDialog(QDialog):
    """登录 when the store is encrypted: the password unwraps the store key and signs the account in.

    忘记密码/无法打开 → 使用恢复密钥 opens the store with the recovery key instead and then asks for an
    administrator's new password. ``store`` is the opened, signed-in store after ``accept``.
    """

    def __init__(self, data_dir: Path, parent: QWidget | None = None, user_name: str = "", password: str = "",
                 message: str = "", *, key_only: bool = False) -> None:
        super().__init__(parent)
        self.data_dir = data_dir
        self.store: Store | None = None
        self.key_only = key_only  # the store file is missing or damaged: only the key, to check the copies
        self.key: bytes | None = None
        self.setWindowTitle(self.tr("登录 — %1").replace("%1", APP_NAME))
        layout = self._layout = QVBoxLayout(self)
        title = QLabel(APP_NAME, self)
        title.setStyleSheet("font-size: 14pt; font-weight: bold;")
        layout.addWidget(title)
        form = QFormLayout()
        self.user_edit = QLineEdit(user_name, self)
        self.password_edit = password_edit(self)
        self.password_edit.setText(password)
        form.addRow(self.tr("用户名"), self.user_edit)
        form.addRow(self.tr("密码"), self.password_edit)
        layout.addLayout(form)
        self.message = ErrorLabel(self)
        layout.addWidget(self.message)
        self.busy_label = QLabel(self)  # what is being done while the password is checked and the store opened
        self.busy_label.hide()
        layout.addWidget(self.busy_label)
        self.recovery_button = QPushButton(self.tr("忘记密码/无法打开 → 使用恢复密钥"), self)
        self.recovery_button.setFlat(True)
        self.recovery_button.setStyleSheet("text-align: left; color: #1a5fb4;")
        self.recovery_button.clicked.connect(self._use_recovery_key)
        layout.addWidget(self.recovery_button)
        self.recovery_button.setVisible(not key_only)
        self.buttons = ok_cancel_buttons(self, self._accept, ok_text=self.tr("登录"), cancel_text=self.tr("退出"))
        layout.addWidget(self.buttons)
        (self.password_edit if user_name else self.user_edit).setFocus()
        # Wrong passwords before the store is open are counted here (the store counts them once open).
        self._failures: dict[str, int] = {}
        self._wait_left = 0
        self._wait_timer = QTimer(self)
        self._wait_timer.setInterval(1000)
        self._wait_timer.timeout.connect(self._tick)
        self.resize(400, 220)
        if message:
            self._say(message)

    def _say(self, message: str) -> None:
        """Show ``message`` whole: the dialog grows to fit it (a server's refusal takes several lines)."""
        self.message.show_messages([message])
        layout = self._layout
        layout.activate()
        needed = (layout.totalHeightForWidth(self.width()) if layout.hasHeightForWidth()
                  else layout.totalSizeHint().height())
        if needed > self.height():
            self.resize(self.width(), needed)

    def _accept(self) -> None:
        if self._wait_left > 0:
            return
        user = self.user_edit.text().strip()
        try:
            with self._busy(self.tr("正在核对密码并打开数据文件…（数据文件需要升级时会久一些）")):
                if self.key_only:
                    self.key = encryption.key_for(self.data_dir, user, self.password_edit.text())
                else:
                    self.store = encryption.unlock(self.data_dir, user, self.password_edit.text())
        except SignInError as exc:
            self.password_edit.clear()
            wait = exc.wait_seconds
            if not wait and "不正确" in str(exc):
                self._failures[user] = self._failures.get(user, 0) + 1
                wait = wait_after_failures(self._failures[user])
            self._say(str(exc))
            if wait:
                self._wait_left = wait
                self.password_edit.setEnabled(False)
                self._wait_timer.start()
                self._tick_text()
            return
        except BaoxueError as exc:
            self.password_edit.clear()
            self._say(str(exc))
            return
        self.password_edit.clear()
        self.accept()

    @contextmanager
    def _busy(self, text: str) -> Iterator[None]:
        """Say ``text`` (painted at once) with a wait cursor while the block runs: checking the password
        derives keys on purpose slowly (about a second) and the store may be upgraded after it."""
        self.message.show_messages([])
        self.busy_label.setText(text)
        self.busy_label.show()
        self.buttons.setEnabled(False)
        QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        QCoreApplication.processEvents(QEventLoop.ProcessEventsFlag.ExcludeUserInputEvents)
        try:
            yield
        finally:
            QApplication.restoreOverrideCursor()
            self.buttons.setEnabled(True)
            self.busy_label.hide()

    @property
    def waiting(self) -> bool:
        return self._wait_left > 0

    def _tick_text(self) -> None:
        self.message.show_messages([self.tr("密码连续输错，请%1秒后再试").replace("%1", str(self._wait_left))])

    def _tick(self) -> None:
        self._wait_left -= 1
        if self._wait_left <= 0:
            self._wait_timer.stop()
            self.password_edit.setEnabled(True)
            self.password_edit.setFocus()
            self.message.show_messages([self.tr("可以再试了")])
        else:
            self._tick_text()

    def _use_recovery_key(self) -> None:
        store = RecoveryKeyDialog.ask(self.data_dir, self)
        if store is None:
            return
        if not SetAdminPasswordDialog.ask(store, self):
            store.close()
            return
        self.store = store
        self.accept()

    @classmethod
    def ask(cls, data_dir: Path, parent: QWidget | None = None, user_name: str = "", password: str = "",
            message: str = "") -> Store | None:
        dialog = cls(data_dir, parent, user_name, password, message)
        return dialog.store if dialog.exec() == QDialog.DialogCode.Accepted else None

    @classmethod
    def ask_key(cls, data_dir: Path, message: str, parent: QWidget | None = None) -> bytes | None:
        """The store key from an account's password (the store file itself is missing or damaged, and
        its encrypted automatic copies can be checked only with it)."""
        dialog = cls(data_dir, parent, message=message, key_only=True)
        return dialog.key if dialog.exec() == QDialog.DialogCode.Accepted else None


class RecoveryKeyDialog(QDialog):
    """Type the recovery key from the sheet kept in the safe; ``store`` is opened with it."""

    def __init__(self, data_dir: Path, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.data_dir = data_dir
        self.store: Store | None = None
        self.setWindowTitle(self.tr("使用恢复密钥"))
        layout = QVBoxLayout(self)
        note = QLabel(self.tr("请取出存放在本单位保险柜中的“恢复密钥单”，输入上面的恢复密钥（25个字母和数字，"
                              "横线可不输入，不区分大小写）。打开后请为管理员设置新密码。"), self)
        note.setWordWrap(True)
        layout.addWidget(note)
        self.key_edit = QLineEdit(self)
        self.key_edit.setPlaceholderText("XXXXX-XXXXX-XXXXX-XXXXX-XXXXX")
        layout.addWidget(self.key_edit)
        self.message = ErrorLabel(self)
        layout.addWidget(self.message)
        self.buttons = ok_cancel_buttons(self, self._accept, ok_text=self.tr("打开"))
        layout.addWidget(self.buttons)
        self.resize(460, 180)

    def _accept(self) -> None:
        try:
            self.store = encryption.open_with_recovery(self.data_dir, self.key_edit.text())
        except BaoxueError as exc:
            self.message.show_messages([str(exc)])
            return
        self.accept()

    @classmethod
    def ask(cls, data_dir: Path, parent: QWidget | None = None) -> Store | None:
        dialog = cls(data_dir, parent)
        return dialog.store if dialog.exec() == QDialog.DialogCode.Accepted else None


class SetAdminPasswordDialog(QDialog):
    """After opening with the recovery key: a new password for an administrator, who is then signed in."""

    def __init__(self, store: Store, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.store = store
        self.setWindowTitle(self.tr("为管理员设置新密码"))
        layout = QVBoxLayout(self)
        note = QLabel(self.tr("已用恢复密钥打开台账，密钥文件已重建。请选择管理员账户并设置新密码。"), self)
        note.setWordWrap(True)
        layout.addWidget(note)
        form = QFormLayout()
        self.account_box = QComboBox(self)
        for info in _admins(store):
            label = f"{info.display_name}（{info.user_name}）" if info.display_name else info.user_name
            self.account_box.addItem(label + ("" if info.active else self.tr("（已停用，将重新启用）")), info.user_name)
        self.new_edit = password_edit(self, self.tr("至少8位，含字母和数字"))
        self.again_edit = password_edit(self)
        form.addRow(self.tr("管理员账户"), self.account_box)
        form.addRow(self.tr("新密码"), self.new_edit)
        form.addRow(self.tr("再输入一次"), self.again_edit)
        layout.addLayout(form)
        self.errors = ErrorLabel(self)
        layout.addWidget(self.errors)
        self.buttons = ok_cancel_buttons(self, self._accept)
        layout.addWidget(self.buttons)

    def _accept(self) -> None:
        user = self.account_box.currentData()
        if not user:
            self.errors.show_messages([self.tr("本机没有管理员账户")])
            return
        if self.new_edit.text() != self.again_edit.text():
            self.errors.show_messages([self.tr("两次输入的新密码不一致")])
            return
        try:
            encryption.set_password_after_recovery(self.store, str(user), self.new_edit.text())
            accounts.sign_in(self.store, str(user), self.new_edit.text())
        except BaoxueError as exc:
            self.errors.show_messages([str(exc)])
            return
        self.accept()

    @classmethod
    def ask(cls, store: Store, parent: QWidget | None = None) -> bool:
        return cls(store, parent).exec() == QDialog.DialogCode.Accepted


def _admins(store: Store) -> list[accounts.AccountInfo]:
    return [a for a in accounts.list_accounts(store) if a.role in ADMIN_ROLES]


class NewRecoveryKeyDialog(QDialog):
    """Shows a recovery key once (just made), with the A4 sheet to save and print."""

    def __init__(self, store: Store, code: str, parent: QWidget | None = None, *, at_setup: bool = False) -> None:
        super().__init__(parent)
        self.store, self.code = store, code
        self.setWindowTitle(self.tr("恢复密钥"))
        layout = QVBoxLayout(self)
        intro = (self.tr("台账数据加密保存。这是本机的恢复密钥，只显示这一次：") if at_setup
                 else self.tr("已生成新的恢复密钥，原来的恢复密钥已作废。新的恢复密钥只显示这一次："))
        layout.addWidget(QLabel(intro, self))
        self.key_label = QLabel(keyslots.format_code(code), self)
        font = QFont("Courier New")
        font.setPointSize(16)
        font.setBold(True)
        self.key_label.setFont(font)
        self.key_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.key_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout.addWidget(self.key_label)
        note = QLabel(self.tr("所有管理员都忘记密码，或密钥文件丢失、损坏时，用它打开台账。请保存并打印“恢复密钥单”，"
                              "由校长（区教委为指定负责人）存放在本单位保险柜；不要拍照，不要存在电脑或U盘上。"), self)
        note.setWordWrap(True)
        layout.addWidget(note)
        self.message = ErrorLabel(self)
        layout.addWidget(self.message)
        row = QHBoxLayout()
        self.sheet_button = QPushButton(self.tr("保存恢复密钥单（A4 PDF）…"), self)
        self.sheet_button.clicked.connect(self._save_sheet)
        row.addWidget(self.sheet_button)
        row.addStretch(1)
        self.done_button = QPushButton(self.tr("我已打印或抄下"), self)
        self.done_button.clicked.connect(self.accept)
        row.addWidget(self.done_button)
        layout.addLayout(row)
        self.saved: Path | None = None
        self.resize(520, 240)

    def sheet_target(self) -> str:
        path, _ = QFileDialog.getSaveFileName(self, self.tr("保存恢复密钥单"), str(Path.home() / "恢复密钥单.pdf"),
                                              self.tr("PDF 文件 (*.pdf)"))
        return path

    def _save_sheet(self) -> None:
        target = self.sheet_target()
        if not target:
            return
        try:
            self.saved = encryption.write_recovery_sheet(self.store, self.code, target)
        except BaoxueError as exc:
            self.message.show_messages([str(exc)])
            return
        self.message.show_messages([])
        Messages.info(self, APP_NAME, self.tr("已保存恢复密钥单：%1\n请打印后删除这个文件。").replace("%1", str(self.saved)))

    @classmethod
    def ask(cls, store: Store, code: str, parent: QWidget | None = None, *, at_setup: bool = False) -> None:
        cls(store, code, parent, at_setup=at_setup).exec()


def make_recovery_key(store: Store, parent: QWidget | None = None, *, at_setup: bool = False) -> bool:
    """Make a (new) recovery key and show it once; False when it could not be made (message shown)."""
    try:
        code = encryption.new_recovery_key(store)
    except BaoxueError as exc:
        Messages.error(parent, APP_NAME, str(exc))
        return False
    NewRecoveryKeyDialog.ask(store, code, parent, at_setup=at_setup)
    return True
