"""Table models of the exchange and supervision pages: small lists loaded from a service call."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QColor

from desktop_app.services import cases, district
from desktop_app.services.store import Store
from desktop_app.ui.common.table_model import TableModel
from desktop_app.ui.ledger.model import CaseLedgerModel

Index = QModelIndex | QPersistentModelIndex
STALE_COLOR = "#ffe0e0"
BAD_COLOR = "#b00020"


_NUMBER = re.compile(r"^\s*(-?\d+(?:\.\d+)?)")


def _sort_key(value: Any) -> tuple[int, float, str] | None:
    """Numbers (and text that starts with one, like "69.2%（204/295）") before other text; None for blank."""
    if value is None or value in ("", "—"):
        return None
    if isinstance(value, bool):
        return (1, 0.0, str(value))
    if isinstance(value, (int, float)):
        return (0, float(value), "")
    text = str(value)
    match = _NUMBER.match(text)
    return (0, float(match.group(1)), text) if match else (1, 0.0, text)


class RowsModel(TableModel[tuple[Any, list[Any]]]):
    """A short list (peers, packages, log lines, schools): ``load()`` returns all its rows.

    ``highlight(row_index) -> colour or None`` paints a row's background.
    """

    NUMBERED = True
    KeyRole = TableModel.RowRole

    def __init__(self, headers: Sequence[str], load: Callable[[], list[tuple[Any, list[Any]]]],
                 parent: Any = None, highlight: Callable[[int], str | None] | None = None) -> None:
        super().__init__(parent, headers=headers)
        self._load = load
        self._highlight = highlight
        self._sorted: tuple[int, Qt.SortOrder] | None = None

    def reload(self) -> None:
        rows = self._load()
        self.beginResetModel()
        self._rows = rows
        if self._sorted is not None:
            self._sort_rows(*self._sorted)
        self.endResetModel()

    def key(self, row: int) -> Any:
        return self._rows[row][0]

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """By the column's values: numbers and figures like "69.2%（204/295）" by their number, the rest
        as text; empty cells and "—" last. Kept across reloads."""
        if not 0 <= column < len(self._headers):
            return
        self.layoutAboutToBeChanged.emit()
        self._sorted = (column, order)
        self._sort_rows(column, order)
        self.layoutChanged.emit()

    def _sort_rows(self, column: int, order: Qt.SortOrder) -> None:
        descending = order == Qt.SortOrder.DescendingOrder
        filled = [r for r in self._rows if _sort_key(r[1][column] if column < len(r[1]) else None) is not None]
        empty = [r for r in self._rows if _sort_key(r[1][column] if column < len(r[1]) else None) is None]
        filled.sort(key=lambda r: _sort_key(r[1][column]) or (2, 0.0, ""), reverse=descending)
        self._rows = filled + empty

    def display(self, row: tuple[Any, list[Any]], column: int, position: int) -> Any:
        values = row[1]
        value = values[column] if column < len(values) else ""
        return "" if value is None else str(value)

    def cell(self, row: tuple[Any, list[Any]], column: int, role: int, position: int) -> Any:
        if role == Qt.ItemDataRole.BackgroundRole and self._highlight:
            colour = self._highlight(position)
            return QColor(colour) if colour else None
        if role == self.KeyRole:
            return row[0]
        return None


class DistrictLedgerModel(CaseLedgerModel):
    """All schools' cases in one paged ledger, with the school and each record's sync state."""

    def __init__(self, store: Store, parent: Any = None) -> None:
        super().__init__(store, parent)
        extra = [] if "sync_state" in self._keys else ["sync_state"]  # the ledger's own columns may have it
        self._keys = ["school", *self._keys, *extra]
        self._headers = [self.tr("学校"), *self._headers, *[self.tr("同步状态") for _k in extra]]

    def reload(self) -> None:
        self.beginResetModel()
        self._rows = district.ledger_page(self.store, self.query, 0, self.PAGE)
        self._total = (
            len(self._rows) if len(self._rows) < self.PAGE else district.ledger_count(self.store, self.query)
        )
        self.endResetModel()
        self.total_changed.emit(self._total)

    def fetchMore(self, parent: Index = QModelIndex()) -> None:  # noqa: B008, N802
        if parent.isValid():
            return
        more = district.ledger_page(self.store, self.query, len(self._rows), self.PAGE)
        if not more:
            self._total = len(self._rows)
            return
        self.beginInsertRows(QModelIndex(), len(self._rows), len(self._rows) + len(more) - 1)
        self._rows.extend(more)
        self.endInsertRows()

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        if self._keys[column] in ("school", "sync_state"):
            return
        self.query.sort = self._keys[column]
        self.query.descending = order == Qt.SortOrder.DescendingOrder
        self.reload()

    def set_school_filter(self, township: str, school: str) -> None:
        extra = {k: v for k, v in (("school_township", township), ("school", school)) if v}
        self.set_query(cases.LedgerQuery(extra=extra))
