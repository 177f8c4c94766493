"""帮助 → 关于: version, data folder, store size, schema revision, node identity, licences."""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt, QUrl
from PySide6.QtGui import QDesktopServices, QGuiApplication
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from desktop_app import APP_NAME, version_label
from desktop_app.services import about
from desktop_app.services.store import Store
from desktop_app.ui.common.table_model import TableModel

AnyIndex = QModelIndex | QPersistentModelIndex


class LibraryModel(TableModel[about.Library]):
    """The libraries the program runs on: name, version, licence."""

    HEADERS = ("名称", "版本", "许可证")
    TIPS = True

    def __init__(self, libraries: list[about.Library], parent: QWidget | None = None) -> None:
        super().__init__(parent, libraries)

    def display(self, row: about.Library, column: int, position: int) -> object:
        return (row.name, row.version, row.licence)[column]


class AboutDialog(QDialog):
    def __init__(self, store: Store, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.store = store
        self.info = about.info(store)
        self.setWindowTitle(self.tr("关于%1").replace("%1", APP_NAME))
        self.resize(680, 540)
        layout = QVBoxLayout(self)

        head = QHBoxLayout()
        icon = QLabel(self)
        icon.setPixmap(QGuiApplication.windowIcon().pixmap(64, 64))
        head.addWidget(icon)
        title = QLabel(self.tr("<b style='font-size:16pt'>%1</b><br>版本 %2<br>义务教育控辍保学工作台账")
                       .replace("%1", APP_NAME).replace("%2", version_label()), self)
        head.addWidget(title, 1)
        layout.addLayout(head)

        self.tabs = QTabWidget(self)
        self.tabs.addTab(self._info_tab(), self.tr("本机"))
        self.tabs.addTab(self._licence_tab(), self.tr("许可证"))
        layout.addWidget(self.tabs, 1)

        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        self.copy_button = buttons.addButton(self.tr("复制以上信息"), QDialogButtonBox.ButtonRole.ActionRole)
        self.copy_button.clicked.connect(self.copy_info)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    def _info_tab(self) -> QWidget:
        page = QWidget(self)
        form = QFormLayout(page)
        self.value_labels: dict[str, QLabel] = {}
        for label, value in self.info.lines():
            field = QLabel(value, page)
            field.setWordWrap(True)
            field.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            form.addRow(self.tr(label) + "：", field)
            self.value_labels[label] = field
        if self.info.identity:
            note = QLabel(self.tr("登记学校或导入登记包时，双方在电话里核对密钥指纹。"), page)
            note.setWordWrap(True)
            note.setStyleSheet("color: #666;")
            form.addRow("", note)
        open_folder = QPushButton(self.tr("打开数据文件夹"), page)
        open_folder.clicked.connect(
            lambda: QDesktopServices.openUrl(QUrl.fromLocalFile(str(self.info.data_dir)))
        )
        row = QHBoxLayout()
        row.addWidget(open_folder)
        row.addStretch(1)
        form.addRow("", row)
        return page

    def _licence_tab(self) -> QWidget:
        page = QWidget(self)
        layout = QVBoxLayout(page)
        layout.addWidget(QLabel(self.tr("本程序使用的开源组件："), page))
        self.library_model = LibraryModel(about.libraries(), page)
        self.library_view = QTableView(page)
        self.library_view.setModel(self.library_model)
        self.library_view.verticalHeader().hide()
        self.library_view.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 6)
        self.library_view.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
        header = self.library_view.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        layout.addWidget(self.library_view, 3)
        layout.addWidget(QLabel(self.tr("内置字体的许可证："), page))
        self.font_licence = QPlainTextEdit(page)
        self.font_licence.setReadOnly(True)
        fonts = about.font_licences()
        self.font_licence.setPlainText(
            "\n\n".join(f"【{name}】\n{text}" for name, text in fonts) if fonts else self.tr("本程序未附带字体。")
        )
        layout.addWidget(self.font_licence, 2)
        return page

    def text(self) -> str:
        """The information as plain text (what 复制 puts on the clipboard)."""
        return "\n".join(f"{label}：{value}" for label, value in self.info.lines())

    def copy_info(self) -> None:
        QGuiApplication.clipboard().setText(self.text())
