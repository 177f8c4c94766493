"""移交在途 on 全区联查: the cases schools handed to each other through the district, those still waiting for
the receiving school first, with the figure of handovers in flight."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QCheckBox, QGroupBox, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from desktop_app.services import handover
from desktop_app.services.store import Store
from desktop_app.ui.exchange.models import RowsModel
from desktop_app.ui.exchange.page import _table


class HandoverListBox(QGroupBox):
    """The district's handovers: how many are in flight (forwarded, not yet answered) and the list."""

    def __init__(self, store: Store, parent: QWidget | None = None) -> None:
        super().__init__(self.tr("移交（学校之间经区教委转交的案件）"), parent)
        self.store = store
        layout = QVBoxLayout(self)
        bar = QHBoxLayout()
        self.count_label = QLabel(self)
        self.count_label.setStyleSheet("font-size: 12pt;")
        self.in_flight_check = QCheckBox(self.tr("只看在途（待接收）"), self)
        self.in_flight_check.setChecked(True)
        self.in_flight_check.toggled.connect(lambda _on: self.reload())
        bar.addWidget(self.count_label, 1)
        bar.addWidget(self.in_flight_check)
        layout.addLayout(bar)
        self.schools_label = QLabel(self)
        self.schools_label.setWordWrap(True)
        layout.addWidget(self.schools_label)
        self.model = RowsModel(list(handover.LIST_HEADERS), self._rows, self)
        self.view = _table(self, self.model)
        self.view.setToolTip(self.tr("移交在途：区教委已转交、接收学校尚未接收或退回的案件"))
        layout.addWidget(self.view, 1)
        self.reload()

    def _rows(self) -> list[tuple[Any, list[Any]]]:
        return [(h.id, h.row()) for h in handover.handovers(self.store, in_flight_only=self.in_flight_check.isChecked())]

    def reload(self) -> None:
        count = handover.in_flight_count(self.store)
        self.count_label.setText(self.tr("移交在途：%1 件").replace("%1", str(count)))
        self.model.reload()
        self.schools_label.setText(self.school_counts())

    def school_counts(self) -> str:
        """Per school, the handovers in flight it sent and those waiting for it to answer."""
        sent: dict[str, int] = {}
        waiting: dict[str, int] = {}
        for h in handover.handovers(self.store, in_flight_only=True):
            sent[h.from_name] = sent.get(h.from_name, 0) + 1
            waiting[h.to_name] = waiting.get(h.to_name, 0) + 1
        parts = [name + "（" + "，".join(
            ([self.tr("移出%1").replace("%1", str(sent[name]))] if name in sent else [])
            + ([self.tr("待接收%1").replace("%1", str(waiting[name]))] if name in waiting else [])) + "）"
            for name in sorted(set(sent) | set(waiting))]
        return self.tr("按学校：") + "、".join(parts) if parts else ""
