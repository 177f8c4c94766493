"""Files where people look for them: dialogs start in Documents or the last folder of that kind,
plugged-in USB drives are one click away, Qt's dialogs speak Chinese, a written file's folder opens."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QCoreApplication, QDateTime, QLibraryInfo, QLocale, QSettings, QTimer, QUrl
from PySide6.QtWidgets import QApplication, QFileDialog, QLineEdit, QMessageBox, QTreeView

from desktop_app.services import accounts
from desktop_app.services.store import Store
from desktop_app.ui import app as gui_app
from desktop_app.ui.common import files
from desktop_app.ui.exchange.page import ExchangePage, Pickers
from desktop_app.ui.main_window import MainWindow
from desktop_app.ui.settings.backup_box import BackupBox, FileChooser, PassphraseDialog


@pytest.fixture
def remembered(tmp_path: Path) -> QSettings:
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    files.use_settings(settings)
    yield settings
    files.use_settings(None)


def test_dialogs_start_in_documents_then_in_the_last_folder_of_their_kind(
        remembered: QSettings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    starts: list[str] = []
    target = tmp_path / "导出" / "台账.xlsx"
    target.parent.mkdir()

    def dialog(_parent, _title, start, _filter):  # noqa: ANN001, ANN202
        starts.append(start)
        return str(target), ""

    monkeypatch.setattr(QFileDialog, "getSaveFileName", dialog)
    assert files.save_path(None, files.EXPORTS, "导出", "台账.xlsx", "Excel (*.xlsx)") == target
    assert starts[0] == str(files.documents() / "台账.xlsx")  # the first time: Documents, not the program's folder
    files.save_path(None, files.EXPORTS, "导出", "月报.xlsx", "Excel (*.xlsx)")
    assert starts[1] == str(target.parent / "月报.xlsx")  # the folder last used for exports
    assert files.start_folder(files.PACKAGES) == files.documents()  # packages keep their own folder
    remembered.sync()
    again = QSettings(remembered.fileName(), QSettings.Format.IniFormat)
    assert again.value("last_folder/exports") == str(target.parent)


def test_a_removed_last_folder_falls_back_to_documents(remembered: QSettings, tmp_path: Path) -> None:
    gone = tmp_path / "拔掉的U盘"
    gone.mkdir()
    files.remember(files.PACKAGES, gone)
    assert files.start_folder(files.PACKAGES) == gone
    gone.rmdir()
    assert files.start_folder(files.PACKAGES) == files.documents()


def test_the_main_window_keeps_last_folders_with_the_data(qtbot, store: Store) -> None:  # noqa: ANN001
    window = MainWindow(store)
    qtbot.addWidget(window)
    files.remember(files.BACKUPS, store.data_dir)
    window.settings.sync()
    assert Path(str(QSettings(str(store.data_dir / "settings.ini"), QSettings.Format.IniFormat)
                    .value("last_folder/backups"))) == store.data_dir
    files.use_settings(None)


def _fake_drive(monkeypatch: pytest.MonkeyPatch, root: Path) -> files.Drive:
    drive = files.Drive(root, "金士顿", 8 * 1024 ** 3)
    monkeypatch.setattr(files, "removable_drives", lambda: [drive])
    return drive


def test_a_package_goes_to_a_plugged_in_drive_in_one_click(qtbot, pair, usb: Path, tmp_path: Path,  # noqa: ANN001
                                                           monkeypatch: pytest.MonkeyPatch, messages) -> None:
    school, _district = pair
    stick = tmp_path / "E盘"
    stick.mkdir()
    drive = _fake_drive(monkeypatch, stick)
    monkeypatch.setattr(Pickers, "folder", staticmethod(lambda *_a: pytest.fail("no folder dialog")))
    page = ExchangePage(school)
    qtbot.addWidget(page)
    page.refresh()
    assert drive.caption() == f"{stick} 金士顿（可用 8.0 GB）"
    button = page.drive_bar.buttons[(str(stick), "导出到此U盘")]
    button.click()
    qtbot.waitUntil(lambda: bool(messages.written), timeout=10_000)
    assert messages.written == [stick]
    assert list(stick.glob("*.bxpkg"))
    text = messages.texts("info")[-1]
    assert str(stick) in text and "可以安全拔出U盘" in text


def test_no_drive_says_how_to_get_one(qtbot, store: Store, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: ANN001
    from PySide6.QtWidgets import QLabel

    monkeypatch.setattr(files, "removable_drives", list)
    bar = files.DriveBar([("导出到此U盘", lambda _root: None)])
    qtbot.addWidget(bar)
    assert any("未检测到" in label.text() for label in bar.findChildren(QLabel))
    assert not bar.buttons


def test_a_backup_goes_to_a_plugged_in_drive_in_one_click(qtbot, store: Store, tmp_path: Path,  # noqa: ANN001
                                                          monkeypatch: pytest.MonkeyPatch, messages) -> None:
    accounts.create_account(store, "admin", "Mixin-2026!", "admin")  # beside the set-up's administrator
    accounts.sign_in(store, "admin", "Mixin-2026!")
    stick = tmp_path / "F盘"
    stick.mkdir()
    _fake_drive(monkeypatch, stick)
    monkeypatch.setattr(FileChooser, "folder", staticmethod(lambda *_a: pytest.fail("no folder dialog")))
    monkeypatch.setattr(PassphraseDialog, "ask", classmethod(lambda _cls, *_a, **_k: "backup-pass-2026"))
    box = BackupBox(store)
    qtbot.addWidget(box)
    box.drive_bar.buttons[(str(stick), "加密备份到此U盘")].click()
    qtbot.waitUntil(lambda: bool(messages.written), timeout=20_000)
    written = list(stick.glob("*.bxbak"))
    assert len(written) == 1 and messages.written == [written[0]]


def test_qt_dialogs_speak_chinese_even_when_qt_looks_elsewhere(qapp, monkeypatch: pytest.MonkeyPatch,  # noqa: ANN001
                                                              tmp_path: Path) -> None:
    monkeypatch.setattr(QLibraryInfo, "path", staticmethod(lambda _which: str(tmp_path)))
    assert gui_app.install_translations(qapp)
    assert QCoreApplication.translate("QFileDialog", "Look in:") == "查找范围："
    assert QCoreApplication.translate("QFileDialog", "Files of type:") == "文件类型："


def test_the_message_after_writing_opens_the_folder(qtbot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: ANN001
    opened: list[QUrl] = []
    monkeypatch.setattr(files.QDesktopServices, "openUrl", staticmethod(opened.append))
    path = tmp_path / "台账.xlsx"
    path.write_bytes(b"x")

    def click_open() -> None:
        box = QApplication.activeModalWidget()
        assert isinstance(box, QMessageBox)
        assert str(path) in box.text()
        button = next(b for b in box.buttons() if b.text() == "打开所在文件夹")
        button.click()

    QTimer.singleShot(50, click_open)
    files.announce_written(None, "已导出", f"已导出：\n{path}", path)
    assert opened == [QUrl.fromLocalFile(str(tmp_path))]


def test_looking_again_replaces_the_drive_rows(qtbot, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:  # noqa: ANN001
    from PySide6.QtWidgets import QLabel

    monkeypatch.setattr(files, "removable_drives", list)
    bar = files.DriveBar([("导出到此U盘", lambda _root: None)])
    qtbot.addWidget(bar)
    bar.show()
    bar.refresh()
    bar.refresh()
    shown = [label for label in bar.findChildren(QLabel) if label.isVisible()]
    assert len(shown) == 1
    _fake_drive(monkeypatch, tmp_path)
    bar.refresh()
    assert [label.text() for label in bar.findChildren(QLabel) if label.isVisible()] == [
        f"U盘 {tmp_path} 金士顿（可用 8.0 GB）"]


def test_qt_own_file_dialog_shows_the_whole_date(qtbot, tmp_path: Path) -> None:  # noqa: ANN001
    """Where there is no native dialog, Qt's own one opens with its 修改日期 column wide enough for the date."""
    (tmp_path / "台账.xlsx").write_bytes(b"x")
    files.size_file_dialogs(QApplication.instance())
    dialog = QFileDialog(None, "保存", str(tmp_path), "Excel (*.xlsx)")
    dialog.setOption(QFileDialog.Option.DontUseNativeDialog, True)
    dialog.setViewMode(QFileDialog.ViewMode.Detail)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.activateWindow()
    name_edit = dialog.findChild(QLineEdit, "fileNameEdit")
    name_edit.setFocus()
    qtbot.waitUntil(lambda: bool(dialog.property("_baoxue_columns_sized")), timeout=5000)
    view = dialog.findChild(QTreeView, "treeView")
    date_text = QLocale().toString(QDateTime.currentDateTime(), QLocale.FormatType.ShortFormat)
    assert view.header().sectionSize(3) >= view.fontMetrics().horizontalAdvance(date_text) + 12  # 110 px before: cut
    assert view.header().sectionSize(0) > 100  # the name keeps the rest
