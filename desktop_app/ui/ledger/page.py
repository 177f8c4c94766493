"""台账: the case ledger page, with filters, search and the actions on cases."""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMenu,
    QPushButton,
    QTableView,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from desktop_app.domain import codes
from desktop_app.domain.codes import CaseStatus
from desktop_app.services import cases, printing
from desktop_app.services.store import Store
from desktop_app.ui.ledger.model import CaseLedgerModel
from desktop_app.ui.reports.actions import ReportActions
from desktop_app.ui.workers import Worker

ALL = "全部"
OPEN = "未销号（全部在案）"


class LedgerPage(QWidget):
    """The ledger: every case, filtered and searched in SQL.

    Signals:
        open_case(str): the user opened a case (double-click or Enter).
        new_case(): the user asked for a new case.
    """

    open_case = Signal(str)
    new_case = Signal()

    def __init__(self, store: Store, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.store = store
        layout = QVBoxLayout(self)
        bar = QHBoxLayout()
        self.search_edit = QLineEdit(self)
        self.search_edit.setPlaceholderText(self.tr("搜索：姓名、拼音首字母（如zs）、身份证号或学籍号片段"))
        self.search_edit.setClearButtonEnabled(True)
        self.status_combo = QComboBox(self)
        self.status_combo.addItems([ALL, OPEN, *[s.value for s in CaseStatus]])
        self.grade_combo = QComboBox(self)
        self.township_combo = QComboBox(self)
        self.village_combo = QComboBox(self)
        for combo in (self.grade_combo, self.township_combo, self.village_combo):
            combo.setMinimumContentsLength(6)
            combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        bar.addWidget(self.search_edit, 3)
        for label, combo in ((self.tr("状态"), self.status_combo), (self.tr("年级"), self.grade_combo),
                             (self.tr("乡镇"), self.township_combo), (self.tr("村(社区)"), self.village_combo)):
            caption = QLabel(label, self)
            caption.setBuddy(combo)
            bar.addWidget(caption)
            bar.addWidget(combo, 1)
        layout.addLayout(bar)

        self.model = CaseLedgerModel(store, self)
        self.view = QTableView(self)
        self.view.setModel(self.model)
        self.view.setSortingEnabled(True)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.view.setAlternatingRowColors(True)
        self.view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.view.horizontalHeader().setStretchLastSection(True)
        self.view.horizontalHeader().setSortIndicator(9, Qt.SortOrder.DescendingOrder)
        self.view.verticalHeader().setDefaultSectionSize(24)
        for col, width in enumerate((80, 40, 150, 70, 90, 100, 80, 100, 70, 90)):
            self.view.setColumnWidth(col, width)
        layout.addWidget(self.view, 1)

        bottom = QHBoxLayout()
        self.count_label = QLabel(self)
        self.new_button = QPushButton(self.tr("新建案件(&N)"), self)
        self.open_button = QPushButton(self.tr("打开一生一表(&O)"), self)
        bottom.addWidget(self.count_label)
        bottom.addStretch(1)
        bottom.addWidget(self.open_button)
        bottom.addWidget(self.new_button)
        layout.addLayout(bottom)
        self._build_print_menu(bottom)

        self._search_timer = QTimer(self)
        self._search_timer.setSingleShot(True)
        self._search_timer.setInterval(250)
        self._search_timer.timeout.connect(self.apply_filters)
        self.search_edit.textChanged.connect(lambda _t: self._search_timer.start())
        self.status_combo.currentIndexChanged.connect(self.apply_filters)
        self.grade_combo.currentIndexChanged.connect(self.apply_filters)
        self.township_combo.currentIndexChanged.connect(self._township_changed)
        self.village_combo.currentIndexChanged.connect(self.apply_filters)
        self.view.doubleClicked.connect(lambda index: self.open_case.emit(self.model.case_id(index.row())))
        self.view.activated.connect(lambda index: self.open_case.emit(self.model.case_id(index.row())))
        self.open_button.clicked.connect(self._open_selected)
        self.new_button.clicked.connect(self.new_case.emit)
        self.model.total_changed.connect(self._show_total)
        QShortcut(QKeySequence.StandardKey.Find, self, activated=self.search_edit.setFocus)
        self._options: cases.FilterOptions | None = None
        self.refresh()

    # --- filters ------------------------------------------------------------------------

    def refresh(self) -> None:
        """Reload the filter choices and the rows, keeping what the user chose."""
        self._options = cases.filter_options(self.store)
        grades = [g for g in codes.GRADES if g in self._options.grades]
        self._refill(self.grade_combo, grades)
        self._refill(self.township_combo, self._options.townships)
        self._refill_villages()
        self.apply_filters()

    def _refill(self, combo: QComboBox, values: list[str]) -> None:
        current = combo.currentText()
        combo.blockSignals(True)
        combo.clear()
        combo.addItems([ALL, *values])
        index = combo.findText(current)
        combo.setCurrentIndex(max(index, 0))
        combo.blockSignals(False)

    def _refill_villages(self) -> None:
        township = self.township_combo.currentText()
        villages: list[str] = []
        if self._options:
            if township in self._options.villages:
                villages = self._options.villages[township]
            else:
                villages = sorted({v for vs in self._options.villages.values() for v in vs})
        self._refill(self.village_combo, villages)

    def _township_changed(self) -> None:
        self._refill_villages()
        self.apply_filters()

    def current_query(self) -> cases.LedgerQuery:
        status = self.status_combo.currentText()
        statuses: tuple[str, ...] = ()
        if status == OPEN:
            statuses = CaseStatus.open_values()
        elif status != ALL:
            statuses = (status,)

        def chosen(combo: QComboBox) -> str:
            return "" if combo.currentText() == ALL else combo.currentText()

        return cases.LedgerQuery(
            statuses=statuses, grade=chosen(self.grade_combo), township=chosen(self.township_combo),
            village=chosen(self.village_combo), search=self.search_edit.text(),
            sort=self.model.query.sort, descending=self.model.query.descending,
        )

    def apply_filters(self) -> None:
        self._search_timer.stop()
        self.model.set_query(self.current_query())

    def show_statuses(self, label: str) -> None:
        """Show one status filter (used by the overview's figures)."""
        self.search_edit.clear()
        for combo in (self.grade_combo, self.township_combo, self.village_combo):
            combo.setCurrentIndex(0)
        self.status_combo.setCurrentText(label)
        self.apply_filters()

    def _show_total(self, total: int) -> None:
        self.count_label.setText(self.tr("共 %1 件").replace("%1", str(total)))

    # --- printing and exports -------------------------------------------------------------

    def _build_print_menu(self, bar: QHBoxLayout) -> None:
        self.report_actions = ReportActions(self.store, self)
        self.print_button = QToolButton(self)
        self.print_button.setText(self.tr("打印/导出(&P)"))
        self.print_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.print_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        menu = QMenu(self.print_button)
        self.print_selected_action = menu.addAction(self.tr("打印所选案件的一生一表…"), self.print_selected)
        self.pdf_selected_action = menu.addAction(self.tr("所选案件的一生一表保存为PDF…"), self.export_selected_pdf)
        self.pdf_filtered_action = menu.addAction(self.tr("当前列表全部案件的一生一表合成一个PDF…"),
                                                  self.export_filtered_pdf)
        menu.addSeparator()
        self.xlsx_action = menu.addAction(self.tr("当前列表导出为Excel台账…"), self.export_excel)
        self.form_xlsx_action = menu.addAction(self.tr("所选案件的一生一表导出为Excel…"), self.export_selected_form)
        self.print_button.setMenu(menu)
        bar.insertWidget(bar.count() - 2, self.print_button)

    def selected_case_ids(self) -> list[str]:
        """The selected cases, in the ledger's order."""
        rows = sorted(index.row() for index in self.view.selectionModel().selectedRows())
        return [self.model.case_id(row) for row in rows]

    def print_selected(self) -> Worker | None:
        return self.report_actions.preview_cases(self.selected_case_ids())

    def export_selected_pdf(self) -> Worker | None:
        ids = self.selected_case_ids()
        if not ids:
            return self.report_actions.preview_cases([])  # says what to select
        return self.report_actions.export_cases_pdf(ids)

    def export_filtered_pdf(self) -> Worker | None:
        ids = self.filtered_case_ids()
        return self.report_actions.export_cases_pdf(ids)

    def filtered_case_ids(self) -> list[str]:
        """Every case the list shows with the current filters and order (not only the loaded rows)."""
        return printing.case_ids(self.store, self.model.query)

    def export_excel(self) -> Worker | None:
        return self.report_actions.export_ledger("all", self.model.query)

    def export_selected_form(self) -> None:
        ids = self.selected_case_ids()
        if not ids:
            self.report_actions.preview_cases([])
            return
        row = sorted(index.row() for index in self.view.selectionModel().selectedRows())[0]
        self.report_actions.export_form(ids[0], str(self.model.data(self.model.index(row, 0)) or ""))

    def _open_selected(self) -> None:
        rows = self.view.selectionModel().selectedRows()
        if rows:
            self.open_case.emit(self.model.case_id(rows[0].row()))
