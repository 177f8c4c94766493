"""One table-model base (ui/common/table_model.py) under every list of the program: headings, rows,
read-only flags, row numbers, tooltips, and the column widths the views size to."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, Qt
from PySide6.QtWidgets import QTableView
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot

import desktop_app.ui
from desktop_app.ui.common import tables
from desktop_app.ui.common.table_model import TableModel


def _ui_models() -> list[type]:
    found = []
    for info in pkgutil.walk_packages(desktop_app.ui.__path__, "desktop_app.ui."):
        module = importlib.import_module(info.name)
        for _name, obj in inspect.getmembers(module, inspect.isclass):
            if issubclass(obj, QAbstractTableModel) and obj.__module__ == module.__name__:
                found.append(obj)
    return found


def test_every_table_model_of_the_program_has_the_one_base() -> None:
    models = _ui_models()
    assert len(models) >= 16  # the base, the ledgers, the lists and the dialogs' tables (a list of thumbnails is no table)
    strays = [m.__qualname__ for m in models if m is not TableModel and not issubclass(m, TableModel)]
    assert strays == []


class _Pairs(TableModel[tuple[str, str]]):
    HEADERS = ("学校", "说明")
    NUMBERED = True
    TIPS = True
    MAX_WIDTHS = {1: 90}  # noqa: RUF012

    def display(self, row: tuple[str, str], column: int, position: int) -> Any:
        return row[column]

    def cell(self, row: tuple[str, str], column: int, role: int, position: int) -> Any:
        if role == Qt.ItemDataRole.ToolTipRole and row[0] == "作废":
            return "已作废"
        return super().cell(row, column, role, position)


def test_the_base_shows_rows_headings_numbers_and_tips(qtbot: QtBot) -> None:
    model = _Pairs()
    long = "这一格的文字很长很长，超过了列宽，表格里只显示开头，把鼠标停在上面就能看到全文"
    model.set_rows([("米心镇中心小学", long), ("作废", "")])
    ModelTester(None).check(model)
    assert model.headerData(1, Qt.Orientation.Horizontal) == "说明"
    assert model.headerData(1, Qt.Orientation.Vertical) == 2
    assert model.index(0, 1).data() == long
    assert model.index(0, 1).data(Qt.ItemDataRole.ToolTipRole) == long
    assert model.index(1, 1).data(Qt.ItemDataRole.ToolTipRole) == "已作废"  # the model's own tooltip wins
    assert model.index(0, 0).data(TableModel.RowRole) == ("米心镇中心小学", long)
    assert not model.flags(model.index(0, 0)) & Qt.ItemFlag.ItemIsEditable
    assert model.data(QModelIndex()) is None and model.index(5, 0).data() is None

    view = QTableView()
    qtbot.addWidget(view)
    view.setModel(model)
    view.horizontalHeader().setStretchLastSection(False)
    tables.prepare(view)
    assert view.columnWidth(1) == 90  # its content is wider: capped where the model says
    assert view.columnWidth(0) > 60  # sized to its content
    model.set_rows([("甲", "短")])
    assert view.columnWidth(1) < 90  # sized again when the rows change
