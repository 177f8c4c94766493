"""A structured address: province, city, county, township and detail."""

from __future__ import annotations

from PySide6.QtWidgets import QHBoxLayout, QLineEdit, QWidget

from desktop_app.domain.contact import Address


class AddressEdit(QWidget):
    """Five line edits in the order of the official form's example."""

    WIDTHS = {"province": 90, "city": 90, "county": 90, "township": 110}

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.edits: dict[str, QLineEdit] = {}
        for part in Address.PARTS:
            edit = QLineEdit(self)
            edit.setPlaceholderText(Address.LABELS[part])
            edit.setToolTip(Address.LABELS[part])
            if part in self.WIDTHS:
                edit.setMaximumWidth(self.WIDTHS[part] + 30)
            layout.addWidget(edit, 2 if part == "detail" else 1)
            self.edits[part] = edit

    def value(self) -> Address:
        return Address(**{p: e.text() for p, e in self.edits.items()})

    def set_value(self, address: Address) -> None:
        for part, edit in self.edits.items():
            edit.setText(getattr(address, part))
