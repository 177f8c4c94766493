"""设置 is one long page in a scroll area full of number fields: turning the mouse wheel to scroll it must not change
a field the pointer happens to pass over (it did: 送教上门每次最少学时 went from 2 to 1 while scrolling down), while a
field clicked into still answers the wheel."""

from __future__ import annotations

from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QWheelEvent
from PySide6.QtWidgets import QApplication, QScrollArea, QWidget

from desktop_app.services.store import Store
from desktop_app.ui.settings.page import SettingsPage


def _wheel_down(widget: QWidget) -> bool:
    """One notch down onto ``widget``; whether it took the turn (Qt hands a turn not taken to the scroll area
    for a real wheel; a synthesized event like this one stops at the widget, so the scrolling itself was
    checked by hand under Xvfb)."""
    centre = QPointF(widget.width() / 2, widget.height() / 2)
    event = QWheelEvent(centre, QPointF(widget.mapToGlobal(centre.toPoint())), QPoint(0, 0), QPoint(0, -120),
                        Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier, Qt.ScrollPhase.NoScrollPhase, False)
    QApplication.sendEvent(widget, event)
    return event.isAccepted()


def test_the_wheel_scrolls_the_settings_page_past_a_field_without_changing_it(qtbot, store: Store) -> None:  # noqa: ANN001
    page = SettingsPage(store)
    qtbot.addWidget(page)
    page.resize(900, 400)  # smaller than the page: it scrolls
    page.show()
    qtbot.waitExposed(page)
    scroll = page.findChild(QScrollArea)
    assert scroll is not None and scroll.verticalScrollBar().maximum() > 0
    spin = next(s for s in page.business_box.spins.values() if s.value() > s.minimum())
    before = spin.value()
    assert not _wheel_down(spin)  # not taken: passed on to the page, which scrolls …
    assert spin.value() == before  # … and the field is not changed
    spin.setFocus()
    qtbot.waitUntil(spin.hasFocus)
    assert _wheel_down(spin)
    assert spin.value() == before - spin.singleStep()  # clicked into, the wheel still changes it
