"""校验数据和历史记录: the check of issue 13 off the GUI thread, with progress, cancel and the list of findings."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from PySide6.QtCore import QModelIndex, QPersistentModelIndex
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QProgressBar,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from desktop_app.services.integrity.check import CheckResult
from desktop_app.services.integrity.ledger import Finding, VerifyCancelled
from desktop_app.services.store import Store
from desktop_app.ui.common.table_model import TableModel
from desktop_app.ui.workers import Cancelled, Worker

_Index = QModelIndex | QPersistentModelIndex


class FindingsModel(TableModel[Finding]):
    """The findings of a check: one row per record and field that differs, or per other problem."""

    HEADERS = ("数据", "学生/案件", "字段", "数据文件中的值", "历史记录中的值", "说明")
    TIPS = True

    def set_findings(self, findings: Sequence[Finding]) -> None:
        self.set_rows(findings)

    def display(self, row: Finding, column: int, position: int) -> Any:
        if row.text:
            return ("", "", "", "", "", row.text)[column]
        what = {"differs": "被改动", "no_history": "没有历史记录（在程序之外添加）",
                "missing": "已不见（在程序之外删除）"}.get(row.kind, "")
        values = (row.table_label, row.who, row.field_label,
                  "" if row.kind != "differs" else _shown(row.stored),
                  "" if row.kind != "differs" else _shown(row.expected), what)
        return values[column]


def _shown(value: str | None) -> str:
    return "（空）" if value in (None, "") else str(value)


class VerifyDialog(QDialog):
    """Runs ``Store.verify`` on a worker thread and lists what it found."""

    def __init__(self, store: Store, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.store = store
        self.setWindowTitle(self.tr("校验数据和历史记录"))
        self.outcome: CheckResult | None = None
        self.worker: Worker | None = None
        self._cancel_requested = False
        layout = QVBoxLayout(self)
        self.status = QLabel(self.tr("正在逐条核对台账与历史记录（人账相符）…"), self)
        self.status.setWordWrap(True)
        self.progress = QProgressBar(self)
        self.progress.setRange(0, 100)
        self.model = FindingsModel(self)
        self.view = QTableView(self)
        self.view.setModel(self.model)
        self.view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.view.horizontalHeader().setStretchLastSection(True)
        self.view.setVisible(False)
        layout.addWidget(self.status)
        layout.addWidget(self.progress)
        layout.addWidget(self.view, 1)
        row = QHBoxLayout()
        self.cancel_button = QPushButton(self.tr("取消"), self)
        self.close_button = QPushButton(self.tr("关闭"), self)
        self.close_button.setEnabled(False)
        row.addStretch(1)
        row.addWidget(self.cancel_button)
        row.addWidget(self.close_button)
        layout.addLayout(row)
        self.cancel_button.clicked.connect(self.cancel)
        self.close_button.clicked.connect(self.accept)
        self.resize(1000, 520)

    def start(self) -> Worker:
        store = self.store

        def job(report: Callable[[int, int], bool]) -> CheckResult:
            try:
                result = store.verify(lambda percent: report(percent, 100))
            except VerifyCancelled as exc:
                raise Cancelled from exc
            assert isinstance(result, CheckResult)
            return result

        worker = Worker(job)
        worker.signals.progress.connect(lambda done, _total: self.progress.setValue(done))
        worker.signals.finished.connect(self._finished)
        worker.signals.failed.connect(self._failed)
        worker.signals.cancelled.connect(self._cancelled)
        self.worker = worker
        if self._cancel_requested:
            worker.cancel()
        worker.start()
        return worker

    def cancel(self) -> None:
        self._cancel_requested = True
        if self.worker is not None:
            self.worker.cancel()
        self.cancel_button.setEnabled(False)

    def _done(self) -> None:
        self.cancel_button.setEnabled(False)
        self.close_button.setEnabled(True)

    def _finished(self, result: object) -> None:
        assert isinstance(result, CheckResult)
        self.outcome = result
        self.progress.setValue(100)
        self.status.setText(result.message if result.ok else self.tr("校验失败：") + result.message)
        if result.findings:
            self.model.set_findings(result.findings)
            self.view.setVisible(True)
        self._done()

    def _failed(self, message: str) -> None:
        self.status.setText(self.tr("校验失败：") + message)
        self._done()

    def _cancelled(self) -> None:
        self.status.setText(self.tr("已取消校验，未作任何改动"))
        self._done()

    def reject(self) -> None:
        if self.worker is not None and not self.close_button.isEnabled():
            self.cancel()  # Esc while running: cancel first; the dialog closes once the worker stopped
            return
        super().reject()
