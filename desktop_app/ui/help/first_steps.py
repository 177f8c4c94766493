"""The first steps after set-up, in a panel above the pages until the user dismisses it."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

# (step, what to do, button text, action key) for a school and for the district office.
SCHOOL_STEPS: tuple[tuple[str, str, str, str], ...] = (
    ("1. 核对本机单位", "单位名称、学校标识码、联系人已在首次设置中填好，可在“设置”中修改，并填好当前学期。",
     "打开设置", "settings"),
    ("2. 导入登记包", "把区教委送来的登记包（U盘上的 .bxpkg 文件）导入本机，之后才能报送数据。",
     "去数据交换", "exchange"),
    ("3. 建第一件案件", "照纸质的一生一表填写并保存。", "新建案件", "new_case"),
    ("4. 备份到U盘", "插上U盘，把台账加密备份上去；以后每周至少一次。", "备份到U盘…", "backup"),
)
DISTRICT_STEPS: tuple[tuple[str, str, str, str], ...] = (
    ("1. 核对本机单位", "区教委名称和代码已在首次设置中填好，可在“设置”中修改。", "打开设置", "settings"),
    ("2. 登记学校", "为每所学校生成登记包，用U盘交给学校导入。", "去数据交换", "exchange"),
    ("3. 导入学校的数据包", "学校报送的数据包在“数据交换”中导入；第一次导入前与学校电话核对密钥指纹。",
     "去数据交换", "exchange"),
    ("4. 备份到U盘", "插上U盘，把台账加密备份上去；以后每周至少一次。", "备份到U盘…", "backup"),
)


class FirstStepsPanel(QFrame):
    """What to do first, each step with the button that does it.

    Signals:
        dismissed(): the user closed the panel for good.
        guide(): the user asked for the guide's 第一次使用 section.
    """

    dismissed = Signal()
    guide = Signal()

    def __init__(self, actions: Mapping[str, Callable[[], object]], district: bool = False,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("firstSteps")
        self.setStyleSheet("#firstSteps { background: #fff8e1; border: 1px solid #e0c080; border-radius: 4px; }")
        layout = QVBoxLayout(self)
        top = QHBoxLayout()
        title = QLabel(self.tr("<b>欢迎使用！第一次使用请按下面的顺序做：</b>"), self)
        self.guide_button = QPushButton(self.tr("使用指南（F1）"), self)
        self.close_button = QPushButton(self.tr("知道了，不再显示"), self)
        top.addWidget(title, 1)
        top.addWidget(self.guide_button)
        top.addWidget(self.close_button)
        layout.addLayout(top)
        grid = QGridLayout()
        grid.setColumnStretch(1, 1)
        self.buttons: dict[str, QPushButton] = {}
        for row, (step, text, button_text, key) in enumerate(DISTRICT_STEPS if district else SCHOOL_STEPS):
            grid.addWidget(QLabel(f"<b>{step}</b>", self), row, 0)
            label = QLabel(text, self)
            label.setWordWrap(True)
            grid.addWidget(label, row, 1)
            button = QPushButton(button_text, self)
            action = actions[key]
            button.clicked.connect(lambda _c=False, a=action: a())
            grid.addWidget(button, row, 2)
            self.buttons[step] = button
        layout.addLayout(grid)
        self.close_button.clicked.connect(self._dismiss)
        self.guide_button.clicked.connect(self.guide.emit)

    def _dismiss(self) -> None:
        self.hide()
        self.dismissed.emit()
