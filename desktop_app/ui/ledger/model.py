"""CaseLedgerModel: the case ledger as a paged table model over SQL queries."""

from __future__ import annotations

import datetime as dt
from typing import Any

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import QColor

from desktop_app.domain.codes import CaseStatus
from desktop_app.domain.identity import mask_id_number
from desktop_app.domain.roles import mask_phone
from desktop_app.services import cases
from desktop_app.services.store import Store
from desktop_app.ui.common.table_model import TableModel
from desktop_app.ui.common.wording import sync_state_label

Index = QModelIndex | QPersistentModelIndex

STATUS_COLORS = {
    CaseStatus.SUSPECTED.value: "#b00020",
    CaseStatus.PERSUADING.value: "#b26a00",
    CaseStatus.JOINT.value: "#6a1b9a",
    CaseStatus.CLOSED.value: "#2e7d32",
    CaseStatus.DEFERRED.value: "#1565c0",
}


class CaseLedgerModel(TableModel[dict[str, Any]]):
    """Rows are fetched a page at a time; filters and order are applied in SQL.

    Signals:
        total_changed(int): the number of cases matching the current query, after each reload.
    """

    total_changed = Signal(int)
    NUMBERED = True
    CaseIdRole = Qt.ItemDataRole.UserRole + 1
    SortKeyRole = Qt.ItemDataRole.UserRole + 2
    PAGE = 200

    def __init__(self, store: Store, parent: Any = None) -> None:
        super().__init__(parent, headers=[label for _key, label in cases.LEDGER_COLUMNS])
        self.store = store
        self.query = cases.LedgerQuery()
        self._total = 0
        self._loaded = False
        inst = store.installation()
        self._district = bool(inst and inst.kind == "district")
        self._keys = [key for key, _label in cases.LEDGER_COLUMNS]

    # --- loading ------------------------------------------------------------------------

    def set_query(self, query: cases.LedgerQuery) -> None:
        self.query = query
        self.reload()

    def reload(self) -> None:
        self._loaded = True
        self.beginResetModel()
        self._rows = cases.ledger_page(self.store, self.query, 0, self.PAGE)
        self._total = (
            len(self._rows) if len(self._rows) < self.PAGE else cases.ledger_count(self.store, self.query)
        )
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
        more = cases.ledger_page(self.store, self.query, len(self._rows), self.PAGE)
        if not more:
            self._total = len(self._rows)
            return
        self.beginInsertRows(QModelIndex(), len(self._rows), len(self._rows) + len(more) - 1)
        self._rows.extend(more)
        self.endInsertRows()

    # --- Qt's model interface -------------------------------------------------------------

    def display(self, row: dict[str, Any], column: int, position: int) -> Any:
        key = self._keys[column]
        value = row.get(key)
        if key == "id_number":
            return mask_id_number(value or "")
        if key.endswith("phone"):
            return mask_phone(value or "")
        if key == "sync_state":
            return sync_state_label(value, district=self._district)
        if isinstance(value, dt.date):
            return value.strftime("%Y-%m-%d")
        return "" if value is None else str(value) if not isinstance(value, int) else value

    def cell(self, row: dict[str, Any], column: int, role: int, position: int) -> Any:
        key = self._keys[column]
        if role == Qt.ItemDataRole.ForegroundRole and key == "status":
            return QColor(STATUS_COLORS.get(row.get(key) or "", "#000000"))
        if role == Qt.ItemDataRole.TextAlignmentRole and key == "attempt_count":
            return int(Qt.AlignmentFlag.AlignCenter)
        if role == self.CaseIdRole:
            return row["case_id"]
        if role == self.SortKeyRole:
            return row.get(key)
        return None

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        if not 0 <= column < len(self._keys) or self._keys[column] not in cases.SORTABLE:
            return
        self.query.sort = self._keys[column]
        self.query.descending = order == Qt.SortOrder.DescendingOrder
        if self._loaded:  # before the first load, only remember the order
            self.reload()

    def case_id(self, row: int) -> str:
        return self._rows[row]["case_id"]
