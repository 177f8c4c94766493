"""The error report of a roster import (``<file>-未导入的行.xlsx``): the rows not imported, as they were,
with their sheet row number and the reason; fix them and import the file again.

Rows are appended as the import meets them (openpyxl's write-only mode keeps them on disk, not in
memory), so a roster of a million rejected rows is reported in bounded memory. User text stays
text (``cells.row``): a cell reading ``=1+1`` is shown as typed, never as a formula.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from desktop_app.domain.census import cell_text
from desktop_app.reports import cells as text_cells

STYLED_HEADER_BELOW = 5000  # a bold, frozen header for reports of fewer rows
MAX_REPORT_ROWS = 200_000  # rows listed (a workbook keeps its distinct texts in memory); the rest counted


class ErrorReport:
    """The rejected rows of one import, written as they come; ``save`` once at the end."""

    def __init__(self, headers: list[str], *, styled: bool = True) -> None:
        self.headers = list(headers)
        self.count = 0
        self._wb = Workbook(write_only=True)
        self._ws = self._wb.create_sheet("未导入的行")
        header: list[Any] = [*self.headers, "原行号", "拒绝原因"]
        if styled:
            bold = Font(bold=True)
            header = [WriteOnlyCell(self._ws, value=text) for text in header]
            for cell in header:
                cell.font = bold
            self._ws.freeze_panes = "A2"
        self._ws.append(text_cells.row(self._ws, header))

    def add(self, row_number: int, cells: list[Any], reason: str) -> None:
        self.count += 1
        if self.count > MAX_REPORT_ROWS:
            return
        width = len(self.headers)
        values = [_report_value(c) for c in cells[:width]]
        values += [""] * (width - len(values))
        self._ws.append(text_cells.row(self._ws, [*values, row_number, reason]))

    def save(self, path: str | Path) -> Path:
        """Write the report to ``path`` (a write-only workbook is saved once)."""
        path = Path(path)
        if self.count > MAX_REPORT_ROWS:
            self._ws.append(["", f"另有{self.count - MAX_REPORT_ROWS}行未导入，未在此列出：请先改正以上各行再导入一次"])
        with path.open("wb") as out:  # fails at once (open in Excel, write-protected) before any work is done
            try:
                self._wb.save(out)
            except OSError:
                out.close()
                path.unlink(missing_ok=True)  # a half-written report (a full drive) would not open
                raise
        return path


    def discard(self) -> None:
        """Drop a report that will not be saved (an import cancelled), with openpyxl's temporary file."""
        from desktop_app.reports.excel import discard

        discard(self._wb)


def write_error_report(path: str | Path, headers: list[str], rejected: Iterable[tuple[int, list[Any], str]]) -> Path:
    """An .xlsx with the rejected rows as they were, a 原行号 and a 拒绝原因 column."""
    rows = list(rejected)
    report = ErrorReport(headers, styled=len(rows) < STYLED_HEADER_BELOW)
    for row_number, cells, reason in rows:
        report.add(row_number, cells, reason)
    return report.save(path)


def _report_value(value: Any) -> Any:
    if isinstance(value, float) and value.is_integer() and abs(value) >= 1e11:
        return cell_text(value)  # long numbers (identity numbers) as text so Excel keeps every digit
    if isinstance(value, int) and abs(value) >= 10**11:
        return str(value)
    if isinstance(value, str) and len(value) > 32767:  # Excel's cell limit: the start, and how long it was
        return value[:200] + f"…（共{len(value)}个字符）"
    return value
