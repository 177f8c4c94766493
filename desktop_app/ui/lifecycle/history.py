"""历史记录: who changed what in a case and when, in plain Chinese; the history chain can be verified."""

from __future__ import annotations

import datetime as dt
from typing import Any

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt
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
from desktop_app.ui.common.table_model import TableModel

Index = QModelIndex | QPersistentModelIndex


def local_time(at: dt.datetime) -> str:
    return at.replace(tzinfo=dt.UTC).astimezone().strftime("%Y-%m-%d %H:%M:%S")


class HistoryModel(TableModel[case_history.HistoryLine]):
    HEADERS = ("时间", "操作人", "记录", "项目", "原值", "新值")
    TIPS = True

    def __init__(self, lines: list[case_history.HistoryLine], parent: Any = None) -> None:
        super().__init__(parent, lines)

    def display(self, row: case_history.HistoryLine, column: int, position: int) -> Any:
        return (local_time(row.at), row.user, row.record, row.what, row.old, row.new)[column]


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
