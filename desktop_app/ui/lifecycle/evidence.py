"""佐证材料: thumbnails of the photos and scans attached to a case, opened full size on demand."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QAbstractListModel, QCoreApplication, QModelIndex, QPersistentModelIndex, QSize, Qt, QTimer, QUrl
from PySide6.QtGui import QColor, QDesktopServices, QFont, QImage, QPainter, QPixmap
from PySide6.QtWidgets import QDialog, QLabel, QScrollArea, QVBoxLayout, QWidget

from desktop_app.services import lifecycle, viewing
from desktop_app.services.store import Store
from desktop_app.ui.common import files

Index = QModelIndex | QPersistentModelIndex
THUMB = 96


def _placeholder(text: str) -> QPixmap:
    pixmap = QPixmap(THUMB, THUMB)
    pixmap.fill(QColor("#eeeeee"))
    painter = QPainter(pixmap)
    painter.setPen(QColor("#b00020"))
    font = QFont()
    font.setPointSize(16)
    font.setBold(True)
    painter.setFont(font)
    painter.drawText(pixmap.rect(), Qt.AlignmentFlag.AlignCenter, text)
    painter.end()
    return pixmap


class EvidenceModel(QAbstractListModel):
    """The evidence files of one case; thumbnails are made once per file."""

    EvidenceRole = Qt.ItemDataRole.UserRole + 1

    def __init__(self, store: Store, parent: Any = None) -> None:
        super().__init__(parent)
        self.store = store
        self._items: list[lifecycle.EvidenceInfo] = []
        self._thumbs: dict[str, QPixmap] = {}
        self._owners: dict[str, str] = {}

    def load(self, case_id: str | None) -> None:
        self.beginResetModel()
        self._items = lifecycle.evidence_list(self.store, case_id) if case_id else []
        self._owners = {oid: label for _t, oid, label in lifecycle.evidence_owners(self.store, case_id)} \
            if case_id else {}
        self.endResetModel()

    def item(self, row: int) -> lifecycle.EvidenceInfo:
        return self._items[row]

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(self._items)

    def _thumb(self, info: lifecycle.EvidenceInfo) -> QPixmap:
        if info.id not in self._thumbs:
            if info.media_type == "application/pdf":
                self._thumbs[info.id] = _placeholder("PDF")
            else:
                image = QImage.fromData(lifecycle.evidence_content(self.store, info.id))
                self._thumbs[info.id] = (
                    _placeholder("?") if image.isNull() else QPixmap.fromImage(image.scaled(
                        THUMB, THUMB, Qt.AspectRatioMode.KeepAspectRatio, Qt.TransformationMode.SmoothTransformation))
                )
        return self._thumbs[info.id]

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._items):
            return None
        info = self._items[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return info.caption or info.file_name
        if role == Qt.ItemDataRole.DecorationRole:
            return self._thumb(info)
        if role == Qt.ItemDataRole.ToolTipRole:
            return (f"{info.file_name}（{info.size / 1024:.0f} KB）\n附加于：{self._owners.get(info.owner_id, '')}"
                    f"\nSHA-256：{info.sha256}")
        if role == self.EvidenceRole:
            return info
        return None


class ImageViewer(QDialog):
    """A photo or scan at full size, scrollable."""

    def __init__(self, title: str, content: bytes, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        layout = QVBoxLayout(self)
        area = QScrollArea(self)
        self.label = QLabel(area)
        self.label.setPixmap(QPixmap.fromImage(QImage.fromData(content)))
        area.setWidget(self.label)
        layout.addWidget(area)
        self.resize(900, 680)


_janitor: QTimer | None = None
JANITOR_MS = 30_000


def _watch_copies() -> None:
    """Remove viewed copies once their reader lets go (every 30 s) and what is left at quit."""
    global _janitor
    app = QCoreApplication.instance()
    if _janitor is not None or app is None:
        return
    _janitor = QTimer(app)
    _janitor.setInterval(JANITOR_MS)
    _janitor.timeout.connect(viewing.release_idle)
    _janitor.start()
    app.aboutToQuit.connect(viewing.remove_all)


def open_full_size(store: Store, info: lifecycle.EvidenceInfo, parent: QWidget | None) -> QDialog | None:
    """Images open in a viewer; a PDF is copied to a private temporary file (removed when the reader
    lets go of it, or at quit) and opened by the system's reader."""
    content = lifecycle.evidence_content(store, info.id)
    if info.media_type == "application/pdf":
        path = viewing.write_for_viewing(info.file_name, content)
        _watch_copies()
        QDesktopServices.openUrl(QUrl.fromLocalFile(str(path)))
        return None
    viewer = ImageViewer(info.caption or info.file_name, content, parent)
    viewer.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    viewer.show()
    return viewer


class EvidencePicker:
    """Choosing files to attach (a class so tests can replace ``ask``)."""

    @staticmethod
    def ask(parent: QWidget | None) -> list[str]:
        chosen = files.open_paths(parent, files.EVIDENCE, parent.tr("选择佐证材料") if parent else "选择佐证材料",
                                  "照片或扫描件 (*.jpg *.jpeg *.png *.pdf)")
        return [str(p) for p in chosen]


ICON_SIZE = QSize(THUMB, THUMB)
