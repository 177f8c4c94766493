"""First-run set-up: is this PC a school or the district office?"""

from __future__ import annotations

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QVBoxLayout, QWidget

from desktop_app import APP_NAME
from desktop_app.domain.errors import ValidationError
from desktop_app.services import installation
from desktop_app.services.store import Store
from desktop_app.ui.settings.unit_form import UnitForm
from desktop_app.ui.widgets import ErrorLabel


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
        self.other_errors = ErrorLabel(self)
        layout.addWidget(self.other_errors)
        layout.addStretch(1)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText(self.tr("完成设置"))
        buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(self.tr("退出"))
        buttons.accepted.connect(self._accept)
        buttons.rejected.connect(self.reject)
        self.buttons = buttons
        layout.addWidget(buttons)
        self.resize(560, 420)

    def _accept(self) -> None:
        try:
            installation.setup(self.store, self.unit_form.value())
        except ValidationError as exc:
            self.other_errors.show_messages(self.unit_form.show_errors(exc))
            return
        self.accept()
