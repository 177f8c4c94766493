"""分配学生: which students a teacher limited to assigned students may edit."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QLabel,
    QLineEdit,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from desktop_app.domain.errors import BaoxueError
from desktop_app.domain.identity import mask_id_number
from desktop_app.services import accounts
from desktop_app.services.store import Store
from desktop_app.ui.common.table_model import TableModel
from desktop_app.ui.widgets import ErrorLabel, ok_cancel_buttons

Index = QModelIndex | QPersistentModelIndex


class StudentChoiceModel(TableModel[accounts.StudentChoice]):
    """Students with a check box each; a filter by name keeps the checked state."""

    HEADERS = ("姓名", "身份证号码", "乡镇(街道)", "村(社区)")

    def __init__(self, students: list[accounts.StudentChoice], checked: set[str], parent: Any = None) -> None:
        super().__init__(parent, students)
        self._headers = [self.tr(h) for h in self.HEADERS]
        self._all = students
        self.checked = set(checked)

    def set_filter(self, text: str) -> None:
        self.set_rows([s for s in self._all if text in s.name] if text else self._all)

    def display(self, row: accounts.StudentChoice, column: int, position: int) -> Any:
        return (row.name, mask_id_number(row.id_number), row.township, row.village)[column]

    def cell(self, row: accounts.StudentChoice, column: int, role: int, position: int) -> Any:
        if role == Qt.ItemDataRole.CheckStateRole and column == 0:
            return Qt.CheckState.Checked if row.id in self.checked else Qt.CheckState.Unchecked
        return None

    def setData(self, index: Index, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:  # noqa: N802
        if not index.isValid() or role != Qt.ItemDataRole.CheckStateRole or index.column() != 0:
            return False
        sid = self._rows[index.row()].id
        if Qt.CheckState(value) == Qt.CheckState.Checked:
            self.checked.add(sid)
        else:
            self.checked.discard(sid)
        self.dataChanged.emit(index, index, [Qt.ItemDataRole.CheckStateRole])
        return True

    def flags(self, index: Index) -> Qt.ItemFlag:
        flags = super().flags(index)
        return flags | Qt.ItemFlag.ItemIsUserCheckable if index.isValid() and index.column() == 0 else flags


class AssignStudentsDialog(QDialog):
    def __init__(self, store: Store, user_name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.store = store
        self.user_name = user_name
        self.setWindowTitle(self.tr("分配学生 — %1").replace("%1", user_name))
        layout = QVBoxLayout(self)
        note = QLabel(self.tr("勾选此教师可以登记和修改记录的学生。教师新登记的学生自动分配给本人。"), self)
        note.setWordWrap(True)
        layout.addWidget(note)
        self.filter_edit = QLineEdit(self)
        self.filter_edit.setPlaceholderText(self.tr("按姓名筛选"))
        layout.addWidget(self.filter_edit)
        self.model = StudentChoiceModel(accounts.assignable_students(store),
                                        accounts.assigned_student_ids(store, user_name), self)
        self.view = QTableView(self)
        self.view.setModel(self.model)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.horizontalHeader().setStretchLastSection(True)
        self.view.resizeColumnsToContents()
        layout.addWidget(self.view, 1)
        self.errors = ErrorLabel(self)
        layout.addWidget(self.errors)
        buttons = ok_cancel_buttons(self, self._accept)
        self.buttons = buttons
        layout.addWidget(buttons)
        self.filter_edit.textChanged.connect(self.model.set_filter)
        self.resize(640, 520)

    def _accept(self) -> None:
        try:
            accounts.set_assigned_students(self.store, self.user_name, self.model.checked)
        except BaoxueError as exc:
            self.errors.show_messages([str(exc)])
            return
        self.accept()
