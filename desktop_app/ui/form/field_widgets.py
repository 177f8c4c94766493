"""The input of a declared form field (desktop_app.domain.form_fields): made by its kind, read and
filled the same way whatever the field, so a field added to the declaration needs no code here."""

from __future__ import annotations

import datetime as dt
from typing import Any

from PySide6.QtWidgets import QCheckBox, QComboBox, QDateEdit, QLabel, QLineEdit, QPlainTextEdit, QWidget

from desktop_app.domain import form_fields as ff
from desktop_app.domain.contact import Address
from desktop_app.ui.form.address_edit import AddressEdit
from desktop_app.ui.widgets import from_qdate, make_combo, make_date_edit, set_combo_text, to_qdate


def make_input(field: ff.FormField, parent: QWidget) -> QWidget:
    """A new input for ``field`` (a label for a derived one)."""
    if not field.stored:
        return QLabel(parent)
    if field.kind in (ff.CHOICE, ff.EDITABLE_CHOICE):
        return make_combo(field.options, parent, editable=field.kind == ff.EDITABLE_CHOICE)
    if field.kind == ff.DATE:
        return make_date_edit(parent)
    if field.kind == ff.LONG_TEXT:
        edit = QPlainTextEdit(parent)
        edit.setTabChangesFocus(True)
        edit.setFixedHeight(70)
        return edit
    if field.kind == ff.ADDRESS:
        return AddressEdit(parent)
    if field.kind == ff.CHECK:
        return QCheckBox(parent)
    return QLineEdit(parent)


def set_value(widget: QWidget, value: Any) -> None:
    """Show ``value`` in an input made by ``make_input`` (or one of the same classes)."""
    if isinstance(widget, AddressEdit):
        widget.set_value(value if isinstance(value, Address) else Address())
    elif isinstance(widget, QComboBox):
        set_combo_text(widget, value or "")
    elif isinstance(widget, QDateEdit):
        if isinstance(value, dt.date):
            widget.setDate(to_qdate(value))
    elif isinstance(widget, QPlainTextEdit):
        widget.setPlainText(value or "")
    elif isinstance(widget, QCheckBox):
        widget.setChecked(bool(value))
    elif isinstance(widget, QLineEdit | QLabel):
        widget.setText("" if value is None else str(value))


def get_value(widget: QWidget) -> Any:
    """What the user entered in an input (text without surrounding blanks)."""
    if isinstance(widget, AddressEdit):
        return widget.value()
    if isinstance(widget, QComboBox):
        return widget.currentText().strip()
    if isinstance(widget, QDateEdit):
        return from_qdate(widget.date())
    if isinstance(widget, QPlainTextEdit):
        return widget.toPlainText().strip()
    if isinstance(widget, QCheckBox):
        return widget.isChecked()
    if isinstance(widget, QLineEdit):
        return widget.text().strip()
    return None
