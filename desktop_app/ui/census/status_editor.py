"""The status of one child in one semester: what, how, who, when (and where for 区外就读)."""

from __future__ import annotations

import datetime as dt

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QFormLayout, QLabel, QLineEdit, QVBoxLayout, QWidget

from desktop_app.domain.census import CHECK_METHODS, CONTACT_METHODS, ChildStatus
from desktop_app.domain.errors import BaoxueError
from desktop_app.services import census
from desktop_app.services.store import Store
from desktop_app.ui.widgets import ErrorLabel, from_qdate, make_combo, make_date_edit, messages_of, set_combo_text


class StatusEditor(QWidget):
    """Fields of a StatusEntry; ``value()`` reads them, ``save()`` stores them for a child."""

    def __init__(self, store: Store, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.store = store
        form = QFormLayout(self)
        form.setContentsMargins(0, 0, 0, 0)
        self.status_combo = make_combo([s.value for s in ChildStatus], self)
        self.method_combo = make_combo(CHECK_METHODS, self)
        self.checked_by_edit = QLineEdit(store.user, self)
        self.date_edit = make_date_edit(self)
        self.school_edit = QLineEdit(self)
        self.school_edit.setPlaceholderText(self.tr("区内他校、区外、特殊学校的校名"))
        self.place_edit = QLineEdit(self)
        self.place_edit.setPlaceholderText(self.tr("区外就读：省、市、县"))
        self.note_edit = QLineEdit(self)
        form.addRow(self.tr("就读状态*"), self.status_combo)
        form.addRow(self.tr("核查方式*"), self.method_combo)
        form.addRow(self.tr("核查人*"), self.checked_by_edit)
        form.addRow(self.tr("核查日期"), self.date_edit)
        form.addRow(self.tr("就读学校"), self.school_edit)
        form.addRow(self.tr("就读地点"), self.place_edit)
        form.addRow(self.tr("备注"), self.note_edit)
        self.errors = ErrorLabel(self)
        form.addRow(self.errors)

    def set_record(self, row: dict | None) -> None:
        row = row or {}
        set_combo_text(self.status_combo, row.get("status") or "")
        set_combo_text(self.method_combo, row.get("method") or "")
        self.checked_by_edit.setText(row.get("checked_by") or self.store.user)
        self.school_edit.setText(row.get("school") or "")
        self.place_edit.setText(row.get("place") or "")
        self.note_edit.setText(row.get("note") or "")
        self.errors.show_messages([])

    def value(self) -> census.StatusEntry:
        return census.StatusEntry(
            status=self.status_combo.currentText(), method=self.method_combo.currentText(),
            checked_by=self.checked_by_edit.text(), checked_on=from_qdate(self.date_edit.date()) or dt.date.today(),
            school=self.school_edit.text(), place=self.place_edit.text(), note=self.note_edit.text(),
        )

    def save(self, student_id: str | list[str], semester: str) -> bool:
        """Store the fields for one child, or the same for several (one transaction); False when refused."""
        try:
            census.mark_statuses(self.store, [student_id] if isinstance(student_id, str) else student_id, semester,
                                 self.value())
        except BaoxueError as exc:  # a refusal of any kind (not allowed, record gone …) shows here
            self.errors.show_messages(messages_of(exc))
            return False
        self.errors.show_messages([])
        return True


class StatusDialog(QDialog):
    """Record a child's status from another screen (数据比对)."""

    def __init__(self, store: Store, student_id: str, semester: str, title: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.student_id, self.semester = student_id, semester
        layout = QVBoxLayout(self)
        self.editor = StatusEditor(store, self)
        record = census.status_of(store, student_id, semester)
        if record:
            self.editor.set_record({k: getattr(record, k) for k in ("status", "method", "checked_by", "school",
                                                                    "place", "note")})
        layout.addWidget(self.editor)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel, self)
        buttons.accepted.connect(self._save)
        buttons.rejected.connect(self.reject)
        self.save_button = buttons.button(QDialogButtonBox.StandardButton.Save)
        layout.addWidget(buttons)

    def _save(self) -> None:
        if self.editor.save(self.student_id, self.semester):
            self.accept()

    @classmethod
    def ask(cls, store: Store, student_id: str, semester: str, title: str, parent: QWidget | None = None) -> bool:
        return cls(store, student_id, semester, title, parent).exec() == QDialog.DialogCode.Accepted


class ContactDialog(QDialog):
    """Log a contact with the guardian of a child schooled outside the district; shows earlier contacts."""

    def __init__(self, store: Store, student_id: str, name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.store, self.student_id = store, student_id
        self.setWindowTitle(self.tr("监护人联系记录：%1").replace("%1", name))
        layout = QVBoxLayout(self)
        earlier = census.contacts(store, student_id)
        history = "\n".join(f"{c.contact_date}  {c.method}  {c.contacted_by}：{c.note}" for c in earlier)
        self.history_label = QLabel(history or self.tr("还没有联系记录"), self)
        self.history_label.setWordWrap(True)
        layout.addWidget(self.history_label)
        form = QFormLayout()
        self.date_edit = make_date_edit(self)
        self.method_combo = make_combo(CONTACT_METHODS, self, blank=False)
        self.by_edit = QLineEdit(store.user, self)
        self.note_edit = QLineEdit(self)
        form.addRow(self.tr("联系日期"), self.date_edit)
        form.addRow(self.tr("方式"), self.method_combo)
        form.addRow(self.tr("联系人（教师）"), self.by_edit)
        form.addRow(self.tr("联系情况"), self.note_edit)
        layout.addLayout(form)
        self.errors = ErrorLabel(self)
        layout.addWidget(self.errors)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel, self)
        buttons.accepted.connect(self._save)
        buttons.rejected.connect(self.reject)
        self.save_button = buttons.button(QDialogButtonBox.StandardButton.Save)
        layout.addWidget(buttons)

    def _save(self) -> None:
        try:
            census.log_contact(self.store, self.student_id, from_qdate(self.date_edit.date()) or dt.date.today(),
                               self.method_combo.currentText(), self.by_edit.text(), self.note_edit.text())
        except BaoxueError as exc:  # a refusal of any kind (not allowed, record gone …) shows here
            self.errors.show_messages(messages_of(exc))
            return
        self.accept()

    @classmethod
    def ask(cls, store: Store, student_id: str, name: str, parent: QWidget | None = None) -> bool:
        return cls(store, student_id, name, parent).exec() == QDialog.DialogCode.Accepted
