"""PDF pages as bitmaps (PDFium through pypdfium2), for print preview and printing from the GUI.

The GUI prints exactly the pages of the PDF the program wrote: it renders them here and paints
the bitmaps onto the printer. PDFium ships inside the pypdfium2 wheel, on Windows too.
"""

from __future__ import annotations

import ctypes
import math
from dataclasses import dataclass
from typing import Any

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

from desktop_app.domain.errors import ExportError


@dataclass(frozen=True)
class PageBitmap:
    """One rendered page: rows of ``stride`` bytes, ``channels`` bytes a pixel (3: BGR, 4: BGRx,
    1: grey); its size in points for the paper."""

    width: int
    height: int
    stride: int
    data: bytes
    width_pt: float
    height_pt: float
    channels: int = 3


class PdfPages:
    """An open PDF (bytes or a path) whose pages can be counted and rendered one at a time."""

    def __init__(self, source: bytes | str) -> None:
        try:
            self._doc = pdfium.PdfDocument(source)
        except pdfium.PdfiumError as exc:
            raise ExportError(f"无法读取PDF：{exc}") from exc

    def __len__(self) -> int:
        return len(self._doc)

    def render(self, index: int, dpi: float) -> PageBitmap:
        page = self._doc[index]
        try:
            width_pt, height_pt = page.get_size()
            bitmap = page.render(scale=dpi / 72.0)
            return PageBitmap(bitmap.width, bitmap.height, bitmap.stride, bytes(bitmap.buffer), width_pt, height_pt,
                              bitmap.n_channels)
        finally:
            page.close()

    def close(self) -> None:
        self._doc.close()


# --- the page as drawing instructions (printing in vectors where no PDF reaches the printer) -------

Matrix = tuple[float, float, float, float, float, float]  # a, b, c, d, e, f as in PDF: x' = ax + cy + e
Colour = tuple[int, int, int, int]  # r, g, b, alpha


@dataclass(frozen=True)
class PathShape:
    """A path in page coordinates (points, y up): ``("M"|"L", x, y)``, ``("C", x1, y1, x2, y2, x, y)``, ``("Z",)``."""

    segments: tuple[tuple[Any, ...], ...]
    fill: Colour | None
    stroke: Colour | None
    width: float
    even_odd: bool = False


@dataclass(frozen=True)
class TextShape:
    """A run of text: each character with its baseline origin on the page (exactly where the PDF puts it,
    whatever the spacing), the font size, the run's matrix (its orientation and scale), the colour."""

    chars: tuple[tuple[str, float, float], ...]
    size: float
    matrix: Matrix
    font: str
    fill: Colour

    @property
    def text(self) -> str:
        return "".join(ch for ch, _x, _y in self.chars)


@dataclass(frozen=True)
class ImageShape:
    """A picture: its pixels and the matrix mapping the unit square onto the page."""

    bitmap: PageBitmap
    matrix: Matrix


Shape = PathShape | TextShape | ImageShape


class NotDrawable(Exception):
    """The page holds something the vector route does not draw (shadings): print it as a picture."""


def _multiply(m: Matrix, n: Matrix) -> Matrix:
    """``m`` then ``n`` (a point goes through m first)."""
    a, b, c, d, e, f = m
    a2, b2, c2, d2, e2, f2 = n
    return (a * a2 + b * c2, a * b2 + b * d2, c * a2 + d * c2, c * b2 + d * d2, e * a2 + f * c2 + e2,
            e * b2 + f * d2 + f2)


def _apply(m: Matrix, x: float, y: float) -> tuple[float, float]:
    return m[0] * x + m[2] * y + m[4], m[1] * x + m[3] * y + m[5]


def _matrix(obj: Any) -> Matrix:
    fs = pdfium_c.FS_MATRIX()
    if not pdfium_c.FPDFPageObj_GetMatrix(obj, ctypes.byref(fs)):
        return (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)
    return (fs.a, fs.b, fs.c, fs.d, fs.e, fs.f)


def _colour(getter: Any, obj: Any) -> Colour:
    r, g, b, a = (ctypes.c_uint() for _ in range(4))
    getter(obj, ctypes.byref(r), ctypes.byref(g), ctypes.byref(b), ctypes.byref(a))
    return r.value, g.value, b.value, a.value


def _path(obj: Any, m: Matrix) -> PathShape | None:
    fill_mode, stroke = ctypes.c_int(), ctypes.c_int()
    pdfium_c.FPDFPath_GetDrawMode(obj, ctypes.byref(fill_mode), ctypes.byref(stroke))
    if not fill_mode.value and not stroke.value:
        return None  # an invisible path (a clip)
    segments: list[tuple[Any, ...]] = []
    pending: list[float] = []
    x, y = ctypes.c_float(), ctypes.c_float()
    for i in range(pdfium_c.FPDFPath_CountSegments(obj)):
        seg = pdfium_c.FPDFPath_GetPathSegment(obj, i)
        pdfium_c.FPDFPathSegment_GetPoint(seg, ctypes.byref(x), ctypes.byref(y))
        px, py = _apply(m, x.value, y.value)
        kind = pdfium_c.FPDFPathSegment_GetType(seg)
        if kind == pdfium_c.FPDF_SEGMENT_MOVETO:
            segments.append(("M", px, py))
        elif kind == pdfium_c.FPDF_SEGMENT_LINETO:
            segments.append(("L", px, py))
        elif kind == pdfium_c.FPDF_SEGMENT_BEZIERTO:
            pending += [px, py]
            if len(pending) == 6:
                segments.append(("C", *pending))
                pending = []
        if pdfium_c.FPDFPathSegment_GetClose(seg):
            segments.append(("Z",))
    width = ctypes.c_float(1.0)
    pdfium_c.FPDFPageObj_GetStrokeWidth(obj, ctypes.byref(width))
    scale = math.sqrt(abs(m[0] * m[3] - m[1] * m[2])) or 1.0
    return PathShape(
        tuple(segments),
        _colour(pdfium_c.FPDFPageObj_GetFillColor, obj) if fill_mode.value else None,
        _colour(pdfium_c.FPDFPageObj_GetStrokeColor, obj) if stroke.value else None,
        width.value * scale,
        fill_mode.value == pdfium_c.FPDF_FILLMODE_ALTERNATE,
    )


def _text(obj: Any, m: Matrix, chars: dict[int, list[tuple[str, float, float]]]) -> TextShape | None:
    placed = chars.get(ctypes.cast(obj, ctypes.c_void_p).value or 0)
    if not placed or pdfium_c.FPDFTextObj_GetTextRenderMode(obj) == pdfium_c.FPDF_TEXTRENDERMODE_INVISIBLE:
        return None
    size = ctypes.c_float()
    pdfium_c.FPDFTextObj_GetFontSize(obj, ctypes.byref(size))
    font = pdfium_c.FPDFTextObj_GetFont(obj)
    name = ""
    if font:
        n = pdfium_c.FPDFFont_GetBaseFontName(font, None, 0)
        raw = ctypes.create_string_buffer(max(n, 1))
        pdfium_c.FPDFFont_GetBaseFontName(font, raw, n)
        name = raw.value.decode("latin-1")
    return TextShape(tuple(placed), size.value, m, name, _colour(pdfium_c.FPDFPageObj_GetFillColor, obj))


def _placed_chars(text_page: Any) -> dict[int, list[tuple[str, float, float]]]:
    """Each text object's characters with their origins (the spaces the text page adds left out)."""
    out: dict[int, list[tuple[str, float, float]]] = {}
    x, y = ctypes.c_double(), ctypes.c_double()
    for i in range(pdfium_c.FPDFText_CountChars(text_page)):
        if pdfium_c.FPDFText_IsGenerated(text_page, i) == 1:
            continue
        obj = pdfium_c.FPDFText_GetTextObject(text_page, i)
        code = pdfium_c.FPDFText_GetUnicode(text_page, i)
        if not obj or code in (0, 0xFFFE, 0xFFFF) or not pdfium_c.FPDFText_GetCharOrigin(
                text_page, i, ctypes.byref(x), ctypes.byref(y)):
            continue
        ch = chr(code)
        if ch in "\r\n":
            continue
        out.setdefault(ctypes.cast(obj, ctypes.c_void_p).value or 0, []).append((ch, x.value, y.value))
    return out


def _image(obj: Any, m: Matrix, doc: Any, page: Any) -> ImageShape | None:
    raw = pdfium_c.FPDFImageObj_GetRenderedBitmap(doc, page, obj)
    if not raw:
        return None
    bitmap = pdfium.PdfBitmap.from_raw(raw)
    try:
        data = PageBitmap(bitmap.width, bitmap.height, bitmap.stride, bytes(bitmap.buffer), 0.0, 0.0,
                          bitmap.n_channels)
    finally:
        bitmap.close()
    return ImageShape(data, m)


def _shapes(objects: Any, outer: Matrix, doc: Any, page: Any, chars: dict[int, list[tuple[str, float, float]]],
            out: list[Shape]) -> None:
    for obj in objects:
        kind = pdfium_c.FPDFPageObj_GetType(obj)
        m = _multiply(_matrix(obj), outer)
        shape: Shape | None = None
        if kind == pdfium_c.FPDF_PAGEOBJ_PATH:
            shape = _path(obj, m)
        elif kind == pdfium_c.FPDF_PAGEOBJ_TEXT:
            shape = _text(obj, m, chars)
        elif kind == pdfium_c.FPDF_PAGEOBJ_IMAGE:
            shape = _image(obj, m, doc, page)
        elif kind == pdfium_c.FPDF_PAGEOBJ_FORM:
            count = pdfium_c.FPDFFormObj_CountObjects(obj)
            _shapes((pdfium_c.FPDFFormObj_GetObject(obj, i) for i in range(count)), m, doc, page, chars, out)
        else:
            raise NotDrawable(f"页面对象类型 {kind}")
        if shape is not None:
            out.append(shape)


def page_shapes(pages: PdfPages, index: int) -> tuple[float, float, list[Shape]]:
    """The page's size in points and what is drawn on it, in drawing order, in page coordinates.

    Raises:
        NotDrawable: the page holds a kind of object drawn here only as a picture.
    """
    page = pages._doc[index]
    text_page = page.get_textpage()
    try:
        width_pt, height_pt = page.get_size()
        raw = page.raw
        objects = (pdfium_c.FPDFPage_GetObject(raw, i) for i in range(pdfium_c.FPDFPage_CountObjects(raw)))
        shapes: list[Shape] = []
        _shapes(objects, (1.0, 0.0, 0.0, 1.0, 0.0, 0.0), pages._doc.raw, raw, _placed_chars(text_page.raw), shapes)
        return width_pt, height_pt, shapes
    finally:
        text_page.close()
        page.close()
