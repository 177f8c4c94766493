"""Small pieces every page shares: a read-only table, the selected row, questions asked with a
standard dialog, exports run off the GUI thread (moved from ui/care, which other pages imported)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QInputDialog,
    QTableView,
    QWidget,
)

from desktop_app.ui.common import files, operations
from desktop_app.ui.common.rows_model import RowsModel
from desktop_app.ui.workers import Worker


def make_table(model: RowsModel, parent: QWidget, stretch: int | None = None) -> QTableView:
    view = QTableView(parent)
    view.setModel(model)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    view.setAlternatingRowColors(True)
    view.verticalHeader().hide()
    view.verticalHeader().setDefaultSectionSize(24)
    header = view.horizontalHeader()
    header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
    header.setStretchLastSection(stretch is None)
    if stretch is not None:
        header.setSectionResizeMode(stretch, QHeaderView.ResizeMode.Stretch)
    return view


def selected_row(view: QTableView) -> int | None:
    rows = view.selectionModel().selectedRows()
    return rows[0].row() if rows else None


def select_row_where(view: QTableView, key: str, value: Any) -> bool:
    """Select the row of the view's RowsModel whose ``row[key]`` is ``value`` (after a refresh)."""
    model = view.model()
    assert isinstance(model, RowsModel)
    for i, row in enumerate(model.rows()):
        if row.get(key) == value:
            view.selectRow(i)
            return True
    return False


class Ask:
    """Questions asked with a standard dialog, in one place so tests can replace them."""

    @staticmethod
    def text(parent: QWidget | None, title: str, label: str, value: str = "") -> str | None:
        """A line of text, or None when cancelled or left empty."""
        text, ok = QInputDialog.getText(parent, title, label, text=value)
        return text.strip() if ok and text.strip() else None

    @staticmethod
    def save_path(parent: QWidget | None, title: str, suggested: str, filter_: str) -> Path | None:
        return files.save_path(parent, files.EXPORTS, title, suggested, filter_)

    @staticmethod
    def open_paths(parent: QWidget | None, title: str, filter_: str) -> list[str]:
        return [str(p) for p in files.open_paths(parent, files.EVIDENCE, title, filter_)]


def run_in_worker(parent: QWidget, label: str, job: Callable[[], Any], done: Callable[[Any], None]) -> Worker:
    """Run an export (Excel, PDF) off the GUI thread behind a progress dialog; errors go to a message box."""
    return operations.run(parent, label, lambda _report: job(), done=done)
