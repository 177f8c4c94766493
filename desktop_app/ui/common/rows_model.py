"""RowsModel: a read-only table model over the row dictionaries a service query returns."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QColor, QFont

Index = QModelIndex | QPersistentModelIndex


class RowsModel(QAbstractTableModel):
    """Columns are ``(key, label)``; rows are dicts. Voided rows (``row["voided"]``) are grey and struck through.

    ``colors`` may give a foreground colour per row (``fn(row) -> "#rrggbb" | None``).
    """

    RowRole = Qt.ItemDataRole.UserRole + 1

    def __init__(self, columns: tuple[tuple[str, str], ...], parent: Any = None,
                 colors: Callable[[dict[str, Any]], str | None] | None = None) -> None:
        super().__init__(parent)
        self._keys = [k for k, _ in columns]
        self._labels = [label for _, label in columns]
        self._rows: list[dict[str, Any]] = []
        self._colors = colors

    def set_rows(self, rows: list[dict[str, Any]]) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self.endResetModel()

    def row(self, index: int) -> dict[str, Any]:
        return self._rows[index]

    def rows(self) -> list[dict[str, Any]]:
        return list(self._rows)

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(self._keys)

    def headerData(self, section: int, orientation: Qt.Orientation,  # noqa: N802
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal \
                and 0 <= section < len(self._labels):
            return self._labels[section]
        return None

    @staticmethod
    def text(value: Any) -> str:
        if value is None:
            return ""
        if isinstance(value, bool):
            return "是" if value else "否"
        if isinstance(value, dt.date):
            return value.strftime("%Y-%m-%d")
        if isinstance(value, list):
            return str(len(value)) if value else ""
        return str(value)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not (0 <= index.row() < len(self._rows)):
            return None
        row = self._rows[index.row()]
        key = self._keys[index.column()]
        voided = bool(row.get("voided"))
        if role == Qt.ItemDataRole.DisplayRole:
            return self.text(row.get(key))
        if role == Qt.ItemDataRole.ToolTipRole:
            if voided:
                return f"已作废：{row.get('void_reason', '')}"
            return self.text(row.get(key)) or None
        if role == Qt.ItemDataRole.ForegroundRole:
            if voided:
                return QColor("#888888")
            color = self._colors(row) if self._colors else None
            return QColor(color) if color else None
        if role == Qt.ItemDataRole.FontRole and voided:
            font = QFont()
            font.setStrikeOut(True)
            return font
        if role == self.RowRole:
            return row
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
