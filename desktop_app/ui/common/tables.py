"""Every table fits a 1366-pixel screen: columns sized to their content (within a cap), text that
does not fit elided, and the full text in a tooltip.

``prepare_all(window)`` gives each table view of a window the eliding delegate and sizes its
columns whenever its model is (re)loaded, until the user resizes a column by hand. Models need
nothing of their own for this; a ``TableModel`` may cap a column's width (``MAX_WIDTHS``).
"""

from __future__ import annotations

from PySide6.QtCore import QAbstractItemModel, QEvent, QModelIndex, QObject, QPersistentModelIndex, Qt
from PySide6.QtGui import QHelpEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QHeaderView,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableView,
    QToolTip,
    QWidget,
)

from desktop_app.ui.common.table_model import TableModel

MAX_COLUMN = 260  # no column wider than this by itself; longer text is elided with a tooltip
_FITTED = "_baoxue_fitted"
_BY_USER = "_baoxue_resized_by_user"

Index = QModelIndex | QPersistentModelIndex


class ElidingDelegate(QStyledItemDelegate):
    """Elides what does not fit its cell and shows the whole text as the cell's tooltip."""

    def full_text(self, index: Index) -> str:
        value = index.data(Qt.ItemDataRole.DisplayRole)
        return "" if value is None else str(value)

    def is_elided(self, view: QAbstractItemView, index: Index) -> bool:
        """Whether the cell shows less than its text (wider than the cell, or on more lines than shown)."""
        option = QStyleOptionViewItem()
        option.initFrom(view)
        self.initStyleOption(option, index)
        rect = view.visualRect(index)
        hint = self.sizeHint(option, index)
        return hint.width() > rect.width() + 1 or (
            "\n" in self.full_text(index) and hint.height() > rect.height() + 1)

    def tooltip(self, view: QAbstractItemView, index: Index) -> str:
        """The tooltip a user sees on the cell: the model's own, or the full text when it is elided."""
        own = index.data(Qt.ItemDataRole.ToolTipRole)
        if own:
            return str(own)
        return self.full_text(index) if self.is_elided(view, index) else ""

    def helpEvent(self, event: QHelpEvent, view: QAbstractItemView, option: QStyleOptionViewItem,  # noqa: N802
                  index: Index) -> bool:
        if event is not None and event.type() == QEvent.Type.ToolTip and index.isValid():
            text = self.tooltip(view, index)
            if text:
                QToolTip.showText(event.globalPos(), text, view)
            else:
                QToolTip.hideText()
                event.ignore()
            return True
        return super().helpEvent(event, view, option, index)


def fit_columns(view: QTableView, cap: int = MAX_COLUMN) -> None:
    """Size each interactive column to its header and its shown rows, at most ``cap`` (the header always fits)."""
    model = view.model()
    if model is None:
        return
    header = view.horizontalHeader()
    view.setProperty(_FITTED, True)
    view.setProperty("_baoxue_fitting", True)
    try:
        for col in range(model.columnCount(QModelIndex())):
            if header.isSectionHidden(col) or header.sectionResizeMode(col) != QHeaderView.ResizeMode.Interactive:
                continue
            if header.stretchLastSection() and col == model.columnCount(QModelIndex()) - 1:
                continue
            head = header.sectionSizeFromContents(col).width()
            content = view.sizeHintForColumn(col)
            widest = model.max_width(col) if isinstance(model, TableModel) else None
            view.setColumnWidth(col, max(head, min(content, widest or cap)))
    finally:
        view.setProperty("_baoxue_fitting", False)


def header_fits(view: QTableView, col: int) -> bool:
    header = view.horizontalHeader()
    return header.sectionSize(col) + 1 >= header.sectionSizeFromContents(col).width()


def header_tooltip(view: QTableView, col: int) -> str:
    """The tooltip of a column heading: the model's own, or the whole heading when it is cut."""
    model = view.model()
    own = model.headerData(col, Qt.Orientation.Horizontal, Qt.ItemDataRole.ToolTipRole)
    if own:
        return str(own)
    text = model.headerData(col, Qt.Orientation.Horizontal, Qt.ItemDataRole.DisplayRole)
    return "" if header_fits(view, col) or text is None else str(text)


class _HeaderTips(QObject):
    """Shows a cut column heading in full as a tooltip (an event filter on the header's viewport)."""

    def __init__(self, view: QTableView) -> None:
        super().__init__(view)
        self.view = view

    def eventFilter(self, _watched: QObject, event: QEvent) -> bool:  # noqa: N802
        if event.type() == QEvent.Type.ToolTip and isinstance(event, QHelpEvent):
            header = self.view.horizontalHeader()
            col = header.logicalIndexAt(event.pos())
            text = header_tooltip(self.view, col) if col >= 0 else ""
            if text:
                QToolTip.showText(event.globalPos(), text, header)
            else:
                QToolTip.hideText()
            return True
        return False


def prepare(view: QTableView) -> None:
    """Give a table the eliding delegate and size its columns whenever its model is loaded again."""
    if view.property("_baoxue_prepared"):
        return
    view.setProperty("_baoxue_prepared", True)
    if type(view.itemDelegate()) is QStyledItemDelegate:  # a table with its own delegate keeps it
        view.setItemDelegate(ElidingDelegate(view))
    view.setTextElideMode(Qt.TextElideMode.ElideRight)
    header = view.horizontalHeader()
    header.setTextElideMode(Qt.TextElideMode.ElideRight)
    header.viewport().installEventFilter(_HeaderTips(view))

    def resized(_col: int, _old: int, _new: int) -> None:
        if not view.property("_baoxue_fitting") and view.property(_FITTED) and header.isVisible() \
                and QApplication.mouseButtons() != Qt.MouseButton.NoButton:
            view.setProperty(_BY_USER, True)  # the user dragged a column: leave the widths alone

    header.sectionResized.connect(resized)

    def refit() -> None:
        if not view.property(_BY_USER):
            fit_columns(view)

    def watch(model: QAbstractItemModel | None) -> None:
        if model is None:
            return
        model.modelReset.connect(refit)
        model.layoutChanged.connect(refit)
        model.rowsInserted.connect(lambda _p, first, _last: refit() if first == 0 else None)

    watch(view.model())
    fit_columns(view)


def prepare_all(root: QWidget) -> None:
    """Prepare the tables under ``root`` now (for tables already shown before ``install``)."""
    for view in root.findChildren(QTableView):
        if view.model() is not None:
            prepare(view)
