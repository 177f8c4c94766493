"""数据比对: household register vs student registry vs children in school vs monitored households."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from desktop_app.domain.errors import BaoxueError
from desktop_app.services import census
from desktop_app.services.store import Store
from desktop_app.ui.census.models import RowsModel, refill_semesters
from desktop_app.ui.census.status_editor import StatusDialog
from desktop_app.ui.widgets import Messages


def _candidates(row: dict) -> str:
    return "；".join(f"{c['name']}（{c['birth_date'] or '无出生日期'}，监护人{c['guardian'] or '—'}，{c['why']}）"
                    for c in row.get("candidates") or [])


class ComparisonPage(QWidget):
    """Signals:
        open_case(str): a case was opened; show it.
        changed(): a status was recorded.
    """

    open_case = Signal(str)
    changed = Signal()

    def __init__(self, store: Store, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.store = store
        layout = QVBoxLayout(self)
        bar = QHBoxLayout()
        bar.addWidget(QLabel(self.tr("学期"), self))
        self.semester_combo = QComboBox(self)
        bar.addWidget(self.semester_combo)
        bar.addWidget(QLabel(self.tr("比对"), self))
        self.which_combo = QComboBox(self)
        self.which_combo.addItems(list(census.COMPARISONS))
        bar.addWidget(self.which_combo, 1)
        self.count_label = QLabel(self)
        bar.addWidget(self.count_label)
        layout.addLayout(bar)
        self.model = RowsModel([
            ("name", "姓名"), ("id_number", "身份证号码"), ("birth_date", "出生日期"), ("village", "村(社区)"),
            ("guardian", "监护人"), ("reason", "标记原因"), ("fuzzy", "可能是同一人（请核对）"),
        ], parent=self, formatters={"fuzzy": _candidates})
        self.view = QTableView(self)
        self.view.setModel(self.model)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.view.setAlternatingRowColors(True)
        self.view.setWordWrap(True)
        self.view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.view.horizontalHeader().setStretchLastSection(True)
        for col, width in enumerate((70, 140, 90, 90, 70, 330)):
            self.view.setColumnWidth(col, width)
        layout.addWidget(self.view, 1)
        buttons = QHBoxLayout()
        self.status_button = QPushButton(self.tr("登记就读状态…"), self)
        self.match_button = QPushButton(self.tr("确认是同一人"), self)
        self.case_button = QPushButton(self.tr("立案（疑似辍学）"), self)
        buttons.addStretch(1)
        for b in (self.match_button, self.status_button, self.case_button):
            buttons.addWidget(b)
        layout.addLayout(buttons)
        self.semester_combo.currentIndexChanged.connect(self.reload)
        self.which_combo.currentIndexChanged.connect(self.reload)
        self.status_button.clicked.connect(self.record_status)
        self.match_button.clicked.connect(self.confirm_match)
        self.case_button.clicked.connect(self.open_case_for_selected)
        self.refresh()

    @property
    def semester(self) -> str:
        return self.semester_combo.currentText() or census.current_semester(self.store)

    def refresh(self) -> None:
        refill_semesters(self.semester_combo, self.store)
        self.reload()

    def reload(self) -> None:
        hits = census.compare(self.store, self.semester, self.which_combo.currentText())
        self.model.set_rows(hits)
        if len(hits) <= 2000:
            self.view.resizeRowsToContents()
        self.count_label.setText(self.tr("共 %1 名").replace("%1", str(len(hits))))

    def selected(self) -> dict | None:
        rows = self.view.selectionModel().selectedRows()
        return self.model.row(rows[0].row()) if rows else None

    def record_status(self) -> None:
        row = self.selected()
        if row and StatusDialog.ask(self.store, row["student_id"], self.semester,
                                    self.tr("登记就读状态：%1").replace("%1", row["name"]), self):
            self.reload()
            self.changed.emit()

    def confirm_match(self) -> None:
        row = self.selected()
        if not row or not row.get("candidates"):
            Messages.info(self, self.tr("确认匹配"), self.tr("所选儿童没有可能匹配的记录。"))
            return
        other = row["candidates"][0]
        question = self.tr("确认“%1”与学籍名册中的“%2”（%3）是同一名儿童？").replace(
            "%1", row["name"]).replace("%2", other["name"]).replace("%3", other["why"])
        if not Messages.confirm(self, self.tr("确认匹配"), question):
            return
        try:
            census.confirm_match(self.store, row["student_id"], other["student_id"])
        except BaoxueError as exc:
            Messages.error(self, self.tr("不能匹配"), str(exc))
            return
        self.reload()

    def open_case_for_selected(self) -> None:
        row = self.selected()
        if row is None:
            return
        try:
            case_id = census.open_suspected_case(self.store, row["student_id"], row.get("grade") or "",
                                                 f"{self.semester}数据比对：{row['reason']}")
        except BaoxueError as exc:
            Messages.error(self, self.tr("不能立案"), str(exc))
            return
        self.open_case.emit(case_id)
