"""Start-up: the first window imports only what it needs, and the program says what it is doing."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from pytestqt.qtbot import QtBot

from desktop_app.services import demo, installation, semesters
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


#: What the main window is built without (issue 17): loaded at the sign-in, the daily backup, the first figure
#: computed on the worker after the window is painted, or when first used.
NOT_FOR_THE_WINDOW = ("argon2", "nacl", "stdnum", "desktop_app.services.backup", "desktop_app.services.updates",
                      "desktop_app.services.lifecycle", "desktop_app.services.cases", "desktop_app.services.integrity.head",
                      "desktop_app.ui.help.guide", "desktop_app.ui.accounts.page", "desktop_app.ui.ledger.page")


def test_the_main_window_is_built_without_what_only_later_steps_use(tmp_path: Path) -> None:
    store = Store.open(tmp_path / "data", user="周老师")
    installation.setup(store, SCHOOL)
    sign_in_admin(store)
    demo.load(store, 10, seed=3)
    semesters.current(store)  # the term's row exists, as at every start but a term's first
    key = store.key
    store.close()
    assert key is not None
    code = (
        "import json, sys\n"
        "import desktop_app.ui.app\n"
        "from PySide6.QtWidgets import QApplication\n"
        "from desktop_app.services.store import Store\n"
        "from desktop_app.ui.main_window import MainWindow\n"
        "app = QApplication([])\n"
        f"store = Store.open({str(tmp_path / 'data')!r}, key=bytes.fromhex({key.hex()!r}))  # as after the sign-in\n"
        "w = MainWindow(store)\n"
        f"print(json.dumps(sorted(m for m in {NOT_FOR_THE_WINDOW!r} if m in sys.modules)))\n"
        "w.close(); store.close()\n"
    )
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120, check=True)
    assert json.loads(out.stdout.strip().splitlines()[-1]) == []


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


def test_every_start_up_step_that_can_take_long_is_said_on_the_splash(qtbot: QtBot, tmp_path: Path,
                                                                       monkeypatch) -> None:  # noqa: ANN001
    """Opening (and upgrading) the data file, the daily backup, the first start of a new release and building
    the main window are each said on the start-up splash while they run; the splash goes with the window."""
    from PySide6.QtWidgets import QApplication

    from desktop_app.services import backup, updates
    from desktop_app.ui import app as gui_app
    from desktop_app.ui import main_window

    folder = tmp_path / "data"
    store = Store.open(folder, user="周老师")
    installation.setup(store, SCHOOL)
    sign_in_admin(store)
    said: list[tuple[str, str]] = []

    def saying(step: str) -> None:
        status = StartupStatus.current()
        said.append((step, status.splash.message() if status.splash.isVisible() else ""))

    def open_store(data_dir: Path, **_kw: object) -> Store:
        saying("open")
        return store

    class Window(main_window.MainWindow):
        def __init__(self, opened: Store) -> None:
            saying("window")
            super().__init__(opened)

    shown: list[main_window.MainWindow] = []
    monkeypatch.setattr(gui_app, "open_store", open_store)
    monkeypatch.setattr(gui_app, "offer_recovery_key", lambda _s: None)
    monkeypatch.setattr(backup, "daily_if_due", lambda _s: saying("backup"))
    monkeypatch.setattr(updates, "after_start", lambda _s: saying("update") or "")
    monkeypatch.setattr(main_window, "MainWindow", Window)
    monkeypatch.setattr(Window, "show", lambda self: shown.append(self))
    monkeypatch.setattr(QApplication, "exec", lambda *_a: 0)
    assert gui_app.main(["baoxue", "--data-dir", str(folder)]) == 0
    assert said == [("open", "正在打开数据文件…"), ("backup", "正在检查每日自动备份…"),
                    ("update", "正在检查程序更新…"), ("window", "正在准备主窗口…")]
    assert shown and not StartupStatus.started()  # the splash went with the window
    shown[0].close()
    shown[0].deleteLater()
