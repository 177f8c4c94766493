"""Small shared widgets: field error labels, message helpers, a date edit that may be empty."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QDate, QEvent, QObject, Qt
from PySide6.QtWidgets import (
    QAbstractSpinBox,
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QMessageBox,
    QWidget,
)

from desktop_app.domain.errors import BaoxueError, ValidationError

ERROR_STYLE = "color: #b00020;"


def fill(template: str, *values: object) -> str:
    """``template`` (a translated sentence) with %1, %2 … replaced by ``values`` in one pass, so a value that
    itself holds "%2" (a percent-encoded server address, a folder name) is shown as it is."""

    def value(match: re.Match[str]) -> str:
        number = int(match.group(1))
        return str(values[number - 1]) if 0 < number <= len(values) else match.group(0)

    return re.sub(r"%(\d)", value, template)


class _WheelGuard(QObject):
    """Wheel turns over a spin box or a drop-down that has no focus scroll the page instead of changing it."""

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt's name
        if event.type() == QEvent.Type.Wheel and isinstance(watched, QWidget) and not watched.hasFocus():
            event.ignore()  # handled here, not accepted: QApplication passes it on to the scrolling parent
            return True
        return False


def guard_wheel(root: QWidget) -> None:
    """Every spin box, date field and drop-down under ``root`` (a long page in a scroll area) changes with the
    wheel only once clicked into, so scrolling the page past one never changes a value unnoticed."""
    guard = _WheelGuard(root)
    for widget in (*root.findChildren(QAbstractSpinBox), *root.findChildren(QComboBox)):
        widget.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        widget.installEventFilter(guard)


class ErrorLabel(QLabel):
    """A red message shown under a field; hidden while there is nothing to say."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setStyleSheet(ERROR_STYLE)
        self.setWordWrap(True)
        self.hide()

    def show_messages(self, messages: list[str]) -> None:
        self.setText("\n".join(messages))
        self.setVisible(bool(messages))


def messages_of(exc: BaoxueError) -> list[str]:
    """The sentences to show for a refused save: every field problem, or the one message."""
    return [e.message for e in exc.errors] if isinstance(exc, ValidationError) else [str(exc)]


def to_qdate(value: dt.date | None) -> QDate:
    return QDate(value.year, value.month, value.day) if value else QDate()


def from_qdate(value: QDate) -> dt.date | None:
    return dt.date(value.year(), value.month(), value.day()) if value.isValid() else None


def make_date_edit(parent: QWidget | None = None, value: dt.date | None = None) -> QDateEdit:
    edit = QDateEdit(parent)
    edit.setCalendarPopup(True)
    edit.setDisplayFormat("yyyy-MM-dd")
    edit.setMinimumDate(QDate(1990, 1, 1))
    edit.setMaximumDate(QDate(2100, 12, 31))
    edit.setDate(to_qdate(value or dt.date.today()))
    return edit


def make_combo(items: tuple[str, ...] | list[str], parent: QWidget | None = None, *, blank: bool = True,
               editable: bool = False) -> QComboBox:
    combo = QComboBox(parent)
    if blank:
        combo.addItem("")
    combo.addItems(list(items))
    combo.setEditable(editable)
    combo.setMaxVisibleItems(20)
    return combo


def set_combo_text(combo: QComboBox, text: str) -> None:
    index = combo.findText(text, Qt.MatchFlag.MatchExactly)
    if index >= 0:
        combo.setCurrentIndex(index)
    elif combo.isEditable():
        combo.setEditText(text)
    else:
        combo.setCurrentIndex(0)


def ok_cancel_buttons(dialog: QDialog, on_accept: Callable[[], None], *, ok_text: str = "",
                      cancel_text: str = "") -> QDialogButtonBox:
    """The 确定/取消 row of a dialog: OK runs ``on_accept`` (which accepts when the input is right),
    Cancel rejects."""
    buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, dialog)
    if ok_text:
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText(ok_text)
    if cancel_text:
        buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(cancel_text)
    buttons.accepted.connect(on_accept)
    buttons.rejected.connect(dialog.reject)
    return buttons


class Messages:
    """Message boxes, in one place so tests can replace them."""

    @staticmethod
    def error(parent: QWidget | None, title: str, text: str) -> None:
        QMessageBox.critical(parent, title, text)

    @staticmethod
    def info(parent: QWidget | None, title: str, text: str) -> None:
        QMessageBox.information(parent, title, text)

    @staticmethod
    def written(parent: QWidget | None, title: str, text: str, path: Path) -> None:
        """A file was written: say where, with a button that opens its folder."""
        from desktop_app.ui.common.files import announce_written

        announce_written(parent, title, text, Path(path))

    @staticmethod
    def confirm(parent: QWidget | None, title: str, text: str) -> bool:
        answer = QMessageBox.question(
            parent, title, text,
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No, QMessageBox.StandardButton.No,
        )
        return answer == QMessageBox.StandardButton.Yes
