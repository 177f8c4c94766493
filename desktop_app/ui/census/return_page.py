"""返校核查 and 幼升小、小升初: last semester's students and the stage leavers, each accounted for."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QPushButton,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from desktop_app.domain import proposals as P
from desktop_app.domain.census import ReturnResult
from desktop_app.domain.errors import BaoxueError
from desktop_app.domain.semester import previous_name
from desktop_app.services import census
from desktop_app.services.store import Store
from desktop_app.ui.census.models import RowsModel, refill_semesters
from desktop_app.ui.census.proposals_panel import ProposalsPanel
from desktop_app.ui.common import prerequisite
from desktop_app.ui.widgets import Messages


def _table(parent: QWidget, model: RowsModel) -> QTableView:
    view = QTableView(parent)
    view.setModel(model)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    view.setAlternatingRowColors(True)
    view.verticalHeader().setDefaultSectionSize(22)
    view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
    view.horizontalHeader().setStretchLastSection(True)
    for col in range(model.columnCount()):  # room for a whole (masked) identity number; short columns narrow
        width = _WIDTHS.get(str(model.headerData(col, Qt.Orientation.Horizontal)))
        if width:
            view.setColumnWidth(col, width)
    return view


_WIDTHS = {"姓名": 72, "身份证号码": 140, "监护人": 72, "电话": 100, "班级": 56, "上学期年级": 76,
           "本学期名册中有": 96, "学籍已迁移": 76}


class ReturnCheckPage(QWidget):
    """Signals:
        open_case(str): a case was opened; show it.
    """

    open_case = Signal(str)

    def __init__(self, store: Store, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.store = store
        layout = QVBoxLayout(self)
        self.prerequisite = prerequisite.PrerequisiteBanner(self)  # the semester is confirmed first
        layout.addWidget(self.prerequisite)
        bar = QHBoxLayout()
        bar.addWidget(QLabel(self.tr("学期"), self))
        self.semester_combo = QComboBox(self)
        bar.addWidget(self.semester_combo)
        self.summary_label = QLabel(self)
        bar.addWidget(self.summary_label, 1)
        layout.addLayout(bar)
        self.tabs = QTabWidget(self)
        layout.addWidget(self.tabs, 1)

        # 返校核查
        tab = QWidget(self.tabs)
        tab_layout = QVBoxLayout(tab)
        self.return_model = RowsModel([
            ("name", "姓名"), ("id_number", "身份证号码"), ("grade", "上学期年级"), ("class_name", "班级"),
            ("guardian", "监护人"), ("phone", "电话"), ("in_current_roster", "本学期名册中有"),
            ("result", "返校情况"), ("migration_done", "学籍已迁移"), ("destination", "转入学校"), ("case", "案件"),
        ], parent=self, formatters={
            "result": lambda r: r["result"] or "未核查",
            "case": lambda r: "已立案" if r["case_id"] else "",
            "migration_done": lambda r: (
                ("已办结" if r["migration_done"] else "待办理") if r["result"] == "转学" else ""),
        })
        self.return_view = _table(tab, self.return_model)
        tab_layout.addWidget(self.return_view, 1)
        buttons = QHBoxLayout()
        self.auto_button = QPushButton(self.tr("按本学期名册标记已返校"), tab)
        self.returned_button = QPushButton(self.tr("已返校"), tab)
        self.transfer_button = QPushButton(self.tr("转学…"), tab)
        self.not_returned_button = QPushButton(self.tr("未返校"), tab)
        self.case_button = QPushButton(self.tr("未返校学生立案（疑似辍学）"), tab)
        for b in (self.auto_button, self.returned_button, self.transfer_button, self.not_returned_button):
            buttons.addWidget(b)
        buttons.addStretch(1)
        buttons.addWidget(self.case_button)
        tab_layout.addLayout(buttons)
        self.return_proposals = ProposalsPanel(store, P.PAGE_KINDS["返校核查"], tab)  # the district's answers
        tab_layout.addWidget(self.return_proposals)
        self.tabs.addTab(tab, self.tr("返校核查"))

        # 幼升小、小升初
        ttab = QWidget(self.tabs)
        t_layout = QVBoxLayout(ttab)
        t_bar = QHBoxLayout()
        self.transition_combo = QComboBox(ttab)
        self.transition_combo.addItems([census.PRIMARY_TO_JUNIOR, census.KINDERGARTEN_TO_PRIMARY])
        self.only_missing = QComboBox(ttab)
        self.only_missing.addItems([self.tr("只看未衔接的"), self.tr("全部")])
        t_bar.addWidget(self.transition_combo)
        t_bar.addWidget(self.only_missing)
        self.transition_label = QLabel(ttab)
        t_bar.addWidget(self.transition_label, 1)
        t_layout.addLayout(t_bar)
        self.transition_model = RowsModel([
            ("name", "姓名"), ("id_number", "身份证号码"), ("came_from", "来自"), ("found_text", "衔接情况"),
            ("where", "就读情况"), ("district", "区教委联查"),
        ], parent=self, formatters={"found_text": lambda r: "已衔接" if r["found"] else "未找到"})
        self.transition_view = _table(ttab, self.transition_model)
        t_layout.addWidget(self.transition_view, 1)
        self.transition_case_button = QPushButton(self.tr("未衔接儿童立案（疑似辍学）"), ttab)
        t_row = QHBoxLayout()
        t_row.addStretch(1)
        t_row.addWidget(self.transition_case_button)
        t_layout.addLayout(t_row)
        self.transition_proposals = ProposalsPanel(store, P.PAGE_KINDS["衔接"], ttab)
        t_layout.addWidget(self.transition_proposals)
        self.tabs.addTab(ttab, self.tr("幼升小、小升初"))

        self.semester_combo.currentIndexChanged.connect(self.reload)
        self.transition_combo.currentIndexChanged.connect(self.reload)
        self.only_missing.currentIndexChanged.connect(self.reload)
        self.auto_button.clicked.connect(self.mark_from_roster)
        self.returned_button.clicked.connect(lambda: self.mark(ReturnResult.RETURNED.value))
        self.transfer_button.clicked.connect(lambda: self.mark(ReturnResult.TRANSFERRED.value))
        self.not_returned_button.clicked.connect(lambda: self.mark(ReturnResult.NOT_RETURNED.value))
        self.case_button.clicked.connect(self.open_case_for_selected)
        self.transition_case_button.clicked.connect(self.open_case_for_transition)
        self.return_proposals.changed.connect(self.reload)
        self.transition_proposals.changed.connect(self.reload)
        self.refresh()

    @property
    def semester(self) -> str:
        return self.semester_combo.currentText() or census.current_semester(self.store)

    def _show_missing_step(self) -> None:
        """The semester (its dates) is confirmed in 设置 before the term's work starts."""
        prerequisite.need_semester(self.prerequisite, self, self.store)

    def refresh(self) -> None:
        self._show_missing_step()
        refill_semesters(self.semester_combo, self.store)
        self.reload()

    def reload(self) -> None:
        rows = census.return_rows(self.store, self.semester)
        self.return_model.set_rows(rows)
        done = sum(1 for r in rows if r.result)
        missing = sum(1 for r in rows if r.result == ReturnResult.NOT_RETURNED.value)
        self.summary_label.setText(self.tr("上学期（%1）在籍 %2 人，已核查 %3 人，未返校 %4 人").replace(
            "%1", previous_name(self.semester)).replace("%2", str(len(rows))).replace("%3", str(done)).replace(
            "%4", str(missing)))
        trans = census.transition_rows(self.store, self.semester, self.transition_combo.currentText())
        not_found = [t for t in trans if not t.found]
        self.transition_model.set_rows(not_found if self.only_missing.currentIndex() == 0 else trans)
        self.transition_label.setText(self.tr("应衔接 %1 人，未找到 %2 人").replace("%1", str(len(trans))).replace(
            "%2", str(len(not_found))))
        self.return_proposals.set_semester(self.semester)
        self.transition_proposals.set_semester(self.semester)

    def _selected(self, view: QTableView, model: RowsModel) -> dict | None:
        rows = view.selectionModel().selectedRows()
        return model.row(rows[0].row()) if rows else None

    def select_student(self, name: str) -> None:
        for r in range(self.return_model.rowCount()):
            if self.return_model.row(r)["name"] == name:
                self.return_view.selectRow(r)

    @staticmethod
    def ask_destination(parent: QWidget) -> str | None:
        text, ok = QInputDialog.getText(parent, parent.tr("转学"), parent.tr("转入学校："))
        return text if ok else None

    def mark(self, result: str) -> None:
        """Record the selected student's return result, then select the next student down the list (a student
        marked 未返校 stays selected: the next step is usually 未返校学生立案)."""
        row = self._selected(self.return_view, self.return_model)
        if row is None:
            return
        index = self.return_view.selectionModel().selectedRows()[0].row()
        destination = ""
        migrated = False
        if result == ReturnResult.TRANSFERRED.value:
            answer = type(self).ask_destination(self)
            if answer is None:
                return
            destination = answer
            migrated = Messages.confirm(self, self.tr("学籍迁移"), self.tr("转学学生的学籍迁移是否已办结？"))
        try:
            census.mark_return(self.store, row["student_id"], self.semester, result, checked_by=self.store.user,
                               destination=destination, migration_done=migrated)
        except BaoxueError as exc:
            Messages.error(self, self.tr("不能保存"), str(exc))
            return
        self.reload()
        # the check goes down the list student by student; a student not back stays selected for 立案
        if result != ReturnResult.NOT_RETURNED.value and index + 1 < self.return_model.rowCount():
            self.return_view.selectRow(index + 1)
        else:
            self.select_student(row["name"])

    def mark_from_roster(self) -> None:
        n = census.mark_returned_from_roster(self.store, self.semester, self.store.user)
        self.reload()
        Messages.info(self, self.tr("返校核查"),
                      self.tr("已将本学期名册中的 %1 名学生标记为已返校").replace("%1", str(n)))

    def open_case_for_selected(self) -> None:
        row = self._selected(self.return_view, self.return_model)
        if row is None:
            return
        try:
            case_id = census.case_for_not_returned(self.store, row["student_id"], self.semester)
        except BaoxueError as exc:
            Messages.error(self, self.tr("不能立案"), str(exc))
            return
        self.reload()
        self.open_case.emit(case_id)

    def open_case_for_transition(self) -> None:
        row = self._selected(self.transition_view, self.transition_model)
        if row is None or row["found"]:
            return
        kind = self.transition_combo.currentText()
        grade = "七年级" if kind == census.PRIMARY_TO_JUNIOR else "一年级"
        try:
            case_id = census.open_suspected_case(self.store, row["student_id"], grade,
                                                 f"{self.semester}{kind}衔接核查：未找到就读学校")
        except BaoxueError as exc:
            Messages.error(self, self.tr("不能立案"), str(exc))
            return
        self.open_case.emit(case_id)
