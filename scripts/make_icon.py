"""Draw the application icon: resources/icons/baoxue.png (256 px) and baoxue.ico (16-256 px).

    QT_QPA_PLATFORM=offscreen .venv/bin/python scripts/make_icon.py

The icon is a rounded blue square with a white 保 and a small open book; the PNG and ICO it
writes are committed, so a build does not need to run this.
"""

from __future__ import annotations

import sys
from pathlib import Path

from PIL import Image
from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QFont, QGuiApplication, QImage, QPainter, QPainterPath, QPen

ICONS = Path(__file__).resolve().parents[1] / "resources" / "icons"
SIZE = 256


def draw(size: int = SIZE) -> QImage:
    image = QImage(size, size, QImage.Format.Format_ARGB32)
    image.fill(Qt.GlobalColor.transparent)
    p = QPainter(image)
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    p.setRenderHint(QPainter.RenderHint.TextAntialiasing)
    s = size / 256
    path = QPainterPath()
    path.addRoundedRect(QRectF(8 * s, 8 * s, 240 * s, 240 * s), 44 * s, 44 * s)
    p.fillPath(path, QColor("#1f5fa8"))
    # an open book along the bottom
    pen = QPen(QColor("#ffd35c"), 10 * s)
    pen.setCapStyle(Qt.PenCapStyle.RoundCap)
    p.setPen(pen)
    book = QPainterPath()
    book.moveTo(48 * s, 196 * s)
    book.quadTo(88 * s, 180 * s, 128 * s, 204 * s)
    book.quadTo(168 * s, 180 * s, 208 * s, 196 * s)
    p.drawPath(book)
    font = QFont(["WenQuanYi Micro Hei", "Noto Sans CJK SC", "Microsoft YaHei", "SimHei"])
    font.setPixelSize(int(150 * s))
    font.setBold(True)
    p.setFont(font)
    p.setPen(QColor("white"))
    p.drawText(QRectF(0, 10 * s, size, 170 * s), Qt.AlignmentFlag.AlignCenter, "保")
    p.end()
    return image


def main() -> int:
    QGuiApplication.instance() or QGuiApplication(sys.argv)
    ICONS.mkdir(parents=True, exist_ok=True)
    png = ICONS / "baoxue.png"
    if not draw().save(str(png)):
        print(f"could not write {png}", file=sys.stderr)
        return 1
    sizes = [(n, n) for n in (16, 24, 32, 48, 64, 128, 256)]
    Image.open(png).save(ICONS / "baoxue.ico", sizes=sizes)
    print(f"wrote {png} and {ICONS / 'baoxue.ico'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
