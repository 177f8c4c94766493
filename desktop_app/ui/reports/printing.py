"""Print preview and printing of the program's own PDFs, page for page.

The PDF is rendered with PDFium (desktop_app.reports.pdf_render) at the printer's resolution
(at most 300 dpi) and each page painted onto the QPrinter, so the paper shows exactly what the
PDF shows, with the embedded font, on a PC without Chinese fonts.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QRectF, QSize
from PySide6.QtGui import QImage, QPageLayout, QPageSize, QPainter
from PySide6.QtPrintSupport import QPrinter, QPrintPreviewDialog
from PySide6.QtWidgets import QDialog, QWidget

from desktop_app.reports.pdf_render import PageBitmap, PdfPages
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
    dpi = max(72, min(printer.resolution(), max_dpi))
    painter = QPainter()
    if not painter.begin(printer):
        return 0
    try:
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, True)
        for index in range(len(pages)):
            if index:
                printer.newPage()
            bitmap = pages.render(index, dpi)
            paper = QRectF(printer.pageLayout().fullRectPixels(printer.resolution()))
            # the painter's origin is the paper's corner with full-page printing
            scale = min(paper.width() / bitmap.width_pt, paper.height() / bitmap.height_pt)
            w, h = bitmap.width_pt * scale, bitmap.height_pt * scale
            target = QRectF((paper.width() - w) / 2, (paper.height() - h) / 2, w, h)
            painter.drawImage(target, to_image(bitmap))
        return len(pages)
    finally:
        painter.end()


def a4_printer(title: str) -> QPrinter:
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setPageSize(QPageSize(QPageSize.PageSizeId.A4))
    printer.setPageOrientation(QPageLayout.Orientation.Portrait)
    printer.setFullPage(True)
    printer.setDocName(title)
    return printer


class PdfPrintPreview:
    """The print preview of a PDF; printing from it prints exactly the PDF's pages."""

    @classmethod
    def run(cls, parent: QWidget | None, pdf: bytes, title: str) -> str | None:
        """Show the preview (modal). Returns the printer's name once the user printed, else None."""
        pages = PdfPages(pdf)
        printer = a4_printer(title)
        dialog = QPrintPreviewDialog(printer, parent)
        dialog.setWindowTitle(parent.tr("打印预览 — ") + title if parent else title)
        dialog.paintRequested.connect(lambda p: paint_pdf(p, pages))
        dialog.resize(QSize(1000, 720))
        try:
            printed = dialog.exec() == QDialog.DialogCode.Accepted
        finally:
            pages.close()
        if not printed:
            return None
        return printer.printerName() or printer.outputFileName() or "打印机"


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
