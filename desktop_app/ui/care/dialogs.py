"""Dialogs of the care register: registering a special student, one care record, the tag picker."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QLineEdit,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from desktop_app.domain import care as rules
from desktop_app.domain import codes
from desktop_app.domain.care import CareEntry, Tag
from desktop_app.domain.errors import BaoxueError, ValidationError
from desktop_app.services import care
from desktop_app.services.store import Store
from desktop_app.ui.widgets import (
    ErrorLabel,
    from_qdate,
    make_combo,
    make_date_edit,
    messages_of,
    ok_cancel_buttons,
    set_combo_text,
    to_qdate,
)


class TagPicker(QWidget):
    """A check box per kind of special student; 家庭困难 with its kind."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        self.checks: dict[str, QCheckBox] = {}
        for i, tag in enumerate(rules.TAGS):
            box = QCheckBox(self.tr(tag), self)
            self.checks[tag] = box
            grid.addWidget(box, i // 3, (i % 3) * 2)
        self.hardship_combo: QComboBox = make_combo(rules.HARDSHIP_KINDS, self)
        self.hardship_combo.setToolTip(self.tr("家庭困难类别"))
        grid.addWidget(self.hardship_combo, 0, 1)
        self.checks[rules.HARDSHIP].toggled.connect(self.hardship_combo.setEnabled)
        self.hardship_combo.setEnabled(False)

    def value(self) -> list[Tag]:
        out = []
        for tag, box in self.checks.items():
            if box.isChecked():
                out.append(Tag(tag, self.hardship_combo.currentText() if tag == rules.HARDSHIP else ""))
        return out

    def set_value(self, tags: list[Tag]) -> None:
        chosen = {t.tag: t for t in tags}
        for tag, box in self.checks.items():
            box.setChecked(tag in chosen)
        set_combo_text(self.hardship_combo, chosen[rules.HARDSHIP].detail if rules.HARDSHIP in chosen else "")


class RegisterStudentDialog(QDialog):
    """登记特殊学生: a child who is not (or not yet) a dropout case, with their tags."""

    def __init__(self, store: Store, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.store = store
        self.student_id: str | None = None
        self.setWindowTitle(self.tr("登记特殊学生"))
        layout = QVBoxLayout(self)
        form = QFormLayout()
        self.name_edit = QLineEdit(self)
        self.id_edit = QLineEdit(self)
        self.id_edit.setPlaceholderText(self.tr("18位，末位可为X"))
        self.guardian_edit = QLineEdit(self)
        self.relation_combo = make_combo(codes.RELATIONSHIPS, self, editable=True)
        self.phone_edit = QLineEdit(self)
        self.phone_edit.setPlaceholderText(self.tr("手机或带区号的座机"))
        self.errors: dict[str, ErrorLabel] = {}
        for label, widget, field in ((self.tr("姓名"), self.name_edit, "name"),
                                     (self.tr("居民身份证号码"), self.id_edit, "id_number"),
                                     (self.tr("监护人"), self.guardian_edit, "guardian_name"),
                                     (self.tr("与学生关系"), self.relation_combo, "guardian_relation"),
                                     (self.tr("监护人电话"), self.phone_edit, "guardian_phone")):
            form.addRow(label, widget)
            self.errors[field] = ErrorLabel(self)
            form.addRow("", self.errors[field])
        layout.addLayout(form)
        box = QGroupBox(self.tr("特殊学生类别（可多选）"), self)
        box_layout = QVBoxLayout(box)
        self.tags = TagPicker(box)
        box_layout.addWidget(self.tags)
        self.errors["tags"] = ErrorLabel(box)
        box_layout.addWidget(self.errors["tags"])
        layout.addWidget(box)
        self.buttons = ok_cancel_buttons(self, self._accept, ok_text=self.tr("登记"), cancel_text=self.tr("取消"))
        layout.addWidget(self.buttons)
        self.resize(560, 460)

    def _accept(self) -> None:
        new = care.NewStudent(self.name_edit.text(), self.id_edit.text(), self.guardian_edit.text(),
                              self.relation_combo.currentText(), self.phone_edit.text())
        try:
            self.student_id = care.register_student(self.store, new, self.tags.value())
        except ValidationError as exc:
            for field, label in self.errors.items():
                label.show_messages(exc.for_field(field))
            return
        self.accept()

    @classmethod
    def ask(cls, store: Store, parent: QWidget | None) -> str | None:
        """Register a student; returns the student id, or None when cancelled."""
        dialog = cls(store, parent)
        return dialog.student_id if dialog.exec() == QDialog.DialogCode.Accepted else None


class CareRecordDialog(QDialog):
    """One care record: date, kind, who, what was done.

    Given ``current`` (a record to correct) the dialog opens filled with it, titled 修改关爱记录, and
    OK runs ``save`` with the entry: a refusal is shown in the dialog, which stays open.
    """

    def __init__(self, parent: QWidget | None = None, people: str = "", current: CareEntry | None = None,
                 save: Callable[[CareEntry], object] | None = None) -> None:
        super().__init__(parent)
        self.save = save
        self.setWindowTitle(self.tr("修改关爱记录") if current else self.tr("关爱记录"))
        layout = QVBoxLayout(self)
        form = QFormLayout()
        self.date_edit = make_date_edit(self, dt.date.today())
        self.kind_combo = make_combo(rules.CARE_KINDS, self)
        self.people_edit = QLineEdit(people, self)
        self.notes_edit = QPlainTextEdit(self)
        self.notes_edit.setTabChangesFocus(True)
        self.notes_edit.setPlaceholderText(self.tr("做了什么，学生和家庭情况如何（简明扼要）"))
        form.addRow(self.tr("日期"), self.date_edit)
        form.addRow(self.tr("方式"), self.kind_combo)
        form.addRow(self.tr("人员"), self.people_edit)
        form.addRow(self.tr("内容"), self.notes_edit)
        layout.addLayout(form)
        self.error_label = ErrorLabel(self)
        layout.addWidget(self.error_label)
        self.buttons = ok_cancel_buttons(self, self._accept, ok_text=self.tr("确定"), cancel_text=self.tr("取消"))
        layout.addWidget(self.buttons)
        if current:
            self.set_value(current)
        self.resize(460, 320)

    def set_value(self, entry: CareEntry) -> None:
        self.date_edit.setDate(to_qdate(entry.record_date))
        set_combo_text(self.kind_combo, entry.kind)
        self.people_edit.setText(entry.people)
        self.notes_edit.setPlainText(entry.notes)

    def value(self) -> CareEntry:
        return CareEntry(from_qdate(self.date_edit.date()) or dt.date.today(), self.kind_combo.currentText(),
                         self.notes_edit.toPlainText().strip(), self.people_edit.text().strip())

    def _accept(self) -> None:
        try:
            entry = self.value()
            entry.validate()
            if self.save:
                self.save(entry)
        except BaoxueError as exc:
            self.error_label.show_messages(messages_of(exc))
            return
        self.accept()

    @classmethod
    def ask(cls, parent: QWidget | None, people: str = "", current: CareEntry | None = None,
            save: Callable[[CareEntry], object] | None = None) -> CareEntry | None:
        """A new record (``current`` None), or the correction of ``current`` saved through ``save``."""
        dialog = cls(parent, people, current, save)
        return dialog.value() if dialog.exec() == QDialog.DialogCode.Accepted else None


class AidDialog(QDialog):
    """修改资助记录: the semester, the aid, the amount and a note of one aid record, saved through ``save``
    (aid is added in the row under the list; this dialog corrects one)."""

    def __init__(self, semesters: list[str], current: dict[str, Any],
                 save: Callable[[str, str, str, str], None], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.save = save
        self.setWindowTitle(self.tr("修改资助记录"))
        layout = QVBoxLayout(self)
        form = QFormLayout()
        names = list(semesters) if current["semester"] in semesters else [current["semester"], *semesters]
        self.semester_combo = make_combo(names, self, blank=False)
        self.kind_combo = make_combo(rules.AID_KINDS, self, editable=True)
        self.amount_edit = QLineEdit(self)
        self.amount_edit.setPlaceholderText(self.tr("金额（元）"))
        self.notes_edit = QLineEdit(self)
        self.errors: dict[str, ErrorLabel] = {}
        for label, widget, field in ((self.tr("学期"), self.semester_combo, "semester"),
                                     (self.tr("资助项目"), self.kind_combo, "kind"),
                                     (self.tr("金额(元)"), self.amount_edit, "amount"),
                                     (self.tr("说明"), self.notes_edit, "notes")):
            form.addRow(label, widget)
            self.errors[field] = ErrorLabel(self)
            form.addRow("", self.errors[field])
        layout.addLayout(form)
        self.error_label = ErrorLabel(self)
        layout.addWidget(self.error_label)
        self.buttons = ok_cancel_buttons(self, self._accept, ok_text=self.tr("确定"), cancel_text=self.tr("取消"))
        layout.addWidget(self.buttons)
        set_combo_text(self.semester_combo, current["semester"])
        set_combo_text(self.kind_combo, current["kind"])
        self.amount_edit.setText(current["amount"])
        self.notes_edit.setText(current["notes"])
        self.resize(400, 260)

    def _accept(self) -> None:
        try:
            self.save(self.semester_combo.currentText(), self.kind_combo.currentText(), self.amount_edit.text(),
                      self.notes_edit.text())
        except ValidationError as exc:
            for field, label in self.errors.items():
                label.show_messages(exc.for_field(field))
            self.error_label.show_messages(exc.for_field(""))
            return
        except BaoxueError as exc:
            self.error_label.show_messages([str(exc)])
            return
        self.accept()

    @classmethod
    def ask(cls, semesters: list[str], current: dict[str, Any], save: Callable[[str, str, str, str], None],
            parent: QWidget | None) -> bool:
        """Correct the aid record ``current`` (a row of ``care.aid_records``); True when saved."""
        return cls(semesters, current, save, parent).exec() == QDialog.DialogCode.Accepted
