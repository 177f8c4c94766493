"""Printing and exporting from the GUI: ledger actions, the form's 打印 button, 报表与打印."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader
from PySide6.QtCore import Qt, QThreadPool
from PySide6.QtPrintSupport import QPrinter
from PySide6.QtWidgets import QProgressDialog, QPushButton
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from database.models import AuditEntry
from desktop_app.reports.pdf_render import PdfPages
from desktop_app.services import cases, demo, printing
from desktop_app.services.store import Store
from desktop_app.ui.accounts.dialogs import ExportReasonDialog
from desktop_app.ui.form.registration_dialog import RegistrationFormDialog
from desktop_app.ui.ledger.page import LedgerPage
from desktop_app.ui.reports import printing as ui_printing
from desktop_app.ui.reports.page import ReportsPage
from tests.conftest import MessageLog
from tests.factories import full_form
from tests.helpers.qt import type_into


class FakePreview:
    """Stands in for the modal print preview; records what it was given."""

    def __init__(self, printer: str | None = "测试打印机") -> None:
        self.printer = printer
        self.shown: list[tuple[bytes, str]] = []

    def __call__(self, _parent: Any, pdf: bytes, title: str) -> str | None:
        self.shown.append((pdf, title))
        return self.printer

    def text(self, i: int = -1) -> str:
        return "".join("".join(p.extract_text().split()) for p in PdfReader(io.BytesIO(self.shown[i][0])).pages)


@pytest.fixture
def preview(monkeypatch: pytest.MonkeyPatch) -> FakePreview:
    fake = FakePreview()
    monkeypatch.setattr(ui_printing.PdfPrintPreview, "run", classmethod(lambda cls, *a: fake(*a)))
    return fake


@pytest.fixture(autouse=True)
def export_reason(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The export-reason dialog answers as an administrator would; records what it was asked about."""
    asked: list[str] = []

    def ask(_cls: Any, _store: Any, what: str, _parent: Any = None) -> tuple[str, bool]:
        asked.append(what)
        return "按区教委通知上报", True

    monkeypatch.setattr(ExportReasonDialog, "ask", classmethod(ask))
    return asked


@pytest.fixture
def save_to(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> list[Path]:
    """The save-file dialog answers with files in tmp_path/out, in order."""
    out = tmp_path / "out"
    out.mkdir()
    answers: list[Path] = []

    def ask(_cls: Any, _parent: Any, _title: str, suggested: str, _filter: str) -> Path:
        path = out / suggested
        answers.append(path)
        return path

    monkeypatch.setattr(ui_printing.SaveFileDialog, "ask", classmethod(ask))
    return answers


def events(store: Store, what: str) -> list[AuditEntry]:
    with store.read() as session:
        return list(session.execute(
            select(AuditEntry).where(AuditEntry.action == "event", AuditEntry.field == what).order_by(AuditEntry.id)
        ).scalars())


def finish_workers() -> None:
    QThreadPool.globalInstance().waitForDone(20000)


def test_print_selected_cases_from_the_ledger(qtbot: QtBot, store: Store, preview: FakePreview) -> None:
    demo.load(store, 20)
    page = LedgerPage(store)
    qtbot.addWidget(page)
    page.view.selectRow(2)
    page.view.selectionModel().select(
        page.model.index(5, 0), page.view.selectionModel().SelectionFlag.Select
        | page.view.selectionModel().SelectionFlag.Rows,
    )
    chosen = [page.model.case_id(2), page.model.case_id(5)]
    page.print_selected_action.trigger()
    qtbot.waitUntil(lambda: len(preview.shown) == 1, timeout=15000)
    text = preview.text()
    for case_id in chosen:
        assert cases.load_form(store, case_id).name in text
    printed = events(store, printing.EVENT_PRINT)
    assert [e.record_id for e in printed] == chosen
    assert "测试打印机" in printed[0].new_value


def test_nothing_selected_says_what_to_do(qtbot: QtBot, store: Store, preview: FakePreview,
                                          messages: MessageLog) -> None:
    page = LedgerPage(store)
    qtbot.addWidget(page)
    page.print_selected_action.trigger()
    assert preview.shown == [] and "请先选中要打印的案件" in messages.texts("info")[0]


def test_closing_the_preview_without_printing_records_nothing(qtbot: QtBot, store: Store,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    fake = FakePreview(printer=None)
    monkeypatch.setattr(ui_printing.PdfPrintPreview, "run", classmethod(lambda cls, *a: fake(*a)))
    case_id = cases.save_form(store, full_form())
    dialog = RegistrationFormDialog(store, case_id)
    qtbot.addWidget(dialog)
    qtbot.mouseClick(dialog.print_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: len(fake.shown) == 1, timeout=15000)
    assert "张小明" in fake.text()
    assert events(store, printing.EVENT_PRINT) == []


def test_form_print_button_saves_changes_first_and_prints_the_saved_record(
        qtbot: QtBot, store: Store, preview: FakePreview, messages: MessageLog) -> None:
    case_id = cases.save_form(store, full_form())
    dialog = RegistrationFormDialog(store, case_id)
    qtbot.addWidget(dialog)
    type_into(qtbot, dialog.guardian1_phone_edit, "13700001111")
    qtbot.mouseClick(dialog.print_button, Qt.MouseButton.LeftButton)
    assert "先保存" in messages.texts("confirm")[0]
    qtbot.waitUntil(lambda: len(preview.shown) == 1, timeout=15000)
    assert "13700001111" in preview.text()
    assert cases.load_form(store, case_id).guardian1_phone == "13700001111"
    [printed] = events(store, printing.EVENT_PRINT)
    code = printing.json.loads(printed.new_value)["code"]
    assert code in preview.text()
    assert printing.check_print(store, code).matches


def test_form_print_refused_save_prints_nothing(qtbot: QtBot, store: Store, preview: FakePreview,
                                                messages: MessageLog) -> None:
    dialog = RegistrationFormDialog(store, None)
    qtbot.addWidget(dialog)
    messages.answer = False
    qtbot.mouseClick(dialog.print_button, Qt.MouseButton.LeftButton)
    assert preview.shown == [] and messages.texts("confirm")


def test_filtered_ledger_to_one_pdf_and_to_excel(qtbot: QtBot, store: Store, save_to: list[Path],
                                                  messages: MessageLog) -> None:
    demo.load(store, 40)
    page = LedgerPage(store)
    qtbot.addWidget(page)
    page.status_combo.setCurrentText("劝返中")
    expected = cases.ledger_page(store, page.model.query, 0, 1000)
    page.pdf_filtered_action.trigger()
    qtbot.waitUntil(lambda: any("已生成一生一表" in t for t in messages.texts("info")), timeout=20000)
    reader = PdfReader(save_to[0])
    first = "".join(reader.pages[0].extract_text().split())
    assert expected[0]["name"] in first
    assert f"{len(expected)} 份" in messages.texts("info")[-1]
    today = dt.date.today().strftime("%Y%m%d")
    assert save_to[0].name == f"一生一表-全部案件（劝返中）-{len(expected)}份-{today}.pdf"  # named after the view
    page.xlsx_action.trigger()
    qtbot.waitUntil(lambda: any("已导出全部案件（劝返中）" in t for t in messages.texts("info")), timeout=20000)
    assert save_to[1].name == f"潼南区米心镇中心小学全部案件（劝返中）-{today}.xlsx"
    ws = load_workbook(save_to[1]).active
    assert ws.title == "全部案件（劝返中）" and "全部案件（劝返中）" in str(ws.cell(1, 1).value)
    assert not any("疑似辍学学生台账" in str(c.value) for row in ws.iter_rows(max_row=3) for c in row)
    assert [ws.cell(r, 2).value for r in range(4, ws.max_row + 1)] == [e["name"] for e in expected]
    assert {ws.cell(r, 17).value for r in range(4, ws.max_row + 1)} == {"劝返中"}
    [export] = events(store, "导出")  # privacy.record_export: who, what, why
    assert "按区教委通知上报" in export.new_value and "全部案件（劝返中）" in export.new_value
    finish_workers()


def test_cancelling_a_batch_leaves_no_file(qtbot: QtBot, store: Store, save_to: list[Path],
                                           messages: MessageLog) -> None:
    demo.load(store, 400)
    page = ReportsPage(store)
    qtbot.addWidget(page)
    worker = page.export_forms(open_only=False)
    assert worker is not None
    progress = page.findChild(QProgressDialog)
    with qtbot.waitSignal(worker.signals.cancelled, timeout=20000):
        qtbot.mouseClick(progress.findChild(QPushButton), Qt.MouseButton.LeftButton)  # the user clicks 取消
    finish_workers()
    assert not save_to[0].exists() and list(save_to[0].parent.iterdir()) == []
    assert not [t for t in messages.texts() if "已生成" in t]
    assert events(store, printing.EVENT_PDF) == []


def test_reports_page_checks_a_paper_code(qtbot: QtBot, store: Store, tmp_path: Path) -> None:
    case_id = cases.save_form(store, full_form())
    code = printing.write_forms_pdf(store, [case_id], tmp_path / "f.pdf").codes[0].short_text()
    page = ReportsPage(store)
    qtbot.addWidget(page)
    type_into(qtbot, page.code_edit, code)
    qtbot.mouseClick(page.check_button, Qt.MouseButton.LeftButton)
    assert "人账相符" in page.check_result.toPlainText()
    form = cases.load_form(store, case_id)
    form.health = "较差"
    cases.save_form(store, form)
    qtbot.mouseClick(page.check_button, Qt.MouseButton.LeftButton)
    shown = page.check_result.toPlainText()
    assert "人账不符" in shown and "健康情况" in shown and "较差" in shown
    type_into(qtbot, page.code_edit, "abc")
    qtbot.mouseClick(page.check_button, Qt.MouseButton.LeftButton)
    assert "核验码格式不对" in page.check_result.toPlainText()


def test_reports_page_blank_forms_monthly_and_ledger(qtbot: QtBot, store: Store, preview: FakePreview,
                                                     save_to: list[Path], qtmodeltester: Any,
                                                     messages: MessageLog) -> None:
    demo.load(store, 30)
    page = ReportsPage(store)
    qtbot.addWidget(page)
    qtmodeltester.check(page.monthly_model)
    total_row = page.monthly_model.rowCount() - 1
    assert page.monthly_model.index(total_row, 0).data() == "合计"

    page.blank_copies.setValue(2)
    qtbot.mouseClick(page.print_blank_button, Qt.MouseButton.LeftButton)
    assert len(PdfReader(io.BytesIO(preview.shown[0][0])).pages) == 2
    assert "打印机 测试打印机" in events(store, printing.EVENT_BLANK)[0].new_value

    qtbot.mouseClick(page.export_monthly_button, Qt.MouseButton.LeftButton)  # off the GUI thread now
    qtbot.waitUntil(lambda: any("已导出月报" in t for t in messages.texts("info")), timeout=20000)
    assert save_to[-1].exists() and "月报" in save_to[-1].name

    page.ledger_combo.setCurrentIndex(page.ledger_combo.findData("open"))
    worker = page.export_ledger()
    assert worker is not None
    qtbot.waitUntil(lambda: any("未销号案件台账" in t for t in messages.texts("info")), timeout=20000)
    assert load_workbook(save_to[-1]).active["A1"].value.endswith("未销号案件台账")
    finish_workers()


def test_printing_paints_exactly_the_pdf_pages(qtbot: QtBot, store: Store, tmp_path: Path) -> None:
    demo.load(store, 3)
    pdf, job = printing.forms_pdf_bytes(store, printing.case_ids(store))
    pages = PdfPages(pdf)
    printer = ui_printing.a4_printer("测试")
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printer.setOutputFileName(str(tmp_path / "printed.pdf"))
    printer.setResolution(100)
    assert ui_printing.paint_pdf(printer, pages) == job.pages
    pages.close()
    printed = PdfReader(tmp_path / "printed.pdf")
    assert len(printed.pages) == job.pages
    box = printed.pages[0].mediabox
    assert round(float(box.width)) == 595 and round(float(box.height)) == 842
