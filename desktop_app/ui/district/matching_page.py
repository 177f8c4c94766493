"""全区联查 (district only): run the matching over every school's data, see per school and township how many
children were found at another school, how many leavers were found nowhere, and duplicate cases; each
figure opens its list, which can be exported to Excel."""

from __future__ import annotations

import datetime as dt
from typing import Any

from PySide6.QtCore import QModelIndex, Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from desktop_app.domain import proposals as P
from desktop_app.domain.errors import BaoxueError
from desktop_app.services import matching, semesters
from desktop_app.services.access import Permission, can
from desktop_app.services.matching import proposals as district_proposals
from desktop_app.services.store import Store
from desktop_app.ui.accounts.dialogs import ExportReasonDialog
from desktop_app.ui.district.handovers import HandoverListBox
from desktop_app.ui.exchange.models import RowsModel
from desktop_app.ui.exchange.page import Pickers, _table
from desktop_app.ui.widgets import Messages
from desktop_app.ui.workers import Worker

LIST_LIMIT = 2000


class MatchingPage(QWidget):
    """全区联查.

    Signals:
        matched(object): a run finished (its ``MatchSummary``) and the figures on screen are new.
    """

    matched = Signal(object)

    def __init__(self, store: Store, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.store = store
        self._worker: Worker | None = None
        self._schools: list[matching.MatchFigures] = []
        self._towns: list[matching.MatchFigures] = []
        self.selection: tuple[str, str, str] = (matching.NOT_FOUND, "", "")  # figure, school code, township
        layout = QVBoxLayout(self)

        bar = QHBoxLayout()
        self.semester_combo = QComboBox(self)
        self.run_button = QPushButton(self.tr("运行全区联查"), self)
        self.run_button.setToolTip(self.tr("在全区各校报来的名册、摸排状态、返校核查和案件中查找同一儿童"))
        self.run_button.clicked.connect(self.run_match)
        self.status_label = QLabel(self)
        self.status_label.setWordWrap(True)
        self.semester_combo.activated.connect(lambda _i: self.refresh())
        bar.addWidget(QLabel(self.tr("学期"), self))
        bar.addWidget(self.semester_combo)
        bar.addWidget(self.run_button)
        bar.addWidget(self.status_label, 1)
        layout.addLayout(bar)

        totals = QHBoxLayout()
        self.total_buttons: dict[str, QPushButton] = {}
        for figure in matching.FIGURES:
            button = QPushButton(self)
            button.setStyleSheet("font-size: 14pt; padding: 8px;")
            button.setToolTip(self.tr(matching.FIGURE_HELP[figure]))
            button.clicked.connect(lambda _c=False, f=figure: self.show_list(f))
            totals.addWidget(button)
            self.total_buttons[figure] = button
        layout.addLayout(totals)

        splitter = QSplitter(Qt.Orientation.Vertical, self)
        self.school_model = RowsModel(list(matching.SCHOOL_HEADERS), self._school_rows, self)
        self.town_model = RowsModel(list(matching.TOWNSHIP_HEADERS), self._town_rows, self)
        self.school_view = _table(splitter, self.school_model)
        self.town_view = _table(splitter, self.town_model)
        for view in (self.school_view, self.town_view):
            view.setToolTip(self.tr("单击一个数字查看对应名单"))
        self.school_view.clicked.connect(self._school_clicked)
        self.town_view.clicked.connect(self._town_clicked)
        lists = QWidget(splitter)
        l_layout = QVBoxLayout(lists)
        l_layout.setContentsMargins(0, 0, 0, 0)
        l_bar = QHBoxLayout()
        self.list_label = QLabel(lists)
        self.export_button = QPushButton(self.tr("导出名单（Excel）…"), lists)
        self.export_button.clicked.connect(self.export_list)
        l_bar.addWidget(self.list_label, 1)
        l_bar.addWidget(self.export_button)
        l_layout.addLayout(l_bar)
        self.list_model = RowsModel(list(matching.LIST_HEADERS), self._list_rows, self)
        self.list_view = _table(lists, self.list_model)
        l_layout.addWidget(self.list_view)
        # the schools' decisions on the proposals sent to them (联查建议), rejections with their reasons
        feedback = QWidget(splitter)
        f_layout = QVBoxLayout(feedback)
        f_layout.setContentsMargins(0, 0, 0, 0)
        self.feedback_label = QLabel(feedback)
        f_layout.addWidget(self.feedback_label)
        f_row = QHBoxLayout()
        self.decision_model = RowsModel(list(district_proposals.SCHOOL_DECISION_HEADERS), self._decision_rows, self)
        self.decision_view = _table(feedback, self.decision_model)  # per school: waiting, accepted, rejected
        self.rejected_model = RowsModel(list(district_proposals.DECISION_HEADERS), self._rejected_rows, self)
        self.rejected_view = _table(feedback, self.rejected_model)
        f_row.addWidget(self.decision_view, 2)
        f_row.addWidget(self.rejected_view, 3)
        f_layout.addLayout(f_row)
        self.handover_box = HandoverListBox(store, splitter)  # 移交在途
        for w in (self.school_view, self.town_view, lists, feedback, self.handover_box):
            splitter.addWidget(w)
        splitter.setSizes([220, 100, 260, 130, 130])
        layout.addWidget(splitter, 1)
        self.refresh()

    # --- loading ----------------------------------------------------------------------------

    def semester(self) -> str:
        return self.semester_combo.currentText() or semesters.current_name(self.store)

    def _fill_semesters(self) -> None:
        keep = self.semester_combo.currentText()
        names = {s.name for s in semesters.all_semesters(self.store)} | {semesters.current_name(self.store)}
        self.semester_combo.clear()
        self.semester_combo.addItems(sorted(names, key=lambda n: (n[:4], n[4:] == "秋"), reverse=True))
        self.semester_combo.setCurrentText(keep or semesters.current_name(self.store))

    def _school_rows(self) -> list[tuple[Any, list[Any]]]:
        self._schools = matching.school_figures(self.store, self.semester())
        return [(f.code, f.row()) for f in self._schools]

    def _town_rows(self) -> list[tuple[Any, list[Any]]]:
        self._towns = matching.township_figures(self._schools,
                                                matching.township_duplicates(self.store, self.semester()))
        return [(t.township, t.row()) for t in self._towns]

    def _list_rows(self) -> list[tuple[Any, list[Any]]]:
        figure, code, town = self.selection
        rows = matching.match_rows(self.store, self.semester(), figure, school_code=code, township=town,
                                   limit=LIST_LIMIT)
        return [(i, r) for i, r in enumerate(rows)]

    def _rejected_rows(self) -> list[tuple[Any, list[Any]]]:
        rows = district_proposals.decisions(self.store, self.semester(), P.REJECTED)
        return [(i, [d.school, d.township, d.kind, d.name, d.id_number, d.result, d.found_school, d.found_grade,
                     d.status, f"{d.decided_on:%Y-%m-%d}" if d.decided_on else "", d.decided_by, d.reason])
                for i, d in enumerate(rows)]

    def _decision_rows(self) -> list[tuple[Any, list[Any]]]:
        return [(row[0], row) for row in district_proposals.school_decisions(self.store, self.semester())]

    def _reload_feedback(self) -> None:
        counts = district_proposals.decision_counts(self.store, self.semester())
        self.decision_model.reload()
        self.rejected_model.reload()
        self.feedback_label.setText(self.tr("发给各校的联查建议：待确认 %1 条，已接受 %2 条，已拒绝 %3 条（拒绝的原因见下表）")
                                    .replace("%1", str(counts.get(P.PENDING, 0)))
                                    .replace("%2", str(counts.get(P.ACCEPTED, 0)))
                                    .replace("%3", str(counts.get(P.REJECTED, 0))))

    def refresh(self) -> None:
        self._fill_semesters()
        semester = self.semester()
        self.school_model.reload()
        self.town_model.reload()
        self._reload_feedback()
        district = matching.district_totals(self.store, semester)
        for figure, button in self.total_buttons.items():
            button.setText(self.tr("全区%1：%2").replace("%1", figure).replace("%2", str(district[figure])))
        if not matching.has_run(self.store, semester):
            self.status_label.setText(self.tr("%1尚未运行全区联查").replace("%1", semester))
        elif not self.status_label.text().startswith(self.tr("联查：")):
            self.status_label.setText(self.tr("显示%1最近一次联查的结果").replace("%1", semester))
        self.run_button.setEnabled(self._worker is None and can(self.store, Permission.MATCH))
        self._reload_list()
        self.handover_box.reload()

    def _reload_list(self) -> None:
        figure, code, town = self.selection
        self.list_model.reload()
        where = next((s.name for s in self._schools if s.code == code), "") if code else (town or self.tr("全区"))
        total = matching.match_count(self.store, self.semester(), figure, school_code=code, township=town)
        text = self.tr("%1 %2：%3 条").replace("%1", where).replace("%2", figure).replace("%3", str(total))
        if total > LIST_LIMIT:
            text += self.tr("（显示前 %1 条，全部请导出）").replace("%1", str(LIST_LIMIT))
        self.list_label.setText(text)
        self.export_button.setEnabled(total > 0 and can(self.store, Permission.EXPORT))

    # --- figures open their lists -----------------------------------------------------------

    def show_list(self, figure: str, school_code: str = "", township: str = "") -> None:
        self.selection = (figure, school_code, township)
        self._reload_list()

    def _school_clicked(self, index: QModelIndex) -> None:
        first = len(matching.SCHOOL_HEADERS) - len(matching.FIGURES)
        if index.column() >= first:
            self.show_list(matching.FIGURES[index.column() - first], school_code=self.school_model.key(index.row()))

    def _town_clicked(self, index: QModelIndex) -> None:
        first = len(matching.TOWNSHIP_HEADERS) - len(matching.FIGURES)
        if index.column() >= first:
            self.show_list(matching.FIGURES[index.column() - first], township=self.town_model.key(index.row()))

    # --- actions ----------------------------------------------------------------------------

    def run_match(self) -> None:
        """Run the matching on a worker thread; the page stays usable and shows the result when done."""
        if self._worker is not None:
            return
        semester = self.semester()
        self.run_button.setEnabled(False)
        self.status_label.setText(self.tr("正在联查%1，请稍候…").replace("%1", semester))
        worker = Worker(lambda _report: matching.run_match(self.store, semester))

        def done(summary: matching.MatchSummary) -> None:
            self._worker = None
            self.status_label.setText(summary.line())
            self.refresh()
            self.matched.emit(summary)

        def failed(message: str) -> None:
            self._worker = None
            self.status_label.setText(self.tr("联查未完成：%1").replace("%1", message))
            self.run_button.setEnabled(True)
            Messages.error(self, self.tr("全区联查"), message)

        worker.signals.finished.connect(done)
        worker.signals.failed.connect(failed)
        self._worker = worker
        worker.start()

    def export_list(self) -> None:
        figure, code, town = self.selection
        answer = ExportReasonDialog.ask(self.store, self.tr("全区联查：%1").replace("%1", figure), self)
        if answer is None:
            return
        reason, full = answer
        path = Pickers.save(self, self.tr("保存名单"), f"全区联查-{figure}-{dt.date.today():%Y%m%d}.xlsx",
                            "Excel (*.xlsx)")
        if path is None:
            return
        try:
            count = matching.export_list(self.store, path, self.semester(), figure, school_code=code, township=town,
                                         reason=reason, full_numbers=full)
        except BaoxueError as exc:
            Messages.error(self, self.tr("导出名单"), str(exc))
            return
        Messages.info(self, self.tr("导出名单"), self.tr("已导出 %1 人：%2").replace("%1", str(count))
                      .replace("%2", str(path)))
