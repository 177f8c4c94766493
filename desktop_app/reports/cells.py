"""User text in workbooks stays text: no value the program writes ever becomes a formula.

openpyxl turns any string beginning with ``=`` into a formula cell, and Excel (or WPS) treats a
text typed or pasted as ``+``, ``-``, ``@``, a tab or a carriage return at the start as the
beginning of one. A guardian named ``=1+1`` or a note reading ``=HYPERLINK(...)`` must reach the
file exactly as typed and shown as text: such cells are written as strings (``data_type 's'``)
with Excel's quote prefix, so they stay text even when someone edits them in Excel.
"""

from __future__ import annotations

from typing import Any

from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.workbook import Workbook

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def storable(value: Any) -> Any:
    """``value`` as a workbook can hold it: control characters (which no cell can hold; a roster or a
    package may carry them) are written visibly as ``\\x1b``; anything else unchanged."""
    if isinstance(value, str) and ILLEGAL_CHARACTERS_RE.search(value):
        return ILLEGAL_CHARACTERS_RE.sub(lambda m: f"\\x{ord(m.group()):02x}", value)
    return value


def risky(value: Any) -> bool:
    """A string Excel could read as (the start of) a formula."""
    return isinstance(value, str) and value.startswith(FORMULA_STARTS)


def defuse(cell: Any) -> Any:
    """Make ``cell`` (an ordinary or write-only cell) hold its string as text; returns it."""
    value = cell.value
    if risky(value) or cell.data_type == "f":
        cell.data_type = "s"
        cell.quotePrefix = True
    return cell


def row(ws: Any, values: Any) -> list[Any]:
    """A row for a write-only sheet's ``append``: risky strings become text cells, the rest as given."""
    out: list[Any] = []
    for value in map(storable, values):
        if hasattr(value, "data_type"):  # a cell made by the caller (styled)
            out.append(defuse(value))
        elif risky(value):
            out.append(defuse(WriteOnlyCell(ws, value=value)))
        else:
            out.append(value)
    return out


def defuse_workbook(workbook: Workbook) -> None:
    """Every cell of an ordinary (not write-only) workbook: formulas from user text become text."""
    for ws in workbook.worksheets:
        for line in ws.iter_rows():
            for cell in line:
                if cell.data_type == "f" or risky(cell.value):
                    defuse(cell)
