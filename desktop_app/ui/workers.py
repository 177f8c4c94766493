"""Slow work off the GUI thread, with progress and cancel (conventions §6)."""

from __future__ import annotations

import traceback
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal

from desktop_app.domain.errors import BaoxueError


class WorkerSignals(QObject):
    """Signals:
        progress(int, int): done, total.
        finished(object): the job's result, on the GUI thread.
        failed(str): a Chinese message naming the problem.
        cancelled(): the user cancelled; the job left nothing behind.
    """

    progress = Signal(int, int)
    finished = Signal(object)
    failed = Signal(str)
    cancelled = Signal()


class Cancelled(Exception):
    """Raised inside a job when the user has asked to stop."""


class Worker(QRunnable):
    """Runs ``job(report)`` on the thread pool; ``report(done, total)`` returns False once cancelled.

    The job must not touch any widget.
    """

    def __init__(self, job: Callable[[Callable[[int, int], bool]], Any]) -> None:
        super().__init__()
        self.job = job
        self.signals = WorkerSignals()
        self._cancel = False

    def cancel(self) -> None:
        self._cancel = True

    def _report(self, done: int, total: int) -> bool:
        self.signals.progress.emit(done, total)
        return not self._cancel

    def run(self) -> None:
        try:
            result = self.job(self._report)
        except Cancelled:
            self.signals.cancelled.emit()
        except BaoxueError as exc:
            self.signals.failed.emit(str(exc))
        except Exception as exc:  # noqa: BLE001 - shown to the user, never a silent crash
            traceback.print_exc()
            self.signals.failed.emit(f"意外错误：{exc}")
        else:
            if self._cancel:
                self.signals.cancelled.emit()
            else:
                self.signals.finished.emit(result)

    def start(self) -> None:
        QThreadPool.globalInstance().start(self)
