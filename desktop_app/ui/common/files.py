"""Files where people look for them.

- Save and open dialogs start in the folder last used for that kind of file (exports, packages,
  backups, rosters, evidence …), else in the user's Documents folder, never in the program's folder.
- The removable drives that are plugged in (USB sticks) are offered as one-click choices.
- After a file is written the message says where, with a button that opens the folder.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QDateTime, QLocale, QSettings, QStandardPaths, QStorageInfo, QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QApplication,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMessageBox,
    QPushButton,
    QTreeView,
    QVBoxLayout,
    QWidget,
)

# Kinds of file, each remembering its own last folder.
EXPORTS, PACKAGES, BACKUPS, ROSTERS, EVIDENCE = "exports", "packages", "backups", "rosters", "evidence"

_settings: list[QSettings] = []


def use_settings(settings: QSettings | None) -> None:
    """Remember last folders in ``settings`` (the data folder's settings.ini, so portable mode keeps them)."""
    _settings[:] = [settings] if settings is not None else []


def documents() -> Path:
    location = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
    folder = Path(location) if location else Path.home()
    return folder if folder.is_dir() else Path.home()


def start_folder(kind: str) -> Path:
    """Where a dialog for ``kind`` starts: the folder last used for it, else Documents."""
    if _settings:
        last = _settings[0].value(f"last_folder/{kind}", "")
        if isinstance(last, str) and last and Path(last).is_dir():
            return Path(last)
    return documents()


def remember(kind: str, path: Path) -> None:
    folder = path if path.is_dir() else path.parent
    if _settings:
        _settings[0].setValue(f"last_folder/{kind}", str(folder))


def save_path(parent: QWidget | None, kind: str, title: str, suggested: str, name_filter: str) -> Path | None:
    """Ask where to save ``suggested`` (a file name); the dialog starts in the kind's folder."""
    name, _ = QFileDialog.getSaveFileName(parent, title, str(start_folder(kind) / Path(suggested).name), name_filter)
    if not name:
        return None
    remember(kind, Path(name))
    return Path(name)


def open_paths(parent: QWidget | None, kind: str, title: str, name_filter: str) -> list[Path]:
    names, _ = QFileDialog.getOpenFileNames(parent, title, str(start_folder(kind)), name_filter)
    if names:
        remember(kind, Path(names[0]))
    return [Path(n) for n in names]


def open_path(parent: QWidget | None, kind: str, title: str, name_filter: str, start: Path | None = None) -> Path | None:
    name, _ = QFileDialog.getOpenFileName(parent, title, str(start or start_folder(kind)), name_filter)
    if not name:
        return None
    remember(kind, Path(name))
    return Path(name)


def folder(parent: QWidget | None, kind: str, title: str) -> Path | None:
    name = QFileDialog.getExistingDirectory(parent, title, str(start_folder(kind)))
    if not name:
        return None
    remember(kind, Path(name))
    return Path(name)


# --- Qt's own file dialog ----------------------------------------------------------------------

def _detail_columns(dialog: QFileDialog) -> None:
    """Size the detail view's 大小, 类型 and 修改日期 columns to what they show (the date was cut);
    the name column takes the rest."""
    view = dialog.findChild(QTreeView, "treeView")
    if view is None:
        return
    header = view.header()
    metrics = view.fontMetrics()
    pad = 3 * metrics.horizontalAdvance("  ")
    sample_date = QLocale().toString(QDateTime.currentDateTime(), QLocale.FormatType.ShortFormat)
    samples = {1: "1023.9 KB", 2: "Microsoft Excel 工作表", 3: sample_date}
    model = view.model()
    for col, sample in samples.items():
        if model is None or col >= model.columnCount():
            continue
        title = str(model.headerData(col, header.orientation()) or "")
        wanted = max(metrics.horizontalAdvance(sample), header.fontMetrics().horizontalAdvance(title)) + pad
        header.setSectionResizeMode(col, QHeaderView.ResizeMode.Interactive)
        header.resizeSection(col, wanted)
    header.setStretchLastSection(False)
    header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
    width = sum(header.sectionSize(c) for c in samples) + 320
    if dialog.width() < width:
        dialog.resize(width, max(dialog.height(), 460))


_SIZED = "_baoxue_columns_sized"


def _focus_moved(_old: QWidget | None, new: QWidget | None) -> None:
    """Qt's own file dialog got the focus (it was opened): size its columns once."""
    dialog = new.window() if new is not None else None
    if isinstance(dialog, QFileDialog) and not dialog.property(_SIZED):
        dialog.setProperty(_SIZED, True)
        _detail_columns(dialog)


def size_file_dialogs(app: QApplication) -> None:
    """Size the columns of Qt's own file dialog (used where there is no native one, static
    getSaveFileName … included) when it opens; a focus signal, not an event filter on every event."""
    if not app.property("_baoxue_file_dialogs_sized"):
        app.setProperty("_baoxue_file_dialogs_sized", True)
        app.focusChanged.connect(_focus_moved)


# --- removable drives ---------------------------------------------------------------------------

@dataclass(frozen=True)
class Drive:
    """A plugged-in removable drive."""

    root: Path
    label: str
    free_bytes: int

    def caption(self) -> str:
        """``E:\\ 金士顿（可用 12.3 GB）``: what the one-click button says."""
        free = self.free_bytes / 1024 ** 3
        amount = f"{free:.1f} GB" if free >= 1 else f"{self.free_bytes / 1024 ** 2:.0f} MB"
        name = f" {self.label}" if self.label else ""
        return f"{self.root}{name}（可用 {amount}）"


def _is_removable(storage: QStorageInfo) -> bool:
    root = storage.rootPath()
    if sys.platform == "win32":
        import ctypes  # noqa: PLC0415 - when drives are listed, not at every start

        drive_removable = 2  # GetDriveTypeW: DRIVE_REMOVABLE (USB sticks, card readers)
        return bool(ctypes.windll.kernel32.GetDriveTypeW(root) == drive_removable)  # type: ignore[attr-defined]
    return root.startswith(("/media/", "/run/media/", "/Volumes/", "/mnt/"))


def removable_drives() -> list[Drive]:
    """The removable drives that are plugged in, ready and writable."""
    drives = []
    for storage in QStorageInfo.mountedVolumes():
        if not (storage.isValid() and storage.isReady()) or storage.isReadOnly() or storage.isRoot():
            continue
        if _is_removable(storage):
            drives.append(Drive(Path(storage.rootPath()), storage.name(), storage.bytesAvailable()))
    return drives


# --- after a file is written --------------------------------------------------------------------

def open_folder(path: Path) -> None:
    """Show the folder that holds ``path`` in the file manager."""
    target = path if path.is_dir() else path.parent
    QDesktopServices.openUrl(QUrl.fromLocalFile(str(target)))


def announce_written(parent: QWidget | None, title: str, text: str, path: Path) -> None:
    """Say where the file went, with a button that opens its folder (tests replace this)."""
    box = QMessageBox(QMessageBox.Icon.Information, title, text, QMessageBox.StandardButton.Ok, parent)
    open_button = box.addButton(box.tr("打开所在文件夹"), QMessageBox.ButtonRole.ActionRole)
    box.setDefaultButton(QMessageBox.StandardButton.Ok)
    box.exec()
    if box.clickedButton() is open_button:
        open_folder(path)


class DriveBar(QWidget):
    """The plugged-in removable drives, each with one-click buttons (export to it, import from it …).

    ``actions``: (button text, what to do with the drive's root folder). ``refresh()`` looks again;
    pages call it when they are shown.
    """

    def __init__(self, actions: list[tuple[str, Callable[[Path], object]]], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._actions = actions
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self.drives: list[Drive] = []
        self.buttons: dict[tuple[str, str], QPushButton] = {}  # (drive root, action text) → button
        self._rows: list[QWidget] = []
        self.refresh()

    def refresh(self) -> None:
        for row in self._rows:
            self._layout.removeWidget(row)
            row.hide()
            row.deleteLater()
        self._rows, self.buttons = [], {}
        self.drives = removable_drives()
        if not self.drives:
            row = QWidget(self)
            line = QHBoxLayout(row)
            line.setContentsMargins(0, 0, 0, 0)
            line.addWidget(QLabel(self.tr("U盘：未检测到（插上U盘后点“重新检测”）"), row))
            self._add_again(row, line)
            line.addStretch(1)
            self._layout.addWidget(row)
            row.show()
            self._rows.append(row)
            return
        for drive in self.drives:
            row = QWidget(self)
            line = QHBoxLayout(row)
            line.setContentsMargins(0, 0, 0, 0)
            line.addWidget(QLabel(self.tr("U盘 %1").replace("%1", drive.caption()), row))
            for text, action in self._actions:
                button = QPushButton(text, row)
                button.clicked.connect(lambda _c=False, a=action, r=drive.root: a(r))
                line.addWidget(button)
                self.buttons[(str(drive.root), text)] = button
            self._add_again(row, line)
            line.addStretch(1)
            self._layout.addWidget(row)
            row.show()
            self._rows.append(row)

    def _add_again(self, row: QWidget, line: QHBoxLayout) -> None:
        again = QPushButton(self.tr("重新检测"), row)
        again.clicked.connect(self.refresh)
        line.addWidget(again)
