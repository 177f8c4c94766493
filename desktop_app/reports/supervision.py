"""The supervision report (督导情况表) as an Excel workbook: one sheet per school, one per township."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from desktop_app.reports import cells

STALE_FILL = PatternFill("solid", fgColor="FFE0E0")


def write(path: Path, title: str, headers: Sequence[str], school_rows: Sequence[Sequence[Any]],
          stale: Sequence[bool], township_headers: Sequence[str], township_rows: Sequence[Sequence[Any]]) -> Path:
    """Write the workbook; rows of schools flagged ``stale`` are shaded."""
    wb = Workbook()
    ws = wb.active
    ws.title = "各校情况"
    _sheet(ws, title, headers, school_rows)
    for i, flag in enumerate(stale):
        if flag:
            for cell in ws[i + 3]:
                cell.fill = STALE_FILL
    ws2 = wb.create_sheet("各乡镇汇总")
    _sheet(ws2, title, township_headers, township_rows)
    cells.defuse_workbook(wb)
    wb.save(path)
    return path


def _sheet(ws: Any, title: str, headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    ws.append([title])
    ws["A1"].font = Font(bold=True, size=14)
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=max(len(headers), 1))
    ws.append(list(headers))
    for cell in ws[2]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(horizontal="center", wrap_text=True)
    for row in rows:
        ws.append([cells.storable(v) for v in row])
    for col in range(1, len(headers) + 1):
        ws.column_dimensions[get_column_letter(col)].width = 16 if col > 2 else 24
    ws.freeze_panes = "A3"
