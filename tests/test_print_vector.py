"""The form's 打印 prints the PDF itself (the same as 保存为PDF): 打印到PDF saves that PDF with its
text, a CUPS printer is sent the PDF, and only the preview shows page images."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader
from PySide6.QtCore import Qt
from PySide6.QtPrintSupport import QPrinter, QPrintPreviewDialog, QPrintPreviewWidget
from PySide6.QtWidgets import QDialog
from pytestqt.qtbot import QtBot

from desktop_app.domain.errors import ExportError
from desktop_app.reports.pdf_render import PdfPages
from desktop_app.services import case_history, cases, printing
from desktop_app.services.store import Store
from desktop_app.ui.form.registration_dialog import RegistrationFormDialog
from desktop_app.ui.reports import printing as ui_printing
from tests.conftest import MessageLog
from tests.factories import full_form


def _images(reader: PdfReader) -> int:
    count = 0
    for page in reader.pages:
        xobjects = page["/Resources"].get("/XObject") or {}
        count += sum(1 for ref in xobjects.values() if ref.get_object().get("/Subtype") == "/Image")
    return count


def test_print_to_pdf_file_saves_the_pdf_itself(qapp, store: Store, tmp_path: Path) -> None:  # noqa: ANN001
    case_id = cases.save_form(store, full_form())
    pdf, _job = printing.forms_pdf_bytes(store, [case_id])
    pages = PdfPages(pdf)
    printer = ui_printing.a4_printer("一生一表")
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printer.setOutputFileName(str(tmp_path / "打印.pdf"))
    assert ui_printing.route(printer) == ui_printing.PDF_FILE
    assert ui_printing.send_pdf(printer, pdf, pages) == len(pages)
    pages.close()
    printed = (tmp_path / "打印.pdf").read_bytes()
    assert printed == pdf  # the very PDF 保存为PDF writes
    reader = PdfReader(tmp_path / "打印.pdf")
    assert full_form().name in reader.pages[0].extract_text()  # text, not a picture of it
    assert len(printed) < 200_000


def test_the_old_way_painted_page_images(qapp, store: Store, tmp_path: Path) -> None:  # noqa: ANN001
    """What the print dialog's file output gave before: pictures of the pages (the test can fail)."""
    case_id = cases.save_form(store, full_form())
    pdf, _job = printing.forms_pdf_bytes(store, [case_id])
    pages = PdfPages(pdf)
    printer = ui_printing.a4_printer("一生一表")
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printer.setOutputFileName(str(tmp_path / "images.pdf"))
    printer.setResolution(100)
    ui_printing.paint_pdf(printer, pages)
    pages.close()
    assert _images(PdfReader(tmp_path / "images.pdf")) >= 1


def _cups_printer(monkeypatch: pytest.MonkeyPatch, calls: list[tuple[list[str], bytes]], code: int = 0) -> QPrinter:
    monkeypatch.setattr(ui_printing.sys, "platform", "linux")
    monkeypatch.setattr(ui_printing.shutil, "which", lambda name: f"/usr/bin/{name}")

    def run(command: list[str], **kwargs: Any) -> subprocess.CompletedProcess[bytes]:
        calls.append((command, kwargs["input"]))
        return subprocess.CompletedProcess(command, code, b"", "lp: 打印机已暂停".encode() if code else b"")

    monkeypatch.setattr(ui_printing.subprocess, "run", run)
    printer = ui_printing.a4_printer("一生一表（1份）")
    printer.setOutputFormat(QPrinter.OutputFormat.NativeFormat)
    printer.setOutputFileName("")
    monkeypatch.setattr(QPrinter, "printerName", lambda _self: "教务处HP")
    return printer


def test_a_cups_printer_is_sent_the_pdf(qapp, store: Store, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: ANN001
    pdf, _job = printing.forms_pdf_bytes(store, [cases.save_form(store, full_form())])
    calls: list[tuple[list[str], bytes]] = []
    printer = _cups_printer(monkeypatch, calls)
    assert ui_printing.route(printer) == ui_printing.CUPS
    pages = PdfPages(pdf)
    ui_printing.send_pdf(printer, pdf, pages)
    pages.close()
    [(command, sent)] = calls
    assert command[:3] == ["lp", "-d", "教务处HP"] and sent == pdf


def test_a_refused_cups_job_names_the_printer(qapp, store: Store, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: ANN001
    pdf, _job = printing.forms_pdf_bytes(store, [cases.save_form(store, full_form())])
    printer = _cups_printer(monkeypatch, [], code=1)
    pages = PdfPages(pdf)
    with pytest.raises(ExportError, match="教务处HP.*没有接受"):
        ui_printing.send_pdf(printer, pdf, pages)
    pages.close()


def test_the_preview_shows_pictures_and_prints_nothing(qtbot: QtBot, store: Store, monkeypatch: pytest.MonkeyPatch,
                                                      tmp_path: Path) -> None:
    pdf, job = printing.forms_pdf_bytes(store, [cases.save_form(store, full_form())])
    pages = PdfPages(pdf)
    printer = ui_printing.a4_printer("预览")
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printer.setOutputFileName(str(tmp_path / "不应写出.pdf"))
    failures: list[str] = []
    widget = QPrintPreviewWidget(printer)
    qtbot.addWidget(widget)
    widget.paintRequested.connect(lambda p: ui_printing.paint_or_send(p, pdf, pages, failures))
    widget.show()
    widget.updatePreview()
    qtbot.waitUntil(lambda: widget.pageCount() == job.pages)
    assert not (tmp_path / "不应写出.pdf").exists() and not failures
    pages.close()


def test_the_forms_print_button_to_a_pdf_file(qtbot: QtBot, store: Store, tmp_path: Path,  # noqa: ANN001
                                             monkeypatch: pytest.MonkeyPatch, messages: MessageLog) -> None:
    target = tmp_path / "打印到PDF.pdf"

    def user_prints_to_file(dialog: QPrintPreviewDialog) -> int:
        printer = dialog.printer()
        printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
        printer.setOutputFileName(str(target))
        dialog.paintRequested.emit(printer)  # what the preview does when 打印 is pressed
        return QDialog.DialogCode.Accepted.value

    monkeypatch.setattr(QPrintPreviewDialog, "exec", user_prints_to_file)
    case_id = cases.save_form(store, full_form())
    form = RegistrationFormDialog(store, case_id)
    qtbot.addWidget(form)
    qtbot.mouseClick(form.print_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: bool(messages.written), timeout=15_000)
    assert messages.written == [target]
    assert str(target) in messages.texts("info")[-1]
    reader = PdfReader(target)
    assert _images(reader) == 0 and full_form().name in reader.pages[0].extract_text()
    history = [line.new for line in case_history.case_history(store, case_id) if line.what == printing.EVENT_PRINT]
    assert history and "打印到PDF文件“打印到PDF.pdf”，核验码" in history[-1]


def _grey(pdf: bytes, dpi: int = 50) -> list[bytes]:
    pages = PdfPages(pdf)
    try:
        shots = []
        for i in range(len(pages)):
            bitmap = pages.render(i, dpi)
            shots.append(bytes(bitmap.data[j] for j in range(0, len(bitmap.data), bitmap.channels)))
        return shots
    finally:
        pages.close()


def test_a_windows_printer_gets_lines_and_text_not_pictures(qapp, store: Store, tmp_path: Path) -> None:  # noqa: ANN001
    """Where no PDF reaches the printer, every page is drawn in vectors: text stays text, lines stay
    lines, and the paper looks like the PDF (compared pixel by pixel at 50 dpi)."""
    case_id = cases.save_form(store, full_form(family_situation="父母在外务工，家庭经济困难。" * 12))
    pdf, job = printing.forms_pdf_bytes(store, [case_id])
    pages = PdfPages(pdf)
    printer = ui_printing.a4_printer("一生一表")
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)  # what the driver gets, recorded as a PDF
    printer.setOutputFileName(str(tmp_path / "矢量.pdf"))
    assert ui_printing.paint_vectors(printer, pages) == job.pages
    pages.close()
    drawn = (tmp_path / "矢量.pdf").read_bytes()
    reader = PdfReader(tmp_path / "矢量.pdf")
    assert _images(reader) == 0
    text = reader.pages[0].extract_text()
    assert full_form().name in text and full_form().id_number in text and "义务教育阶段辍学学生登记表" in text
    assert len(drawn) < 400_000  # not 1 MB of page pictures
    for original, copy in zip(_grey(pdf), _grey(drawn), strict=True):
        assert len(original) == len(copy)
        differ = sum(1 for p, q in zip(original, copy, strict=True) if abs(p - q) > 96)
        assert differ / len(original) < 0.01, f"{differ} of {len(original)} pixels differ"


def test_the_route_without_cups_draws_vectors(qapp, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: ANN001
    monkeypatch.setattr(ui_printing.sys, "platform", "win32")
    printer = ui_printing.a4_printer("一生一表")
    printer.setOutputFormat(QPrinter.OutputFormat.NativeFormat)
    printer.setOutputFileName("")
    assert ui_printing.route(printer) == ui_printing.VECTORS
    drawn: list[object] = []
    monkeypatch.setattr(ui_printing, "paint_vectors", lambda p, pages: drawn.append(p) or 2)
    assert ui_printing.send_pdf(printer, b"%PDF", None) == 2  # type: ignore[arg-type]
    assert drawn == [printer]
