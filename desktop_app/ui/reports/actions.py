"""The printing and export actions shared by the ledger page, the form dialog and 报表与打印.

Slow work (PDF batches, Excel ledgers) runs in a Worker behind a progress dialog with a cancel
button; results and errors come back on the GUI thread as message boxes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QWidget

from desktop_app.domain.errors import BaoxueError
from desktop_app.services import cases, exports, printing
from desktop_app.services.store import Store
from desktop_app.ui.accounts.dialogs import ExportReasonDialog
from desktop_app.ui.common import operations
from desktop_app.ui.reports.printing import PdfPrintPreview, SaveFileDialog
from desktop_app.ui.widgets import Messages
from desktop_app.ui.workers import Worker

PDF_FILTER = "PDF 文件 (*.pdf)"
XLSX_FILTER = "Excel 工作簿 (*.xlsx)"


def _stamp() -> str:
    return dt.date.today().strftime("%Y%m%d")


class ReportActions(QObject):
    """Printing and exporting on behalf of ``parent`` (message boxes and progress belong to it)."""

    def __init__(self, store: Store, parent: QWidget) -> None:
        super().__init__(parent)
        self.store = store
        self.widget = parent
        self.worker: Worker | None = None

    # --- running a job --------------------------------------------------------------------

    def run(self, label: str, job: Callable[[Callable[[int, int], bool]], Any],
            finished: Callable[[Any], None], maximum: int = 0) -> Worker:
        """Run ``job(report)`` in a worker with a progress dialog; ``finished(result)`` on the GUI thread."""
        def done(result: Any) -> None:
            self.worker = None
            finished(result)

        self.worker = operations.run(self.widget, label, job, done=done, total=maximum)
        self.worker.signals.failed.connect(lambda _m: setattr(self, "worker", None))
        self.worker.signals.cancelled.connect(lambda: setattr(self, "worker", None))
        return self.worker

    # --- registration forms -----------------------------------------------------------------

    def preview_cases(self, case_ids: list[str], title: str = "") -> Worker | None:
        """Build the forms in memory, then show the print preview; a real print is recorded."""
        if not case_ids:
            Messages.info(self.widget, self.tr("打印"), self.tr("请先选中要打印的案件（按住Ctrl或Shift可多选）"))
            return None
        title = title or self.tr("一生一表（%1份）").replace("%1", str(len(case_ids)))

        def done(result: Any) -> None:
            pdf, job = result
            try:
                printer = PdfPrintPreview.run(self.widget, pdf, title)
            except BaoxueError as exc:
                Messages.error(self.widget, self.tr("未打印"), str(exc))
                return
            if printer and PdfPrintPreview.is_file(printer):
                printing.record_prints(self.store, job, printing.EVENT_PRINT, f"PDF文件：{Path(printer).name}")
                Messages.written(self.widget, self.tr("已打印到PDF"),
                                 self.tr("一生一表已保存为PDF（与“保存为PDF”相同，含文字）：\n%1").replace("%1", printer),
                                 Path(printer))
            elif printer:
                printing.record_prints(self.store, job, printing.EVENT_PRINT, f"打印机：{printer}")

        return self.run(self.tr("正在生成一生一表…"),
                        lambda report: printing.forms_pdf_bytes(self.store, case_ids, report), done, len(case_ids))

    def export_cases_pdf(self, case_ids: list[str], suggested: str = "") -> Worker | None:
        if not case_ids:
            Messages.info(self.widget, self.tr("导出PDF"), self.tr("没有要导出的案件"))
            return None
        path = SaveFileDialog.ask(self.widget, self.tr("一生一表保存为PDF"),
                                  suggested or f"一生一表-{len(case_ids)}份-{_stamp()}.pdf", PDF_FILTER)
        if path is None:
            return None

        def done(job: Any) -> None:
            Messages.written(self.widget, self.tr("已生成PDF"), self.tr("已生成一生一表 %1 份，共 %2 页：\n%3")
                             .replace("%1", str(len(job.codes))).replace("%2", str(job.pages)).replace("%3", str(path)),
                             path)

        return self.run(self.tr("正在生成一生一表PDF…"),
                        lambda report: printing.write_forms_pdf(self.store, case_ids, path, report), done,
                        len(case_ids))

    def preview_blank(self, copies: int = 1) -> str | None:
        pdf = printing.blank_pdf_bytes(self.store, copies)
        try:
            printer = PdfPrintPreview.run(self.widget, pdf, self.tr("空白一生一表"))
        except BaoxueError as exc:
            Messages.error(self.widget, self.tr("未打印"), str(exc))
            return None
        if printer:
            printing.record_blank_print(self.store, copies, printer)
        return printer

    def export_blank(self, copies: int = 1) -> Path | None:
        path = SaveFileDialog.ask(self.widget, self.tr("空白一生一表保存为PDF"), "一生一表-空白.pdf", PDF_FILTER)
        if path is None:
            return None
        self.run(self.tr("正在生成空白一生一表…"), lambda _report: printing.write_blank_pdf(self.store, path, copies),
                 lambda _r: Messages.written(self.widget, self.tr("已生成PDF"),
                                             self.tr("已生成空白一生一表：\n%1").replace("%1", str(path)), path))
        return path

    # --- Excel ----------------------------------------------------------------------------

    def _reason(self, what: str) -> tuple[str, bool] | None:
        """Why personal data leaves the program (and whether numbers go out in full); None: cancelled."""
        return ExportReasonDialog.ask(self.store, what, self.widget)

    def export_ledger(self, key: str = "open", query: cases.LedgerQuery | None = None, view: str = "") -> Worker | None:
        """Export a ledger; ``view`` names what it holds (the ledger page's view and filter) in the
        file name, the sheet and the title, with the date."""
        ledger = exports.LEDGERS[key]
        name = view or ledger.title
        answer = self._reason(name)
        if answer is None:
            return None
        reason, full = answer
        path = SaveFileDialog.ask(self.widget, self.tr("导出台账"),
                                  f"{printing.unit_name(self.store)}{name}-{_stamp()}.xlsx", XLSX_FILTER)
        if path is None:
            return None

        def done(rows: Any) -> None:
            Messages.written(self.widget, self.tr("已导出"), self.tr("已导出%1 %2 行：\n%3")
                             .replace("%1", name).replace("%2", str(rows)).replace("%3", str(path)), path)

        return self.run(self.tr("正在导出%1…").replace("%1", name),
                        lambda report: exports.export_ledger(self.store, path, key, query, report, reason=reason,
                                                             full_numbers=full, view=name), done)

    def export_form(self, case_id: str, name: str) -> Path | None:
        answer = self._reason(self.tr("一生一表（%1）").replace("%1", name))
        if answer is None:
            return None
        path = SaveFileDialog.ask(self.widget, self.tr("一生一表导出为Excel"), f"一生一表-{name}.xlsx", XLSX_FILTER)
        if path is None:
            return None
        self.run(self.tr("正在导出一生一表…"), lambda _report: exports.export_form(self.store, case_id, path,
                                                                            reason=answer[0]),
                 lambda _r: Messages.written(self.widget, self.tr("已导出"),
                                             self.tr("一生一表已导出：\n%1").replace("%1", str(path)), path))
        return path

    def export_monthly(self, year: int, month: int) -> Path | None:
        answer = self._reason(self.tr("月报（含月末仍未复学学生名单）"))
        if answer is None:
            return None
        path = SaveFileDialog.ask(self.widget, self.tr("导出月报"), f"控辍保学月报-{year}年{month:02d}月.xlsx",
                                  XLSX_FILTER)
        if path is None:
            return None
        self.run(self.tr("正在导出月报…"),
                 lambda _report: exports.export_monthly(self.store, year, month, path, reason=answer[0]),
                 lambda _r: Messages.written(self.widget, self.tr("已导出"),
                                             self.tr("已导出月报：\n%1").replace("%1", str(path)), path))
        return path
