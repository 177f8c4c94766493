"""Generated rosters shaped like real exports (invented people, valid check characters)."""

from __future__ import annotations

import csv
import datetime as dt
import random
from pathlib import Path
from typing import Any

from desktop_app.domain.identity import make_id_number

REGION = "500223"
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高郑梁谢唐许冯宋邓韩曹彭曾萧田董潘袁蒋蔡余杜叶程魏苏吕丁任沈姚卢"
GIVEN = "子梓浩宇轩欣怡雨涵思博文俊杰佳琪明晨阳洋雪婷诗涛鑫磊静丽娟强伟芳敏霞平刚勇毅然嘉豪一诺若曦"
VILLAGES = ("青龙村", "米心村", "万家村", "凉风垭社区")


def child(i: int, rng: random.Random, birth: dt.date | None = None, village: str | None = None) -> dict[str, Any]:
    """One invented child: the ``i``-th gets a unique identity number."""
    birth = birth or dt.date(2011, 1, 1) + dt.timedelta(days=rng.randint(0, 365 * 8))
    seq = i % 1000
    # Different birth days keep numbers unique for i >= 1000.
    birth = birth + dt.timedelta(days=(i // 1000) % 300) if i >= 1000 else birth
    surname = rng.choice(SURNAMES)
    number = make_id_number(REGION, birth, seq)
    return {
        "name": surname + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2)))),
        "id_number": number, "birth_date": birth, "sex": "男" if int(number[16]) % 2 else "女",
        "township": "米心镇", "village": village or rng.choice(VILLAGES),
        "guardian": surname + rng.choice(GIVEN) + rng.choice(GIVEN),
        "phone": "13" + "".join(str(rng.randint(0, 9)) for _ in range(9)),
        "grade": "", "class_name": "",
    }


def children(n: int, seed: int = 7) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    out, seen = [], set()
    i = 0
    while len(out) < n:
        c = child(i, rng)
        i += 1
        if c["id_number"] in seen:
            continue
        seen.add(c["id_number"])
        out.append(c)
    return out


CENSUS_HEADER_TOP = ["序号", "姓名", "性别", "身份证号码", "出生日期", "乡镇", "村(社区)", "监护人", ""]
CENSUS_HEADER_SUB = ["", "", "", "", "", "", "", "姓名", "联系电话"]


def census_cells(idx: int, c: dict[str, Any], *, id_as_number: bool = False, date_style: str = "date") -> list[Any]:
    number: Any = c["id_number"]
    if id_as_number and number[-1] != "X":
        number = int(number)
    elif number.endswith("X") and idx % 2:
        number = number[:-1] + "x"  # lower-case x as typed
    birth: Any = c["birth_date"]
    if date_style == "text":
        birth = f"{birth.year}年{birth.month}月{birth.day}日"
    elif date_style == "serial":
        birth = (birth - dt.date(1899, 12, 30)).days
    elif date_style == "none":
        birth = None
    return [idx, c["name"], c["sex"], number, birth, c["township"], c["village"], c["guardian"], c["phone"]]


def write_census_xlsx(path: Path, rows: list[list[Any]],
                      title: str = "米心镇2026年秋季学期户籍适龄儿童花名册") -> Path:
    """Title row merged across, a unit/date line, a two-row header with 监护人 merged over two columns."""
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append([title] + [None] * 8)
    ws.merge_cells("A1:I1")
    ws.append(["填报单位：米心镇中心小学", None, None, None, None, "填报日期：2026年9月5日"])
    ws.append(CENSUS_HEADER_TOP)
    ws.append(CENSUS_HEADER_SUB)
    for col in "ABCDEFG":
        ws.merge_cells(f"{col}3:{col}4")
    ws.merge_cells("H3:I3")
    for r in rows:
        ws.append(r)
    wb.save(path)
    return path


def write_census_xls(path: Path, rows: list[list[Any]]) -> Path:
    import xlwt

    wb = xlwt.Workbook(encoding="utf-8")
    ws = wb.add_sheet("花名册")
    date_style = xlwt.easyxf(num_format_str="YYYY-MM-DD")
    ws.write_merge(0, 0, 0, 8, "米心镇2026年秋季学期户籍适龄儿童花名册")
    for c, text in enumerate(CENSUS_HEADER_TOP[:7]):
        ws.write_merge(1, 2, c, c, text)
    ws.write_merge(1, 1, 7, 8, "监护人")
    ws.write(2, 7, "姓名")
    ws.write(2, 8, "联系电话")
    for r, row in enumerate(rows, start=3):
        for c, value in enumerate(row):
            if value is None or value == "":
                continue
            if isinstance(value, dt.date):
                ws.write(r, c, value, date_style)
            else:
                ws.write(r, c, value)
    wb.save(str(path))
    return path


ENROLLED_HEADER = ["学校名称", "年级", "班级", "姓名", "性别", "身份证件号", "全国学籍号", "出生日期", "监护人", "联系电话"]


def enrolled_cells(c: dict[str, Any], grade: str, class_name: str = "1班") -> list[Any]:
    return ["米心镇中心小学", grade, class_name, c["name"], c["sex"], c["id_number"], "G" + c["id_number"],
            c["birth_date"].strftime("%Y-%m-%d"), c["guardian"], c["phone"]]


def write_plain_xlsx(path: Path, header: list[str], rows: list[list[Any]]) -> Path:
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("Sheet1")
    ws.append(header)
    for r in rows:
        ws.append(r)
    wb.save(path)
    return path


def write_csv(path: Path, header: list[str], rows: list[list[Any]], encoding: str = "gbk") -> Path:
    with path.open("w", encoding=encoding, newline="") as f:
        w = csv.writer(f)
        w.writerow(header)
        for r in rows:
            w.writerow(["" if v is None else v for v in r])
    return path


def write_encrypted_xlsx(path: Path) -> Path:
    """What Excel writes for a password-protected .xlsx: an OLE2 (CFB) container, not a zip."""
    header = bytearray(512)
    header[0:8] = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
    header[24:26] = (0x3E).to_bytes(2, "little")  # minor version
    header[26:28] = (3).to_bytes(2, "little")  # major version 3 (512-byte sectors)
    header[28:30] = b"\xfe\xff"  # byte order
    header[30:32] = (9).to_bytes(2, "little")  # sector shift
    header[32:34] = (6).to_bytes(2, "little")  # mini sector shift
    path.write_bytes(bytes(header) + b"EncryptionInfo\x00EncryptedPackage" + bytes(1024))
    return path


def zip_bomb_xlsx(path: Path, inflated: int = 2 * 1024**3, declared: int | None = None) -> Path:
    """A small .xlsx (about 2 MB) whose sheet XML inflates to ``inflated`` bytes of valid rows.

    Built by hand: a 1 MiB row is deflated once (after a full flush the compressor restarts,
    so the same input gives the same bytes) and that piece repeated; the CRC is computed as it would be.
    ``declared``: the size the sheet's headers claim instead of the true one (a bomb that lies)."""
    import io
    import struct
    import zipfile
    import zlib

    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(["姓名", "身份证号码", "出生日期", "监护人姓名"])
    buf = io.BytesIO()
    wb.save(buf)
    base = zipfile.ZipFile(io.BytesIO(buf.getvalue()))
    open_, close = b'<row><c t="inlineStr"><is><t>', b"</t></is></c></row>"
    chunk = open_ + b"A" * (1024 * 1024 - len(open_) - len(close)) + close  # a row of one 1 MiB cell
    prefix = (b'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/'
              b'spreadsheetml/2006/main"><sheetData>')
    suffix = b"</sheetData></worksheet>"
    repeats = max(1, (inflated - len(prefix) - len(suffix)) // len(chunk))
    comp = zlib.compressobj(9, zlib.DEFLATED, -15)
    head = comp.compress(prefix) + comp.flush(zlib.Z_FULL_FLUSH)
    piece = comp.compress(chunk) + comp.flush(zlib.Z_FULL_FLUSH)
    assert comp.compress(chunk) + comp.flush(zlib.Z_FULL_FLUSH) == piece
    tail = comp.compress(suffix) + comp.flush()
    crc = zlib.crc32(prefix)
    for _ in range(repeats):
        crc = zlib.crc32(chunk, crc)
    crc = zlib.crc32(suffix, crc)
    usize = len(prefix) + repeats * len(chunk) + len(suffix)
    csize = len(head) + repeats * len(piece) + len(tail)
    central = []
    with path.open("wb") as out:
        for info in base.infolist():
            name = info.filename.encode()
            if info.filename == "xl/worksheets/sheet1.xml":
                entry_crc, entry_c, entry_u = crc, csize, usize if declared is None else declared
                parts: list[bytes] = []
            else:
                data = base.read(info.filename)
                deflated = zlib.compressobj(9, zlib.DEFLATED, -15)
                body = deflated.compress(data) + deflated.flush()
                entry_crc, entry_c, entry_u, parts = zlib.crc32(data), len(body), len(data), [body]
            offset = out.tell()
            out.write(struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, 8, 0, 0, entry_crc, entry_c, entry_u,
                                  len(name), 0) + name)
            if parts:
                out.write(parts[0])
            else:
                out.write(head)
                for _ in range(repeats):
                    out.write(piece)
                out.write(tail)
            central.append(struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0, 8, 0, 0, entry_crc, entry_c,
                                       entry_u, len(name), 0, 0, 0, 0, 0, offset) + name)
        start = out.tell()
        for record in central:
            out.write(record)
        out.write(struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(central), len(central), out.tell() - start, start, 0))
    return path
