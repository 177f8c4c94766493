"""Print preview and printing of the program's own PDFs, page for page.

The preview shows the PDF's pages rendered with PDFium (desktop_app.reports.pdf_render). What is
printed is the PDF itself, the same file 保存为PDF writes, wherever the platform allows it:

- 打印到PDF文件 (the print dialog's file output) saves that PDF, text and vectors, not page images;
- a printer reached through CUPS (Linux, macOS) is sent the PDF with ``lp``;
- elsewhere (a Windows printer) each page is drawn onto the printer in vectors: every line and
  every character where the PDF puts it (read with PDFium, drawn with QPainter in the same bundled
  font), so the driver gets text and lines, not a page-sized picture. A page holding something this
  does not draw (a shading) is painted as an image at the printer's resolution (at most 300 dpi).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from PySide6.QtCore import QPointF, QRectF, QSize, Qt
from PySide6.QtGui import (
    QBrush,
    QColor,
    QFont,
    QFontDatabase,
    QImage,
    QPageLayout,
    QPageSize,
    QPaintEngine,
    QPainter,
    QPainterPath,
    QPen,
    QTransform,
)
from PySide6.QtPrintSupport import QPrinter, QPrintPreviewDialog
from PySide6.QtWidgets import QDialog, QWidget

from desktop_app.domain.errors import ExportError
from desktop_app.reports.files import atomic_output
from desktop_app.reports.pdf_render import (
    ImageShape,
    NotDrawable,
    PageBitmap,
    PathShape,
    PdfPages,
    Shape,
    TextShape,
    page_shapes,
)
from desktop_app.resources import cjk_font_path
from desktop_app.ui.common import files

MAX_DPI = 300

_FORMATS = {3: QImage.Format.Format_BGR888, 4: QImage.Format.Format_RGB32, 1: QImage.Format.Format_Grayscale8}


def to_image(bitmap: PageBitmap) -> QImage:
    """A QImage owning a copy of the page's pixels."""
    image = QImage(bitmap.data, bitmap.width, bitmap.height, bitmap.stride, _FORMATS[bitmap.channels])
    return image.copy()


def paint_pdf(printer: QPrinter, pages: PdfPages, max_dpi: int = MAX_DPI) -> int:
    """Paint every page of ``pages`` onto ``printer`` (one sheet each); returns the page count.

    Each page is scaled to the paper keeping its proportions, centred; A4 onto A4 is 1:1.
    """
    dpi: float = max(72, min(printer.resolution(), max_dpi))
    painter = QPainter()
    if not painter.begin(printer):
        return 0
    try:
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, True)
        for index in range(len(pages)):
            if index:
                printer.newPage()
            _paint_page_image(painter, printer, pages, index, dpi)
        return len(pages)
    finally:
        painter.end()


def _paint_page_image(painter: QPainter, printer: QPrinter, pages: PdfPages, index: int, dpi: float) -> None:
    bitmap = pages.render(index, dpi)
    paper = QRectF(printer.pageLayout().fullRectPixels(printer.resolution()))
    # the painter's origin is the paper's corner with full-page printing
    scale = min(paper.width() / bitmap.width_pt, paper.height() / bitmap.height_pt)
    w, h = bitmap.width_pt * scale, bitmap.height_pt * scale
    target = QRectF((paper.width() - w) / 2, (paper.height() - h) / 2, w, h)
    painter.resetTransform()
    painter.drawImage(target, to_image(bitmap))


# --- vectors ----------------------------------------------------------------------------------

_FONT_PIXELS = 100  # glyphs are drawn at this pixel size and scaled to the PDF's size (sizes are fractional)
_families: list[str] = []


def _pdf_font() -> QFont:
    """The bundled CJK font the program's PDFs are written in, for drawing their text."""
    if not _families:
        loaded = QFontDatabase.addApplicationFont(str(cjk_font_path()))
        families = QFontDatabase.applicationFontFamilies(loaded) if loaded >= 0 else []
        _families.append(families[0] if families else "")
    font = QFont(_families[0]) if _families[0] else QFont()
    font.setPixelSize(_FONT_PIXELS)
    font.setKerning(False)
    font.setHintingPreference(QFont.HintingPreference.PreferNoHinting)
    return font


def _qcolor(rgba: tuple[int, int, int, int]) -> QColor:
    return QColor(rgba[0], rgba[1], rgba[2], rgba[3])


def _draw_path(painter: QPainter, shape: PathShape, page: QTransform) -> None:
    path = QPainterPath()
    for segment in shape.segments:
        op = segment[0]
        if op == "M":
            path.moveTo(segment[1], segment[2])
        elif op == "L":
            path.lineTo(segment[1], segment[2])
        elif op == "C":
            path.cubicTo(*segment[1:7])
        else:
            path.closeSubpath()
    path.setFillRule(Qt.FillRule.OddEvenFill if shape.even_odd else Qt.FillRule.WindingFill)
    painter.setTransform(page)
    if shape.stroke is not None:
        pen = QPen(_qcolor(shape.stroke), max(shape.width, 0.1))
        pen.setJoinStyle(Qt.PenJoinStyle.MiterJoin)
        painter.setPen(pen)
    else:
        painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(QBrush(_qcolor(shape.fill)) if shape.fill is not None else Qt.BrushStyle.NoBrush)
    painter.drawPath(path)


def _draw_text(painter: QPainter, shape: TextShape, page: QTransform, font: QFont) -> None:
    a, b, c, d, _e, _f = shape.matrix
    k = shape.size / _FONT_PIXELS
    painter.setFont(font)
    painter.setPen(_qcolor(shape.fill))
    for ch, x, y in shape.chars:
        if ch.isspace():
            continue
        # glyph space (y down) → text space (y up, the run's orientation and size) → the page → the paper
        painter.setTransform(QTransform(a * k, b * k, -c * k, -d * k, x, y) * page)
        painter.drawText(QPointF(0, 0), ch)


def _draw_image(painter: QPainter, shape: ImageShape, page: QTransform) -> None:
    a, b, c, d, e, f = shape.matrix
    painter.setTransform(QTransform(1, 0, 0, -1, 0, 1) * QTransform(a, b, c, d, e, f) * page)
    painter.drawImage(QRectF(0, 0, 1, 1), to_image(shape.bitmap))


def paint_vectors(printer: QPrinter, pages: PdfPages) -> int:
    """Draw every page of ``pages`` onto ``printer`` as lines and text (one sheet each); returns the page count.

    Each page is scaled to the paper keeping its proportions, centred; A4 onto A4 is 1:1. A page
    with something not drawn in vectors is painted as a picture instead.
    """
    painter = QPainter()
    if not painter.begin(printer):
        return 0
    font = _pdf_font()
    try:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        painter.setRenderHint(QPainter.RenderHint.TextAntialiasing, True)
        for index in range(len(pages)):
            if index:
                printer.newPage()
            paper = QRectF(printer.pageLayout().fullRectPixels(printer.resolution()))
            try:
                width_pt, height_pt, shapes = page_shapes(pages, index)
            except NotDrawable:
                _paint_page_image(painter, printer, pages, index, MAX_DPI)
                continue
            scale = min(paper.width() / width_pt, paper.height() / height_pt)
            left = (paper.width() - width_pt * scale) / 2
            top = (paper.height() - height_pt * scale) / 2
            page = QTransform(scale, 0, 0, -scale, left, top + height_pt * scale)  # PDF points, y up
            _draw_shapes(painter, shapes, page, font)
        return len(pages)
    finally:
        painter.end()


def _draw_shapes(painter: QPainter, shapes: list[Shape], page: QTransform, font: QFont) -> None:
    for shape in shapes:
        painter.save()
        if isinstance(shape, PathShape):
            _draw_path(painter, shape, page)
        elif isinstance(shape, TextShape):
            _draw_text(painter, shape, page, font)
        else:
            _draw_image(painter, shape, page)
        painter.restore()


PDF_FILE, CUPS, VECTORS = "pdf-file", "cups", "vectors"


def route(printer: QPrinter) -> str:
    """How a print job reaches ``printer``: the PDF as a file, the PDF through CUPS, or drawn in vectors."""
    if printer.outputFormat() == QPrinter.OutputFormat.PdfFormat and printer.outputFileName():
        return PDF_FILE
    if sys.platform != "win32" and printer.printerName() and shutil.which("lp"):
        return CUPS
    return VECTORS


def in_preview(printer: QPrinter) -> bool:
    """Whether Qt is painting the preview (its preview engine records pictures) rather than printing."""
    engine = printer.paintEngine()
    return engine is not None and engine.type() == QPaintEngine.Type.Picture


def send_pdf(printer: QPrinter, pdf: bytes, pages: PdfPages) -> int:
    """Print ``pdf`` on ``printer`` by its route; returns the pages sent.

    Raises:
        ExportError: the PDF file or the print job could not be written (the message names why).
    """
    how = route(printer)
    if how == PDF_FILE:
        with atomic_output(printer.outputFileName()) as temp:
            temp.write_bytes(pdf)
        return len(pages)
    if how == CUPS:
        command = ["lp", "-d", printer.printerName(), "-n", str(max(printer.copyCount(), 1)),
                   "-t", printer.docName() or "保学台账", "-o", "media=A4", "-"]
        done = subprocess.run(command, input=pdf, capture_output=True, check=False, timeout=60)
        if done.returncode != 0:
            detail = done.stderr.decode("utf-8", "replace").strip()
            raise ExportError(f"打印机“{printer.printerName()}”没有接受打印任务：{detail or done.returncode}")
        return len(pages)
    return paint_vectors(printer, pages)


def paint_or_send(printer: QPrinter, pdf: bytes, pages: PdfPages, failures: list[str]) -> None:
    """The preview's paint request: pictures for the preview, the PDF itself when printing for real."""
    if in_preview(printer):
        paint_pdf(printer, pages, max_dpi=150)
        return
    try:
        send_pdf(printer, pdf, pages)
    except ExportError as exc:
        failures.append(str(exc))


def a4_printer(title: str) -> QPrinter:
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setPageSize(QPageSize(QPageSize.PageSizeId.A4))
    printer.setPageOrientation(QPageLayout.Orientation.Portrait)
    printer.setFullPage(True)
    printer.setDocName(title)
    return printer


class PdfPrintPreview:
    """The print preview of a PDF; printing from it prints exactly the PDF's pages."""

    @staticmethod
    def is_file(target: str) -> bool:
        """Whether ``run`` printed to a PDF file (it returned the file's path) rather than to a printer."""
        return target.lower().endswith(".pdf") and Path(target).is_absolute()

    @classmethod
    def run(cls, parent: QWidget | None, pdf: bytes, title: str) -> str | None:
        """Show the preview (modal). Returns the printer's name once the user printed, else None."""
        pages = PdfPages(pdf)
        printer = a4_printer(title)
        dialog = QPrintPreviewDialog(printer, parent)
        dialog.setWindowTitle(parent.tr("打印预览 — ") + title if parent else title)
        failures: list[str] = []
        dialog.paintRequested.connect(lambda p: paint_or_send(p, pdf, pages, failures))
        dialog.resize(QSize(1000, 720))
        try:
            printed = dialog.exec() == QDialog.DialogCode.Accepted
        finally:
            pages.close()
        if failures:
            raise ExportError(failures[0])
        if not printed:
            return None
        return printer.outputFileName() if route(printer) == PDF_FILE else printer.printerName() or "打印机"


class SaveFileDialog:
    """Where to save an export: starts in the folder last used for exports, else Documents."""

    @classmethod
    def ask(cls, parent: QWidget | None, title: str, suggested: str, name_filter: str) -> Path | None:
        chosen = files.save_path(parent, files.EXPORTS, title, suggested, name_filter)
        if chosen is None:
            return None
        suffix = ".pdf" if "pdf" in name_filter.lower() else ".xlsx"
        if chosen.suffix.lower() != suffix:
            chosen = chosen.with_name(chosen.name + suffix)
        return chosen
