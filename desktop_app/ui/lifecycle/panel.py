"""案件处理: the lifecycle of one case inside its registration form — where it stands, what can be
done next, the deferral application, closings, evidence and the history."""

from __future__ import annotations

import weakref
from collections.abc import Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QListView,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desktop_app.domain.codes import CaseStatus
from desktop_app.domain.errors import BaoxueError
from desktop_app.domain.lifecycle import Action
from desktop_app.services import handover, lifecycle
from desktop_app.services.store import Store
from desktop_app.ui.lifecycle import actions
from desktop_app.ui.lifecycle.evidence import ICON_SIZE, EvidenceModel, EvidencePicker, open_full_size
from desktop_app.ui.lifecycle.history import CaseHistoryDialog
from desktop_app.ui.widgets import Messages

STATUS_STEPS = (CaseStatus.SUSPECTED.value, CaseStatus.PERSUADING.value, CaseStatus.JOINT.value, "销号")


class CaseLifecyclePanel(QWidget):
    """Signals:
        changed(str): a lifecycle action changed the case (its id).
    """

    changed = Signal(str)

    def __init__(self, store: Store, parent: QWidget | None = None,
                 ensure_saved: Callable[[], bool] | None = None) -> None:
        super().__init__(parent)
        self.store = store
        self.case_id: str | None = None
        # A weak reference: the form owns this panel, and a strong one would keep the form alive.
        self._ensure_saved = weakref.WeakMethod(ensure_saved) if ensure_saved else None
        self.history_dialog: CaseHistoryDialog | None = None
        layout = QVBoxLayout(self)

        top = QGroupBox(self.tr("案件状态"), self)
        grid = QGridLayout(top)
        self.steps_label = QLabel(top)
        self.steps_label.setStyleSheet("font-size: 13pt;")
        self.eligibility_label = QLabel(top)
        self.eligibility_label.setWordWrap(True)
        self.records_label = QLabel(top)
        self.records_label.setWordWrap(True)
        self.records_label.setTextFormat(Qt.TextFormat.RichText)
        grid.addWidget(self.steps_label, 0, 0, 1, 2)
        grid.addWidget(QLabel(self.tr("申请缓学的条件："), top), 1, 0)
        grid.addWidget(self.eligibility_label, 1, 1)
        grid.addWidget(self.records_label, 2, 0, 1, 2)
        grid.setColumnStretch(1, 1)
        layout.addWidget(top)

        buttons = QHBoxLayout()
        self.action_buttons: dict[str, QPushButton] = {}
        for label, _action, fn in actions.ACTIONS:
            button = QPushButton(self.tr(label), self)
            button.clicked.connect(lambda _c=False, f=fn: self._run(f))
            buttons.addWidget(button)
            self.action_buttons[fn.__name__] = button
        self.withdraw_button = QPushButton(self.tr("撤回移交…"), self)  # only while a handover is in flight
        self.withdraw_button.clicked.connect(lambda _c=False: self._run(actions.withdraw_handover))
        buttons.addWidget(self.withdraw_button)
        buttons.addStretch(1)
        self.history_button = QPushButton(self.tr("历史记录…"), self)
        self.history_button.clicked.connect(self.show_history)
        buttons.addWidget(self.history_button)
        layout.addLayout(buttons)
        self.report_button = self.action_buttons["report_joint"]
        self.ruling_button = self.action_buttons["record_court_ruling"]
        self.apply_button = self.action_buttons["apply_deferral"]
        self.decide_button = self.action_buttons["decide_deferral"]
        self.close_case_button = self.action_buttons["close_case"]
        self.reopen_button = self.action_buttons["reopen_case"]
        self.handover_button = self.action_buttons["handover_case"]

        box = QGroupBox(self.tr("佐证材料（照片、扫描件：JPEG、PNG、PDF）"), self)
        box_layout = QVBoxLayout(box)
        self.evidence_model = EvidenceModel(store, box)
        self.evidence_view = QListView(box)
        self.evidence_view.setViewMode(QListView.ViewMode.IconMode)
        self.evidence_view.setIconSize(ICON_SIZE)
        self.evidence_view.setResizeMode(QListView.ResizeMode.Adjust)
        self.evidence_view.setWordWrap(True)
        self.evidence_view.setMinimumHeight(150)
        self.evidence_view.setModel(self.evidence_model)
        self.evidence_view.doubleClicked.connect(lambda index: self.open_evidence(index.row()))
        box_layout.addWidget(self.evidence_view, 1)
        row = QHBoxLayout()
        row.addWidget(QLabel(self.tr("附加到"), box))
        self.owner_combo = QComboBox(box)
        self.owner_combo.setMinimumContentsLength(24)
        row.addWidget(self.owner_combo, 1)
        self.attach_button = QPushButton(self.tr("附加文件…"), box)
        self.open_evidence_button = QPushButton(self.tr("查看原图"), box)
        row.addWidget(self.attach_button)
        row.addWidget(self.open_evidence_button)
        box_layout.addLayout(row)
        self.attach_button.clicked.connect(self.attach)
        self.open_evidence_button.clicked.connect(self._open_selected)
        layout.addWidget(box, 1)
        self.set_case(None)

    # --- state ---------------------------------------------------------------------------

    def set_case(self, case_id: str | None) -> None:
        self.case_id = case_id
        self.refresh()

    def refresh(self) -> None:
        if not self.case_id:
            self.steps_label.setText(self.tr("新案件：保存后可办理联合劝返、销号等，并附加佐证材料。"))
            self.eligibility_label.clear()
            self.records_label.clear()
            for button in (*self.action_buttons.values(), self.history_button, self.attach_button,
                           self.open_evidence_button, self.withdraw_button):
                button.setEnabled(False)
            self.withdraw_button.setVisible(False)
            self.evidence_model.load(None)
            self.owner_combo.clear()
            return
        st = lifecycle.state(self.store, self.case_id)
        current = "销号" if st.status in CaseStatus.closed_values() else st.status
        steps = []
        for step in STATUS_STEPS:
            text = st.status if step == "销号" and current == "销号" else step
            steps.append(f"<b style='color:#b00020'>【{text}】</b>" if step == current else
                         f"<span style='color:#888'>{text}</span>")
        self.steps_label.setText(self.tr("状态：") + " → ".join(steps))
        self.eligibility_label.setText(
            (self.tr("符合：") if st.eligibility.eligible else self.tr("尚不符合：")) + st.eligibility.basis)
        lines = []
        lines += [f"联合劝返报告：{d} 报{to}" + (f"（{by}）" if by else "") for d, to, by in st.joint_reports]
        lines += [f"法院判决：{r}" for r in st.rulings]
        for a in st.applications:
            lines.append(f"{a.application_date} {a.reported_by}申请{a.kind}（{a.basis}）："
                         + (a.decision or "待区领导小组审批"))
        lines += st.closings
        in_flight = handover.in_flight_request(self.store, self.case_id)
        lines += handover.chain_lines(self.store, self.case_id)
        self.records_label.setText("<br>".join(lines) or self.tr("尚无联合劝返报告、申请或销号记录。"))
        self.report_button.setEnabled(st.can(Action.REPORT_JOINT))
        self.ruling_button.setEnabled(st.status in CaseStatus.open_values())
        self.apply_button.setEnabled(st.can(Action.APPLY_DEFERRAL) and st.eligibility.eligible
                                     and st.pending_application is None)
        self.decide_button.setEnabled(st.pending_application is not None)
        self.close_case_button.setEnabled(st.can(Action.CLOSE) and not in_flight)
        self.close_case_button.setToolTip(self.tr("移交中：先撤回移交，才能销号") if in_flight else "")
        self.reopen_button.setEnabled(st.can(Action.REOPEN))
        if in_flight:
            self.steps_label.setText(self.steps_label.text() + "　<b style='color:#6a1b9a'>" + self.tr("【移交中】") + "</b>")
        self.handover_button.setEnabled(st.can(Action.CLOSE) and not in_flight and self._at_school())
        self.handover_button.setToolTip(in_flight or self.tr("移交给区内其他学校（经区教委转交）"))
        self.withdraw_button.setVisible(bool(in_flight))
        self.withdraw_button.setEnabled(bool(in_flight) and self._at_school())
        self.history_button.setEnabled(True)
        self.attach_button.setEnabled(True)
        self.open_evidence_button.setEnabled(True)
        self.evidence_model.load(self.case_id)
        current_owner = self.owner_combo.currentData()
        self.owner_combo.clear()
        for table, oid, label in lifecycle.evidence_owners(self.store, self.case_id):
            self.owner_combo.addItem(label, (table, oid))
        index = self.owner_combo.findData(current_owner)
        self.owner_combo.setCurrentIndex(max(index, 0))

    def _at_school(self) -> bool:
        inst = self.store.installation()
        return inst is not None and inst.kind == "school"

    # --- actions -------------------------------------------------------------------------

    def _run(self, fn: Callable[[QWidget | None, Store, str], bool]) -> bool:
        ensure = self._ensure_saved() if self._ensure_saved else None
        if not self.case_id or (ensure is not None and not ensure()):
            return False
        changed = fn(self, self.store, self.case_id)
        if changed:
            self.refresh()
            self.changed.emit(self.case_id)
        return changed

    def show_history(self) -> CaseHistoryDialog | None:
        if not self.case_id:
            return None
        name = lifecycle.state(self.store, self.case_id).name
        self.history_dialog = CaseHistoryDialog(self.store, self.case_id, name, self)
        self.history_dialog.show()
        return self.history_dialog

    def attach(self) -> None:
        if not self.case_id:
            return
        owner = self.owner_combo.currentData() or ("cases", self.case_id)
        added = 0
        for path in EvidencePicker.ask(self):
            try:
                lifecycle.attach_evidence(self.store, self.case_id, path, owner_table=owner[0], owner_id=owner[1])
                added += 1
            except BaoxueError as exc:
                Messages.error(self, self.tr("未附加"), str(exc))
        if added:
            self.refresh()
            self.changed.emit(self.case_id)

    def _open_selected(self) -> None:
        rows = self.evidence_view.selectionModel().selectedIndexes()
        if rows:
            self.open_evidence(rows[0].row())

    def open_evidence(self, row: int) -> QWidget | None:
        try:
            return open_full_size(self.store, self.evidence_model.item(row), self)
        except BaoxueError as exc:
            Messages.error(self, self.tr("无法打开"), str(exc))
            return None
