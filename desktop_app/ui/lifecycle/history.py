"""历史记录: who changed what in a case and when, in plain Chinese; the history chain can be verified."""

from __future__ import annotations

import datetime as dt
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from desktop_app.services import case_history
from desktop_app.services.store import Store

Index = QModelIndex | QPersistentModelIndex


def local_time(at: dt.datetime) -> str:
    return at.replace(tzinfo=dt.UTC).astimezone().strftime("%Y-%m-%d %H:%M:%S")


class HistoryModel(QAbstractTableModel):
    COLUMNS = ("时间", "操作人", "记录", "项目", "原值", "新值")

    def __init__(self, lines: list[case_history.HistoryLine], parent: Any = None) -> None:
        super().__init__(parent)
        self._lines = lines

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(self._lines)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(self.COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation,  # noqa: N802
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return self.COLUMNS[section]
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._lines):
            return None
        line = self._lines[index.row()]
        values = (local_time(line.at), line.user, line.record, line.what, line.old, line.new)
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return values[index.column()]
        return None


class CaseHistoryDialog(QDialog):
    """The history of one case, its student, its attempts and its lifecycle records."""

    def __init__(self, store: Store, case_id: str, title: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.store = store
        self.setWindowTitle(self.tr("历史记录") + (f" — {title}" if title else ""))
        layout = QVBoxLayout(self)
        self.model = HistoryModel(case_history.case_history(store, case_id), self)
        self.view = QTableView(self)
        self.view.setModel(self.model)
        self.view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setWordWrap(True)
        self.view.verticalHeader().hide()
        header = self.view.horizontalHeader()
        for col, width in enumerate((140, 70, 130, 150, 180)):
            self.view.setColumnWidth(col, width)
        header.setSectionResizeMode(5, QHeaderView.ResizeMode.Stretch)
        layout.addWidget(QLabel(self.tr("每一次修改都记录在防篡改的历史中（谁、何时、改了什么、原值与新值）。"), self))
        layout.addWidget(self.view, 1)
        row = QHBoxLayout()
        self.verify_button = QPushButton(self.tr("校验历史记录"), self)
        self.close_button = QPushButton(self.tr("关闭"), self)
        row.addWidget(self.verify_button)
        row.addStretch(1)
        row.addWidget(self.close_button)
        layout.addLayout(row)
        self.verify_button.clicked.connect(self.verify)
        self.close_button.clicked.connect(self.accept)
        self.resize(1000, 560)

    def verify(self) -> None:
        from desktop_app.ui.verify_dialog import VerifyDialog

        dialog = VerifyDialog(self.store, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.show()
        dialog.start()
