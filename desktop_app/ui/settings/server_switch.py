"""设置 → 台账存放位置 → 改用数据库服务器上的台账… (a district administrator whose ledger was moved to a server
but who chose 暂不改用 then): the address, a check that the server holds this PC's ledger (``server_switch``),
a confirmation, and the switch, after which the program works on the server (and opens it at every start)."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QDialog, QHBoxLayout, QLabel, QPushButton, QStackedWidget, QVBoxLayout, QWidget

from desktop_app.services import server, server_switch
from desktop_app.services.store import Store
from desktop_app.ui.common import operations
from desktop_app.ui.settings.server_fields import ServerForm
from desktop_app.ui.widgets import ErrorLabel, fill
from desktop_app.ui.workers import Worker


def _row(*buttons: QPushButton) -> QHBoxLayout:
    row = QHBoxLayout()
    row.addStretch(1)
    for button in buttons:
        row.addWidget(button)
    return row


class SwitchToServerDialog(QDialog):
    """改用数据库服务器上的台账: address → check (off the GUI thread) → confirm → switch → what happened.

    Signals:
        switched(): this PC now keeps its ledger on the server (the store was switched in place).
    """

    switched = Signal()
    ADDRESS, CONFIRM, DONE = range(3)

    def __init__(self, store: Store, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.store = store
        self.setWindowTitle(self.tr("改用数据库服务器上的台账"))
        self.settings: server.ServerSettings | None = None
        self.worker: Worker | None = None
        layout = QVBoxLayout(self)
        self.pages = QStackedWidget(self)
        layout.addWidget(self.pages)

        address = QWidget(self.pages)
        a_layout = QVBoxLayout(address)
        intro = QLabel(self.tr(
            "本机的台账已迁移到区教委的数据库服务器、但当时选择了“暂不改用”时，可在这里让本机改用服务器上的台账。"
            "请填写迁移时的服务器地址和登录信息（或一个 libpq 服务名）；先核对服务器上是本机迁移过去的台账，再改用。"),
            address)
        intro.setWordWrap(True)
        a_layout.addWidget(intro)
        self.fields = ServerForm(address, service=True)
        a_layout.addWidget(self.fields)
        self.address_errors = ErrorLabel(address)
        a_layout.addWidget(self.address_errors)
        self.cancel_button = QPushButton(self.tr("取消"), address)
        self.check_button = QPushButton(self.tr("检查服务器上的台账，下一步"), address)
        self.check_button.setDefault(True)  # Enter in a field checks (not 取消, the first button)
        a_layout.addLayout(_row(self.cancel_button, self.check_button))
        self.pages.addWidget(address)

        confirm = QWidget(self.pages)
        c_layout = QVBoxLayout(confirm)
        self.confirm_text = QLabel(confirm)
        self.confirm_text.setWordWrap(True)
        c_layout.addWidget(self.confirm_text)
        self.switch_errors = ErrorLabel(confirm)
        c_layout.addWidget(self.switch_errors)
        c_layout.addStretch(1)
        self.back_button = QPushButton(self.tr("返回修改"), confirm)
        self.switch_button = QPushButton(self.tr("改用服务器上的台账"), confirm)
        c_layout.addLayout(_row(self.back_button, self.switch_button))
        self.pages.addWidget(confirm)

        done = QWidget(self.pages)
        d_layout = QVBoxLayout(done)
        self.done_text = QLabel(done)
        self.done_text.setWordWrap(True)
        d_layout.addWidget(self.done_text)
        d_layout.addStretch(1)
        self.close_button = QPushButton(self.tr("关闭"), done)
        d_layout.addLayout(_row(self.close_button))
        self.pages.addWidget(done)

        self.cancel_button.clicked.connect(self.reject)
        self.check_button.clicked.connect(self.check)
        self.back_button.clicked.connect(lambda: self.pages.setCurrentIndex(self.ADDRESS))
        self.switch_button.clicked.connect(self.switch)
        self.close_button.clicked.connect(self.accept)
        self.resize(620, self.sizeHint().height())

    def check(self) -> None:
        self.address_errors.show_messages([])
        settings = self.fields.value()
        self.check_button.setEnabled(False)

        def checked(result: server_switch.ServerLedger) -> None:
            self.check_button.setEnabled(True)
            self.settings = result.settings
            self.confirm_text.setText(fill(self.tr(
                "已核对：%1。\n\n改用后，本机从现在起（以及每次启动时）使用服务器上的台账，仍用原来的账户和密码登录；"
                "台账会立即在服务器上重新打开。本机原来的数据文件保留不动，但不再更新。"), result.summary()))
            self.switch_errors.show_messages([])
            self.pages.setCurrentIndex(self.CONFIRM)

        def refused(message: str) -> None:
            self.check_button.setEnabled(True)
            self.address_errors.show_messages([message])

        self.worker = operations.run(
            self, self.tr("正在核对数据库服务器上的台账…"),
            lambda _report: server_switch.check_server_ledger(self.store, settings),
            done=checked, failed=refused, cancellable=False)

    def switch(self) -> None:
        settings = self.settings
        if settings is None:
            return
        self.switch_errors.show_messages([])
        self.switch_button.setEnabled(False)
        self.back_button.setEnabled(False)

        def switched(result: server_switch.ServerLedger) -> None:
            self.done_text.setText(fill(self.tr(
                "本机已改用 %1 上的台账，台账已在服务器上重新打开；以后每次启动程序都使用服务器，"
                "仍用原来的账户和密码登录。"), result.settings.label()))
            self.pages.setCurrentIndex(self.DONE)
            operations.events.changed.emit(operations.EVERYTHING)
            self.switched.emit()

        def refused(message: str) -> None:
            self.switch_button.setEnabled(True)
            self.back_button.setEnabled(True)
            self.switch_errors.show_messages([message])

        self.worker = operations.run(
            self, self.tr("正在改用数据库服务器上的台账…"),
            lambda _report: server_switch.switch_to_server(self.store, settings),
            done=switched, failed=refused, cancellable=False)
