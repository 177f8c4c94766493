"""The Qt binding must not corrupt the interpreter.

PySide6-Essentials 6.12.0 on Python 3.11 drops a reference to ``None`` on every call of a
method that returns nothing (setText, processEvents …); after a few thousand calls the program
dies with "Fatal Python error: none_dealloc". pyproject.toml excludes that release; this test
catches any other release with the same fault.
"""

from __future__ import annotations

import sys

from PySide6.QtCore import QCoreApplication, QTimer
from PySide6.QtWidgets import QLabel


def test_void_calls_keep_the_reference_count_of_none(qapp) -> None:  # noqa: ANN001
    label = QLabel()
    timer = QTimer()
    before = sys.getrefcount(None)
    for _ in range(500):
        label.setText("保学")
        timer.start(1000)
        QCoreApplication.processEvents()
    timer.stop()
    after = sys.getrefcount(None)
    assert after > before - 200, f"None lost {before - after} references in 1,500 void calls"
