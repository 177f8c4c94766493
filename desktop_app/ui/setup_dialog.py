"""First-run set-up: is this PC a school or the district office, and who is its administrator?"""

from __future__ import annotations

from PySide6.QtWidgets import QDialog, QGroupBox, QLabel, QVBoxLayout, QWidget

from desktop_app import APP_NAME
from desktop_app.domain.errors import BaoxueError, StoreError, ValidationError
from desktop_app.services import installation, server
from desktop_app.services.store import Store
from desktop_app.ui.accounts.dialogs import AdminFields
from desktop_app.ui.settings.server_fields import ServerFields
from desktop_app.ui.settings.unit_form import UnitForm
from desktop_app.ui.widgets import ErrorLabel, ok_cancel_buttons


class SetupDialog(QDialog):
    """Asked once, on the first start with an empty store."""

    def __init__(self, store: Store, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.store = store
        self.setWindowTitle(self.tr("欢迎使用%1 — 首次设置").replace("%1", APP_NAME))
        layout = QVBoxLayout(self)
        intro = QLabel(self.tr(
            "请填写本机所属单位。学校用于登记本校的控辍保学工作；区教委用于汇总、督导各校数据。\n"
            "这些信息以后可以在“设置”中修改（单位类型除外）。"
        ), self)
        intro.setWordWrap(True)
        layout.addWidget(intro)
        self.unit_form = UnitForm(self)
        layout.addWidget(self.unit_form)
        self.server = ServerFields(self)  # a district may keep its ledger on a PostgreSQL server
        layout.addWidget(self.server)
        self.server.setVisible(False)
        self.unit_form.district_radio.toggled.connect(self.server.setVisible)
        self.joined = False  # set up on a server another PC of the office set up already: sign in next
        admin_box = QGroupBox(self.tr("管理员账户（管理账户、设置、导出和备份）"), self)
        admin_layout = QVBoxLayout(admin_box)
        self.admin = AdminFields(admin_box)
        admin_layout.addWidget(self.admin)
        layout.addWidget(admin_box)
        self.other_errors = ErrorLabel(self)
        layout.addWidget(self.other_errors)
        layout.addStretch(1)
        buttons = ok_cancel_buttons(self, self._accept, ok_text=self.tr("完成设置"), cancel_text=self.tr("退出"))
        self.buttons = buttons
        layout.addWidget(buttons)
        self.resize(560, self.sizeHint().height())

    def _accept(self) -> None:
        info = self.unit_form.value()
        unit_errors = ValidationError(info.errors()) if info.errors() else None
        self.unit_form.show_errors(unit_errors)
        problem = self.admin.problem()
        if unit_errors or problem:
            self.other_errors.show_messages([problem] if problem else [])
            return
        try:
            if self.server.on_server() and not self.store.is_server:
                server.switch(self.store, self.server.value())
                if self.store.installation() is not None:  # another PC of the office set it up: sign in
                    self.joined = True
                    self.accept()
                    return
            installation.setup(self.store, info)
            self.admin.create_admin(self.store)
        except ValidationError as exc:
            self.other_errors.show_messages(self.unit_form.show_errors(exc))
            return
        except StoreError as exc:  # the server: unreachable, refused the sign-in, too old
            self.other_errors.show_messages([str(exc)])
            return
        self.accept()

    @classmethod
    def ask(cls, store: Store, parent: QWidget | None = None) -> bool:
        return cls(store, parent).exec() == QDialog.DialogCode.Accepted


class FirstAdminDialog(QDialog):
    """A store set up before accounts existed: its first administrator is made once."""

    def __init__(self, store: Store, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.store = store
        self.setWindowTitle(self.tr("设置管理员账户"))
        layout = QVBoxLayout(self)
        intro = QLabel(self.tr("本机还没有账户。请先设置管理员账户；之后每位老师用自己的账户登录。"), self)
        intro.setWordWrap(True)
        layout.addWidget(intro)
        self.admin = AdminFields(self)
        layout.addWidget(self.admin)
        self.errors = ErrorLabel(self)
        layout.addWidget(self.errors)
        buttons = ok_cancel_buttons(self, self._accept)
        self.buttons = buttons
        layout.addWidget(buttons)

    def _accept(self) -> None:
        if problem := self.admin.problem():
            self.errors.show_messages([problem])
            return
        try:
            self.admin.create_admin(self.store)
        except BaoxueError as exc:
            self.errors.show_messages([str(exc)])
            return
        self.accept()

    @classmethod
    def ask(cls, store: Store, parent: QWidget | None = None) -> bool:
        return cls(store, parent).exec() == QDialog.DialogCode.Accepted
