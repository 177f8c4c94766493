"""The screens the user guide shows: how to reach each one, its picture, and what makes a picture current.

A picture is current while the screen still has the buttons, tabs, group titles and column
headings it had when the picture was taken. ``scripts/make_guide_screenshots.py`` takes the
pictures from the demonstration store and records each screen's fingerprint in
``resources/guide/images/manifest.json``; a test recomputes them and fails when a
screen the guide names has changed since its picture.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QCoreApplication, Qt, QThreadPool
from PySide6.QtWidgets import (
    QAbstractButton,
    QApplication,
    QGroupBox,
    QTableView,
    QTabWidget,
    QTreeView,
    QWidget,
)

from desktop_app.services import paths
from desktop_app.ui.common.prerequisite import PrerequisiteBanner

if TYPE_CHECKING:
    from desktop_app.ui.main_window import MainWindow

WINDOW_SIZE = (1366, 728)  # a 1366x768 screen less the Windows taskbar
SCHOOL = "school"
DISTRICT = "district"


def guide_dir() -> Path:
    return paths.resources_dir() / "guide"


def images_dir() -> Path:
    return guide_dir() / "images"


def manifest_path() -> Path:
    return images_dir() / "manifest.json"


def settle() -> None:
    """Let pages that load on a worker thread finish and paint."""
    for _ in range(3):
        QThreadPool.globalInstance().waitForDone(60_000)
        QCoreApplication.processEvents()


def _page(name: str) -> Callable[[MainWindow], QWidget]:
    def show(window: MainWindow) -> QWidget:
        window.show_page(name)
        return window

    return show


def _page_tab(name: str, tab: int) -> Callable[[MainWindow], QWidget]:
    def show(window: MainWindow) -> QWidget:
        window.show_page(name)
        tabs = window.pages[name].findChild(QTabWidget)
        if tabs is not None:
            tabs.setCurrentIndex(tab)
        return window

    return show


def _form_tab(tab: int) -> Callable[[MainWindow], QWidget]:
    def show(window: MainWindow) -> QWidget:
        window.show_page("台账")
        settle()
        dialog = window.open_case(window.ledger.model.case_id(0))
        dialog.tabs.setCurrentIndex(tab)
        return dialog

    return show


@dataclass(frozen=True)
class Screen:
    """One picture of the guide: ``images/<name>.png``."""

    name: str
    title: str
    kind: str
    show: Callable[[MainWindow], QWidget]

    @property
    def file(self) -> str:
        return f"images/{self.name}.png"

    @property
    def is_form(self) -> bool:
        """A picture of the registration form (its own window, FORM_SIZE) rather than of the main window."""
        return self.name.startswith("form_")


SCREENS: tuple[Screen, ...] = (
    Screen("overview", "总览", SCHOOL, _page("总览")),
    Screen("ledger", "台账", SCHOOL, _page("台账")),
    Screen("form_basic", "一生一表：基本信息", SCHOOL, _form_tab(0)),
    Screen("form_persuasion", "一生一表：核查劝返情况", SCHOOL, _form_tab(1)),
    Screen("form_case", "一生一表：案件处理", SCHOOL, _form_tab(2)),
    Screen("census", "摸排核查", SCHOOL, _page("摸排核查")),
    Screen("return_check", "返校核查", SCHOOL, _page("返校核查")),
    Screen("comparison", "数据比对", SCHOOL, _page("数据比对")),
    Screen("care", "特殊学生关爱", SCHOOL, _page("特殊学生关爱")),
    Screen("home_teaching", "送教上门", SCHOOL, _page("送教上门")),
    Screen("exchange", "数据交换", SCHOOL, _page("数据交换")),
    Screen("reports", "报表与打印", SCHOOL, _page("报表与打印")),
    Screen("settings", "设置", SCHOOL, _page("设置")),
    Screen("district_schools", "区教委督导：各校情况", DISTRICT, _page_tab("区教委督导", 0)),
    Screen("district_ledger", "区教委督导：全区台账", DISTRICT, _page_tab("区教委督导", 1)),
    Screen("district_approvals", "区教委督导：缓学审批", DISTRICT, _page_tab("区教委督导", 2)),
)


def screen(name: str) -> Screen:
    return next(s for s in SCREENS if s.name == name)


def _visible_part(widget: QWidget) -> QWidget:
    """The main window's current page, or the dialog itself."""
    stack = getattr(widget, "stack", None)
    return stack.currentWidget() if stack is not None else widget


def _in_banner(widget: QWidget, root: QWidget) -> bool:
    node: QWidget | None = widget
    while node is not None and node is not root:
        if isinstance(node, PrerequisiteBanner):
            return True
        node = node.parentWidget()
    return False


def structure(widget: QWidget) -> list[str]:
    """What the guide's picture of a screen shows that does not depend on the data in it."""
    root = _visible_part(widget)
    items: list[str] = []
    for child in root.findChildren(QWidget):
        if not child.isVisibleTo(root) or _in_banner(child, root):
            continue  # not in the picture (a banner comes and goes with the data)
        if isinstance(child, QAbstractButton) and child.text():
            items.append(f"button:{child.text()}")
        elif isinstance(child, QGroupBox):
            items.append(f"group:{child.title()}")
        elif isinstance(child, QTabWidget):
            items.extend(f"tab:{child.tabText(i)}" for i in range(child.count()))
        elif isinstance(child, QTableView | QTreeView) and child.model() is not None:
            header = child.horizontalHeader() if isinstance(child, QTableView) else child.header()
            items.extend(
                f"column:{header.model().headerData(c, Qt.Orientation.Horizontal)}" for c in range(header.count())
            )
    return sorted(_without_counts(item) for item in items)


def _without_counts(text: str) -> str:
    """Counts on buttons and tabs are data, not the screen: 缓学审批（3） and 缓学审批 are one tab."""
    return re.sub(r"[（(]#[^）)]*[）)]", "", re.sub(r"\d+", "#", text)).strip()


def fingerprint(widget: QWidget) -> str:
    return hashlib.sha256("\n".join(structure(widget)).encode("utf-8")).hexdigest()[:16]


def changes(name: str, now: list[str]) -> list[str]:
    """What differs between a screen now and its picture (``-`` gone, ``+`` new); empty when current."""
    before = read_manifest().get(name)
    if before is None:
        return ["（没有记录：这张图还没有由脚本生成）"]
    return [f"-{x}" for x in before if x not in now] + [f"+{x}" for x in now if x not in before]


def take(window: MainWindow, item: Screen) -> tuple[QWidget, list[str]]:
    """Show a screen and return it with its structure; the caller grabs or checks it."""
    shown = item.show(window)
    if item.is_form:
        shown.resize(*FORM_SIZE)
    settle()
    QApplication.processEvents()
    return shown, structure(shown)


FORM_SIZE = (1080, 700)


def read_manifest() -> dict[str, list[str]]:
    try:
        return dict(json.loads(manifest_path().read_text(encoding="utf-8")))
    except (OSError, ValueError):
        return {}
