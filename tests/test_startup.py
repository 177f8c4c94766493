"""Start-up: the first window imports only what it needs, and the program says what it is doing."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from pytestqt.qtbot import QtBot

from desktop_app.services import demo, installation
from desktop_app.services.store import Store
from desktop_app.ui.splash import StartupStatus
from tests.conftest import SCHOOL
from tests.helpers.accounts import ADMIN_PASSWORD, sign_in_admin

#: Libraries for reports, printing, rosters and search that the first window does not need.
LATER = ("openpyxl", "reportlab", "pypdfium2", "python_calamine", "pypinyin", "PIL", "segno", "alembic", "mako")


def test_the_first_window_and_its_figures_load_none_of_the_later_libraries(tmp_path: Path) -> None:
    store = Store.open(tmp_path / "data", user="周老师")
    installation.setup(store, SCHOOL)
    sign_in_admin(store)
    demo.load(store, 30, seed=3)
    store.close()
    code = (
        "import json, sys\n"
        "from PySide6.QtCore import QEventLoop, QTimer\n"
        "from PySide6.QtWidgets import QApplication\n"
        "import desktop_app.ui.app\n"
        "from desktop_app.services.store import Store\n"
        "from desktop_app.ui.main_window import MainWindow\n"
        "app = QApplication([])\n"
        "from desktop_app.services import encryption\n"
        f"store = encryption.unlock({str(tmp_path / 'data')!r}, '周老师', {ADMIN_PASSWORD!r})  # as the program does\n"
        "w = MainWindow(store); w.show()\n"
        "loop = QEventLoop(); w.overview.refreshed.connect(loop.quit); QTimer.singleShot(20000, loop.quit); loop.exec()\n"
        "print(json.dumps({'figures': w.overview.data is not None, 'todo': w.overview.todo_model.rowCount(),\n"
        f"                  'loaded': sorted(m for m in {LATER!r} if m in sys.modules)}}))\n"
        "w.close(); store.close()\n"
    )
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120, check=True)
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert result["figures"] and result["todo"] > 0  # the overview and its to-do list were computed
    assert result["loaded"] == []


def test_the_start_up_status_says_what_is_being_done_and_goes_with_the_window(qtbot: QtBot) -> None:
    from PySide6.QtWidgets import QMainWindow

    status = StartupStatus.current()
    status.show("正在打开数据文件…")
    assert status.splash.isVisible() and status.splash.message() == "正在打开数据文件…"
    status.show("正在准备主窗口…")
    assert status.splash.message() == "正在准备主窗口…"
    window = QMainWindow()
    qtbot.addWidget(window)
    window.show()
    status.finish(window)
    qtbot.waitUntil(lambda: not status.splash.isVisible())
    assert not StartupStatus.started()  # a later start makes a new one
    StartupStatus.current().show("正在启动…")
    StartupStatus.close_current()
    assert not StartupStatus.started()
