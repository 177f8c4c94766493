"""The bundled CJK font for PDFs, registered once with reportlab."""

from __future__ import annotations

import threading
from functools import lru_cache

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

from desktop_app.resources import cjk_font_path

CJK = "WenQuanYiMicroHei"
_lock = threading.Lock()


def register_cjk_font() -> str:
    """Register WenQuanYi Micro Hei (face 0 of the .ttc) and return its reportlab name.

    reportlab embeds a TrueType font as subsets of the glyphs a document uses, so every PDF
    prints the same on a PC without Chinese fonts.
    """
    with _lock:
        if CJK not in pdfmetrics.getRegisteredFontNames():
            pdfmetrics.registerFont(TTFont(CJK, str(cjk_font_path()), subfontIndex=0))
    return CJK


@lru_cache(maxsize=8192)
def char_width(ch: str) -> float:
    """Advance width of one character at size 1."""
    return pdfmetrics.stringWidth(ch, register_cjk_font(), 1.0)


def text_width(text: str, size: float) -> float:
    return sum(char_width(ch) for ch in text) * size


def wrap(text: str, width: float, size: float) -> list[str]:
    """Break text into lines no wider than ``width`` (Chinese breaks anywhere; explicit newlines kept).

    A Latin word or number is not split unless it alone is wider than a line, and no line starts
    with closing punctuation.
    """
    lines: list[str] = []
    limit = width / size
    for paragraph in text.split("\n"):
        line, used = "", 0.0
        i = 0
        while i < len(paragraph):
            # take a run of ASCII letters/digits as one unit, otherwise one character
            j = i + 1
            if paragraph[i].isascii() and paragraph[i].isalnum():
                while j < len(paragraph) and _word_char(paragraph[j]):
                    j += 1
            unit = paragraph[i:j]
            w = sum(char_width(c) for c in unit)
            if used + w > limit and line:
                if unit in _NO_LINE_START and len(line) > 1:
                    # carry the last character over so the punctuation is not orphaned
                    lines.append(line[:-1])
                    line = line[-1]
                    used = char_width(line)
                else:
                    lines.append(line)
                    line, used = "", 0.0
            if w > limit and not line:
                # a single unit wider than the line: split it by characters
                for c in unit:
                    cw = char_width(c)
                    if used + cw > limit and line:
                        lines.append(line)
                        line, used = "", 0.0
                    line += c
                    used += cw
            else:
                line += unit
                used += w
            i = j
        lines.append(line)
    return lines


def _word_char(ch: str) -> bool:
    return ch.isascii() and (ch.isalnum() or ch in "-.")


_NO_LINE_START = set("，。、；：？！）」』】》,.;:?!)")



def cjk_font() -> str:
    """Register the bundled CJK font with reportlab (once) and return its name (as ``register_cjk_font``)."""
    return register_cjk_font()
