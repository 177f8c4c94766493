"""Typing into widgets as a user does, including Chinese through an input method."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication
from PySide6.QtGui import QInputMethodEvent
from PySide6.QtWidgets import QComboBox, QLineEdit, QPlainTextEdit, QWidget


def commit_text(widget: QWidget, text: str) -> None:
    """Commit text the way an input method does (keyClicks with Chinese aborts offscreen Qt)."""
    widget.setFocus()
    event = QInputMethodEvent()
    event.setCommitString(text)
    QCoreApplication.sendEvent(widget, event)


def type_into(qtbot, widget: QWidget, text: str) -> None:  # noqa: ANN001
    """Clear a field and type ``text``: ASCII as key clicks, the rest through the input method."""
    if isinstance(widget, QLineEdit):
        widget.selectAll()
        widget.del_() if widget.hasSelectedText() else None
    elif isinstance(widget, QPlainTextEdit):
        widget.clear()
    chunk = ""
    for ch in text:
        if ch.isascii():
            chunk += ch
            continue
        if chunk:
            qtbot.keyClicks(widget, chunk)
            chunk = ""
        commit_text(widget, ch)
    if chunk:
        qtbot.keyClicks(widget, chunk)


def choose(combo: QComboBox, text: str) -> None:
    """Pick an entry of a combo box as a user does from its list."""
    index = combo.findText(text)
    assert index >= 0, f"{text!r} is not offered in the list"
    combo.setCurrentIndex(index)
    combo.activated.emit(index)
