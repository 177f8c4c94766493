"""报表与打印: ledger exports, the monthly report (四个一), forms in batch, blank forms, and
checking a paper form against the ledger (人账相符)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from desktop_app.domain.codes import CaseStatus
from desktop_app.domain.errors import BaoxueError
from desktop_app.services import cases, exports, printing
from desktop_app.services.store import Store
from desktop_app.ui.common.table_model import TableModel
from desktop_app.ui.reports.actions import ReportActions
from desktop_app.ui.workers import Worker

Index = QModelIndex | QPersistentModelIndex


class MonthlyReportModel(TableModel[exports.ReasonFigures]):
    """The monthly figures by dropout reason, with the total as the last row."""

    HEADERS = exports.MONTHLY_HEADERS
    NUMBERED = True

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.report: exports.MonthlyReport | None = None

    def set_report(self, report: exports.MonthlyReport) -> None:
        self.report = report
        self.set_rows([*report.rows, report.total])

    def display(self, row: exports.ReasonFigures, column: int, position: int) -> Any:
        return str((row.reason, row.new, row.returned, row.other_closed, row.still_open)[column])

    def cell(self, row: exports.ReasonFigures, column: int, role: int, position: int) -> Any:
        if role == Qt.ItemDataRole.TextAlignmentRole and column:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.FontRole and row.reason == "合计":
            font = QFont()
            font.setBold(True)
            return font
        return super().cell(row, column, role, position)


class ReportsPage(QWidget):
    """Exports, the monthly report, batch and blank forms, and the paper check."""

    def __init__(self, store: Store, parent: QWidget | None = None, load: bool = True) -> None:
        super().__init__(parent)
        self.store = store
        self.report_actions = ReportActions(store, self)
        outer = QHBoxLayout(self)
        left = QVBoxLayout()
        right = QVBoxLayout()
        outer.addLayout(left, 1)
        outer.addLayout(right, 1)

        # ledgers to Excel
        box = QGroupBox(self.tr("台账导出（Excel）"), self)
        grid = QGridLayout(box)
        self.ledger_combo = QComboBox(box)
        for key, ledger in exports.LEDGERS.items():
            self.ledger_combo.addItem(f"{ledger.title}（{ledger.description}）", key)
        self.export_ledger_button = QPushButton(self.tr("导出Excel…"), box)
        grid.addWidget(QLabel(self.tr("台账"), box), 0, 0)
        grid.addWidget(self.ledger_combo, 0, 1)
        grid.addWidget(self.export_ledger_button, 0, 2)
        grid.setColumnStretch(1, 1)
        left.addWidget(box)

        # registration forms in batch, and blank forms
        box = QGroupBox(self.tr("一生一表（义务教育阶段辍学学生登记表）"), self)
        grid = QGridLayout(box)
        self.open_forms_button = QPushButton(self.tr("全部未销号案件 → 一个PDF…"), box)
        self.all_forms_button = QPushButton(self.tr("全部案件（含已销号） → 一个PDF…"), box)
        self.preview_open_button = QPushButton(self.tr("打印全部未销号案件…"), box)
        grid.addWidget(self.open_forms_button, 0, 0)
        grid.addWidget(self.all_forms_button, 0, 1)
        grid.addWidget(self.preview_open_button, 1, 0)
        hint = QLabel(self.tr("单个或选中的几个案件：在“台账”中选中后点“打印/导出”；每份表印有核验码和二维码。"), box)
        hint.setWordWrap(True)
        grid.addWidget(hint, 2, 0, 1, 2)
        left.addWidget(box)

        box = QGroupBox(self.tr("空白登记表（入户先填纸质表）"), self)
        row = QHBoxLayout(box)
        self.blank_copies = QSpinBox(box)
        self.blank_copies.setRange(1, 200)
        self.blank_copies.setSuffix(self.tr(" 份"))
        self.print_blank_button = QPushButton(self.tr("打印空白表…"), box)
        self.export_blank_button = QPushButton(self.tr("空白表保存为PDF…"), box)
        row.addWidget(QLabel(self.tr("份数"), box))
        row.addWidget(self.blank_copies)
        row.addStretch(1)
        row.addWidget(self.print_blank_button)
        row.addWidget(self.export_blank_button)
        left.addWidget(box)

        # paper check
        box = QGroupBox(self.tr("核对纸质表（人账相符）"), self)
        col = QVBoxLayout(box)
        line = QHBoxLayout()
        self.code_edit = QLineEdit(box)
        self.code_edit.setPlaceholderText(self.tr("扫描二维码，或输入纸质表下方的核验码 BX1-…"))
        self.code_edit.setClearButtonEnabled(True)
        self.check_button = QPushButton(self.tr("核对"), box)
        line.addWidget(self.code_edit, 1)
        line.addWidget(self.check_button)
        col.addLayout(line)
        self.check_result = QPlainTextEdit(box)
        self.check_result.setReadOnly(True)
        self.check_result.setMinimumHeight(90)
        col.addWidget(self.check_result, 1)
        left.addWidget(box, 1)

        # monthly report
        box = QGroupBox(self.tr("月报（四个一：新增、复学、销号、在案，按辍学原因）"), self)
        col = QVBoxLayout(box)
        line = QHBoxLayout()
        today = dt.date.today()
        self.year_spin = QSpinBox(box)
        self.year_spin.setRange(2000, 2100)
        self.year_spin.setValue(today.year)
        self.year_spin.setSuffix(self.tr(" 年"))
        self.month_spin = QSpinBox(box)
        self.month_spin.setRange(1, 12)
        self.month_spin.setValue(today.month)
        self.month_spin.setSuffix(self.tr(" 月"))
        self.export_monthly_button = QPushButton(self.tr("导出月报Excel…"), box)
        line.addWidget(self.year_spin)
        line.addWidget(self.month_spin)
        line.addStretch(1)
        line.addWidget(self.export_monthly_button)
        col.addLayout(line)
        self.monthly_model = MonthlyReportModel(self)
        self.monthly_view = QTableView(box)
        self.monthly_view.setModel(self.monthly_model)
        self.monthly_view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.monthly_view.verticalHeader().hide()
        header = self.monthly_view.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        header.setMinimumSectionSize(60)
        self.monthly_view.setWordWrap(True)
        header.setDefaultAlignment(Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap)
        header.setFixedHeight(44)
        col.addWidget(self.monthly_view, 1)
        right.addWidget(box, 1)

        self.export_ledger_button.clicked.connect(self.export_ledger)
        self.open_forms_button.clicked.connect(lambda: self.export_forms(open_only=True))
        self.all_forms_button.clicked.connect(lambda: self.export_forms(open_only=False))
        self.preview_open_button.clicked.connect(self.print_open_forms)
        self.print_blank_button.clicked.connect(lambda: self.report_actions.preview_blank(self.blank_copies.value()))
        self.export_blank_button.clicked.connect(lambda: self.report_actions.export_blank(self.blank_copies.value()))
        self.check_button.clicked.connect(self.check_code)
        self.code_edit.returnPressed.connect(self.check_code)
        self.year_spin.valueChanged.connect(self.refresh)
        self.month_spin.valueChanged.connect(self.refresh)
        self.export_monthly_button.clicked.connect(
            lambda: self.report_actions.export_monthly(self.year_spin.value(), self.month_spin.value())
        )
        if load:
            self.refresh()

    def refresh(self) -> None:
        report = exports.monthly_report(self.store, self.year_spin.value(), self.month_spin.value())
        self.monthly_model.set_report(report)

    def export_ledger(self) -> Worker | None:
        return self.report_actions.export_ledger(self.ledger_combo.currentData())

    def _case_ids(self, open_only: bool) -> list[str]:
        statuses = CaseStatus.open_values() if open_only else ()
        return printing.case_ids(self.store, cases.LedgerQuery(statuses=statuses))

    def export_forms(self, open_only: bool = True) -> Worker | None:
        which = self.tr("未销号") if open_only else self.tr("全部")
        ids = self._case_ids(open_only)
        return self.report_actions.export_cases_pdf(ids, f"一生一表-{which}-{len(ids)}份-{dt.date.today():%Y%m%d}.pdf")

    def print_open_forms(self) -> Worker | None:
        return self.report_actions.preview_cases(self._case_ids(True))

    def check_code(self) -> printing.CheckResult | None:
        try:
            result = printing.check_print(self.store, self.code_edit.text())
        except BaoxueError as exc:
            self.check_result.setPlainText(str(exc))
            self.check_result.setStyleSheet("color: #b00020;")
            return None
        self.check_result.setPlainText(result.report())
        self.check_result.setStyleSheet("color: #2e7d32;" if result.matches else "color: #b00020;")
        return result
