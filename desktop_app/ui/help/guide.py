"""帮助 → 使用指南 (F1): the bundled Chinese guide in a QTextBrowser, opened at the section of the page in use."""

from __future__ import annotations

from PySide6.QtCore import QUrl
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QListWidget,
    QTextBrowser,
    QWidget,
)

from desktop_app.ui.help.screens import guide_dir

# (anchor in guide.html, heading): the tasks of the notice, in the order the work is done.
SECTIONS: tuple[tuple[str, str], ...] = (
    ("first_use", "第一次使用"),
    ("registration", "建档（一生一表）"),
    ("persuasion", "劝返与联合劝返"),
    ("closing", "销号与缓学"),
    ("census", "摸排核查与返校核查"),
    ("care", "特殊学生与送教上门"),
    ("printing", "打印与导出"),
    ("exchange", "数据交换"),
    ("backup", "备份与恢复"),
    ("district", "区教委督导"),
)

# The section F1 opens on each page of the navigation list (by the page's name there).
PAGE_SECTIONS: dict[str, str] = {
    "总览": "first_use", "台账": "registration", "区教委督导": "district",
    "摸排核查": "census", "返校核查": "census", "数据比对": "census",
    "特殊学生关爱": "care", "送教上门": "care", "数据交换": "exchange",
    "报表与打印": "printing", "设置": "backup", "账户": "first_use",
}

HELP_KEY = QKeySequence.StandardKey.HelpContents  # F1 (a QKeySequence needs the application first)


def guide_file() -> str:
    return str(guide_dir() / "guide.html")


class GuideDialog(QDialog):
    """The guide: the sections on the left, the text with its pictures on the right (not modal)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("使用指南"))
        layout = QHBoxLayout(self)
        self.contents = QListWidget(self)
        self.contents.setFixedWidth(170)
        self.contents.setStyleSheet("QListWidget::item { padding: 5px; }")
        for _anchor, heading in SECTIONS:
            self.contents.addItem(heading)
        self.browser = QTextBrowser(self)
        self.browser.setOpenExternalLinks(False)
        self.browser.setSearchPaths([str(guide_dir())])
        self.browser.setSource(QUrl.fromLocalFile(guide_file()))
        layout.addWidget(self.contents)
        layout.addWidget(self.browser, 1)
        self.contents.currentRowChanged.connect(lambda row: self.browser.scrollToAnchor(SECTIONS[row][0]))
        self.resize(1000, 660)

    def show_section(self, anchor: str) -> None:
        rows = [a for a, _h in SECTIONS]
        row = rows.index(anchor) if anchor in rows else 0
        if self.contents.currentRow() == row:
            self.browser.scrollToAnchor(anchor)
        else:
            self.contents.setCurrentRow(row)

    def current_section(self) -> str:
        """The anchor of the section at the top of the text (for tests and the contents list)."""
        row = self.contents.currentRow()
        return SECTIONS[row][0] if row >= 0 else ""


_open: list[GuideDialog] = []


def show_guide(parent: QWidget | None, anchor: str = "first_use") -> GuideDialog:
    """Open the guide (one window, reused) at ``anchor`` and bring it forward."""
    dialog = _open[0] if _open else None
    try:
        if dialog is not None:
            dialog.isVisible()  # raises once Qt deleted it
    except RuntimeError:
        dialog = None
    if dialog is None:
        dialog = GuideDialog(parent)
        _open[:] = [dialog]
        dialog.destroyed.connect(lambda _o=None: _open.clear())
    dialog.show()
    dialog.show_section(anchor)
    dialog.raise_()
    dialog.activateWindow()
    return dialog
