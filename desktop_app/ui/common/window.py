"""Windows that fit the screen they open on, and a status-bar label that elides."""

from __future__ import annotations

from PySide6.QtCore import QByteArray, QRect, QSize, Qt
from PySide6.QtGui import QGuiApplication, QPainter, QPaintEvent
from PySide6.QtWidgets import QLabel, QSizePolicy, QWidget

FRAME = QSize(16, 40)  # the window manager's border and title bar, before the window is shown


def fit_rect(available: QRect, wanted: QSize, frame: QSize = FRAME) -> QRect:
    """The client rectangle of a window of ``wanted`` size, shrunk and moved so that with its frame it
    lies inside ``available`` (a screen less its taskbar), centred."""
    width = min(wanted.width(), available.width() - frame.width())
    height = min(wanted.height(), available.height() - frame.height())
    left = available.left() + (available.width() - width) // 2
    top = available.top() + (available.height() - height - frame.height()) // 2 + frame.height() - 8
    return QRect(left, max(top, available.top()), width, height)


def place(window: QWidget, wanted: QSize, saved: object = None) -> None:
    """Open ``window`` where it was last (``saved``: its saveGeometry), kept inside the screen's
    available area; else at ``wanted`` size, centred, shrunk to fit."""
    screen = window.screen() or QGuiApplication.primaryScreen()
    available = screen.availableGeometry() if screen is not None else QRect(0, 0, 1366, 728)
    if isinstance(saved, QByteArray) and window.restoreGeometry(saved):
        frame = window.frameGeometry() if window.isVisible() else window.geometry().adjusted(0, -32, 0, 0)
        if available.contains(frame.topLeft()) and frame.width() <= available.width() \
                and frame.height() <= available.height():
            return  # where the user left it (a removed second screen or a smaller one: placed again)
    window.setGeometry(fit_rect(available, wanted))


class ElidedLabel(QLabel):
    """A one-line label that shows ``…`` in the middle of a text too long for it, the whole text as tooltip."""

    def __init__(self, parent: QWidget | None = None, mode: Qt.TextElideMode = Qt.TextElideMode.ElideMiddle) -> None:
        super().__init__(parent)
        self._mode = mode
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.setMinimumWidth(40)

    def setText(self, text: str) -> None:  # noqa: N802
        super().setText(text)
        self.setToolTip(text)
        self.updateGeometry()

    def sizeHint(self) -> QSize:  # noqa: N802
        hint = super().sizeHint()
        return QSize(min(hint.width(), 640), hint.height())

    def shown_text(self) -> str:
        return self.fontMetrics().elidedText(self.text(), self._mode, max(self.contentsRect().width(), 0))

    def paintEvent(self, _event: QPaintEvent) -> None:  # noqa: N802
        painter = QPainter(self)
        painter.drawText(self.contentsRect(), int(self.alignment() | Qt.AlignmentFlag.AlignVCenter), self.shown_text())
