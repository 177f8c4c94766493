"""Table models of the census screens: the children ledger (paged SQL), and small row lists."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable, Sequence
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QComboBox

from desktop_app.domain.census import ChildStatus
from desktop_app.domain.identity import mask_id_number
from desktop_app.services import census
from desktop_app.services.store import Store

Index = QModelIndex | QPersistentModelIndex
RowIdRole = Qt.ItemDataRole.UserRole + 1

ALERT = {ChildStatus.SUSPECTED.value, ChildStatus.NOT_ENROLLED.value, "未返校", census.UNCHECKED}


def _display(key: str, value: Any) -> Any:
    if value is None:
        return ""
    if key == "id_number":
        return mask_id_number(value)
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, dt.date):
        return value.strftime("%Y-%m-%d")
    return value if isinstance(value, int) else str(value)


class RowsModel(QAbstractTableModel):
    """A list of rows (dicts or dataclasses) shown with fixed columns; ``id_key`` names the row id."""

    def __init__(self, columns: Sequence[tuple[str, str]], id_key: str = "student_id", parent: Any = None,
                 formatters: dict[str, Callable[[Any], Any]] | None = None) -> None:
        super().__init__(parent)
        self.columns = list(columns)
        self.id_key = id_key
        self.formatters = formatters or {}
        self._rows: list[dict[str, Any]] = []

    def set_rows(self, rows: Sequence[Any]) -> None:
        self.beginResetModel()
        self._rows = [dataclasses.asdict(r) if dataclasses.is_dataclass(r) and not isinstance(r, type) else dict(r)
                      for r in rows]
        self.endResetModel()

    def row(self, index: int) -> dict[str, Any]:
        return self._rows[index]

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(self.columns)

    def headerData(self, section: int, orientation: Qt.Orientation,  # noqa: N802
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role == Qt.ItemDataRole.DisplayRole:
            if orientation == Qt.Orientation.Horizontal and 0 <= section < len(self.columns):
                return self.columns[section][1]
            if orientation == Qt.Orientation.Vertical:
                return section + 1
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not (0 <= index.row() < len(self._rows)) or index.column() >= len(self.columns):
            return None
        row = self._rows[index.row()]
        key = self.columns[index.column()][0]
        value = row.get(key)
        if role == Qt.ItemDataRole.DisplayRole:
            if key in self.formatters:
                return self.formatters[key](row)
            return _display(key, value)
        if role == Qt.ItemDataRole.ForegroundRole:
            shown = self.formatters[key](row) if key in self.formatters else value
            if isinstance(shown, str) and (shown in ALERT or shown.startswith("拒绝：")):
                return QColor("#b00020")
        if role == RowIdRole:
            return row.get(self.id_key)
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable


CHILD_COLUMNS = (
    ("name", "姓名"), ("sex", "性别"), ("id_number", "身份证号码"), ("birth_date", "出生日期"),
    ("village", "村(社区)"), ("guardian1_name", "监护人"), ("status", "就读状态"), ("method", "核查方式"),
    ("checked_by", "核查人"), ("checked_on", "核查日期"), ("school", "就读学校"), ("note", "备注"),
)


class ChildrenModel(QAbstractTableModel):
    """The school-age children ledger of one semester, fetched a page at a time.

    Signals:
        total_changed(int): the number of children matching the query, after each reload.
    """

    total_changed = Signal(int)
    PAGE = 200

    def __init__(self, store: Store, parent: Any = None) -> None:
        super().__init__(parent)
        self.store = store
        self.query = census.ChildQuery(census.current_semester(store))
        self._rows: list[dict[str, Any]] = []
        self._total = 0

    def set_query(self, query: census.ChildQuery) -> None:
        self.query = query
        self.reload()

    def reload(self) -> None:
        self.beginResetModel()
        self._rows = census.children_page(self.store, self.query, 0, self.PAGE)
        self._total = len(self._rows) if len(self._rows) < self.PAGE else census.children_count(self.store, self.query)
        self.endResetModel()
        self.total_changed.emit(self._total)

    @property
    def total(self) -> int:
        return self._total

    def canFetchMore(self, parent: Index = QModelIndex()) -> bool:  # noqa: B008, N802
        return not parent.isValid() and len(self._rows) < self._total

    def fetchMore(self, parent: Index = QModelIndex()) -> None:  # noqa: B008, N802
        if parent.isValid():
            return
        more = census.children_page(self.store, self.query, len(self._rows), self.PAGE)
        if not more:
            self._total = len(self._rows)
            return
        self.beginInsertRows(QModelIndex(), len(self._rows), len(self._rows) + len(more) - 1)
        self._rows.extend(more)
        self.endInsertRows()

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(CHILD_COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation,  # noqa: N802
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role == Qt.ItemDataRole.DisplayRole:
            if orientation == Qt.Orientation.Horizontal and 0 <= section < len(CHILD_COLUMNS):
                return CHILD_COLUMNS[section][1]
            if orientation == Qt.Orientation.Vertical:
                return section + 1
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not (0 <= index.row() < len(self._rows)) or index.column() >= len(CHILD_COLUMNS):
            return None
        row = self._rows[index.row()]
        key = CHILD_COLUMNS[index.column()][0]
        if role == Qt.ItemDataRole.DisplayRole:
            if key == "status" and not row.get("status"):
                return census.UNCHECKED
            return _display(key, row.get(key))
        if role == Qt.ItemDataRole.ForegroundRole and key == "status":
            status = row.get("status") or census.UNCHECKED
            return QColor("#b00020") if status in ALERT else QColor("#2e7d32")
        if role == RowIdRole:
            return row["student_id"]
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable

    def child(self, row: int) -> dict[str, Any]:
        return self._rows[row]


def refill_semesters(combo: QComboBox, store: Store) -> None:
    """Offer the semesters the census knows, keeping the one chosen (else the current one), quietly."""
    current = combo.currentText() or census.current_semester(store)
    combo.blockSignals(True)
    combo.clear()
    combo.addItems(census.semester_choices(store))
    combo.setCurrentText(current)
    combo.blockSignals(False)
