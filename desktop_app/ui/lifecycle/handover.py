"""移交: the dialog that hands a case to another school of the district, and the receiving school's list
of handovers to accept or send back."""

from __future__ import annotations

import datetime as dt
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desktop_app.domain import handover as rules
from desktop_app.domain.errors import BaoxueError
from desktop_app.services import handover
from desktop_app.services.store import Store
from desktop_app.ui.exchange.models import RowsModel
from desktop_app.ui.exchange.page import _table
from desktop_app.ui.lifecycle.dialogs import _FormDialog, _text_edit
from desktop_app.ui.widgets import Messages, from_qdate, make_combo, make_date_edit


class HandoverDialog(_FormDialog):
    """移交: choose the district school the case goes to, the date and the reason."""

    def __init__(self, schools: list[handover.SchoolChoice], parent: QWidget | None = None,
                 previous: rules.Request | None = None) -> None:
        super().__init__(self.tr("移交到区内其他学校"), parent, self.tr(
            "学生家庭搬迁、现居住在其他学校服务范围的，可将案件移交该校。案件经区教委转交（随数据包），"
            "对方接收前本校案件仍未销号，显示“移交中”；对方接收后自动以“移交”销号，"
            "对方退回的，由本校继续劝返。"))
        self.school_combo = QComboBox(self)
        self.school_combo.addItem(self.tr("（请选择）"), "")
        for school in schools:
            self.school_combo.addItem(school.label(), school.code)
        self.school_combo.setMaxVisibleItems(20)
        self.date_edit = make_date_edit(self)
        self.reason_combo = make_combo(rules.REASONS, self, editable=True)
        self.detail_edit = _text_edit(self, self.tr("如：随父母搬到双江镇，现住某村某组"))
        self.form.addRow(self.tr("接收学校"), self.school_combo)
        self.form.addRow(self.tr("移交日期"), self.date_edit)
        self.form.addRow(self.tr("移交原因"), self.reason_combo)
        self.form.addRow(self.tr("说明"), self.detail_edit)
        self.finish()
        if previous is not None:
            self.school_combo.setCurrentIndex(max(self.school_combo.findData(previous.to_code), 0))
            self.reason_combo.setEditText(previous.reason)
            self.detail_edit.setPlainText(previous.detail)

    def problems(self) -> list[str]:
        out = []
        if not self.school_combo.currentData():
            out.append(self.tr("请选择接收学校"))
        if not self.reason_combo.currentText().strip():
            out.append(self.tr("请填写移交原因"))
        return out

    def value(self) -> rules.Request:
        return rules.Request(str(self.school_combo.currentData() or ""), from_qdate(self.date_edit.date()),
                             self.reason_combo.currentText(), self.detail_edit.toPlainText())

    @classmethod
    def ask(cls, parent: QWidget | None, schools: list[handover.SchoolChoice],
            previous: rules.Request | None = None) -> rules.Request | None:
        result: rules.Request | None = cls._run(cls(schools, parent, previous))
        return result


class RejectHandoverDialog(_FormDialog):
    """退回移交: the reason goes back to the sending school."""

    def __init__(self, name: str, from_name: str, parent: QWidget | None = None) -> None:
        super().__init__(self.tr("退回移交"), parent, self.tr("退回%1移交的%2，退回原因将随数据包经区教委告知对方。")
                         .replace("%1", from_name).replace("%2", name))
        self.reason_edit = _text_edit(self, self.tr("如：经核实该生家庭住址不在本校服务范围"))
        self.date_edit = make_date_edit(self)
        self.form.addRow(self.tr("退回原因"), self.reason_edit)
        self.form.addRow(self.tr("日期"), self.date_edit)
        self.finish()

    def problems(self) -> list[str]:
        return [] if self.reason_edit.toPlainText().strip() else [self.tr("请填写退回原因")]

    def value(self) -> tuple[str, dt.date | None]:
        return self.reason_edit.toPlainText(), from_qdate(self.date_edit.date())

    @classmethod
    def ask(cls, parent: QWidget | None, name: str, from_name: str) -> tuple[str, dt.date | None] | None:
        result: tuple[str, dt.date | None] | None = cls._run(cls(name, from_name, parent))
        return result


class WithdrawHandoverDialog(_FormDialog):
    """撤回移交: the sending school takes its handover back, with the reason."""

    def __init__(self, line: str, parent: QWidget | None = None) -> None:
        super().__init__(self.tr("撤回移交"), parent, self.tr(
            "%1。\n撤回后本校继续劝返；撤回随下一个数据包告知区教委和对方学校。"
            "如对方在撤回送达前已经接收，接收有效，本校案件仍按移交销号。").replace("%1", line))
        self.reason_edit = _text_edit(self, self.tr("如：家长决定暂不搬家"))
        self.form.addRow(self.tr("撤回原因"), self.reason_edit)
        self.finish()

    def problems(self) -> list[str]:
        return [] if self.reason_edit.toPlainText().strip() else [self.tr("请填写撤回原因")]

    def value(self) -> str:
        return self.reason_edit.toPlainText()

    @classmethod
    def ask(cls, parent: QWidget | None, line: str) -> str | None:
        result: str | None = cls._run(cls(line, parent))
        return result


INCOMING_HEADERS = ("学生", "出生日期", "移出学校", "移交日期", "移交原因", "劝返记录", "佐证材料", "区教委转交日期")


class IncomingHandoversDialog(QDialog):
    """收到的移交: the handovers the district forwarded to this school, each accepted or sent back.

    Signals:
        case_accepted(str): a handover was accepted; the id of this school's new case.
        answered(): a handover was accepted or sent back (the store changed).
    """

    case_accepted = Signal(str)
    answered = Signal()

    def __init__(self, store: Store, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.store = store
        self.setWindowTitle(self.tr("收到的移交"))
        self._items: list[handover.HandoverView] = []
        layout = QVBoxLayout(self)
        intro = QLabel(self.tr("区内其他学校经区教委移交给本校的案件。接收后，案件连同劝返记录、佐证材料和历史记录"
                               "成为本校的未销号案件；不属于本校的，请退回并写明原因。"), self)
        intro.setWordWrap(True)
        layout.addWidget(intro)
        self.model = RowsModel(INCOMING_HEADERS, self._rows, self)
        self.view = _table(self, self.model)
        layout.addWidget(self.view, 1)
        self.empty_label = QLabel(self.tr("目前没有待接收的移交。"), self)
        layout.addWidget(self.empty_label)
        buttons = QHBoxLayout()
        self.accept_button = QPushButton(self.tr("接收"), self)
        self.reject_button = QPushButton(self.tr("退回…"), self)
        self.close_button = QPushButton(self.tr("关闭"), self)
        buttons.addWidget(self.accept_button)
        buttons.addWidget(self.reject_button)
        buttons.addStretch(1)
        buttons.addWidget(self.close_button)
        layout.addLayout(buttons)
        self.accept_button.clicked.connect(self.accept_selected)
        self.reject_button.clicked.connect(self.reject_selected)
        self.close_button.clicked.connect(self.close)
        self.resize(820, 360)
        self.reload()

    def _rows(self) -> list[tuple[Any, list[Any]]]:
        self._items = handover.incoming(self.store)
        return [(h.id, [h.student_name, h.birth_date.isoformat() if h.birth_date else "", h.from_name,
                        h.requested_on.isoformat(), h.reason + (f"：{h.detail}" if h.detail else ""),
                        h.attempts, h.evidence, h.forwarded_on.isoformat() if h.forwarded_on else ""])
                for h in self._items]

    def reload(self) -> None:
        self.model.reload()
        has = self.model.rowCount() > 0
        self.empty_label.setVisible(not has)
        self.accept_button.setEnabled(has)
        self.reject_button.setEnabled(has)
        if has and not self.view.selectionModel().hasSelection():
            self.view.selectRow(0)

    def selected(self) -> handover.HandoverView | None:
        rows = self.view.selectionModel().selectedRows()
        if not rows:
            return None
        key = self.model.key(rows[0].row())
        return next((h for h in self._items if h.id == key), None)

    def accept_selected(self) -> str | None:
        item = self.selected()
        if item is None:
            return None
        try:
            case_id = handover.accept(self.store, item.id)
        except BaoxueError as exc:
            Messages.error(self, self.tr("未能接收"), str(exc))
            return None
        Messages.info(self, self.tr("已接收"), self.tr("%1的案件已接收为本校的未销号案件，请补填本校联系人和劝返责任人。")
                      .replace("%1", item.student_name))
        self.reload()
        self.answered.emit()
        self.case_accepted.emit(case_id)
        return case_id

    def reject_selected(self) -> bool:
        item = self.selected()
        if item is None:
            return False
        answer = RejectHandoverDialog.ask(self, item.student_name, item.from_name)
        if answer is None:
            return False
        try:
            handover.reject(self.store, item.id, answer[0], answered_on=answer[1])
        except BaoxueError as exc:
            Messages.error(self, self.tr("未能退回"), str(exc))
            return False
        self.reload()
        self.answered.emit()
        return True
