"""RowsModel: a read-only table model over the row dictionaries a service query returns (a TableModel)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QFont

from desktop_app.ui.common.table_model import TableModel


class RowsModel(TableModel[dict[str, Any]]):
    """Columns are ``(key, label)``; rows are dicts. Voided rows (``row["voided"]``) are grey and struck through.

    ``colors`` may give a foreground colour per row (``fn(row) -> "#rrggbb" | None``).
    """

    TIPS = True

    def __init__(self, columns: tuple[tuple[str, str], ...], parent: Any = None,
                 colors: Callable[[dict[str, Any]], str | None] | None = None) -> None:
        super().__init__(parent, headers=[label for _, label in columns])
        self._keys = [k for k, _ in columns]
        self._colors = colors

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

    def display(self, row: dict[str, Any], column: int, position: int) -> Any:
        return self.text(row.get(self._keys[column]))

    def cell(self, row: dict[str, Any], column: int, role: int, position: int) -> Any:
        voided = bool(row.get("voided"))
        if role == Qt.ItemDataRole.ToolTipRole and voided:  # the others: their text (TIPS)
            return f"已作废：{row.get('void_reason', '')}"
        if role == Qt.ItemDataRole.ForegroundRole:
            if voided:
                return QColor("#888888")
            color = self._colors(row) if self._colors else None
            return QColor(color) if color else None
        if role == Qt.ItemDataRole.FontRole and voided:
            font = QFont()
            font.setStrikeOut(True)
            return font
        return super().cell(row, column, role, position)
