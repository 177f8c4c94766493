"""账户: the administrator's list of accounts, with add, edit and password reset."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QModelIndex, QPersistentModelIndex
from PySide6.QtWidgets import QAbstractItemView, QHBoxLayout, QLabel, QPushButton, QTableView, QVBoxLayout, QWidget

from desktop_app.domain.roles import mask_phone
from desktop_app.services import accounts
from desktop_app.services.access import Permission, can
from desktop_app.services.store import Store
from desktop_app.ui.accounts.assign import AssignStudentsDialog
from desktop_app.ui.accounts.dialogs import AccountDialog, ResetPasswordDialog
from desktop_app.ui.common.table_model import TableModel
from desktop_app.ui.widgets import Messages

Index = QModelIndex | QPersistentModelIndex


class AccountsModel(TableModel[accounts.AccountInfo]):
    """The accounts of this installation (never a password hash)."""

    COLUMNS = (("user_name", "用户名"), ("display_name", "姓名"), ("role", "角色"), ("phone", "手机号码"),
               ("scope", "可修改"), ("state", "状态"), ("last_sign_in", "上次登录"))
    UserNameRole = TableModel.RowRole

    def __init__(self, store: Store, parent: Any = None) -> None:
        super().__init__(parent)
        self._headers = [self.tr(label) for _key, label in self.COLUMNS]
        self.store = store

    def reload(self) -> None:
        self.set_rows(accounts.list_accounts(self.store) if can(self.store, Permission.MANAGE_ACCOUNTS) else [])

    def display(self, row: accounts.AccountInfo, column: int, position: int) -> Any:
        a, key = row, self.COLUMNS[column][0]
        if key == "role":
            return a.role_label
        if key == "phone":
            return mask_phone(a.phone)
        if key == "scope":
            return (self.tr("全校学生") if a.all_students else self.tr("分配的学生")) if a.role == "teacher" else ""
        if key == "state":
            state = self.tr("正常") if a.active else self.tr("已停用")
            return state + (self.tr("（待改密码）") if a.must_change_password else "")
        if key == "last_sign_in":
            return a.last_sign_in.strftime("%Y-%m-%d %H:%M") if a.last_sign_in else ""
        return getattr(a, key)

    def cell(self, row: accounts.AccountInfo, column: int, role: int, position: int) -> Any:
        return row.user_name if role == self.UserNameRole else None

    def account(self, row: int) -> accounts.AccountInfo:
        return self._rows[row]


class AccountsPage(QWidget):
    """Visible to administrators; others see a one-line explanation."""

    def __init__(self, store: Store, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.store = store
        layout = QVBoxLayout(self)
        self.note = QLabel(self.tr("每位老师使用自己的账户登录，所有修改都记录在该账户名下。"
                                   "忘记密码时，由管理员在此重置。"), self)
        self.note.setWordWrap(True)
        layout.addWidget(self.note)
        self.model = AccountsModel(store, self)
        self.view = QTableView(self)
        self.view.setModel(self.model)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.view.horizontalHeader().setStretchLastSection(True)
        self.view.doubleClicked.connect(lambda _i: self.edit_selected())
        layout.addWidget(self.view, 1)
        row = QHBoxLayout()
        self.add_button = QPushButton(self.tr("新建账户…"), self)
        self.edit_button = QPushButton(self.tr("修改…"), self)
        self.reset_button = QPushButton(self.tr("重置密码…"), self)
        self.assign_button = QPushButton(self.tr("分配学生…"), self)
        self.recovery_button = QPushButton(self.tr("生成新的恢复密钥…"), self)
        self.recovery_button.setToolTip(self.tr("原来的恢复密钥作废；新的恢复密钥只显示一次，请打印恢复密钥单存放在保险柜"))
        for b in (self.add_button, self.edit_button, self.reset_button, self.assign_button):
            row.addWidget(b)
        row.addStretch(1)
        row.addWidget(self.recovery_button)
        layout.addLayout(row)
        self.add_button.clicked.connect(self.add_account)
        self.edit_button.clicked.connect(self.edit_selected)
        self.reset_button.clicked.connect(self.reset_selected)
        self.assign_button.clicked.connect(self.assign_selected)
        self.recovery_button.clicked.connect(self.new_recovery_key)
        self.refresh()

    def refresh(self) -> None:
        allowed = can(self.store, Permission.MANAGE_ACCOUNTS)
        for b in (self.add_button, self.edit_button, self.reset_button, self.assign_button, self.recovery_button):
            b.setEnabled(allowed)
        if not allowed:
            self.note.setText(self.tr("只有管理员可以管理账户。"))
        self.model.reload()
        self.view.resizeColumnsToContents()

    def new_recovery_key(self) -> bool:
        """A new recovery key (after a confirmation): the old one opens nothing any more."""
        from desktop_app.ui.accounts.unlock import make_recovery_key

        if not Messages.confirm(self, self.tr("恢复密钥"), self.tr(
                "生成新的恢复密钥后，原来的恢复密钥单作废（数据文件和自动备份会用新密钥重新加密）。继续吗？")):
            return False
        return make_recovery_key(self.store, self)

    def selected(self) -> accounts.AccountInfo | None:
        rows = self.view.selectionModel().selectedRows()
        return self.model.account(rows[0].row()) if rows else None

    def add_account(self) -> AccountDialog:
        dialog = AccountDialog(self.store, self)
        dialog.accepted.connect(self.refresh)
        dialog.open()
        return dialog

    def edit_selected(self) -> AccountDialog | None:
        account = self.selected()
        if account is None:
            return None
        dialog = AccountDialog(self.store, self, account)
        dialog.accepted.connect(self.refresh)
        dialog.open()
        return dialog

    def assign_selected(self) -> AssignStudentsDialog | None:
        account = self.selected()
        if account is None or account.role != "teacher" or account.all_students:
            Messages.info(self, self.tr("分配学生"), self.tr(
                "请先选择一个教师账户，并在“修改…”中把它设为只可修改分配给本人的学生"))
            return None
        dialog = AssignStudentsDialog(self.store, account.user_name, self)
        dialog.open()
        return dialog

    def reset_selected(self) -> ResetPasswordDialog | None:
        account = self.selected()
        if account is None:
            Messages.info(self, self.tr("重置密码"), self.tr("请先在列表中选择账户"))
            return None
        dialog = ResetPasswordDialog(self.store, account.user_name, self)
        dialog.accepted.connect(self.refresh)
        dialog.accepted.connect(lambda: Messages.info(
            self, self.tr("重置密码"), self.tr("已重置。请把临时密码当面告诉对方，对方登录后须改为自己的密码。")))
        dialog.open()
        return dialog


__all__ = ["AccountsModel", "AccountsPage"]
