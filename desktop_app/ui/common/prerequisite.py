"""A step that must come first, said on the page before anything is asked, with the button that does it."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QWidget

from desktop_app.domain.semester import default_span
from desktop_app.services import semesters, settings
from desktop_app.services.store import Store


class PrerequisiteBanner(QFrame):
    """Hidden while nothing is missing; else one sentence and one button (``need``/``clear``)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("prerequisite")
        self.setStyleSheet("#prerequisite { background: #fff3cd; border: 1px solid #e0b040; border-radius: 4px; }")
        layout = QHBoxLayout(self)
        self.label = QLabel(self)
        self.label.setWordWrap(True)
        self.button = QPushButton(self)
        layout.addWidget(self.label, 1)
        layout.addWidget(self.button)
        self._action: Callable[[], object] | None = None
        self.button.clicked.connect(lambda: self._action() if self._action else None)
        self.hide()

    def need(self, text: str, button_text: str, action: Callable[[], object]) -> None:
        self.label.setText(text)
        self.button.setText(button_text)
        self._action = action
        self.show()

    def clear(self) -> None:
        self._action = None
        self.hide()

    @property
    def needed(self) -> bool:
        return not self.isHidden()


def show_page(widget: QWidget, name: str) -> None:
    """Show another page of the main window (a page's way to its prerequisite)."""
    window = widget.window()
    if hasattr(window, "show_page"):
        window.show_page(name)


def semester_confirmed(store: Store) -> bool:
    """Whether the current semester was chosen in 设置 or has real dates (the district's calendar brings
    them); until then it is only today's, with default dates."""
    if settings.get(store, settings.CURRENT_SEMESTER.key):
        return True
    name = semesters.current_name(store)
    span = next((s for s in semesters.all_semesters(store) if s.name == name), None)
    default = default_span(name)
    return span is not None and (span.start, span.end) != (default.start, default.end)


def need_semester(banner: PrerequisiteBanner, page: QWidget, store: Store) -> bool:
    """Say on ``banner`` that the semester is confirmed in 设置 first; False (and the banner hidden) when it is."""
    if semester_confirmed(store):
        banner.clear()
        return False
    banner.need(
        banner.tr("当前学期按今天推算为%1，开学和结束日期还没有确认。请先在“设置 → 学期与摸排”中确认当前学期。")
        .replace("%1", semesters.current_name(store)),
        banner.tr("去设置学期"), lambda: show_page(page, "设置"))
    return True
