"""No unpainted windows: work longer than half a second runs off the GUI thread with progress
(the district demonstration at first start included), through one operations helper."""

from __future__ import annotations

import functools
import time

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QProgressDialog, QWidget

from desktop_app.domain.errors import ExportError
from desktop_app.services import demo_district
from desktop_app.services.store import Store
from desktop_app.ui import app as gui_app
from desktop_app.ui.common import operations
from desktop_app.ui.main_window import MainWindow


class Heartbeat:
    """Ticks every 50 ms on the GUI thread; the longest gap says how long the window went unpainted."""

    def __init__(self) -> None:
        self.times: list[float] = []
        self.progress_seen = False
        self.timer = QTimer()
        self.timer.setInterval(50)
        self.timer.timeout.connect(self.tick)

    def tick(self) -> None:
        self.times.append(time.monotonic())
        self.progress_seen |= any(isinstance(w, QProgressDialog) and w.isVisible()
                                  for w in QApplication.topLevelWidgets())

    def longest_gap(self) -> float:
        return max((b - a for a, b in zip(self.times, self.times[1:], strict=False)), default=0.0)


def test_the_district_demo_at_first_start_keeps_the_window_painted(qtbot, empty_store: Store,  # noqa: ANN001
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(demo_district, "load_district", functools.partial(demo_district.load_district, schools=2))
    beat = Heartbeat()
    beat.timer.start()
    started = time.monotonic()
    assert gui_app.sign_in_at_start(empty_store, demo_district=True)
    took = time.monotonic() - started
    beat.timer.stop()
    assert took > 1.0  # long enough to matter
    assert len(beat.times) >= took / 0.5  # the GUI thread kept running its event loop
    # Before: one block of the whole build (6 s for six schools). Now the GUI thread only waits for the
    # worker's turns at the interpreter lock: a few tenths of a second on an idle machine, longer when a loaded
    # 2-core machine starves the process; a build on the GUI thread leaves one gap as long as the whole build.
    assert beat.longest_gap() < max(1.0, 0.4 * took), f"unpainted for {beat.longest_gap():.2f} s of {took:.2f} s"
    assert beat.progress_seen
    assert empty_store.installation().kind == "district"


def test_a_job_reports_done_and_announces_what_changed(qtbot) -> None:  # noqa: ANN001
    parent = QWidget()
    qtbot.addWidget(parent)
    results: list[object] = []
    with qtbot.waitSignal(operations.events.changed, timeout=5000) as changed:
        operations.run(parent, "正在计算…", lambda report: report(1, 1) and 42, done=results.append,
                       changed=operations.CASES)
    assert results == [42] and changed.args == [operations.CASES]


def test_a_failed_job_shows_its_chinese_sentence(qtbot, messages) -> None:  # noqa: ANN001
    def job(_report: object) -> None:
        raise ExportError("无法写入 E:\\台账.xlsx：文件正被其他程序打开")

    operations.run(None, "正在导出…", job, error_title="未完成")
    qtbot.waitUntil(lambda: bool(messages.texts("error")), timeout=5000)
    assert messages.shown[-1] == ("error", "未完成", "无法写入 E:\\台账.xlsx：文件正被其他程序打开")


def test_a_cancelled_job_calls_nothing(qtbot) -> None:  # noqa: ANN001
    results: list[object] = []

    def job(report: operations.Report) -> int:
        for step in range(200):
            if not report(step, 200):
                return -1
            time.sleep(0.005)
        return 1

    worker = operations.run(None, "正在处理…", job, done=results.append)
    worker.cancel()
    with qtbot.waitSignal(worker.signals.cancelled, timeout=5000):
        pass
    assert results == []


def test_wait_returns_the_result_or_raises_the_error(qtbot) -> None:  # noqa: ANN001
    assert operations.wait(None, "请稍候…", lambda _report: "好") == "好"

    def broken(_report: object) -> None:
        raise ExportError("数据包已损坏")

    with pytest.raises(Exception, match="数据包已损坏"):
        operations.wait(None, "请稍候…", broken)


def test_loading_demo_cases_refreshes_the_pages_through_the_store_signal(qtbot, store: Store) -> None:  # noqa: ANN001
    window = MainWindow(store)
    qtbot.addWidget(window)
    window.show()
    with qtbot.waitSignal(operations.events.changed, timeout=30_000):
        window.load_demo(20)
    qtbot.waitUntil(lambda: window.ledger.model.total == 20, timeout=10_000)

