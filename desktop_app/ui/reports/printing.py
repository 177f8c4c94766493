"""Print preview and printing of the program's own PDFs, page for page.

The preview shows the PDF's pages rendered with PDFium (desktop_app.reports.pdf_render). What is
printed is the PDF itself, the same file 保存为PDF writes, wherever the platform allows it:

- 打印到PDF文件 (the print dialog's file output) saves that PDF, text and vectors, not page images;
- a printer reached through CUPS (Linux, macOS) is sent the PDF with ``lp``;
- elsewhere (a Windows printer) each page is rendered at the printer's resolution (at most
  300 dpi) and painted onto it, so the paper still shows exactly what the PDF shows.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from PySide6.QtCore import QRectF, QSize
from PySide6.QtGui import QImage, QPageLayout, QPageSize, QPaintEngine, QPainter
from PySide6.QtPrintSupport import QPrinter, QPrintPreviewDialog
from PySide6.QtWidgets import QDialog, QWidget

from desktop_app.domain.errors import ExportError
from desktop_app.reports.files import atomic_output
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


PDF_FILE, CUPS, BITMAPS = "pdf-file", "cups", "bitmaps"


def route(printer: QPrinter) -> str:
    """How a print job reaches ``printer``: the PDF as a file, the PDF through CUPS, or page images."""
    if printer.outputFormat() == QPrinter.OutputFormat.PdfFormat and printer.outputFileName():
        return PDF_FILE
    if sys.platform != "win32" and printer.printerName() and shutil.which("lp"):
        return CUPS
    return BITMAPS


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
    return paint_pdf(printer, pages)


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
