"""The persuasion log of a form: a table model over the attempts and the dialog to edit one."""

from __future__ import annotations

import datetime as dt
from typing import Any

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QColor, QFont
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLineEdit,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from desktop_app.domain import codes
from desktop_app.domain.registration import Attempt
from desktop_app.ui.common.table_model import TableModel
from desktop_app.ui.widgets import ErrorLabel, from_qdate, make_combo, make_date_edit, set_combo_text

Index = QModelIndex | QPersistentModelIndex


class AttemptsModel(TableModel[Attempt]):
    """The attempts of one form, in date order; voided ones are shown struck through."""

    HEADERS = COLUMNS = ("序号", "日期", "劝返人员", "地点", "方式", "结果", "联合劝返")
    AttemptRole = TableModel.RowRole

    def set_attempts(self, attempts: list[Attempt]) -> None:
        self.set_rows(sorted(attempts, key=lambda a: (a.attempt_date, a.voided)))

    def attempts(self) -> list[Attempt]:
        return self.rows()

    def attempt(self, row: int) -> Attempt:
        return self._rows[row]

    def add(self, attempt: Attempt) -> None:
        self.set_attempts([*self._rows, attempt])

    def replace(self, row: int, attempt: Attempt) -> None:
        attempts = list(self._rows)
        attempts[row] = attempt
        self.set_attempts(attempts)

    def display(self, row: Attempt, column: int, position: int) -> Any:
        if column == 0:
            if row.voided:
                return "作废"
            return sum(1 for b in self._rows[: position + 1] if not b.voided)
        return (None, f"{row.attempt_date:%Y-%m-%d}", row.people, row.place, row.method, row.result,
                "是" if row.is_joint else "否")[column]

    def cell(self, row: Attempt, column: int, role: int, position: int) -> Any:
        if row.voided:
            if role == Qt.ItemDataRole.ToolTipRole:
                return f"已作废：{row.void_reason}"
            if role == Qt.ItemDataRole.ForegroundRole:
                return QColor("#888888")
            if role == Qt.ItemDataRole.FontRole:
                font = QFont()
                font.setStrikeOut(True)
                return font
        return super().cell(row, column, role, position)


class AttemptDialog(QDialog):
    """One persuasion attempt: when, who, where, how, and the result."""

    def __init__(self, parent: QWidget | None = None, attempt: Attempt | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("劝返记录"))
        self._original = attempt
        layout = QVBoxLayout(self)
        form = QFormLayout()
        self.date_edit = make_date_edit(self, attempt.attempt_date if attempt else dt.date.today())
        self.people_edit = QLineEdit(self)
        self.people_edit.setPlaceholderText(self.tr("如：李老师、村委会王主任"))
        self.place_edit = QLineEdit(self)
        self.place_edit.setPlaceholderText(self.tr("如：学生家中、村委会"))
        self.method_combo = make_combo(codes.PERSUASION_METHODS, self)
        self.result_edit = QPlainTextEdit(self)
        self.result_edit.setPlaceholderText(self.tr("如何开展劝返工作，结果如何（简明扼要）"))
        self.result_edit.setTabChangesFocus(True)
        self.result_edit.setFixedHeight(80)
        self.joint_check = QCheckBox(self.tr("联合劝返（在镇街党委政府统一领导下）"), self)
        form.addRow(self.tr("日期"), self.date_edit)
        form.addRow(self.tr("劝返人员"), self.people_edit)
        form.addRow(self.tr("地点"), self.place_edit)
        form.addRow(self.tr("方式"), self.method_combo)
        form.addRow(self.tr("结果"), self.result_edit)
        form.addRow("", self.joint_check)
        layout.addLayout(form)
        self.error_label = ErrorLabel(self)
        layout.addWidget(self.error_label)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText(self.tr("确定"))
        buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(self.tr("取消"))
        buttons.accepted.connect(self._accept)
        buttons.rejected.connect(self.reject)
        self.buttons = buttons
        layout.addWidget(buttons)
        self.method_combo.currentTextChanged.connect(
            lambda text: self.joint_check.setChecked(True) if text == "联合劝返" else None
        )
        if attempt:
            self.people_edit.setText(attempt.people)
            self.place_edit.setText(attempt.place)
            set_combo_text(self.method_combo, attempt.method)
            self.result_edit.setPlainText(attempt.result)
            self.joint_check.setChecked(attempt.is_joint)
        self.resize(460, 340)

    def value(self) -> Attempt:
        original = self._original
        return Attempt(
            attempt_date=from_qdate(self.date_edit.date()) or dt.date.today(),
            people=self.people_edit.text().strip(),
            place=self.place_edit.text().strip(),
            method=self.method_combo.currentText(),
            result=self.result_edit.toPlainText().strip(),
            is_joint=self.joint_check.isChecked(),
            id=original.id if original else None,
            voided=original.voided if original else False,
            void_reason=original.void_reason if original else "",
        )

    def _accept(self) -> None:
        a = self.value()
        problems = []
        if a.attempt_date > dt.date.today():
            problems.append(self.tr("日期不能晚于今天"))
        if not a.people:
            problems.append(self.tr("请填写劝返人员"))
        if not a.method:
            problems.append(self.tr("请选择劝返方式"))
        if not a.result:
            problems.append(self.tr("请填写劝返结果"))
        if problems:
            self.error_label.show_messages(problems)
            return
        self.accept()

    @classmethod
    def ask(cls, parent: QWidget | None, attempt: Attempt | None = None) -> Attempt | None:
        dialog = cls(parent, attempt)
        return dialog.value() if dialog.exec() == QDialog.DialogCode.Accepted else None
