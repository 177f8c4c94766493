"""Table models of the census screens: the children ledger (paged SQL), and small row lists."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QComboBox

from desktop_app.domain.census import ChildStatus
from desktop_app.domain.identity import mask_id_number
from desktop_app.services import census
from desktop_app.services.store import Store
from desktop_app.ui.common.table_model import TableModel

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


class RowsModel(TableModel[dict[str, Any]]):
    """A list of rows (dicts or dataclasses) shown with fixed columns; ``id_key`` names the row id."""

    NUMBERED = True

    def __init__(self, columns: Sequence[tuple[str, str]], id_key: str = "student_id", parent: Any = None,
                 formatters: dict[str, Callable[[Any], Any]] | None = None) -> None:
        super().__init__(parent)
        self.columns = list(columns)
        self.id_key = id_key
        self.formatters = formatters or {}

    @property
    def columns(self) -> list[tuple[str, str]]:
        return self._columns

    @columns.setter
    def columns(self, columns: Sequence[tuple[str, str]]) -> None:
        """New columns (shown with the next ``set_rows``)."""
        self._columns = list(columns)
        self._headers = [label for _key, label in self._columns]

    def set_rows(self, rows: Iterable[Any]) -> None:
        super().set_rows(dataclasses.asdict(r) if dataclasses.is_dataclass(r) and not isinstance(r, type) else dict(r)
                         for r in rows)

    def _shown(self, row: dict[str, Any], key: str) -> Any:
        return self.formatters[key](row) if key in self.formatters else _display(key, row.get(key))

    def display(self, row: dict[str, Any], column: int, position: int) -> Any:
        return self._shown(row, self._columns[column][0])

    def cell(self, row: dict[str, Any], column: int, role: int, position: int) -> Any:
        if role == Qt.ItemDataRole.ForegroundRole:
            key = self._columns[column][0]
            shown = self.formatters[key](row) if key in self.formatters else row.get(key)
            if isinstance(shown, str) and (shown in ALERT or shown.startswith("拒绝：")):
                return QColor("#b00020")
        if role == RowIdRole:
            return row.get(self.id_key)
        return None


CHILD_COLUMNS = (
    ("name", "姓名"), ("sex", "性别"), ("id_number", "身份证号码"), ("birth_date", "出生日期"),
    ("village", "村(社区)"), ("guardian1_name", "监护人"), ("status", "就读状态"), ("method", "核查方式"),
    ("checked_by", "核查人"), ("checked_on", "核查日期"), ("school", "就读学校"), ("note", "备注"),
)


class ChildrenModel(TableModel[dict[str, Any]]):
    """The school-age children ledger of one semester, fetched a page at a time.

    Signals:
        total_changed(int): the number of children matching the query, after each reload.
    """

    total_changed = Signal(int)
    PAGE = 200
    NUMBERED = True

    def __init__(self, store: Store, parent: Any = None) -> None:
        super().__init__(parent, headers=[label for _key, label in CHILD_COLUMNS])
        self.store = store
        self.query = census.ChildQuery(census.current_semester(store))
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

    def display(self, row: dict[str, Any], column: int, position: int) -> Any:
        key = CHILD_COLUMNS[column][0]
        if key == "status" and not row.get("status"):
            return census.UNCHECKED
        return _display(key, row.get(key))

    def cell(self, row: dict[str, Any], column: int, role: int, position: int) -> Any:
        if role == Qt.ItemDataRole.ForegroundRole and CHILD_COLUMNS[column][0] == "status":
            status = row.get("status") or census.UNCHECKED
            return QColor("#b00020") if status in ALERT else QColor("#2e7d32")
        if role == RowIdRole:
            return row["student_id"]
        return None

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
