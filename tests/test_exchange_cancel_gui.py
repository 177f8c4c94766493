"""数据交换: 取消 pressed in the middle of a batch of packages. Each package is its own transaction, so the ones
imported before the cancel stand; the page used to close the progress window without a word (and without telling
the other pages), as if nothing had been imported. Now it says which were imported, as at the end of a batch."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QProgressDialog, QPushButton

from desktop_app.services import cases, sync
from desktop_app.services.store import Store
from desktop_app.ui.exchange import page as exchange_page
from desktop_app.ui.main_window import MainWindow
from tests.conftest import MessageLog
from tests.factories import full_form


def test_cancelling_a_batch_import_says_what_was_imported(qtbot, pair: tuple[Store, Store], usb: Path,  # noqa: ANN001
                                                          monkeypatch: pytest.MonkeyPatch,
                                                          messages: MessageLog) -> None:
    school, dist = pair
    cases.save_form(school, full_form())
    first = sync.export_package(school, "district", usb).path
    other = "500223201305171252"  # an invented number with a valid check digit
    cases.save_form(school, full_form(name="李小红", id_number=other, student_number="G" + other))
    second = sync.export_package(school, "district", usb).path
    one_done, pressed = threading.Event(), threading.Event()
    real = sync.import_many

    def paced(store, paths, report, **kwargs):  # noqa: ANN001, ANN003, ANN202
        def step(done: int, total: int) -> bool:
            going = report(done, total)
            if done == 1:  # the first package is in: the user presses 取消 now
                one_done.set()
                pressed.wait(30)
                return report(done, total)
            return going

        return real(store, paths, step, **kwargs)

    monkeypatch.setattr(exchange_page.sync, "import_many", paced)
    window = MainWindow(dist)
    qtbot.addWidget(window)
    window.show_page("数据交换")
    worker = window.exchange.import_paths([first, second], (sync.own_fingerprint(school),))
    qtbot.waitUntil(one_done.is_set, timeout=30_000)
    qtbot.waitUntil(lambda: any(p.isVisible() for p in window.exchange.findChildren(QProgressDialog)), timeout=5000)
    progress = next(p for p in window.exchange.findChildren(QProgressDialog) if p.isVisible())
    with qtbot.waitSignal(worker.signals.cancelled, timeout=30_000):
        qtbot.mouseClick(next(b for b in progress.findChildren(QPushButton) if b.text() == "取消"),
                         Qt.MouseButton.LeftButton)
        pressed.set()
    qtbot.waitUntil(lambda: bool(messages.shown), timeout=10_000)
    kind, title, text = messages.shown[-1]
    assert (kind, title) == ("info", "导入结果") and first.name in text and second.name not in text
