"""Sign-in, password and account dialogs."""

from __future__ import annotations

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from desktop_app import APP_NAME
from desktop_app.domain.errors import BaoxueError, SignInError, ValidationError
from desktop_app.domain.roles import ROLE_LABELS, Purpose, Role, may_see_full, password_problem, roles_for
from desktop_app.services import accounts
from desktop_app.services.store import Store
from desktop_app.ui.widgets import ErrorLabel, ok_cancel_buttons


def password_edit(parent: QWidget, placeholder: str = "") -> QLineEdit:
    edit = QLineEdit(parent)
    edit.setEchoMode(QLineEdit.EchoMode.Password)
    edit.setPlaceholderText(placeholder)
    return edit


class SignInForm(QWidget):
    """User name, password, a message line and the countdown after wrong passwords.

    Used by the sign-in dialog and the lock overlay.
    """

    def __init__(self, store: Store, parent: QWidget | None = None, *, user_name: str = "",
                 user_editable: bool = True) -> None:
        super().__init__(parent)
        self.store = store
        layout = QFormLayout(self)
        self.user_edit = QLineEdit(user_name, self)
        self.user_edit.setReadOnly(not user_editable)
        self.password_edit = password_edit(self)
        layout.addRow(self.tr("用户名"), self.user_edit)
        layout.addRow(self.tr("密码"), self.password_edit)
        self.message = ErrorLabel(self)
        layout.addRow(self.message)
        self._wait_timer = QTimer(self)
        self._wait_timer.setInterval(1000)
        self._wait_timer.timeout.connect(self._tick)
        self._wait_left = 0
        self.password_edit.setFocus()

    def try_sign_in(self) -> bool:
        """Check the password; shows why not (and counts down a wait) on failure."""
        if self._wait_left > 0:
            return False
        try:
            accounts.sign_in(self.store, self.user_edit.text(), self.password_edit.text())
        except SignInError as exc:
            self.password_edit.clear()
            self.message.show_messages([str(exc)])
            if exc.wait_seconds:
                self._start_wait(exc.wait_seconds)
            return False
        self.password_edit.clear()
        self.message.show_messages([])
        return True

    @property
    def waiting(self) -> bool:
        return self._wait_left > 0

    def _start_wait(self, seconds: int) -> None:
        self._wait_left = seconds
        self.password_edit.setEnabled(False)
        self._wait_timer.start()

    def _tick(self) -> None:
        self._wait_left -= 1
        if self._wait_left <= 0:
            self._wait_timer.stop()
            self.password_edit.setEnabled(True)
            self.password_edit.setFocus()
            self.message.show_messages([self.tr("可以再试了")])
        else:
            self.message.show_messages([self.tr("密码连续输错，请%1秒后再试").replace("%1", str(self._wait_left))])


class SignInDialog(QDialog):
    """Asked at start once accounts exist."""

    def __init__(self, store: Store, parent: QWidget | None = None, user_name: str = "", password: str = "") -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("登录 — %1").replace("%1", APP_NAME))
        layout = QVBoxLayout(self)
        inst = store.installation()
        title = QLabel(inst.name if inst else APP_NAME, self)
        title.setStyleSheet("font-size: 14pt; font-weight: bold;")
        layout.addWidget(title)
        self.form = SignInForm(store, self, user_name=user_name)
        self.form.password_edit.setText(password)
        layout.addWidget(self.form)
        buttons = ok_cancel_buttons(self, self._accept, ok_text=self.tr("登录"), cancel_text=self.tr("退出"))
        self.buttons = buttons
        layout.addWidget(buttons)
        (self.form.password_edit if user_name else self.form.user_edit).setFocus()
        self.resize(380, 200)

    def _accept(self) -> None:
        if self.form.try_sign_in():
            self.accept()

    @classmethod
    def ask(cls, store: Store, parent: QWidget | None = None, user_name: str = "", password: str = "") -> bool:
        return cls(store, parent, user_name, password).exec() == QDialog.DialogCode.Accepted


class ChangePasswordDialog(QDialog):
    """The signed-in account changes its own password (required after a reset)."""

    def __init__(self, store: Store, parent: QWidget | None = None, *, required: bool = False) -> None:
        super().__init__(parent)
        self.store = store
        self.setWindowTitle(self.tr("修改密码"))
        layout = QVBoxLayout(self)
        if required:
            note = QLabel(self.tr("管理员重置了您的密码，请设置一个只有您知道的新密码。"), self)
            note.setWordWrap(True)
            layout.addWidget(note)
        form = QFormLayout()
        self.old_edit = password_edit(self)
        self.new_edit = password_edit(self, self.tr("至少8位，含字母和数字"))
        self.again_edit = password_edit(self)
        form.addRow(self.tr("原密码"), self.old_edit)
        form.addRow(self.tr("新密码"), self.new_edit)
        form.addRow(self.tr("再输入一次"), self.again_edit)
        layout.addLayout(form)
        self.errors = ErrorLabel(self)
        keep = self.errors.sizePolicy()  # the error line's room is kept, so nothing moves or shrinks when it shows
        keep.setRetainSizeWhenHidden(True)
        self.errors.setSizePolicy(keep)
        self.errors.setText(self.tr("请填写导出原因"))
        self.errors.setMinimumHeight(self.errors.sizeHint().height())
        layout.addWidget(self.errors)
        buttons = ok_cancel_buttons(self, self._accept)
        self.buttons = buttons
        layout.addWidget(buttons)

    def _accept(self) -> None:
        if self.new_edit.text() != self.again_edit.text():
            self.errors.show_messages([self.tr("两次输入的新密码不一致")])
            return
        try:
            accounts.change_own_password(self.store, self.old_edit.text(), self.new_edit.text())
        except BaoxueError as exc:
            self.errors.show_messages([str(exc)])
            return
        self.accept()

    @classmethod
    def ask(cls, store: Store, parent: QWidget | None = None, *, required: bool = False) -> bool:
        return cls(store, parent, required=required).exec() == QDialog.DialogCode.Accepted


class AccountDialog(QDialog):
    """Add an account, or edit one (without its password)."""

    def __init__(self, store: Store, parent: QWidget | None = None,
                 account: accounts.AccountInfo | None = None) -> None:
        super().__init__(parent)
        self.store = store
        self.account = account
        self.setWindowTitle(self.tr("新建账户") if account is None else self.tr("修改账户"))
        layout = QVBoxLayout(self)
        form = QFormLayout()
        self.user_edit = QLineEdit(account.user_name if account else "", self)
        self.user_edit.setReadOnly(account is not None)
        self.display_edit = QLineEdit(account.display_name if account else "", self)
        self.phone_edit = QLineEdit(account.phone if account else "", self)
        self.role_combo = QComboBox(self)
        inst = store.installation()
        for role in roles_for(inst.kind if inst else "school"):
            self.role_combo.addItem(ROLE_LABELS[role], str(role))
        if account:
            self.role_combo.setCurrentIndex(max(self.role_combo.findData(account.role), 0))
        else:
            self.role_combo.setCurrentIndex(max(self.role_combo.findData(str(Role.TEACHER)), 0))
        self.all_students = QCheckBox(self.tr("可修改全校学生的记录（不勾选：只可修改分配给本人的学生）"), self)
        self.all_students.setChecked(account.all_students if account else True)
        self.active = QCheckBox(self.tr("允许登录"), self)
        self.active.setChecked(account.active if account else True)
        form.addRow(self.tr("用户名"), self.user_edit)
        form.addRow(self.tr("姓名"), self.display_edit)
        form.addRow(self.tr("手机号码"), self.phone_edit)
        form.addRow(self.tr("角色"), self.role_combo)
        form.addRow("", self.all_students)
        self.password_edit = password_edit(self, self.tr("至少8位，含字母和数字"))
        self.again_edit = password_edit(self)
        if account is None:
            form.addRow(self.tr("初始密码"), self.password_edit)
            form.addRow(self.tr("再输入一次"), self.again_edit)
        else:
            form.addRow("", self.active)
        self.active.setVisible(account is not None)
        layout.addLayout(form)
        self.errors = ErrorLabel(self)
        keep = self.errors.sizePolicy()  # the error line's room is kept, so nothing moves or shrinks when it shows
        keep.setRetainSizeWhenHidden(True)
        self.errors.setSizePolicy(keep)
        self.errors.setText(self.tr("请填写导出原因"))
        self.errors.setMinimumHeight(self.errors.sizeHint().height())
        layout.addWidget(self.errors)
        buttons = ok_cancel_buttons(self, self._accept)
        self.buttons = buttons
        layout.addWidget(buttons)
        self.role_combo.currentIndexChanged.connect(self._role_changed)
        self._role_changed()
        self.resize(480, 300)

    def _role_changed(self) -> None:
        self.all_students.setVisible(self.role_combo.currentData() == Role.TEACHER)

    def _accept(self) -> None:
        try:
            if self.account is None:
                if self.password_edit.text() != self.again_edit.text():
                    raise ValidationError(self.tr("两次输入的密码不一致"))
                accounts.create_account(
                    self.store, self.user_edit.text(), self.password_edit.text(), self.role_combo.currentData(),
                    display_name=self.display_edit.text(), phone=self.phone_edit.text(),
                    all_students=self.all_students.isChecked(),
                )
            else:
                accounts.update_account(
                    self.store, self.account.user_name, display_name=self.display_edit.text(),
                    phone=self.phone_edit.text(), role=self.role_combo.currentData(),
                    all_students=self.all_students.isChecked(), active=self.active.isChecked(),
                )
        except BaoxueError as exc:
            self.errors.show_messages([str(exc)])
            return
        self.accept()


class ResetPasswordDialog(QDialog):
    """An administrator sets a temporary password for a forgotten one."""

    def __init__(self, store: Store, user_name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.store = store
        self.user_name = user_name
        self.setWindowTitle(self.tr("重置密码"))
        layout = QVBoxLayout(self)
        note = QLabel(self.tr("为账户“%1”设置临时密码。对方下次登录时须改为自己的密码；重置会记入历史记录。")
                      .replace("%1", user_name), self)
        note.setWordWrap(True)
        layout.addWidget(note)
        form = QFormLayout()
        self.password_edit = password_edit(self, self.tr("至少8位，含字母和数字"))
        self.again_edit = password_edit(self)
        form.addRow(self.tr("临时密码"), self.password_edit)
        form.addRow(self.tr("再输入一次"), self.again_edit)
        layout.addLayout(form)
        self.errors = ErrorLabel(self)
        keep = self.errors.sizePolicy()  # the error line's room is kept, so nothing moves or shrinks when it shows
        keep.setRetainSizeWhenHidden(True)
        self.errors.setSizePolicy(keep)
        self.errors.setText(self.tr("请填写导出原因"))
        self.errors.setMinimumHeight(self.errors.sizeHint().height())
        layout.addWidget(self.errors)
        buttons = ok_cancel_buttons(self, self._accept)
        self.buttons = buttons
        layout.addWidget(buttons)

    def _accept(self) -> None:
        if self.password_edit.text() != self.again_edit.text():
            self.errors.show_messages([self.tr("两次输入的密码不一致")])
            return
        try:
            accounts.reset_password(self.store, self.user_name, self.password_edit.text())
        except BaoxueError as exc:
            self.errors.show_messages([str(exc)])
            return
        self.accept()


class AdminFields(QWidget):
    """The first administrator's user name, name and password (set-up dialog)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        form = QFormLayout(self)
        form.setContentsMargins(0, 0, 0, 0)
        self.user_edit = QLineEdit("admin", self)
        self.display_edit = QLineEdit(self)
        self.password_edit = password_edit(self, self.tr("至少8位，含字母和数字"))
        self.again_edit = password_edit(self)
        form.addRow(self.tr("管理员用户名"), self.user_edit)
        form.addRow(self.tr("管理员姓名"), self.display_edit)
        form.addRow(self.tr("密码"), self.password_edit)
        form.addRow(self.tr("再输入一次"), self.again_edit)

    def problem(self) -> str | None:
        if self.password_edit.text() != self.again_edit.text():
            return self.tr("两次输入的密码不一致")
        return password_problem(self.password_edit.text(), self.user_edit.text().strip())

    def create_admin(self, store: Store) -> None:
        accounts.create_first_admin(store, self.user_edit.text(), self.password_edit.text(),
                                    display_name=self.display_edit.text())
        accounts.sign_in(store, self.user_edit.text(), self.password_edit.text())


class PassphraseDialog(QDialog):
    """The passphrase of an encrypted backup (twice when making one)."""

    def __init__(self, parent: QWidget | None = None, *, confirm: bool) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("备份密码"))
        layout = QVBoxLayout(self)
        text = (self.tr("备份文件用此密码加密。请牢记：忘记密码将无法恢复；U盘丢失时，他人没有密码也无法读取。")
                if confirm else self.tr("请输入制作备份时设置的备份密码。"))
        note = QLabel(text, self)
        note.setWordWrap(True)
        layout.addWidget(note)
        form = QFormLayout()
        self.edit = password_edit(self, self.tr("至少8位"))
        self.again = password_edit(self)
        form.addRow(self.tr("备份密码"), self.edit)
        if confirm:
            form.addRow(self.tr("再输入一次"), self.again)
        self.again.setVisible(confirm)
        self.confirm = confirm
        layout.addLayout(form)
        self.errors = ErrorLabel(self)
        keep = self.errors.sizePolicy()  # the error line's room is kept, so nothing moves or shrinks when it shows
        keep.setRetainSizeWhenHidden(True)
        self.errors.setSizePolicy(keep)
        self.errors.setText(self.tr("请填写导出原因"))
        self.errors.setMinimumHeight(self.errors.sizeHint().height())
        layout.addWidget(self.errors)
        buttons = ok_cancel_buttons(self, self._accept)
        self.buttons = buttons
        layout.addWidget(buttons)

    def _accept(self) -> None:
        if self.confirm and self.edit.text() != self.again.text():
            self.errors.show_messages([self.tr("两次输入的备份密码不一致")])
            return
        if self.confirm and len(self.edit.text()) < 8:
            self.errors.show_messages([self.tr("备份密码至少8位")])
            return
        self.accept()

    @classmethod
    def ask(cls, parent: QWidget | None = None, *, confirm: bool) -> str | None:
        dialog = cls(parent, confirm=confirm)
        return dialog.edit.text() if dialog.exec() == QDialog.DialogCode.Accepted else None




class ExportReasonDialog(QDialog):
    """Asked before an export of personal data: why, and (administrators only) whether the
    identity and phone numbers go out in full. Pass the answer to ``privacy.record_export``."""

    def __init__(self, store: Store, what: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("导出个人信息"))
        layout = QVBoxLayout(self)
        note = QLabel(self.tr("“%1”含有学生的个人信息。导出会记入历史记录（谁、何时、导出什么、原因）。")
                      .replace("%1", what), self)
        note.setWordWrap(True)
        layout.addWidget(note)
        form = QFormLayout()
        self.reason_edit = QLineEdit(self)
        self.reason_edit.setPlaceholderText(self.tr("如：按区教委通知上报"))
        self.reason_edit.setMinimumWidth(self.reason_edit.fontMetrics().horizontalAdvance("如") * 24)
        form.addRow(self.tr("导出原因"), self.reason_edit)
        self.full_numbers = QCheckBox(self.tr("导出完整的身份证号码和电话号码（默认部分隐藏）"), self)
        self.full_numbers.setVisible(may_see_full(store.account, Purpose.EXPORT))
        form.addRow("", self.full_numbers)
        layout.addLayout(form)
        self.errors = ErrorLabel(self)
        keep = self.errors.sizePolicy()  # the error line's room is kept, so nothing moves or shrinks when it shows
        keep.setRetainSizeWhenHidden(True)
        self.errors.setSizePolicy(keep)
        self.errors.setText(self.tr("请填写导出原因"))
        self.errors.setMinimumHeight(self.errors.sizeHint().height())
        layout.addWidget(self.errors)
        buttons = ok_cancel_buttons(self, self._accept)
        self.buttons = buttons
        layout.addWidget(buttons)

    def _accept(self) -> None:
        if not self.reason_edit.text().strip():
            self.errors.show_messages([self.tr("请填写导出原因")])
            return
        self.accept()

    @classmethod
    def ask(cls, store: Store, what: str, parent: QWidget | None = None) -> tuple[str, bool] | None:
        """(reason, full numbers) or None when cancelled."""
        dialog = cls(store, what, parent)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return None
        return dialog.reason_edit.text().strip(), dialog.full_numbers.isChecked() and dialog.full_numbers.isVisible()
