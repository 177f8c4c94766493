"""Start-up measured from process start in fresh interpreters: the code both sides run, shared by the
start-up, ledger and encryption benchmarks so that each measures the same thing.

* ``BARE``: an interpreter that imports what the first window needs of the third-party libraries
  (PySide6's widgets, SQLAlchemy with its ORM) and shows an empty 1280x720 QMainWindow;
* ``ours(open_line)``: our imports, QApplication with the Chinese translations, the store opened by
  ``open_line`` (with its key: no password hashing in the timings), MainWindow, shown ("shown" is the
  usable window), then "ready" when the overview's figures and 待办 are on screen.

Each prints ``cpu``, the main thread's processor time at "shown" (interpreter start-up included on both
sides): on a loaded machine it moves far less than the wall-clock figures, so its ratio is printed too.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.benchmarks.conftest import store_key

BARE = (
    "import PySide6.QtWidgets, sqlalchemy, sqlalchemy.orm\n"
    "from PySide6.QtWidgets import QApplication, QMainWindow\n"
    "app = QApplication([]); w = QMainWindow(); w.resize(1280, 720); w.show(); app.processEvents()\n"
    "print(f'shown={time.perf_counter() - T0} cpu={time.thread_time()}')\n"
)


def open_with_key(folder: Path) -> str:
    """The line that opens the encrypted store in ``folder`` with its kept key, as a sign-in would."""
    return f"store = Store.open({str(folder)!r}, key=bytes.fromhex({store_key(folder).hex()!r}))\n"


def ours(open_line: str) -> str:
    return (
        "import desktop_app.ui.app\n"
        "from PySide6.QtCore import QEventLoop, QTimer\n"
        "from PySide6.QtWidgets import QApplication\n"
        "from desktop_app.services.store import Store\n"
        "from desktop_app.ui.app import install_translations\n"
        "from desktop_app.ui.main_window import MainWindow\n"
        "app = QApplication([]); install_translations(app)\n"
        + open_line +
        "w = MainWindow(store); w.show(); app.processEvents()\n"
        "print(f'shown={time.perf_counter() - T0} cpu={time.thread_time()}')\n"
        "if w.overview.data is None:  # computed on a worker thread; wait without spinning\n"
        "    loop = QEventLoop(); w.overview.refreshed.connect(loop.quit); QTimer.singleShot(60000, loop.quit)\n"
        "    loop.exec()\n"
        "assert w.overview.data is not None, 'the overview never showed its figures'\n"
        "print(f'ready={time.perf_counter() - T0}')\n"
        "w.close(); store.close()\n"
    )


def timed(code: str) -> dict[str, float]:
    """Run ``code`` in a fresh interpreter; it prints ``name=seconds`` lines measured from its start.

    Both sides start from cached bytecode, as an installed program does (pip writes .pyc for the libraries,
    the frozen build carries ours): with PYTHONDONTWRITEBYTECODE set (this machine sets it) our modules were
    compiled from source at every start while the libraries' were cached.
    """
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["QT_QPA_PLATFORM"] = "offscreen"
    out = subprocess.run([sys.executable, "-c", "import time; T0 = time.perf_counter()\n" + code], check=True,
                         env=env, capture_output=True, text=True, timeout=300).stdout
    return {k: float(v) for k, v in (line.split("=") for line in out.split() if "=" in line)}
