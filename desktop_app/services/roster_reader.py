"""Reading rosters (花名册) from Excel (.xlsx, .xls, .ods via python-calamine) and CSV, in bounded memory.

A roster as people send it: a title row or two above the header, merged header cells (a group
title such as 监护人 over 姓名 / 电话), blank rows. A roster is also input from outside, so it is
read within limits: a zipped workbook (.xlsx, .ods) is measured before calamine sees it (the sizes
its entries declare, then the bytes they really inflate to, counted while inflating), a sheet's
dimensions are checked before its rows are read, and rows stream one at a time. A CSV file is
read as a stream (never whole), lines and fields bounded; a cell longer than ``MAX_CELL_CHARS``
refuses its row, which goes to the error report with the reason, and the rest is imported.

``open_roster`` returns a ``RosterFile``: its first rows (``head``, for ``locate_header``) and
``rows()``, an iterator over every row as raw cell values with the reason a row cannot be used.
"""

from __future__ import annotations

import codecs
import csv
import itertools
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from desktop_app.domain.census import cell_text, header_score
from desktop_app.domain.errors import BaoxueError

OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"
EXCEL_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".ods")
SUFFIXES = (*EXCEL_SUFFIXES, ".csv")

MB = 1024 * 1024
MAX_INFLATED = 160 * MB  # every entry of a zipped workbook together, decompressed
MAX_ZIP_ENTRIES = 5000
MAX_XLS_BYTES = 64 * MB  # an .xls (not zipped) as a file
MAX_ROWS = 300_000  # rows of an Excel sheet (a larger roster: split it, or save it as CSV)
MAX_COLUMNS = 256
MAX_CELL_CHARS = 2000  # a roster cell (a name, an address, a note); a longer one refuses its row
MAX_CSV_LINE = 4 * MB  # characters read at once from a CSV line or a quoted field (bounded memory)
HEAD_ROWS = 40  # rows kept for finding the header
_CHUNK = 1 * MB
_OVERSIZE = "\x00baoxue-oversize-line"  # stands for a CSV line too long to read (a NUL is refused in CSV text)


class RosterFileError(BaoxueError):
    """The file cannot be read as a roster; the message says why, in Chinese."""


Merged = tuple[tuple[int, int], tuple[int, int]]
Row = tuple[int, list[Any], str]  # (1-based sheet row, cells, why the row cannot be used or "")


@dataclass
class RawRoster:
    """The first rows of the first non-empty sheet, as raw cell values (enough to find the header)."""

    rows: list[list[Any]]
    merged: list[Merged] = field(default_factory=list)
    sheet: str = ""


@dataclass
class HeaderInfo:
    """Where the header is: its text per column and the first data row (0-based indices)."""

    headers: list[str]
    header_row: int
    data_start: int


class RosterFile:
    """An opened roster: ``head`` (its first rows) and ``rows()`` (every row, streamed)."""

    def __init__(self, path: Path, head: RawRoster) -> None:
        self.path = path
        self.head = head

    def rows(self) -> Iterator[Row]:  # pragma: no cover - overridden
        raise NotImplementedError

    def height(self) -> int | None:
        """The number of rows without reading them (an upper bound, blank rows included), when known."""
        return None


def _too_long(cells: list[Any]) -> str:
    """The reason a row is refused for an overlong cell, or ""."""
    for value in cells:  # every row of a roster passes here: the column is found only for a refused one
        if isinstance(value, str) and len(value) > MAX_CELL_CHARS:
            c = next(i for i, v in enumerate(cells) if isinstance(v, str) and len(v) > MAX_CELL_CHARS)
            return f"第{c + 1}列的内容过长（{len(cells[c])}个字符，上限{MAX_CELL_CHARS}个），此行未导入"
    return ""


def _head_row(cells: list[Any]) -> list[Any]:
    """A row kept for finding the header: no cell longer than needed to tell it is too long."""
    return [c[:MAX_CELL_CHARS + 1] if isinstance(c, str) else c for c in cells[:MAX_COLUMNS]]


def _check_width(cells: list[Any]) -> str:
    if len(cells) > MAX_COLUMNS:
        return f"此行有{len(cells)}列，超过{MAX_COLUMNS}列的上限，未导入"
    return _too_long(cells)


# --- Excel ------------------------------------------------------------------------------------


def _check_zip(path: Path) -> None:
    """Refuse a zipped workbook whose content would inflate past ``MAX_INFLATED`` (a zip bomb), before
    calamine reads it: first the sizes its entries declare, then the bytes really inflated (counted)."""
    big = (f"文件 {path.name} 解压后的内容过大（超过{MAX_INFLATED // MB} MB），不像是一份名册，未导入："
           "请检查文件来源；确是名册时请拆分成几个文件，或另存为 CSV 后再导入")
    try:
        with zipfile.ZipFile(path) as zf:
            entries = zf.infolist()
            if len(entries) > MAX_ZIP_ENTRIES:
                raise RosterFileError(f"文件 {path.name} 含有{len(entries)}个部件，不像是一份名册，未导入")
            if sum(e.file_size for e in entries) > MAX_INFLATED:
                raise RosterFileError(big)
            total = 0
            for entry in entries:
                with zf.open(entry) as fh:
                    while chunk := fh.read(_CHUNK):
                        total += len(chunk)
                        if total > MAX_INFLATED:
                            raise RosterFileError(big)
    except RosterFileError:
        raise
    except Exception as exc:  # noqa: BLE001 - zipfile's and zlib's errors (bad zip, bad CRC, bad deflate …) all mean "cannot read"
        raise RosterFileError(
            f"文件 {path.name} 已损坏或不是 Excel 文件，无法读取（{type(exc).__name__}）：请用 Excel 打开检查后另存再导入"
        ) from exc


class _ExcelRoster(RosterFile):
    def __init__(self, path: Path, head: RawRoster, sheet: Any, start_col: int) -> None:
        super().__init__(path, head)
        self._sheet = sheet
        self._pad = [""] * start_col

    def height(self) -> int | None:
        return int(self._sheet.height)

    def rows(self) -> Iterator[Row]:
        pad = self._pad
        for i, cells in enumerate(self._sheet.iter_rows()):
            row = pad + cells if pad else cells  # calamine gives each row as a new list
            yield i + 1, row, _check_width(row)

    def rows_from(self, start: int) -> Iterator[Row]:
        """The rows below the first ``start`` (0-based: the data rows below the header), blank ones left out."""
        pad = self._pad
        for number, cells in enumerate(itertools.islice(self._sheet.iter_rows(), start, None), start + 1):
            row = pad + cells if pad else cells  # calamine gives each row as a new list
            if problem := _check_width(row):
                yield number, row, problem
            elif not _is_blank(row):
                yield number, row, ""


def _open_excel(path: Path) -> RosterFile:
    import python_calamine as pc

    try:
        wb = pc.CalamineWorkbook.from_path(str(path))
        for name in wb.sheet_names:
            sheet = wb.get_sheet_by_name(name)
            if sheet.height > MAX_ROWS or sheet.width > MAX_COLUMNS:
                raise RosterFileError(
                    f"工作表“{name}”有{sheet.height}行、{sheet.width}列，超过名册的上限（{MAX_ROWS}行、{MAX_COLUMNS}列），"
                    "未导入：请拆分成几个文件，或另存为 CSV 后再导入"
                )
            start_col = sheet.start[1] if sheet.start else 0
            head: list[list[Any]] = []
            for cells in sheet.iter_rows():
                head.append(_head_row([""] * start_col + list(cells)))
                if len(head) >= 200:
                    break
            if any(any(c not in ("", None) for c in r) for r in head):
                merged = list(sheet.merged_cell_ranges or [])
                return _ExcelRoster(path, RawRoster(head[:HEAD_ROWS], merged, name), sheet, start_col)
    except RosterFileError:
        raise
    except pc.PasswordError as exc:
        raise RosterFileError(
            f"文件 {path.name} 设有打开密码（已加密），无法读取：请在 Excel 中去掉密码另存后再导入"
        ) from exc
    except Exception as exc:  # noqa: BLE001 - calamine's errors (zip, xml, cfb …) all mean "cannot read"
        raise RosterFileError(
            f"文件 {path.name} 已损坏或设有打开密码，无法读取（{type(exc).__name__}）：请用 Excel 打开检查后另存再导入"
        ) from exc
    raise RosterFileError(f"文件 {path.name} 中没有任何数据")


# --- CSV ----------------------------------------------------------------------------------------


def decode_text(data: bytes) -> str:
    """UTF-8 (with or without BOM), else GBK/GB18030 as Chinese Windows Excel saves CSV."""
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise RosterFileError("CSV 文件的编码无法识别：请另存为“CSV UTF-8”或 GBK 编码后再导入")


def _csv_encoding(path: Path) -> str:
    """UTF-8 (BOM or not) when the whole file decodes as UTF-8, else GB18030; read in chunks."""
    name = path.name
    for encoding in ("utf-8-sig", "gb18030"):
        decoder = codecs.getincrementaldecoder(encoding)()
        try:
            with path.open("rb") as fh:
                while chunk := fh.read(_CHUNK):
                    if b"\x00" in chunk:
                        raise RosterFileError(f"文件 {name} 不是文本格式的 CSV 文件，无法读取")
                    decoder.decode(chunk)
                decoder.decode(b"", final=True)
            return encoding
        except UnicodeDecodeError:
            continue
        except OSError as exc:
            raise RosterFileError(f"无法读取文件 {name}：{exc.strerror}") from exc
    raise RosterFileError("CSV 文件的编码无法识别：请另存为“CSV UTF-8”或 GBK 编码后再导入")


def _bounded_lines(text: IO[str]) -> Iterator[str]:
    """The file's lines, none longer than ``MAX_CSV_LINE``: an overlong line is skipped to its end
    and stands as ``_OVERSIZE`` (its row is refused, the rest read on)."""
    while line := text.readline(MAX_CSV_LINE):
        if len(line) >= MAX_CSV_LINE and not line.endswith(("\n", "\r")):
            while (rest := text.readline(MAX_CSV_LINE)) and not rest.endswith(("\n", "\r")):
                pass
            yield _OVERSIZE + "\n"
            continue
        yield line


class _CsvRoster(RosterFile):
    def __init__(self, path: Path, head: RawRoster, encoding: str, dialect: Any) -> None:
        super().__init__(path, head)
        self._encoding = encoding
        self._dialect = dialect

    def rows(self) -> Iterator[Row]:
        previous = csv.field_size_limit(MAX_CSV_LINE)
        try:
            with self.path.open(encoding=self._encoding, newline="") as text:
                reader = csv.reader(_bounded_lines(text), self._dialect)
                number = 0
                while True:
                    try:
                        cells = next(reader)
                    except StopIteration:
                        return
                    except csv.Error:  # a quoted field past the line limit
                        number += 1
                        yield number, [], f"此行有内容超过{MAX_CSV_LINE // MB}M个字符，无法读取，未导入"
                        continue
                    number += 1
                    if cells and cells[0].startswith(_OVERSIZE):
                        yield number, [], f"此行超过{MAX_CSV_LINE // MB}M个字符，无法读取，未导入"
                        continue
                    yield number, cells, _check_width(cells)
        except OSError as exc:
            raise RosterFileError(f"无法读取文件 {self.path.name}：{exc.strerror}") from exc
        finally:
            csv.field_size_limit(previous)


def _open_csv(path: Path) -> RosterFile:
    encoding = _csv_encoding(path)
    try:
        with path.open(encoding=encoding, newline="") as text:
            sample = text.read(4096)
    except OSError as exc:
        raise RosterFileError(f"无法读取文件 {path.name}：{exc.strerror}") from exc
    try:
        dialect: Any = csv.Sniffer().sniff(sample, delimiters=",\t;")
    except csv.Error:
        dialect = csv.excel
    roster = _CsvRoster(path, RawRoster([], [], path.stem), encoding, dialect)
    head: list[list[Any]] = []
    found = False
    for _n, cells, _problem in roster.rows():
        head.append(_head_row(cells))
        found = found or any(str(c).strip() for c in cells)
        if found and len(head) >= HEAD_ROWS:
            break
    if not found:
        raise RosterFileError(f"文件 {path.name} 中没有任何数据")
    roster.head.rows = head[:HEAD_ROWS]
    return roster


# --- opening ------------------------------------------------------------------------------------


def open_roster(path: str | Path) -> RosterFile:
    """Open a roster within the limits: the first sheet with data (Excel) or the file (CSV).

    Raises:
        RosterFileError: unknown type, encrypted, corrupt, empty, or past a limit (a zip bomb).
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        raise RosterFileError(f"不支持的文件类型“{path.suffix}”：请选择 Excel（.xlsx、.xls）或 CSV 文件")
    try:
        if not path.is_file():
            raise RosterFileError(f"{path.name} 不是一个普通文件，无法作为名册导入")
        size = path.stat().st_size
        with path.open("rb") as fh:
            head = fh.read(8)
    except OSError as exc:
        raise RosterFileError(f"无法打开文件 {path.name}：{exc.strerror}") from exc
    if suffix == ".csv":
        return _open_csv(path)
    if suffix in (".xlsx", ".xlsm", ".ods") and head.startswith(OLE2_MAGIC):
        raise RosterFileError(
            f"文件 {path.name} 设有打开密码（已加密）或已损坏，无法读取：请在 Excel 中去掉密码另存后再导入"
        )
    if head.startswith(ZIP_MAGIC):
        _check_zip(path)
    elif suffix in (".xlsx", ".xlsm", ".ods"):
        raise RosterFileError(f"文件 {path.name} 已损坏或不是 Excel 文件，无法读取")
    elif size > MAX_XLS_BYTES:
        raise RosterFileError(
            f"文件 {path.name} 有{size // MB} MB，超过 .xls 名册{MAX_XLS_BYTES // MB} MB 的上限，未导入：请另存为 CSV 后再导入"
        )
    return _open_excel(path)


def read_roster(path: str | Path) -> RawRoster:
    """Every row of the roster in memory (small rosters and tests); the import streams ``open_roster``."""
    roster = open_roster(path)
    return RawRoster([cells for _n, cells, _p in roster.rows()], roster.head.merged, roster.head.sheet)


# --- the header ---------------------------------------------------------------------------------


def _is_blank(row: list[Any]) -> bool:
    for c in row:  # noqa: SIM110 - a plain loop: a filled row nearly always says so in its first cell
        if c is not None and not (isinstance(c, str) and not c.strip()):
            return False
    return True


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
    width = min(max((len(r) for r in rows[:scan + 2]), default=0), MAX_COLUMNS)
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
    return HeaderInfo([h[:MAX_CELL_CHARS] for h in headers], r, data_start)


def data_rows(roster: RosterFile | RawRoster, info: HeaderInfo) -> Iterator[Row]:
    """(1-based sheet row number, cells, problem) of every non-blank row below the header, streamed."""
    if isinstance(roster, _ExcelRoster):  # numbered from 1 without gaps: the header's rows skipped, not read
        yield from roster.rows_from(info.data_start)
        return
    if isinstance(roster, RawRoster):
        source: Iterator[Row] = ((i + 1, row, _check_width(row)) for i, row in enumerate(roster.rows))
    else:
        source = roster.rows()
    for number, cells, problem in source:
        if number <= info.data_start:
            continue
        if problem or not _is_blank(cells):
            yield number, cells, problem


def stream_sha256(path: Path) -> str:
    """The file's SHA-256, read in chunks."""
    import hashlib

    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


__all__ = ["MAX_CELL_CHARS", "HeaderInfo", "RawRoster", "RosterFile", "RosterFileError", "data_rows", "decode_text",
           "locate_header", "open_roster", "read_roster", "stream_sha256"]
