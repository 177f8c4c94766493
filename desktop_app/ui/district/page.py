"""区教委督导: figures per school and township, all schools' ledger, approvals and the calendar."""

from __future__ import annotations

import datetime as dt
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSplitter,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from desktop_app.domain.errors import BaoxueError
from desktop_app.services import district, semesters, settings, sync
from desktop_app.services.store import Store
from desktop_app.ui.exchange.models import STALE_COLOR, DistrictLedgerModel, RowsModel
from desktop_app.ui.exchange.page import Pickers, _table
from desktop_app.ui.widgets import Messages, from_qdate, make_date_edit, ok_cancel_buttons

ALL = "全部"


class ApprovalDialog(QDialog):
    """缓学审批: the district's decision on a deferral application."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("缓学审批"))
        form = QFormLayout(self)
        self.approved_check = QCheckBox(self.tr("批准缓学"), self)
        self.approved_check.setChecked(True)
        self.date_edit = make_date_edit(self)
        self.document_edit = QLineEdit(self)
        self.document_edit.setPlaceholderText(self.tr("如：潼教发〔2026〕12号"))
        form.addRow(self.approved_check)
        form.addRow(self.tr("审批日期"), self.date_edit)
        form.addRow(self.tr("批准文号"), self.document_edit)
        buttons = ok_cancel_buttons(self, self.accept)
        form.addRow(buttons)

    def values(self) -> tuple[bool, dt.date, str]:
        return (self.approved_check.isChecked(), from_qdate(self.date_edit.date()) or dt.date.today(),
                self.document_edit.text())

    @classmethod
    def ask(cls, parent: QWidget | None) -> tuple[bool, dt.date, str] | None:
        dialog = cls(parent)
        return dialog.values() if dialog.exec() == QDialog.DialogCode.Accepted else None


class SupervisionPage(QWidget):
    """区教委督导 (district only)."""

    def __init__(self, store: Store, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.store = store
        self._figures: list[district.SchoolFigures] = []
        layout = QVBoxLayout(self)
        self.tabs = QTabWidget(self)
        layout.addWidget(self.tabs)

        # 各校情况
        schools = QWidget(self)
        s_layout = QVBoxLayout(schools)
        top = QHBoxLayout()
        self.stale_label = QLabel(schools)
        self.report_button = QPushButton(self.tr("导出督导报表（Excel）…"), schools)
        self.report_button.clicked.connect(self.export_report)
        top.addWidget(self.stale_label, 1)
        top.addWidget(self.report_button)
        s_layout.addLayout(top)
        self.school_model = RowsModel(
            list(district.SCHOOL_HEADERS), self._school_rows, self,
            highlight=lambda row: STALE_COLOR if self._figures[row].stale else None,
        )
        self.town_model = RowsModel(list(district.TOWNSHIP_HEADERS), self._town_rows, self)
        splitter = QSplitter(Qt.Orientation.Vertical, schools)
        self.school_view = _table(splitter, self.school_model)
        self.town_view = _table(splitter, self.town_model)
        splitter.addWidget(self.school_view)
        splitter.addWidget(self.town_view)
        splitter.setSizes([400, 180])
        s_layout.addWidget(splitter)
        self.tabs.addTab(schools, self.tr("各校情况"))

        # 全区台账
        ledger = QWidget(self)
        l_layout = QVBoxLayout(ledger)
        bar = QHBoxLayout()
        self.township_combo = QComboBox(ledger)
        self.school_combo = QComboBox(ledger)
        self.school_combo.setMinimumContentsLength(12)
        self.approve_button = QPushButton(self.tr("缓学审批…"), ledger)
        self.count_label = QLabel(ledger)
        bar.addWidget(QLabel(self.tr("乡镇"), ledger))
        bar.addWidget(self.township_combo)
        bar.addWidget(QLabel(self.tr("学校"), ledger))
        bar.addWidget(self.school_combo)
        bar.addWidget(self.count_label, 1)
        bar.addWidget(self.approve_button)
        l_layout.addLayout(bar)
        self.ledger_model = DistrictLedgerModel(store, self)
        self.ledger_view = QTableView(ledger)
        self.ledger_view.setModel(self.ledger_model)
        self.ledger_view.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
        self.ledger_view.setSelectionMode(QTableView.SelectionMode.SingleSelection)
        self.ledger_view.setSortingEnabled(True)
        self.ledger_view.verticalHeader().setVisible(False)
        l_layout.addWidget(self.ledger_view)
        self.ledger_model.total_changed.connect(
            lambda n: self.count_label.setText(self.tr("共 %1 件").replace("%1", str(n))))
        self.township_combo.activated.connect(self._township_chosen)
        self.school_combo.activated.connect(lambda _i: self._apply_filter())
        self.approve_button.clicked.connect(self.approve_selected)
        self.tabs.addTab(ledger, self.tr("全区台账"))

        # 校历发布
        calendar = QWidget(self)
        c_layout = QVBoxLayout(calendar)
        self.semester_model = RowsModel([self.tr("学期"), self.tr("开学日期"), self.tr("结束日期")],
                                        self._semester_rows, self)
        c_layout.addWidget(QLabel(self.tr("区教委发布的学期日期随下一次数据包发往全部学校。"), calendar))
        c_layout.addWidget(_table(calendar, self.semester_model))
        form = QHBoxLayout()
        self.semester_edit = QLineEdit(calendar)
        self.semester_edit.setPlaceholderText(self.tr("学期，如 2026秋"))
        self.start_edit = make_date_edit(calendar)
        self.end_edit = make_date_edit(calendar, dt.date.today() + dt.timedelta(days=140))
        self.publish_button = QPushButton(self.tr("发布"), calendar)
        self.publish_button.clicked.connect(self.publish_semester)
        for w in (QLabel(self.tr("学期"), calendar), self.semester_edit, QLabel(self.tr("开学"), calendar),
                  self.start_edit, QLabel(self.tr("结束"), calendar), self.end_edit, self.publish_button):
            form.addWidget(w)
        form.addStretch(1)
        c_layout.addLayout(form)
        self.tabs.addTab(calendar, self.tr("校历发布"))
        self.refresh()

    # --- loading ----------------------------------------------------------------------------

    def _school_rows(self) -> list[tuple[Any, list[Any]]]:
        self._figures = district.school_figures(self.store)
        return [(f.code, district.school_row(f)) for f in self._figures]

    def _town_rows(self) -> list[tuple[Any, list[Any]]]:
        return [(t.township, t.row()) for t in district.township_figures(self._figures)]

    def _semester_rows(self) -> list[tuple[Any, list[Any]]]:
        return [(s.name, [s.name, s.start.isoformat(), s.end.isoformat()]) for s in semesters.all_semesters(self.store)]

    def refresh(self) -> None:
        self.school_model.reload()
        self.town_model.reload()
        self.semester_model.reload()
        days = settings.get(self.store, sync.STALE_DAYS.key)
        stale = sum(f.stale for f in self._figures)
        self.stale_label.setText(self.tr("共 %1 所学校；超过 %2 天未报送数据包的学校 %3 所（红色）")
                                 .replace("%1", str(len(self._figures))).replace("%2", str(days))
                                 .replace("%3", str(stale)))
        township, school = self.township_combo.currentText(), self.school_combo.currentData()
        self.township_combo.clear()
        self.township_combo.addItems([ALL, *sorted({f.township for f in self._figures if f.township})])
        self.township_combo.setCurrentText(township or ALL)
        self._fill_schools(school)
        self._apply_filter()

    def _fill_schools(self, keep: str | None = None) -> None:
        town = self.township_combo.currentText()
        self.school_combo.clear()
        self.school_combo.addItem(ALL, "")
        for f in self._figures:
            if town in ("", ALL) or f.township == town:
                self.school_combo.addItem(f.name, f.code)
        index = self.school_combo.findData(keep) if keep else 0
        self.school_combo.setCurrentIndex(max(index, 0))

    def _township_chosen(self, _index: int) -> None:
        self._fill_schools()
        self._apply_filter()

    def _apply_filter(self) -> None:
        town = self.township_combo.currentText()
        self.ledger_model.set_school_filter("" if town == ALL else town, self.school_combo.currentData() or "")

    # --- actions ----------------------------------------------------------------------------

    def export_report(self) -> None:
        path = Pickers.save(self, self.tr("保存督导报表"), f"督导情况表-{dt.date.today():%Y%m%d}.xlsx",
                            "Excel (*.xlsx)")
        if path is None:
            return
        try:
            district.export_report(self.store, path)
        except BaoxueError as exc:
            Messages.error(self, self.tr("导出督导报表"), str(exc))
            return
        Messages.info(self, self.tr("导出督导报表"), self.tr("已保存：%1").replace("%1", str(path)))

    def approve_selected(self) -> None:
        rows = self.ledger_view.selectionModel().selectedRows()
        if not rows:
            Messages.error(self, self.tr("缓学审批"), self.tr("请先在台账中选中一个案件"))
            return
        answer = ApprovalDialog.ask(self)
        if answer is None:
            return
        try:
            district.record_deferral_approval(self.store, self.ledger_model.case_id(rows[0].row()), *answer)
        except BaoxueError as exc:
            Messages.error(self, self.tr("缓学审批"), str(exc))
            return
        self.ledger_model.reload()
        Messages.info(self, self.tr("缓学审批"), self.tr("已记录审批结果，将随下一次数据包发回学校"))

    def publish_semester(self) -> None:
        try:
            district.publish_semester(self.store, self.semester_edit.text().strip(),
                                      from_qdate(self.start_edit.date()) or dt.date.today(),
                                      from_qdate(self.end_edit.date()) or dt.date.today())
        except BaoxueError as exc:
            Messages.error(self, self.tr("发布校历"), str(exc))
            return
        self.semester_model.reload()
        Messages.info(self, self.tr("发布校历"), self.tr("已发布，将随下一次数据包发往全部学校"))
