"""What the program is doing while it starts: a small splash with one line of status.

It imports nothing but PySide6 and our light top-level modules, so an entry point can show it
before the heavy imports (SQLAlchemy, the services) run; ``ui.app.main`` then updates the line for
the steps that can take longer than half a second (opening and upgrading the data file, the daily
backup, building the main window) and closes it when the window or a dialog appears.
"""

from __future__ import annotations

from typing import ClassVar

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtGui import QColor, QFont, QGuiApplication, QPainter, QPixmap
from PySide6.QtWidgets import QApplication, QSplashScreen, QWidget

from desktop_app import APP_NAME, __version__
from desktop_app.resources import resources_dir


class StartupStatus:
    """The start-up splash (at most one per process).

    ``show(text)`` shows the splash with ``text`` and paints it at once; ``hide()`` before a dialog
    the user must answer; ``finish(window)`` when the main window is up.
    """

    _current: ClassVar[StartupStatus | None] = None

    def __init__(self) -> None:
        ratio = QGuiApplication.primaryScreen().devicePixelRatio() if QGuiApplication.primaryScreen() else 1.0
        pixmap = QPixmap(int(440 * ratio), int(150 * ratio))
        pixmap.setDevicePixelRatio(ratio)
        pixmap.fill(QColor("#fdfdfd"))
        painter = QPainter(pixmap)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(QColor("#9e9e9e"))
        painter.drawRect(0, 0, 439, 149)
        try:
            icon = QPixmap(str(resources_dir() / "icons" / "baoxue.png"))
        except Exception:  # noqa: BLE001 - a missing icon must not stop the start
            icon = QPixmap()
        if not icon.isNull():
            painter.drawPixmap(20, 28, 64, 64, icon)
        title = QFont()
        title.setPointSize(18)
        painter.setFont(title)
        painter.setPen(QColor("#b00020"))
        painter.drawText(100, 30, 320, 40, int(Qt.AlignmentFlag.AlignVCenter), APP_NAME)
        small = QFont()
        small.setPointSize(9)
        painter.setFont(small)
        painter.setPen(QColor("#616161"))
        painter.drawText(100, 70, 320, 20, int(Qt.AlignmentFlag.AlignVCenter), f"版本 {__version__}")
        painter.end()
        self.splash = QSplashScreen(pixmap)
        self.message = ""

    @classmethod
    def current(cls) -> StartupStatus:
        """The process's splash, made on first use (a QApplication must exist)."""
        if cls._current is None:
            cls._current = StartupStatus()
        return cls._current

    @classmethod
    def started(cls) -> bool:
        return cls._current is not None

    def show(self, text: str) -> None:
        self.message = text
        self.splash.showMessage(text, int(Qt.AlignmentFlag.AlignBottom | Qt.AlignmentFlag.AlignHCenter),
                                QColor("#212121"))
        if not self.splash.isVisible():
            self.splash.show()
        QCoreApplication.processEvents()  # painted now: the next step blocks the event loop

    def hide(self) -> None:
        self.splash.hide()

    def finish(self, window: QWidget) -> None:
        self.splash.finish(window)
        self.message = ""
        StartupStatus._current = None

    @classmethod
    def close_current(cls) -> None:
        """The start ended without a main window (a refusal, a cancelled sign-in): no splash stays behind."""
        if cls._current is not None:
            cls._current.splash.close()
            cls._current.splash.deleteLater()
            cls._current = None


def early_splash(argv: list[str]) -> None:
    """For an entry point, before importing ``desktop_app.ui.app``: the QApplication and the splash."""
    app = QApplication.instance() or QApplication(argv)
    assert app is not None
    StartupStatus.current().show(QCoreApplication.translate("StartupStatus", "正在启动…"))
