"""At start: the store file is missing, empty or damaged where a store existed. Lists the automatic copies
(date, case count, whether each passes verify) and restores the one chosen; never starts an empty store."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QModelIndex, QPersistentModelIndex
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from desktop_app.domain.errors import BaoxueError
from desktop_app.services.integrity import rescue
from desktop_app.ui.common.table_model import TableModel
from desktop_app.ui.widgets import Messages

_Index = QModelIndex | QPersistentModelIndex


class CopiesModel(TableModel[rescue.CopyInfo]):
    HEADERS = ("自动备份", "时间", "案件数", "校验")

    def __init__(self, copies: list[rescue.CopyInfo], parent: QWidget | None = None) -> None:
        super().__init__(parent, copies)

    @property
    def copies(self) -> list[rescue.CopyInfo]:
        return self._rows

    def display(self, row: rescue.CopyInfo, column: int, position: int) -> Any:
        return (row.path.name, f"{row.at:%Y-%m-%d %H:%M}", str(row.cases) if row.good else "",
                "通过" if row.good else f"不可用：{row.problem}")[column]


class StoreRescueDialog(QDialog):
    """The refusal and the offer: restore a chosen automatic copy, or quit."""

    def __init__(self, error: rescue.StoreMissing, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.error = error
        self.setWindowTitle(self.tr("数据文件不可用"))
        layout = QVBoxLayout(self)
        text = QLabel(str(error), self)
        text.setWordWrap(True)
        layout.addWidget(text)
        layout.addWidget(QLabel(self.tr("请选择一份通过校验的自动备份来恢复（原来的文件会保留，不会删除）："), self))
        self.model = CopiesModel(rescue.copies(error.data_dir, key=error.key), self)
        self.view = QTableView(self)
        self.view.setModel(self.model)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.view.horizontalHeader().setStretchLastSection(True)
        layout.addWidget(self.view, 1)
        self.buttons = QDialogButtonBox(self)
        self.restore_button = self.buttons.addButton(self.tr("恢复所选备份"), QDialogButtonBox.ButtonRole.AcceptRole)
        self.buttons.addButton(self.tr("退出"), QDialogButtonBox.ButtonRole.RejectRole)
        self.buttons.accepted.connect(self.restore)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        good = next((i for i, c in enumerate(self.model.copies) if c.good), None)
        if good is not None:
            self.view.selectRow(good)
        self.restore_button.setEnabled(good is not None)
        self.view.selectionModel().selectionChanged.connect(self._selection_changed)
        self.resize(760, 400)

    def selected(self) -> rescue.CopyInfo | None:
        rows = self.view.selectionModel().selectedRows()
        return self.model.copies[rows[0].row()] if rows else None

    def _selection_changed(self) -> None:
        chosen = self.selected()
        self.restore_button.setEnabled(chosen is not None and chosen.good)

    def restore(self) -> None:
        chosen = self.selected()
        if chosen is None or not chosen.good:
            return
        try:
            rescue.restore_copy(self.error.data_dir, chosen.path, key=self.error.key)
        except (BaoxueError, OSError) as exc:
            Messages.error(self, self.tr("恢复失败"), str(exc))
            return
        self.accept()

    @classmethod
    def ask(cls, error: rescue.StoreMissing, parent: QWidget | None = None) -> bool:
        """True when a copy was restored (the store can be opened again)."""
        return cls(error, parent).exec() == QDialog.DialogCode.Accepted
