"""The unit's details (school or district office): used by first-run set-up and 设置."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QButtonGroup,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from desktop_app.domain.errors import ValidationError
from desktop_app.services import installation
from desktop_app.ui.widgets import ErrorLabel


def _caption(layout: QFormLayout, field: QWidget) -> QLabel:
    """The label ``layout.addRow(text, field)`` made for ``field``."""
    label = layout.labelForField(field)
    assert isinstance(label, QLabel)  # addRow with a text always makes a QLabel
    return label


class UnitForm(QWidget):
    """Kind, name, code, township centre, contact and phone, with an error under each."""

    FIELDS = ("name", "code", "township_centre", "contact_name", "contact_phone")

    def __init__(self, parent: QWidget | None = None, *, kind_editable: bool = True) -> None:
        super().__init__(parent)
        layout = QFormLayout(self)
        self.school_radio = QRadioButton(self.tr("学校"), self)
        self.district_radio = QRadioButton(self.tr("区教委（区县教育行政部门）"), self)
        self.school_radio.setChecked(True)
        group = QButtonGroup(self)
        group.addButton(self.school_radio)
        group.addButton(self.district_radio)
        kinds = QHBoxLayout()
        kinds.addWidget(self.school_radio)
        kinds.addWidget(self.district_radio)
        kinds.addStretch(1)
        layout.addRow(self.tr("本机是"), kinds)
        self.school_radio.setEnabled(kind_editable)
        self.district_radio.setEnabled(kind_editable)
        self.edits: dict[str, QLineEdit] = {}
        self.errors: dict[str, ErrorLabel] = {}
        boxes: dict[str, QWidget] = {}
        labels = {
            "name": self.tr("单位名称"),
            "code": self.tr("学校标识码"),
            "township_centre": self.tr("所属教管中心"),
            "contact_name": self.tr("联系人"),
            "contact_phone": self.tr("联系电话"),
        }
        placeholders = {
            "name": self.tr("如：潼南区米心镇中心小学"),
            "code": self.tr("10位数字"),
            "township_centre": self.tr("如：米心教管中心"),
            "contact_phone": self.tr("手机或带区号的座机，如023-44551234"),
        }
        for field in self.FIELDS:
            edit = QLineEdit(self)
            edit.setPlaceholderText(placeholders.get(field, ""))
            error = ErrorLabel(self)
            box = QWidget(self)
            v = QVBoxLayout(box)
            v.setContentsMargins(0, 0, 0, 0)
            v.setSpacing(1)
            v.addWidget(edit)
            v.addWidget(error)
            layout.addRow(labels[field], box)
            self.edits[field] = edit
            self.errors[field] = error
            boxes[field] = box
        self.code_caption = _caption(layout, boxes["code"])
        self.township_box = boxes["township_centre"]
        self.township_caption = _caption(layout, self.township_box)
        self.district_radio.toggled.connect(self._kind_changed)

    def _kind_changed(self) -> None:
        district = self.district_radio.isChecked()
        self.code_caption.setText(self.tr("区县代码") if district else self.tr("学校标识码"))
        self.edits["code"].setPlaceholderText(self.tr("6位行政区划代码，如500152") if district else self.tr("10位数字"))
        self.township_box.setVisible(not district)
        self.township_caption.setVisible(not district)

    def value(self) -> installation.InstallationInfo:
        return installation.InstallationInfo(
            kind=installation.DISTRICT if self.district_radio.isChecked() else installation.SCHOOL,
            **{f: self.edits[f].text().strip() for f in self.FIELDS},
        )

    def set_value(self, info: installation.InstallationInfo) -> None:
        (self.district_radio if info.kind == installation.DISTRICT else self.school_radio).setChecked(True)
        for f in self.FIELDS:
            self.edits[f].setText(getattr(info, f))
        self._kind_changed()

    def show_errors(self, error: ValidationError | None) -> list[str]:
        """Show each message under its field; returns the ones that belong to no field."""
        messages = error.errors if error else []
        for f, label in self.errors.items():
            label.show_messages([e.message for e in messages if e.field == f])
        return [e.message for e in messages if e.field not in self.errors]
