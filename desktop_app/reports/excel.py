"""Excel tables in the official look: a title row, a subtitle (unit, date), a frozen bold header.

Identity numbers, phone numbers and certificate numbers are written as text cells (``@``), so
Excel neither rounds them to 15 digits nor drops leading zeros.
"""

from __future__ import annotations

import datetime as dt
import os
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.utils import get_column_letter

from desktop_app.domain.errors import StoreError

_THIN = Side(style="thin")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)


def _cell_value(value: Any) -> Any:
    if isinstance(value, dt.date):
        return value.strftime("%Y-%m-%d")
    if isinstance(value, bool):
        return "是" if value else "否"
    return "" if value is None else value


def add_sheet(wb: Workbook, name: str, title: str, subtitle: str, headers: Sequence[tuple[str, int]],
              rows: Sequence[Sequence[Any]], text_columns: set[int] | frozenset[int] = frozenset(),
              first: bool = False) -> None:
    """A sheet: title (row 1), subtitle (row 2), header (row 3, frozen), then ``rows``.

    ``text_columns`` are 0-based column indexes whose cells are text (``@``).
    """
    ws = wb.active if first else wb.create_sheet()
    assert ws is not None
    ws.title = name
    width = len(headers)
    ws.cell(row=1, column=1, value=title).font = Font(name="宋体", size=16, bold=True)
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=width)
    ws.cell(row=1, column=1).alignment = Alignment(horizontal="center", vertical="center")
    ws.row_dimensions[1].height = 30
    ws.cell(row=2, column=1, value=subtitle).font = Font(name="宋体", size=10)
    ws.merge_cells(start_row=2, start_column=1, end_row=2, end_column=width)
    for col, (label, col_width) in enumerate(headers, 1):
        cell = ws.cell(row=3, column=col, value=label)
        cell.font = Font(name="宋体", size=10, bold=True)
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        cell.border = _BORDER
        ws.column_dimensions[get_column_letter(col)].width = col_width
    for r, values in enumerate(rows, 4):
        for c, value in enumerate(values):
            cell = ws.cell(row=r, column=c + 1)
            v = _cell_value(value)
            if c in text_columns:
                cell.value = str(v)
                cell.number_format = "@"
            else:
                cell.value = v
            cell.font = Font(name="宋体", size=10)
            cell.border = _BORDER
            cell.alignment = Alignment(vertical="center", wrap_text=True)
    ws.freeze_panes = "A4"
    ws.print_title_rows = "3:3"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True


def save(wb: Workbook, path: Path) -> None:
    """Write through a temporary file in the same folder, then rename (no half-written file on a full drive)."""
    path = Path(path)
    try:
        fd, tmp = tempfile.mkstemp(suffix=".xlsx", dir=path.parent)
        os.close(fd)
        wb.save(tmp)
        os.replace(tmp, path)
    except OSError as exc:
        raise StoreError(f"无法写入文件 {path}：{exc.strerror or exc}") from exc


def write_table(path: Path, title: str, subtitle: str, headers: Sequence[tuple[str, int]],
                rows: Sequence[Sequence[Any]], text_columns: set[int] | frozenset[int] = frozenset()) -> None:
    wb = Workbook()
    add_sheet(wb, title[:31], title, subtitle, headers, rows, text_columns, first=True)
    save(wb, path)
