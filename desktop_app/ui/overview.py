"""总览: the school's headline figure (open cases, the one that must reach zero) and the status counts."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QGridLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from desktop_app.domain.codes import CaseStatus
from desktop_app.services import cases
from desktop_app.services.store import Store


class OverviewPage(QWidget):
    """Signals:
        show_ledger(str): open the ledger filtered by this status label.
    """

    show_ledger = Signal(str)

    def __init__(self, store: Store, parent: QWidget | None = None, *, load: bool = True) -> None:
        super().__init__(parent)
        self.store = store
        layout = QVBoxLayout(self)
        self.unit_label = QLabel(self)
        self.unit_label.setStyleSheet("font-size: 16pt;")
        layout.addWidget(self.unit_label)
        self.open_button = QPushButton(self)
        self.open_button.setStyleSheet("font-size: 28pt; padding: 18px; text-align: left;")
        self.open_button.setToolTip(self.tr("点击查看全部未销号案件"))
        self.open_button.clicked.connect(lambda: self.show_ledger.emit("未销号（全部在案）"))
        layout.addWidget(self.open_button)
        grid = QGridLayout()
        self.status_buttons: dict[str, QPushButton] = {}
        for col, status in enumerate(CaseStatus):
            button = QPushButton(self)
            button.setStyleSheet("font-size: 14pt; padding: 10px;")
            button.clicked.connect(lambda _c=False, s=status.value: self.show_ledger.emit(s))
            grid.addWidget(button, 0, col)
            self.status_buttons[status.value] = button
        layout.addLayout(grid)
        self.hint = QLabel(self.tr("动态清零：未销号案件数是本校的核心指标，目标为 0。点击任一数字查看对应台账。"), self)
        self.hint.setWordWrap(True)
        self.hint.setAlignment(Qt.AlignmentFlag.AlignLeft)
        layout.addWidget(self.hint)
        layout.addStretch(1)
        if load:
            self.refresh()

    def refresh(self) -> None:
        inst = self.store.installation()
        self.unit_label.setText(inst.name if inst else "")
        counts = cases.status_counts(self.store)
        open_count = sum(counts.get(s, 0) for s in CaseStatus.open_values())
        self.open_button.setText(self.tr("未销号案件：%1 件").replace("%1", str(open_count)))
        for status, button in self.status_buttons.items():
            button.setText(f"{status}\n{counts.get(status, 0)}")

    def open_count_text(self) -> str:
        return self.open_button.text()
