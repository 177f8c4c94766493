"""Where a district keeps its ledger: this PC's encrypted file, or a PostgreSQL server several staff share."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QButtonGroup,
    QFormLayout,
    QGroupBox,
    QLabel,
    QLineEdit,
    QRadioButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from desktop_app.services import server


class ServerForm(QWidget):
    """The server's address and sign-in: 服务器地址, 端口, 数据库名称, 数据库用户名, 密码, and (``service``)
    a libpq service name that may stand for all of them."""

    def __init__(self, parent: QWidget | None = None, *, service: bool = False) -> None:
        super().__init__(parent)
        self.form = QFormLayout(self)
        self.host_edit = QLineEdit(self)
        self.host_edit.setPlaceholderText(self.tr("如：192.168.1.10"))
        self.port_spin = QSpinBox(self)
        self.port_spin.setRange(1, 65535)
        self.port_spin.setValue(server.DEFAULT_PORT)
        self.database_edit = QLineEdit("baoxue", self)
        self.user_edit = QLineEdit(self)
        self.password_edit = QLineEdit(self)
        self.password_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.service_edit = QLineEdit(self)
        self.service_edit.setPlaceholderText(self.tr("可不填；填写后按 libpq 服务文件（pg_service.conf）中的设置连接"))
        self.form.addRow(self.tr("服务器地址"), self.host_edit)
        self.form.addRow(self.tr("端口"), self.port_spin)
        self.form.addRow(self.tr("数据库名称"), self.database_edit)
        self.form.addRow(self.tr("数据库用户名"), self.user_edit)
        self.form.addRow(self.tr("密码"), self.password_edit)
        if service:
            self.form.addRow(self.tr("或：服务名"), self.service_edit)
        else:
            self.service_edit.hide()

    def value(self) -> server.ServerSettings:
        return server.ServerSettings(self.host_edit.text(), self.port_spin.value(), self.database_edit.text(),
                                     self.user_edit.text(), self.password_edit.text(), self.service_edit.text())


class ServerFields(QGroupBox):
    """台账存放位置 at set-up (a district only): 本机 or 数据库服务器 with its address and sign-in."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(self.tr("台账存放位置"), parent)
        layout = QVBoxLayout(self)
        self.local_radio = QRadioButton(self.tr("本机（加密数据文件，一台电脑使用）"), self)
        self.server_radio = QRadioButton(self.tr("数据库服务器（PostgreSQL 14 或更新版本，区教委多位工作人员同时使用）"), self)
        self.local_radio.setChecked(True)
        group = QButtonGroup(self)
        group.addButton(self.local_radio)
        group.addButton(self.server_radio)
        layout.addWidget(self.local_radio)
        layout.addWidget(self.server_radio)
        self.details = ServerForm(self)
        self.details.form.setContentsMargins(20, 0, 0, 0)
        self.host_edit, self.port_spin = self.details.host_edit, self.details.port_spin
        self.database_edit, self.user_edit = self.details.database_edit, self.details.user_edit
        self.password_edit = self.details.password_edit
        note = QLabel(self.tr("密码用本机的密钥加密保存，只有登录后才能解开。数据库须已由管理员建好；"
                              "其他电脑填写同一服务器即可加入，用已有的账户登录。"), self.details)
        note.setWordWrap(True)
        self.details.form.addRow(note)
        layout.addWidget(self.details)
        self.server_radio.toggled.connect(self._changed)
        self._changed()

    def _changed(self) -> None:
        self.details.setVisible(self.server_radio.isChecked())

    def on_server(self) -> bool:
        """The ledger goes on a server (only when this group is shown, i.e. a district is being set up)."""
        return not self.isHidden() and self.server_radio.isChecked()

    def value(self) -> server.ServerSettings:
        return self.details.value()
