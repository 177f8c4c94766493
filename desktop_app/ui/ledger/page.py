"""台账: the case ledger page, with filters, search and the actions on cases."""

from __future__ import annotations

import dataclasses
import datetime as dt

from PySide6.QtCore import QPoint, Qt, QTimer, Signal
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
from desktop_app.domain.lifecycle import Action
from desktop_app.services import cases, handover, lifecycle, printing
from desktop_app.services.store import Store
from desktop_app.ui.ledger.model import CaseLedgerModel
from desktop_app.ui.lifecycle import actions
from desktop_app.ui.lifecycle.handover import IncomingHandoversDialog
from desktop_app.ui.lifecycle.history import CaseHistoryDialog
from desktop_app.ui.reports.actions import ReportActions
from desktop_app.ui.workers import Worker

ALL = "全部"
OPEN = "未销号（全部在案）"
ALL_CASES = "全部案件"
# The two ledgers of national practice, as saved views (statuses they show; empty = every case).
SAVED_VIEWS: dict[str, tuple[str, ...]] = {
    ALL_CASES: (),
    # Every child ever found a suspected dropout, with where the case stands now.
    "疑似辍学学生台账": (),
    # Children confirmed out of school and under persuasion, deferred ones still followed up.
    "辍学学生台账": (CaseStatus.PERSUADING.value, CaseStatus.JOINT.value, CaseStatus.DEFERRED.value),
}


class LedgerPage(QWidget):
    """The ledger: every case, filtered and searched in SQL.

    Signals:
        open_case(str): the user opened a case (double-click or Enter).
        new_case(): the user asked for a new case.
        case_changed(str): a lifecycle action from the context menu changed this case.
    """

    open_case = Signal(str)
    new_case = Signal()
    case_changed = Signal(str)

    def __init__(self, store: Store, parent: QWidget | None = None, *, load: bool = True) -> None:
        super().__init__(parent)
        self.store = store
        layout = QVBoxLayout(self)
        views = QHBoxLayout()
        self.view_combo = QComboBox(self)
        self.view_combo.addItems(list(SAVED_VIEWS))
        self.view_combo.setToolTip(self.tr(
            "疑似辍学学生台账：所有曾列为疑似辍学的学生及其现状；辍学学生台账：正在劝返、联合劝返及缓学跟踪的学生"))
        caption = QLabel(self.tr("台账"), self)
        caption.setBuddy(self.view_combo)
        views.addWidget(caption)
        views.addWidget(self.view_combo)
        self.filter_label = QLabel(self)
        self.filter_label.setStyleSheet("color: #6a1b9a;")
        self.clear_filter_button = QPushButton(self.tr("清除此筛选"), self)
        self.clear_filter_button.clicked.connect(self.clear_extra)
        views.addWidget(self.filter_label)
        views.addWidget(self.clear_filter_button)
        views.addStretch(1)
        self.incoming_button = QPushButton(self)  # 移交: cases other schools handed to this one
        self.incoming_button.setStyleSheet("color: #6a1b9a; font-weight: bold;")
        self.incoming_button.clicked.connect(self.show_incoming)
        self.incoming_button.hide()
        views.addWidget(self.incoming_button)
        layout.addLayout(views)
        self._extra: cases.LedgerQuery | None = None
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
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.view.setAlternatingRowColors(True)
        self.view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.view.horizontalHeader().setStretchLastSection(True)
        self.view.horizontalHeader().setSortIndicator(9, Qt.SortOrder.DescendingOrder)
        self.view.setSortingEnabled(True)  # after the indicator: the first sort is by 立案日期
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
        self.view_combo.currentIndexChanged.connect(self.apply_filters)
        self.view.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.view.customContextMenuRequested.connect(self._context_menu)
        self.grade_combo.currentIndexChanged.connect(self.apply_filters)
        self.township_combo.currentIndexChanged.connect(self._township_changed)
        self.village_combo.currentIndexChanged.connect(self.apply_filters)
        self.view.doubleClicked.connect(lambda index: self.open_case.emit(self.model.case_id(index.row())))
        self.view.activated.connect(lambda index: self.open_case.emit(self.model.case_id(index.row())))
        self.open_button.clicked.connect(self._open_selected)
        self.new_button.clicked.connect(self.new_case.emit)
        self.model.total_changed.connect(self._show_total)
        QShortcut(QKeySequence.StandardKey.Find, self).activated.connect(self.search_edit.setFocus)
        self._options: cases.FilterOptions | None = None
        self.clear_filter_button.hide()
        if load:
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
        waiting = handover.incoming_count(self.store)
        self.incoming_button.setText(self.tr("收到移交 %1 件，待接收…").replace("%1", str(waiting)))
        self.incoming_button.setVisible(waiting > 0)

    def show_incoming(self) -> IncomingHandoversDialog:
        """The handovers waiting for this school: accept (the case joins the ledger) or send back."""
        dialog = IncomingHandoversDialog(self.store, self)
        dialog.answered.connect(self.refresh)
        dialog.case_accepted.connect(self.case_changed.emit)
        dialog.show()
        return dialog

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

        view_statuses = SAVED_VIEWS.get(self.view_combo.currentText(), ())
        if view_statuses:
            statuses = tuple(s for s in (statuses or view_statuses) if s in view_statuses) or ("—",)
        base = self._extra or cases.LedgerQuery()
        if base.statuses:
            statuses = tuple(s for s in (statuses or base.statuses) if s in base.statuses) or ("—",)
        return dataclasses.replace(
            base, statuses=statuses, grade=chosen(self.grade_combo) or base.grade,
            township=chosen(self.township_combo) or base.township,
            village=chosen(self.village_combo), search=self.search_edit.text(),
            sort=self.model.query.sort, descending=self.model.query.descending,
        )

    def apply_filters(self) -> None:
        self._search_timer.stop()
        self.model.set_query(self.current_query())

    def _reset_filters(self) -> None:
        self._extra = None
        self.filter_label.clear()
        self.clear_filter_button.hide()
        for combo in (self.view_combo, self.status_combo, self.grade_combo, self.township_combo,
                      self.village_combo):
            combo.blockSignals(True)
            combo.setCurrentIndex(0)
            combo.blockSignals(False)
        self.search_edit.blockSignals(True)
        self.search_edit.clear()
        self.search_edit.blockSignals(False)

    def show_statuses(self, label: str) -> None:
        """Show one status filter (used by the overview's figures)."""
        self._reset_filters()
        self.status_combo.setCurrentText(label)
        self.apply_filters()

    def show_view(self, name: str) -> None:
        """Show one of the saved ledgers (疑似辍学学生台账, 辍学学生台账)."""
        self._reset_filters()
        self.view_combo.setCurrentText(name)
        self.apply_filters()

    def show_query(self, query: cases.LedgerQuery) -> None:
        """Show the cases behind an overview figure; its criteria stay until cleared."""
        self._reset_filters()
        self._extra = query
        self.filter_label.setText(self.tr("筛选：") + (query.title or self.tr("总览")))
        self.clear_filter_button.show()
        self.apply_filters()

    def clear_extra(self) -> None:
        self._extra = None
        self.filter_label.clear()
        self.clear_filter_button.hide()
        self.apply_filters()

    # --- the context menu: lifecycle actions --------------------------------------------------

    def context_actions(self, row: int) -> QMenu:
        """The menu for one case: open, lifecycle actions allowed in its status, history."""
        case_id = self.model.case_id(row)
        st = lifecycle.state(self.store, case_id)
        menu = QMenu(self)
        menu.addAction(self.tr("打开一生一表"), lambda: self.open_case.emit(case_id))
        menu.addSeparator()
        for label, action, fn in actions.ACTIONS:
            item = menu.addAction(self.tr(label), lambda f=fn: self._run_action(f, case_id))  # type: ignore[misc]  # mypy: lambda default
            if action is not None:
                enabled = st.can(action)
                if action is Action.APPLY_DEFERRAL:
                    enabled = enabled and st.eligibility.eligible and st.pending_application is None
            elif fn is actions.decide_deferral:
                enabled = st.pending_application is not None
            else:
                enabled = st.status in CaseStatus.open_values()
            item.setEnabled(enabled)
        menu.addSeparator()
        menu.addAction(self.tr("历史记录…"), lambda: self._show_history(case_id, st.name))
        return menu

    def _context_menu(self, pos: QPoint) -> None:
        index = self.view.indexAt(pos)
        if index.isValid():
            self.context_actions(index.row()).exec(self.view.viewport().mapToGlobal(pos))

    def _run_action(self, fn: actions.ActionFn, case_id: str) -> None:
        if fn(self, self.store, case_id):
            self.refresh()
            self.case_changed.emit(case_id)

    def _show_history(self, case_id: str, name: str) -> None:
        dialog = CaseHistoryDialog(self.store, case_id, name, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.show()

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
        stamp = dt.date.today().strftime("%Y%m%d")
        return self.report_actions.export_cases_pdf(ids, f"一生一表-{self.view_name()}-{len(ids)}份-{stamp}.pdf")

    def filtered_case_ids(self) -> list[str]:
        """Every case the list shows with the current filters and order (not only the loaded rows)."""
        return printing.case_ids(self.store, self.model.query)

    def export_excel(self) -> Worker | None:
        return self.report_actions.export_ledger("suspected", self.model.query, self.view_name())

    def view_name(self) -> str:
        """What the list shows, for export names: the view, and the status filter when there is one
        (全部案件, 辍学学生台账, 全部案件（劝返中）…)."""
        view = self.view_combo.currentText()
        status = self.status_combo.currentText()
        return view if status == ALL else f"{view}（{status}）"

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
