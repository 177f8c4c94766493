"""Portable mode: a marker file beside the executable keeps data and settings beside it (a USB stick)."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from desktop_app.services import about, installation, paths
from desktop_app.services.store import Store
from tests.conftest import SCHOOL


@pytest.fixture
def usb(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A frozen Baoxue.exe on a USB stick, started without --data-dir or BAOXUE_DATA_DIR."""
    stick = tmp_path / "U盘" / "Baoxue"
    stick.mkdir(parents=True)
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.setattr(sys, "executable", str(stick / "Baoxue.exe"))
    monkeypatch.delenv(paths.DATA_DIR_ENV, raising=False)
    return stick


@pytest.fixture
def opened() -> Iterator[list[Store]]:
    stores: list[Store] = []
    yield stores
    for s in stores:
        s.close()


def open_store(opened: list[Store], data_dir: str | None = None) -> Store:
    s = Store.open(data_dir, user="周老师")
    opened.append(s)
    if s.installation() is None:
        installation.setup(s, SCHOOL)
    return s


def user_data_folder(tmp_path: Path) -> Path:
    return tmp_path / "xdg-data"  # XDG_DATA_HOME, set for every test in conftest


def test_marker_keeps_store_and_settings_beside_the_program(qtbot, usb: Path, opened, tmp_path: Path) -> None:  # noqa: ANN001
    from desktop_app.ui.main_window import MainWindow

    (usb / paths.PORTABLE_MARKER).write_text("", encoding="utf-8")
    store = open_store(opened)
    assert store.path == usb / "data" / paths.STORE_FILE and store.path.is_file()

    window = MainWindow(store)
    qtbot.addWidget(window)
    window.show()
    assert window.windowTitle() == "保学台账 — 潼南区米心镇中心小学（便携模式）"
    window.close()
    assert (usb / "data" / "settings.ini").is_file()
    assert not user_data_folder(tmp_path).exists()  # nothing left on the PC
    assert about.info(store).portable
    assert ("运行方式", "便携模式（数据在程序旁的 data 文件夹）") in about.info(store).lines()


def test_without_marker_the_user_data_folder_is_used(qtbot, usb: Path, opened, tmp_path: Path) -> None:  # noqa: ANN001
    from desktop_app.ui.main_window import MainWindow

    store = open_store(opened)
    assert store.data_dir == user_data_folder(tmp_path) / "Baoxue"
    assert not (usb / "data").exists()
    window = MainWindow(store)
    qtbot.addWidget(window)
    assert "便携模式" not in window.windowTitle()
    assert not about.info(store).portable


def test_data_dir_option_wins_over_the_marker(qtbot, usb: Path, opened, tmp_path: Path) -> None:  # noqa: ANN001
    from desktop_app.ui.main_window import MainWindow

    (usb / paths.PORTABLE_MARKER).write_text("", encoding="utf-8")
    store = open_store(opened, str(tmp_path / "elsewhere"))
    assert store.data_dir == tmp_path / "elsewhere"
    assert not (usb / "data").exists()
    window = MainWindow(store)
    qtbot.addWidget(window)
    assert "便携模式" not in window.windowTitle()


def test_resources_come_from_the_bundle_when_frozen(usb: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "_MEIPASS", str(usb / "_internal"), raising=False)
    assert paths.resources_dir() == usb / "_internal" / "resources"
