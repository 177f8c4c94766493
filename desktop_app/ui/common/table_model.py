"""TableModel: the one base of the program's list models (conventions §5).

It holds the row cache, the column headings, read-only flags, the optional row numbers, and the
column sizing the views apply (``tables.prepare`` sizes each column to its content, at most
``max_width``, elides what does not fit and shows the full text as the cell's tooltip). A model says
only what a cell shows::

    class CopiesModel(TableModel[CopyInfo]):
        HEADERS = ("自动备份", "时间")

        def display(self, row: CopyInfo, column: int, position: int) -> Any:
            return (row.path.name, f"{row.at:%Y-%m-%d %H:%M}")[column]
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, ClassVar, Generic, TypeVar

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt

Index = QModelIndex | QPersistentModelIndex
RowT = TypeVar("RowT")


class TableModel(QAbstractTableModel, Generic[RowT]):
    """A read-only table over a list of rows.

    Class attributes a subclass may set:
        HEADERS: the column headings (or pass ``headers`` to the constructor).
        NUMBERED: the vertical header numbers the rows 1, 2, 3 …
        TIPS: a cell's tooltip is its text unless ``cell`` gives one (otherwise the view shows the text
            only where it is cut).
        MAX_WIDTHS: column → the widest it is sized to by its content (else ``tables.MAX_COLUMN``).
    """

    HEADERS: ClassVar[tuple[str, ...]] = ()
    NUMBERED: ClassVar[bool] = False
    TIPS: ClassVar[bool] = False
    MAX_WIDTHS: ClassVar[dict[int, int]] = {}
    RowRole = Qt.ItemDataRole.UserRole + 1

    def __init__(self, parent: Any = None, rows: Iterable[RowT] = (), headers: Sequence[str] | None = None) -> None:
        super().__init__(parent)
        self._headers: list[str] = list(self.HEADERS if headers is None else headers)
        self._rows: list[RowT] = list(rows)

    # --- rows ------------------------------------------------------------------------------

    def set_rows(self, rows: Iterable[RowT]) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self.endResetModel()

    def row(self, index: int) -> RowT:
        return self._rows[index]

    def rows(self) -> list[RowT]:
        return list(self._rows)

    @property
    def headers(self) -> list[str]:
        return self._headers

    def set_headers(self, headers: Sequence[str]) -> None:
        self.beginResetModel()
        self._headers = list(headers)
        self.endResetModel()

    def max_width(self, column: int) -> int | None:
        """The widest ``column`` is sized to by its content (None: the views' default cap)."""
        return self.MAX_WIDTHS.get(column)

    # --- what a cell shows (subclasses) ------------------------------------------------------

    def display(self, row: RowT, column: int, position: int) -> Any:
        """The text (or number) of a cell; ``position`` is the row's index in the model."""
        raise NotImplementedError

    def cell(self, row: RowT, column: int, role: int, position: int) -> Any:
        """Any other role of a cell (colour, font, alignment, the model's own roles); None by default."""
        if role == self.RowRole:
            return row
        return None

    # --- Qt ---------------------------------------------------------------------------------

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(self._headers)

    def headerData(self, section: int, orientation: Qt.Orientation,  # noqa: N802
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if orientation == Qt.Orientation.Horizontal:
            return self._headers[section] if 0 <= section < len(self._headers) else None
        return section + 1 if self.NUMBERED else None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        position, column = index.row(), index.column()
        if not index.isValid() or not 0 <= position < len(self._rows) or not 0 <= column < len(self._headers):
            return None
        row = self._rows[position]
        if role == Qt.ItemDataRole.DisplayRole:
            return self.display(row, column, position)
        own = self.cell(row, column, role, position)
        if role == Qt.ItemDataRole.ToolTipRole and own is None and self.TIPS:
            value = self.display(row, column, position)
            return None if value is None or value == "" else str(value)
        return own

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
