"""Excel workbooks (openpyxl): ledgers, one case's form, the monthly report.

Sheets open the way an office expects: a title row naming the unit, a line with the export
date, a bold header row that stays in view (frozen) and carries a filter, column widths that fit
Chinese text, identity and student numbers stored as text (never 1.1E+17) in text-formatted
columns, dates as real dates, landscape printing fitted to the page width with the header
repeated. Large ledgers stream through openpyxl's write-only mode (``SheetWriter``,
``write_rows``, ``save_workbook``); small tables use ``add_sheet``/``write_table``/``save``.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import tempfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet
from openpyxl.worksheet.dimensions import ColumnDimension

from desktop_app.domain.errors import StoreError
from desktop_app.reports import cells, files
from desktop_app.reports.files import OutputCancelled, atomic_output, check_target

TEXT, DATE, NUMBER = "text", "date", "number"
DATE_FORMAT = "yyyy-mm-dd"
FONT_NAME = "宋体"

_thin = Side(style="thin", color="808080")
_GREY_BORDER = Border(left=_thin, right=_thin, top=_thin, bottom=_thin)
_HEADER_FILL = PatternFill("solid", fgColor="DDE6F0")


@dataclass(frozen=True)
class Column:
    """A column: its header, the kind of value and a width in characters (a Chinese character is 2)."""

    header: str
    kind: str = TEXT
    width: float = 10


def display_width(text: str) -> int:
    """Width in Excel's character units: a Chinese character counts two."""
    return sum(1 if ord(ch) < 0x2E80 else 2 for ch in text)


def _fit(column: Column) -> float:
    return max(column.width, display_width(column.header) + 2)


def _print_setup(ws: Any) -> None:
    """Rows 1-3 (title, subtitle, header) stay in view; printed landscape on A4, fitted to the width,
    the header repeated on every page."""
    ws.freeze_panes = "A4"
    ws.print_title_rows = "3:3"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = "9"  # A4
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0


class SheetWriter:
    """One write-only sheet: title rows, header, then rows appended one by one."""

    def __init__(self, workbook: Workbook, name: str, title: str, subtitle: str,
                 columns: Sequence[Column]) -> None:
        self.ws: WriteOnlyWorksheet = workbook.create_sheet(name)
        self.columns = list(columns)
        self.rows = 0
        ws = self.ws
        last = get_column_letter(max(len(self.columns), 1))
        for i, column in enumerate(self.columns, start=1):
            letter = get_column_letter(i)
            dim = ColumnDimension(ws, index=letter, width=_fit(column))
            if column.kind == TEXT:
                dim.number_format = "@"  # what is typed in later stays text too
            ws.column_dimensions[letter] = dim
        ws.merged_cells.add(f"A1:{last}1")
        ws.merged_cells.add(f"A2:{last}2")
        _print_setup(ws)
        ws.append([self._cell(title, Font(name=FONT_NAME, size=16, bold=True), Alignment(horizontal="center"))])
        ws.row_dimensions[1].height = 28
        ws.append([self._cell(subtitle, Font(name=FONT_NAME, size=10), Alignment(horizontal="left"))])
        header_font = Font(name=FONT_NAME, size=10, bold=True)
        wrap = Alignment(horizontal="center", vertical="center", wrap_text=True)
        ws.append([self._cell(c.header, header_font, wrap, fill=_HEADER_FILL, border=_GREY_BORDER)
                   for c in self.columns])
        ws.row_dimensions[3].height = 30

    def _cell(self, value: Any, font: Font | None = None, alignment: Alignment | None = None,
              fill: PatternFill | None = None, border: Border | None = None) -> WriteOnlyCell:
        cell = cells.defuse(WriteOnlyCell(self.ws, value=cells.storable(value)))
        if font is not None:
            cell.font = font
        if alignment is not None:
            cell.alignment = alignment
        if fill is not None:
            cell.fill = fill
        if border is not None:
            cell.border = border
        return cell

    def append(self, values: Sequence[Any]) -> None:
        """A data row: strings stay text (never a formula), ``datetime.date`` values become dates."""
        self.ws.append(cells.row(self.ws, values))
        self.rows += 1

    def append_styled(self, values: Sequence[Any], *, bold: bool = False) -> None:
        font = Font(name=FONT_NAME, size=10, bold=bold)
        align = Alignment(vertical="top", wrap_text=True)
        self.ws.append([self._cell(v, font, align, border=_GREY_BORDER) for v in values])
        self.rows += 1

    def finish(self) -> None:
        if self.rows:
            last = get_column_letter(len(self.columns))
            self.ws.auto_filter.ref = f"A3:{last}{self.rows + 3}"


def new_workbook() -> Workbook:
    return Workbook(write_only=True)


def save_workbook(workbook: Workbook, path: str | Path) -> Path:
    """Save through a temporary file so a failed or cancelled export leaves nothing behind."""
    target = Path(path)
    try:
        with atomic_output(target) as temp:
            workbook.save(temp)
    except BaseException:
        discard(workbook)
        raise
    return target


def discard(workbook: Workbook) -> None:
    """Drop a write-only workbook that will not be saved, removing openpyxl's temporary files."""
    for ws in workbook.worksheets:
        rows = getattr(ws, "_rows", None)
        writer = getattr(ws, "_writer", None)
        with contextlib.suppress(Exception):
            if rows is not None:
                rows.close()
            if writer is not None:
                writer.close()
                writer.cleanup()


def write_rows(path: str | Path, sheet_name: str, title: str, subtitle: str, columns: Sequence[Column],
                rows: Iterable[Sequence[Any]], progress: Callable[[int], bool] | None = None,
                every: int = 1000) -> int:
    """One sheet, streamed; returns the number of data rows.

    ``progress(rows_written)`` is called every ``every`` rows; returning False stops and raises
    ``OutputCancelled`` (no file is written).
    """
    check_target(path)
    workbook = new_workbook()
    try:
        sheet = SheetWriter(workbook, sheet_name, title, subtitle, columns)
        for values in rows:
            sheet.append(values)
            if progress is not None and sheet.rows % every == 0 and progress(sheet.rows) is False:
                raise OutputCancelled
        sheet.finish()
    except BaseException:
        discard(workbook)
        raise
    save_workbook(workbook, path)
    return sheet.rows


def write_form_sheet(workbook: Workbook, title: str, subtitle: str, content: dict[str, str],
                     records: list[str], shown: dict[str, str] | None = None) -> None:
    """One case's registration form as a two-column sheet (label, value) in the form's order."""
    label_w = min(max((display_width(k) for k in content), default=10) + 2, 40)
    columns = [Column("项目", TEXT, label_w), Column("内容", TEXT, 80)]
    sheet = SheetWriter(workbook, "一生一表", title, subtitle, columns)
    for label, value in content.items():
        if label.startswith("劝返过程详细记录第"):
            continue
        sheet.append_styled([label, (shown or {}).get(label, value)])
    for i, line in enumerate(records, start=1):
        sheet.append_styled(["劝返过程详细记录" if i == 1 else "", line])


# --- small tables in an ordinary workbook (care, home teaching) ---------------------------

_THIN = Side(style="thin")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)


def _cell_value(value: Any) -> Any:
    value = cells.storable(value)
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
    ws.cell(row=1, column=1, value=title).font = Font(name=FONT_NAME, size=16, bold=True)
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=width)
    ws.cell(row=1, column=1).alignment = Alignment(horizontal="center", vertical="center")
    ws.row_dimensions[1].height = 30
    ws.cell(row=2, column=1, value=subtitle).font = Font(name=FONT_NAME, size=10)
    ws.merge_cells(start_row=2, start_column=1, end_row=2, end_column=width)
    for col, (label, col_width) in enumerate(headers, 1):
        cell = ws.cell(row=3, column=col, value=label)
        cell.font = Font(name=FONT_NAME, size=10, bold=True)
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        cell.border = _BORDER
        ws.column_dimensions[get_column_letter(col)].width = col_width
    body_font = Font(name=FONT_NAME, size=10)
    body_alignment = Alignment(vertical="center", wrap_text=True)
    for r, values in enumerate(rows, 4):
        for c, value in enumerate(values):
            cell = ws.cell(row=r, column=c + 1)
            v = _cell_value(value)
            if c in text_columns:
                cell.value = str(v)
                cell.number_format = "@"
            else:
                cell.value = v
            cell.font = body_font
            cell.border = _BORDER
            cell.alignment = body_alignment
    _print_setup(ws)


def save(wb: Workbook, path: Path) -> None:
    """Write through a temporary file in the same folder, then rename (no half-written file on a full drive)."""
    path = Path(path)
    cells.defuse_workbook(wb)
    tmp = None
    try:
        fd, tmp = tempfile.mkstemp(suffix=".xlsx", dir=path.parent)
        os.close(fd)
        wb.save(tmp)
        files.replace_file(tmp, path)
    except OSError as exc:
        if files.is_sharing_violation(exc):
            raise StoreError(files.open_elsewhere_message(path)) from exc
        raise StoreError(f"无法写入文件 {path}：{exc.strerror or exc}") from exc
    finally:
        if tmp is not None:
            with contextlib.suppress(OSError):
                os.unlink(tmp)  # left only when saving failed: a half-written temporary file


def write_table(path: Path, title: str, subtitle: str, headers: Sequence[tuple[str, int]],
                rows: Sequence[Sequence[Any]], text_columns: set[int] | frozenset[int] = frozenset()) -> None:
    wb = Workbook()
    add_sheet(wb, title[:31], title, subtitle, headers, rows, text_columns, first=True)
    save(wb, path)
