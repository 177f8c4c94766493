"""Reading rosters (花名册) from Excel (.xlsx, .xls, .ods via python-calamine) and CSV, and the error report.

A roster as people send it: a title row or two above the header, merged header cells (a group
title such as 监护人 over 姓名 / 电话), blank rows. ``read_roster`` returns every row as raw cell
values; ``locate_header`` finds the header and where the data starts.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from desktop_app.domain.census import cell_text, header_score
from desktop_app.domain.errors import BaoxueError

OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"
EXCEL_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".ods")
SUFFIXES = (*EXCEL_SUFFIXES, ".csv")


class RosterFileError(BaoxueError):
    """The file cannot be read as a roster; the message says why, in Chinese."""


Merged = tuple[tuple[int, int], tuple[int, int]]


@dataclass
class RawRoster:
    """Every row of the first non-empty sheet, as raw cell values."""

    rows: list[list[Any]]
    merged: list[Merged] = field(default_factory=list)
    sheet: str = ""


@dataclass
class HeaderInfo:
    """Where the header is: its text per column and the first data row (0-based indices)."""

    headers: list[str]
    header_row: int
    data_start: int


def read_roster(path: str | Path) -> RawRoster:
    """Read the first sheet with data (Excel) or the whole file (CSV).

    Raises:
        RosterFileError: unknown type, encrypted, corrupt or empty file.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        raise RosterFileError(f"不支持的文件类型“{path.suffix}”：请选择 Excel（.xlsx、.xls）或 CSV 文件")
    try:
        with path.open("rb") as fh:
            head = fh.read(8)
    except OSError as exc:
        raise RosterFileError(f"无法打开文件 {path.name}：{exc.strerror}") from exc
    if suffix == ".csv":
        return _read_csv(path)
    if suffix in (".xlsx", ".xlsm", ".ods") and head.startswith(OLE2_MAGIC):
        raise RosterFileError(
            f"文件 {path.name} 设有打开密码（已加密）或已损坏，无法读取：请在 Excel 中去掉密码另存后再导入"
        )
    if suffix in (".xlsx", ".xlsm", ".ods") and not head.startswith(ZIP_MAGIC):
        raise RosterFileError(f"文件 {path.name} 已损坏或不是 Excel 文件，无法读取")
    return _read_excel(path)


def _read_excel(path: Path) -> RawRoster:
    import python_calamine as pc

    try:
        with pc.CalamineWorkbook.from_path(str(path)) as wb:
            for name in wb.sheet_names:
                sheet = wb.get_sheet_by_name(name)
                rows = sheet.to_python(skip_empty_area=False)
                if any(any(c not in ("", None) for c in r) for r in rows[:200]):
                    merged = list(sheet.merged_cell_ranges or [])
                    return RawRoster(rows, merged, name)
    except pc.PasswordError as exc:
        raise RosterFileError(
            f"文件 {path.name} 设有打开密码（已加密），无法读取：请在 Excel 中去掉密码另存后再导入"
        ) from exc
    except Exception as exc:  # noqa: BLE001 - calamine's errors (zip, xml, cfb …) all mean "cannot read"
        raise RosterFileError(
            f"文件 {path.name} 已损坏或设有打开密码，无法读取（{type(exc).__name__}）：请用 Excel 打开检查后另存再导入"
        ) from exc
    raise RosterFileError(f"文件 {path.name} 中没有任何数据")


def decode_text(data: bytes) -> str:
    """UTF-8 (with or without BOM), else GBK/GB18030 as Chinese Windows Excel saves CSV."""
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise RosterFileError("CSV 文件的编码无法识别：请另存为“CSV UTF-8”或 GBK 编码后再导入")


def _read_csv(path: Path) -> RawRoster:
    text = decode_text(path.read_bytes())
    if "\x00" in text:
        raise RosterFileError(f"文件 {path.name} 不是文本格式的 CSV 文件，无法读取")
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",\t;")
    except csv.Error:
        dialect = csv.excel
    rows = [list(r) for r in csv.reader(io.StringIO(text), dialect)]
    if not any(any(c.strip() for c in r) for r in rows):
        raise RosterFileError(f"文件 {path.name} 中没有任何数据")
    return RawRoster(rows, [], path.stem)


def _is_blank(row: list[Any]) -> bool:
    return all(c is None or (isinstance(c, str) and not c.strip()) for c in row)


def _filled(row: list[Any], merged: list[Merged], r: int, width: int) -> list[str]:
    """Header texts of row ``r`` with horizontally merged cells repeated across their columns."""
    texts = [cell_text(row[c]) if c < len(row) else "" for c in range(width)]
    for (r0, c0), (r1, c1) in merged:
        if r0 <= r <= r1 and c1 > c0:
            value = texts[c0] if c0 < width else ""
            for c in range(c0, min(c1 + 1, width)):
                texts[c] = texts[c] or value
    return texts


def locate_header(kind: str, raw: RawRoster, scan: int = 20) -> HeaderInfo:
    """Find the header row (the one naming most known columns) within the first ``scan`` rows.

    A header whose row has group titles merged across columns takes its second row as sub-titles:
    ``监护人`` over ``姓名`` and ``联系电话`` become ``监护人姓名`` and ``监护人联系电话``.
    """
    rows = raw.rows
    width = max((len(r) for r in rows[:scan + 2]), default=0)
    best = (-1, 0)
    for r in range(min(scan, len(rows))):
        score = header_score(kind, _filled(rows[r], raw.merged, r, width))
        if score > best[0]:
            best = (score, r)
    score, r = best
    if score <= 0:
        # No known titles: take the first non-blank row as the header and let the user map columns.
        r = next((i for i, row in enumerate(rows) if not _is_blank(row)), 0)
    headers = _filled(rows[r], raw.merged, r, width) if rows else []
    data_start = r + 1
    group_cols = [
        (c0, c1) for (r0, c0), (r1, c1) in raw.merged
        if r0 == r and r1 == r and c1 > c0 and (c1 - c0 + 1) < width
    ]
    if group_cols and r + 1 < len(rows):
        below = [cell_text(rows[r + 1][c]) if c < len(rows[r + 1]) else "" for c in range(width)]
        if any(below[c] for c0, c1 in group_cols for c in range(c0, c1 + 1)):
            grouped = {c for c0, c1 in group_cols for c in range(c0, c1 + 1)}
            headers = [
                (headers[c] + below[c]) if c in grouped and below[c] else (below[c] or headers[c])
                for c in range(width)
            ]
            data_start = r + 2
    return HeaderInfo(headers, r, data_start)


def data_rows(raw: RawRoster, info: HeaderInfo) -> list[tuple[int, list[Any]]]:
    """(1-based sheet row number, cells) of every non-blank row below the header."""
    return [(i + 1, row) for i, row in enumerate(raw.rows[info.data_start:], start=info.data_start)
            if not _is_blank(row)]


def write_error_report(path: str | Path, headers: list[str], rejected: list[tuple[int, list[Any], str]]) -> Path:
    """An .xlsx with the rejected rows as they were, a 原行号 and a 拒绝原因 column; fix and import again."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    from desktop_app.reports import cells as text_cells

    path = Path(path)
    with path.open("wb") as out:  # fails at once (open in Excel, write-protected) before any work is done
        try:
            wb = Workbook(write_only=True)
            ws = wb.create_sheet("未导入的行")
            header: list[Any] = [*headers, "原行号", "拒绝原因"]
            if len(rejected) < 5000:  # as before: a bold, frozen header (styled as written, not by reopening the file)
                bold = Font(bold=True)
                header = [WriteOnlyCell(ws, value=text) for text in header]
                for cell in header:
                    cell.font = bold
                ws.freeze_panes = "A2"
            ws.append(header)
            for row_number, cells, reason in rejected:
                values = [_report_value(c) for c in cells[:len(headers)]]
                values += [""] * (len(headers) - len(values))
                ws.append(text_cells.row(ws, [*values, row_number, reason]))
            wb.save(out)
        except OSError:
            out.close()
            path.unlink(missing_ok=True)  # a half-written report (a full drive) would not open
            raise
    return path


def _report_value(value: Any) -> Any:
    if isinstance(value, float) and value.is_integer() and abs(value) >= 1e11:
        return cell_text(value)  # long numbers (identity numbers) as text so Excel keeps every digit
    if isinstance(value, int) and abs(value) >= 10**11:
        return str(value)
    return value
