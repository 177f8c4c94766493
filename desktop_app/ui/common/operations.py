"""One way to run work off the GUI thread (conventions §6): a progress dialog, cancel, the error
shown in Chinese, then an announcement of what changed so the pages that show it refresh themselves.

    operations.run(self, self.tr("正在校验…"), lambda report: store.verify(), done=show_result)
    operations.run(self, label, job, done=…, changed=operations.CASES)   # pages listening to CASES reload

``run`` returns the Worker (tests wait on ``worker.signals.finished``). ``wait`` runs a job the same
way before the main window exists (first start) with a local event loop, so the progress window is
painted and answers while the job runs.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QEventLoop, QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import QProgressDialog, QWidget

from desktop_app.domain.errors import BaoxueError
from desktop_app.reports.files import OutputCancelled
from desktop_app.ui.widgets import Messages
from desktop_app.ui.workers import Cancelled, Worker

Report = Callable[[int, int], bool]

# What a job may have changed (pages refresh on the kinds they show).
CASES, CENSUS, CARE, EXCHANGE, SETTINGS, EVERYTHING = "cases", "census", "care", "exchange", "settings", "*"

SHOW_AFTER_MS = 500  # a job shorter than half a second shows no progress window


class StoreEvents(QObject):
    """Signals:
        changed(str): a job changed this kind of data (CASES, CENSUS …, or EVERYTHING).
    """

    changed = Signal(str)


events = StoreEvents()

_running: set[Worker] = set()  # keeps each worker's Python side alive until it reported


def _progress(parent: QWidget | None, label: str, total: int, cancellable: bool, title: str) -> QProgressDialog:
    progress = QProgressDialog(label, parent.tr("取消") if parent else "取消", 0, total, parent)
    progress.setWindowTitle(title or progress.tr("请稍候"))
    progress.setWindowModality(Qt.WindowModality.WindowModal)
    progress.setMinimumDuration(SHOW_AFTER_MS)
    progress.setAutoClose(False)
    progress.setAutoReset(False)
    if not cancellable:
        progress.setCancelButton(None)
    return progress


def run(parent: QWidget | None, label: str, job: Callable[[Report], Any], *,
        done: Callable[[Any], None] | None = None, total: int = 0, cancellable: bool = True,
        changed: str | None = None, error_title: str = "未完成",
        failed: Callable[[str], None] | None = None, title: str = "",
        cancelled: Callable[[], None] | None = None) -> Worker:
    """Run ``job(report)`` on the thread pool behind a progress dialog.

    ``report(done, total)`` moves the bar and returns False once the user cancelled. On success
    ``done(result)`` runs on the GUI thread and ``events.changed`` announces ``changed``; a
    BaoxueError is shown as its Chinese sentence (or given to ``failed``); a cancel leaves nothing
    (``cancelled()`` then runs, if given).
    """
    progress = _progress(parent, label, total, cancellable, title)

    def wrapped(report: Report) -> Any:
        try:
            return job(report)
        except OutputCancelled as exc:
            raise Cancelled from exc

    worker = Worker(wrapped)
    _running.add(worker)

    def moved(step: int, steps: int) -> None:
        if steps and progress.maximum() != steps:
            progress.setMaximum(steps)
        progress.setValue(step)

    def finished(result: object) -> None:
        progress.close()
        _running.discard(worker)
        if done is not None:
            done(result)
        if changed:
            events.changed.emit(changed)

    def refused(message: str) -> None:
        progress.close()
        _running.discard(worker)
        if failed is not None:
            failed(message)
        else:
            Messages.error(parent, error_title, message)

    def stopped() -> None:
        progress.close()
        _running.discard(worker)
        if cancelled is not None:
            cancelled()

    worker.signals.progress.connect(moved)
    worker.signals.finished.connect(finished)
    worker.signals.failed.connect(refused)
    worker.signals.cancelled.connect(stopped)
    progress.canceled.connect(worker.cancel)
    worker.start()
    return worker


def wait(parent: QWidget | None, label: str, job: Callable[[Report], Any], *, total: int = 0,
         title: str = "") -> Any:
    """Run ``job`` as ``run`` does and return its result once it is done (a local event loop keeps the
    progress window painted meanwhile).

    Raises:
        BaoxueError: the job failed (its Chinese message).
    """
    loop = QEventLoop()
    outcome: dict[str, Any] = {}
    run(parent, label, job, total=total, cancellable=False, title=title,
        done=lambda result: outcome.setdefault("result", result),
        failed=lambda message: outcome.setdefault("error", message),
        cancelled=lambda: outcome.setdefault("cancelled", True))
    # The worker may report before anything here is connected to it: look at the outcome, not a signal.
    watch = QTimer()
    watch.setInterval(20)
    watch.timeout.connect(lambda: loop.quit() if outcome else None)
    watch.start()
    loop.exec()
    watch.stop()
    if "error" in outcome:
        raise BaoxueError(outcome["error"])
    return outcome.get("result")
