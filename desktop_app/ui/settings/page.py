"""设置: the unit's details, editable after set-up."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from desktop_app.domain.errors import ValidationError
from desktop_app.services import installation
from desktop_app.services.access import Permission, can
from desktop_app.services.store import Store
from desktop_app.ui.census.settings_box import CensusSettingsBox
from desktop_app.ui.settings.backup_box import BackupBox, BusinessSettingsBox
from desktop_app.ui.settings.server_move import StoreLocationBox
from desktop_app.ui.settings.unit_form import UnitForm
from desktop_app.ui.widgets import ErrorLabel, guard_wheel


class SettingsPage(QWidget):
    def __init__(self, store: Store, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.store = store
        inner = QWidget(self)
        layout = QVBoxLayout(inner)
        box = QGroupBox(self.tr("本机单位"), self)
        box_layout = QVBoxLayout(box)
        self.unit_form = UnitForm(box, kind_editable=False)
        box_layout.addWidget(self.unit_form)
        self.other_errors = ErrorLabel(box)
        box_layout.addWidget(self.other_errors)
        row = QHBoxLayout()
        self.saved_label = QLabel(box)
        self.save_button = QPushButton(self.tr("保存单位信息"), box)
        row.addWidget(self.saved_label)
        row.addStretch(1)
        row.addWidget(self.save_button)
        box_layout.addLayout(row)
        layout.addWidget(box)
        self.business_box = BusinessSettingsBox(store, self)
        layout.addWidget(self.business_box)
        self.backup_box = BackupBox(store, self)
        layout.addWidget(self.backup_box)
        self.census_box = CensusSettingsBox(store, self)
        layout.addWidget(self.census_box)
        inst = store.installation()
        self.location_box = StoreLocationBox(store, self)  # a district's ledger: its file, or a server
        self.location_box.setVisible(inst is not None and inst.kind == installation.DISTRICT)
        layout.addWidget(self.location_box)
        info = QLabel(self.tr("数据文件：%1").replace("%1", str(store.path)), self)
        info.setWordWrap(True)
        info.setVisible(self.location_box.isHidden())
        layout.addWidget(info)
        layout.addStretch(1)
        scroll = QScrollArea(self)  # the settings grow with every area; keep them reachable at 1366x768
        scroll.setWidgetResizable(True)
        scroll.setWidget(inner)
        guard_wheel(inner)  # scrolling the page past a field never changes its value
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(scroll)
        self.save_button.clicked.connect(self.save)
        self.reload()

    def reload(self) -> None:
        inst = self.store.installation()
        if inst:
            self.unit_form.set_value(installation.InstallationInfo(
                kind=inst.kind, name=inst.name, code=inst.code, township_centre=inst.township_centre,
                contact_name=inst.contact_name, contact_phone=inst.contact_phone,
            ))
        self.saved_label.clear()
        self.save_button.setEnabled(can(self.store, Permission.MANAGE_SETTINGS))

    def refresh(self) -> None:
        self.reload()
        self.business_box.reload()
        self.backup_box.refresh()
        self.location_box.refresh()

    def save(self) -> None:
        try:
            installation.update(self.store, self.unit_form.value())
        except ValidationError as exc:
            self.other_errors.show_messages(self.unit_form.show_errors(exc))
            self.saved_label.clear()
            return
        self.unit_form.show_errors(None)
        self.other_errors.show_messages([])
        self.saved_label.setText(self.tr("已保存"))
