"""The CJK font for PDFs.

One small function so it can later point at the shared helper of the registration-form PDF:
the bundled ``resources/fonts/wqy-microhei.ttc`` when present, else the system's WenQuanYi Micro Hei.
"""

from __future__ import annotations

from pathlib import Path

from desktop_app.domain.errors import StoreError

FONT_NAME = "WenQuanYiMicroHei"
_CANDIDATES = (
    Path(__file__).resolve().parents[2] / "resources" / "fonts" / "wqy-microhei.ttc",
    Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"),
)


def cjk_font() -> str:
    """Register the CJK TrueType font with reportlab (once) and return its name."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    if FONT_NAME in pdfmetrics.getRegisteredFontNames():
        return FONT_NAME
    for path in _CANDIDATES:
        if path.exists():
            pdfmetrics.registerFont(TTFont(FONT_NAME, str(path), subfontIndex=0))
            return FONT_NAME
    raise StoreError("找不到中文字体文件 wqy-microhei.ttc，无法生成PDF，请重新安装本程序")
