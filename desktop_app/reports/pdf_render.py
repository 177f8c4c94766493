"""PDF pages as bitmaps (PDFium through pypdfium2), for print preview and printing from the GUI.

The GUI prints exactly the pages of the PDF the program wrote: it renders them here and paints
the bitmaps onto the printer. PDFium ships inside the pypdfium2 wheel, on Windows too.
"""

from __future__ import annotations

from dataclasses import dataclass

import pypdfium2 as pdfium

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
