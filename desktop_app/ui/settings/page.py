"""设置: the unit's details, editable after set-up."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from desktop_app.domain.errors import ValidationError
from desktop_app.services import installation, lifecycle, settings
from desktop_app.services.store import Store
from desktop_app.ui.settings.unit_form import UnitForm
from desktop_app.ui.widgets import ErrorLabel


class SettingsPage(QWidget):
    def __init__(self, store: Store, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.store = store
        layout = QVBoxLayout(self)
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
        layout.addWidget(self._build_thresholds())
        info = QLabel(self.tr("数据文件：%1").replace("%1", str(store.path)), self)
        info.setWordWrap(True)
        layout.addWidget(info)
        layout.addStretch(1)
        self.save_button.clicked.connect(self.save)
        self.reload()

    def _build_thresholds(self) -> QGroupBox:
        """提醒与限制: the lifecycle's reminder thresholds and the evidence size limit."""
        box = QGroupBox(self.tr("提醒与限制"), self)
        outer = QVBoxLayout(box)
        form = QFormLayout()
        self.threshold_spins: dict[str, QSpinBox] = {}
        for spec in (lifecycle.FIRST_ATTEMPT_DAYS, lifecycle.IDLE_DAYS, lifecycle.DEFERRED_GRACE_DAYS,
                     lifecycle.EVIDENCE_MAX_MB):
            spin = QSpinBox(box)
            spin.setRange(spec.minimum or 0, spec.maximum or 9999)
            spin.setSuffix(f" {spec.unit}")
            form.addRow(self.tr(spec.label), spin)
            self.threshold_spins[spec.key] = spin
        outer.addLayout(form)
        row = QHBoxLayout()
        self.thresholds_saved_label = QLabel(box)
        self.save_thresholds_button = QPushButton(self.tr("保存提醒设置"), box)
        self.save_thresholds_button.clicked.connect(self.save_thresholds)
        row.addWidget(self.thresholds_saved_label)
        row.addStretch(1)
        row.addWidget(self.save_thresholds_button)
        outer.addLayout(row)
        return box

    def save_thresholds(self) -> None:
        try:
            for key, spin in self.threshold_spins.items():
                settings.put(self.store, key, spin.value())
        except ValidationError as exc:
            self.thresholds_saved_label.setText(str(exc))
            return
        self.thresholds_saved_label.setText(self.tr("已保存"))

    def reload(self) -> None:
        inst = self.store.installation()
        if inst:
            self.unit_form.set_value(installation.InstallationInfo(
                kind=inst.kind, name=inst.name, code=inst.code, township_centre=inst.township_centre,
                contact_name=inst.contact_name, contact_phone=inst.contact_phone,
            ))
        self.saved_label.clear()
        values = settings.all_values(self.store)
        for key, spin in self.threshold_spins.items():
            spin.setValue(int(values[key]))
        self.thresholds_saved_label.clear()

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
