"""帮助 → 关于 and `baoxue-cli about`: version, data folder, size, schema revision, node id, licences."""

from __future__ import annotations

import email.message
from pathlib import Path

import pytest

import desktop_app
from database import engine as db
from desktop_app import __version__, version_label
from desktop_app.cli import main as cli_main
from desktop_app.services import about, demo, paths


def test_info_describes_this_installation(store) -> None:  # noqa: ANN001
    demo.load(store, 5)
    info = about.info(store)
    inst = store.installation()
    assert info.version == version_label()
    assert info.data_dir == store.data_dir
    assert info.revision == db.head_revision()
    assert info.node_id == inst.node_id and len(info.node_id) == 36
    files = [store.path, Path(f"{store.path}-wal"), Path(f"{store.path}-shm")]
    assert info.store_bytes == sum(f.stat().st_size for f in files if f.exists()) > 0
    assert info.folder_bytes >= info.store_bytes
    assert not info.portable


def test_key_fingerprint_is_the_one_read_out_by_phone(store) -> None:  # noqa: ANN001
    from desktop_app.services import sync

    assert ("密钥指纹", sync.own_fingerprint(store)) in about.info(store).lines()


def test_more_identity_rows_can_join(store, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: ANN001
    monkeypatch.setattr(about, "IDENTITY_PROVIDERS", [])
    about.identity_provider(lambda s: [("区教委", "潼南区教委（500152）")])
    assert about.info(store).lines()[-1] == ("区教委", "潼南区教委（500152）")


def test_libraries_are_the_runtime_dependencies_with_their_licences() -> None:
    libs = {lib.name.lower().replace("_", "-"): lib for lib in about.libraries()}
    assert libs["sqlalchemy"].licence == "MIT"
    assert "LGPL" in libs["pyside6-essentials"].licence
    assert "python-stdnum" in libs and "reportlab" in libs and "python" in libs
    assert "mako" in libs  # alembic's dependency: dependencies are followed
    assert "pytest" not in libs and "hypothesis" not in libs  # test extras are not shipped


@pytest.mark.parametrize(("fields", "expected"), [
    ({"License-Expression": "MIT"}, "MIT"),
    ({"License": "BSD-3-Clause"}, "BSD-3-Clause"),
    ({"License": "A very long licence text\nwith many lines", "Classifier": "License :: OSI Approved :: MIT License"},
     "MIT License"),
    ({}, "未注明"),
])
def test_licence_names(fields: dict[str, str], expected: str) -> None:
    meta = email.message.Message()
    for key, value in fields.items():
        meta[key] = value
    assert about.licence_of(meta) == expected  # type: ignore[arg-type]


def test_font_licence_files_are_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fonts = tmp_path / "resources" / "fonts"
    fonts.mkdir(parents=True)
    (fonts / "wqy-microhei.ttc").write_bytes(b"\0")
    (fonts / "LICENSE-wqy-microhei.txt").write_text("Apache License 2.0", encoding="utf-8")
    monkeypatch.setattr(paths, "resources_dir", lambda: tmp_path / "resources")
    assert about.font_licences() == [("LICENSE-wqy-microhei.txt", "Apache License 2.0")]


def test_self_check_names_a_missing_file(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    assert about.self_check() == []
    monkeypatch.setattr(paths, "resources_dir", lambda: tmp_path / "nothing")
    monkeypatch.setattr(db, "migrations_dir", lambda: tmp_path / "nothing")
    problems = about.self_check()
    assert len(problems) == 2
    assert problems[0].startswith("数据库迁移脚本") and problems[1].startswith("程序图标")


def test_about_dialog_shows_the_installation_and_licences(qtbot, qtmodeltester, store, monkeypatch,  # noqa: ANN001
                                                          tmp_path: Path) -> None:
    from PySide6.QtGui import QGuiApplication

    from desktop_app.ui.about_dialog import AboutDialog
    from desktop_app.ui.main_window import MainWindow

    fonts = tmp_path / "resources" / "fonts"
    fonts.mkdir(parents=True)
    (fonts / "LICENSE").write_text("Apache License\nVersion 2.0", encoding="utf-8")
    monkeypatch.setattr(paths, "resources_dir", lambda: tmp_path / "resources")
    window = MainWindow(store)
    qtbot.addWidget(window)
    window.about_action.trigger()
    dialog = next(w for w in window.findChildren(AboutDialog) if w.isVisible())
    labels = dialog.value_labels
    assert labels["版本"].text() == version_label()
    assert __version__ in version_label()
    assert labels["数据文件夹"].text() == str(store.data_dir)
    assert labels["数据结构版本"].text() == db.head_revision()
    assert labels["节点编号"].text() == store.installation().node_id
    assert len(labels["密钥指纹"].text()) == 39  # 8 groups of 4 hex digits
    assert "KB" in labels["数据文件"].text()
    model = dialog.library_model
    qtmodeltester.check(model)
    names = [model.index(r, 0).data() for r in range(model.rowCount())]
    assert "SQLAlchemy" in names
    assert "Apache License" in dialog.font_licence.toPlainText()
    dialog.copy_button.click()
    assert store.installation().node_id in QGuiApplication.clipboard().text()
    dialog.close()


def test_cli_about_prints_the_same_facts(store, capsys: pytest.CaptureFixture[str]) -> None:  # noqa: ANN001
    node_id = store.installation().node_id
    store.close()
    assert cli_main(["--data-dir", str(store.data_dir), "about", "--licences"]) == 0
    out, err = capsys.readouterr()
    assert err == ""
    assert f"版本：{version_label()}" in out and f"节点编号：{node_id}" in out
    assert f"数据结构版本：{db.head_revision()}" in out
    assert "SQLAlchemy" in out


def test_version_label_names_the_release_date_or_says_unreleased(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(desktop_app, "RELEASE_DATE", "2026-12-15")
    assert version_label() == f"{__version__}（2026-12-15 发布）"
    monkeypatch.setattr(desktop_app, "RELEASE_DATE", None)
    assert version_label() == f"{__version__}（开发版，尚未发布）"
