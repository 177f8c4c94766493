"""数据交换登记回执: the paper a school sends to the district so its first package can be confirmed.

One A4 page: the unit's name and code, the district it is enrolled at, its key fingerprint as text and
as a QR code, the date, and lines for the signature and the seal. The bundled CJK font is embedded.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import segno
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen import canvas

from desktop_app import APP_NAME
from desktop_app.reports.fonts import register_cjk_font, wrap

QR_SIZE = 45 * mm
QR_X = (A4[0] - QR_SIZE) / 2
QR_TOP = A4[1] - 129 * mm  # the QR code's top edge, from the page's bottom (below the fingerprint)


@dataclass(frozen=True)
class ReceiptInfo:
    unit_name: str
    unit_code: str
    township: str
    district_name: str
    district_code: str
    fingerprint: str
    district_fingerprint: str
    printed_on: dt.date

    def qr_payload(self) -> str:
        return f"BAOXUE-ENROL:{self.unit_code}:{self.fingerprint.replace('-', '')}"


def write(info: ReceiptInfo, out: Path) -> Path:
    """Write the receipt to ``out`` (a .pdf)."""
    font = register_cjk_font()
    width, height = A4
    c = canvas.Canvas(str(out), pagesize=A4, pageCompression=1, initialFontName=font, initialFontSize=12)
    c.setTitle("数据交换登记回执")
    c.setAuthor(APP_NAME)
    left, right = 25 * mm, width - 25 * mm
    y = height - 35 * mm
    c.setFont(font, 20)
    c.drawCentredString(width / 2, y, "数据交换登记回执")
    y -= 18 * mm
    c.setFont(font, 12)
    rows = (
        ("单位名称", info.unit_name),
        ("学校标识码", info.unit_code),
        ("所属乡镇", info.township or "—"),
        ("登记单位", f"{info.district_name}（{info.district_code}）"),
        ("区教委密钥指纹", info.district_fingerprint),
    )
    for label, value in rows:
        c.drawString(left, y, f"{label}：")
        c.drawString(left + 38 * mm, y, value)
        y -= 10 * mm
    y -= 4 * mm
    c.drawString(left, y, "本单位密钥指纹：")
    y -= 14 * mm
    c.setFont(font, 18)
    c.drawCentredString(width / 2, y, info.fingerprint)
    y -= 8 * mm
    y = QR_TOP  # the layout above is fixed (5 lines of 10 mm …)
    _qr(c, info.qr_payload(), QR_X, QR_TOP - QR_SIZE, QR_SIZE)
    y -= QR_SIZE + 12 * mm
    c.setFont(font, 11)
    note = ("区教委第一次导入本单位的数据包时，须将数据包携带的密钥指纹与本回执上的指纹逐位核对，"
            "一致方可导入（命令行：import-package 文件 --confirm 指纹）。指纹不一致的数据包不是本单位发出的，"
            "请勿导入，并电话联系本单位。本单位更换电脑时，须由区教委重新登记并重新报送回执。")
    for line in wrap(note, right - left, 11):
        c.drawString(left, y, line)
        y -= 6.5 * mm
    y -= 16 * mm
    c.setFont(font, 12)
    c.drawString(left, y, "单位负责人（签字）：")
    c.line(left + 42 * mm, y - 1 * mm, left + 95 * mm, y - 1 * mm)
    c.drawString(left + 105 * mm, y, "（单位盖章）")
    y -= 16 * mm
    c.drawString(left, y, "经办人（签字）：")
    c.line(left + 42 * mm, y - 1 * mm, left + 95 * mm, y - 1 * mm)
    y -= 16 * mm
    c.drawString(left, y, f"日期：{info.printed_on:%Y年%m月%d日}")
    c.showPage()
    c.save()
    return out


def _qr(c: canvas.Canvas, payload: str, x: float, y: float, size: float) -> None:
    matrix = segno.make(payload, error="m", micro=False).matrix
    module = size / len(matrix)
    path = c.beginPath()
    for r, row in enumerate(matrix):
        top = y + size - (r + 1) * module
        for col, dark in enumerate(row):
            if dark:
                path.rect(x + col * module, top, module, module)
    c.drawPath(path, stroke=0, fill=1)
