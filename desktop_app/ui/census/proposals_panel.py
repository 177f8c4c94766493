"""区教委联查建议 on the census pages: the district's answers about this school's children, accepted one by
one, several or all at once, or rejected with a reason (it goes back with the next package)."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from desktop_app.domain import proposals as P
from desktop_app.domain.errors import BaoxueError
from desktop_app.services.census import proposals
from desktop_app.services.store import Store
from desktop_app.ui.census.models import RowsModel
from desktop_app.ui.widgets import Messages


class ProposalsPanel(QGroupBox):
    """The proposals of some kinds (``domain.proposals.PAGE_KINDS``) for the page's semester; hidden when
    the district sent none.

    Signals:
        changed(): a proposal was accepted or rejected (the page reloads its lists).
    """

    changed = Signal()

    def __init__(self, store: Store, kinds: Sequence[str], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.store = store
        self.kinds = tuple(kinds)
        self.semester = ""
        layout = QVBoxLayout(self)
        self.summary_label = QLabel(self)
        self.summary_label.setWordWrap(True)
        layout.addWidget(self.summary_label)
        self.model = RowsModel(proposals.HEADERS, id_key="id", parent=self,
                               formatters={"status": _status_text})
        self.view = QTableView(self)
        self.view.setModel(self.model)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.view.setAlternatingRowColors(True)
        self.view.verticalHeader().setDefaultSectionSize(22)
        self.view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.view.horizontalHeader().setStretchLastSection(True)
        for col, width in enumerate((72, 64, 220, 120, 84, 150)):
            self.view.setColumnWidth(col, width)
        self.view.setMaximumHeight(180)
        layout.addWidget(self.view)
        buttons = QHBoxLayout()
        self.accept_button = QPushButton(self.tr("接受所选"), self)
        self.accept_all_button = QPushButton(self.tr("全部接受"), self)
        self.reject_button = QPushButton(self.tr("拒绝所选…"), self)
        for b in (self.accept_button, self.accept_all_button, self.reject_button):
            buttons.addWidget(b)
        buttons.addStretch(1)
        layout.addLayout(buttons)
        self.accept_button.clicked.connect(self.accept_selected)
        self.accept_all_button.clicked.connect(self.accept_all)
        self.reject_button.clicked.connect(self.reject_selected)
        self.view.selectionModel().selectionChanged.connect(lambda *_: self._enable())
        self.setVisible(False)

    def set_semester(self, semester: str) -> None:
        self.semester = semester
        self.reload()

    def reload(self) -> None:
        rows = proposals.proposal_rows(self.store, self.semester, self.kinds) if self.semester else []
        self.model.set_rows(rows)
        waiting = sum(1 for r in rows if r.open)
        self.setTitle(self.tr("区教委联查建议（%1学期）").replace("%1", self.semester))
        self.summary_label.setText(
            self.tr("区教委在全区各校数据中联查到的本校儿童情况：%1 条待确认。接受后记入本校核查结果，注明“来源：区教委联查”；"
                    "拒绝须说明原因，随下次数据包报区教委。").replace("%1", str(waiting)))
        self.setVisible(bool(rows))
        self._enable()

    def _enable(self) -> None:
        chosen = self.selected()
        self.accept_button.setEnabled(bool(chosen) and all(r["status"] == P.PENDING for r in chosen))
        self.reject_button.setEnabled(len(chosen) == 1 and chosen[0]["status"] == P.PENDING)
        self.accept_all_button.setEnabled(any(self.model.row(i)["status"] == P.PENDING
                                              for i in range(self.model.rowCount())))

    def selected(self) -> list[dict]:
        return [self.model.row(i.row()) for i in sorted(self.view.selectionModel().selectedRows(), key=lambda i: i.row())]

    def select_name(self, name: str) -> bool:
        for r in range(self.model.rowCount()):
            if self.model.row(r)["name"] == name:
                self.view.clearSelection()
                self.view.selectRow(r)
                return True
        return False

    def accept_selected(self) -> bool:
        chosen = self.selected()
        if not chosen:
            return False
        try:
            count = proposals.accept(self.store, [r["id"] for r in chosen])
        except BaoxueError as exc:
            Messages.error(self, self.tr("接受联查建议"), str(exc))
            return False
        self._done(self.tr("已接受 %1 条联查建议。").replace("%1", str(count)))
        return True

    def accept_all(self) -> bool:
        waiting = sum(1 for i in range(self.model.rowCount()) if self.model.row(i)["status"] == P.PENDING)
        if not waiting or not Messages.confirm(self, self.tr("全部接受"), self.tr(
                "接受%1学期全部 %2 条待确认的联查建议？接受后按建议记入本校核查结果。")
                .replace("%1", self.semester).replace("%2", str(waiting))):
            return False
        try:
            result = proposals.accept_all(self.store, self.semester, self.kinds)
        except BaoxueError as exc:
            Messages.error(self, self.tr("全部接受"), str(exc))
            return False
        self._done(result.line())
        return True

    @classmethod
    def ask_reason(cls, parent: QWidget, name: str) -> str | None:
        """The reason for rejecting ``name``'s proposal (None: cancelled)."""
        text, ok = QInputDialog.getText(parent, parent.tr("拒绝联查建议"),
                                        parent.tr("拒绝%1的联查建议的原因（区教委会看到）：").replace("%1", name))
        return text if ok else None

    def reject_selected(self) -> bool:
        chosen = self.selected()
        if len(chosen) != 1:
            return False
        reason = self.ask_reason(self, chosen[0]["name"])
        if reason is None:
            return False
        try:
            proposals.reject(self.store, chosen[0]["id"], reason)
        except BaoxueError as exc:
            Messages.error(self, self.tr("拒绝联查建议"), str(exc))
            return False
        self._done(self.tr("已拒绝，原因将随下次数据包报区教委。"))
        return True

    def _done(self, text: str) -> None:
        self.reload()
        self.changed.emit()
        Messages.info(self, self.tr("区教委联查建议"), text)


def _status_text(row: dict) -> str:
    if row["status"] in (P.ACCEPTED, P.REJECTED) and row.get("decided_on"):
        return f"{row['status']}（{row['decided_on']:%Y-%m-%d}）"
    return str(row["status"])
