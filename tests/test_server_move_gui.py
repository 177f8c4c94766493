"""设置 → 台账存放位置 → 迁移到数据库服务器 (a district administrator), against the throw-away cluster of
``tests/pg_cluster.py``: the address checked first, a confirmation, the move with its progress, the explanation,
and this PC switched to the server."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QProgressDialog, QPushButton
from sqlalchemy import make_url, select, text
from sqlalchemy.orm import Session

from database.models import AuditEntry
from desktop_app.domain.errors import PermissionDenied, ValidationError
from desktop_app.domain.roles import Role
from desktop_app.services import encryption, server, server_migration
from desktop_app.services.store import Actor, Store
from desktop_app.ui.settings import server_move
from desktop_app.ui.settings.page import SettingsPage
from desktop_app.ui.settings.server_move import MoveToServerDialog
from desktop_app.ui.widgets import Messages
from tests.helpers.accounts import ADMIN_PASSWORD, sign_in_as
from tests.helpers.qt import type_into
from tests.sync_helpers import dump, make_district

ADMIN = "督导员"  # the district's first administrator in make_district


def _fill(qtbot, dialog: MoveToServerDialog, pg_url: str, database: str | None = None) -> None:  # noqa: ANN001
    url = make_url(pg_url)
    type_into(qtbot, dialog.fields.host_edit, str(url.query["host"]))  # the cluster's socket folder
    type_into(qtbot, dialog.fields.database_edit, database or str(url.database))
    type_into(qtbot, dialog.fields.user_edit, str(url.username))


def _click(qtbot, button) -> None:  # noqa: ANN001
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def _tables(pg_url: str) -> list[str]:
    engine = server_migration.server_engine(pg_url)
    try:
        with engine.connect() as conn:
            return sorted(conn.execute(text("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")).scalars())
    finally:
        engine.dispose()


def test_a_district_administrator_moves_the_ledger_to_the_server(qtbot, tmp_path: Path, pg_url: str) -> None:  # noqa: ANN001
    folder = tmp_path / "district"
    district = make_district(folder)
    page = SettingsPage(district)
    qtbot.addWidget(page)
    page.show()
    box = page.location_box
    assert box.isVisibleTo(page) and box.move_button.isEnabled()
    assert "本机加密数据文件" in box.where.text() and str(district.path) in box.where.text()
    _click(qtbot, box.move_button)
    dialog = box.dialog
    assert dialog is not None and dialog.pages.currentIndex() == dialog.ADDRESS

    # a database the server does not have: one Chinese line, still on the address, nothing written
    _fill(qtbot, dialog, pg_url, database="no_such_database")
    _click(qtbot, dialog.check_button)
    qtbot.waitUntil(lambda: dialog.address_errors.isVisibleTo(dialog), timeout=20000)
    assert "服务器上没有这个数据库" in dialog.address_errors.text() and "Traceback" not in dialog.address_errors.text()
    assert dialog.pages.currentIndex() == dialog.ADDRESS and not district.is_server

    # the right one: checked, then told what will happen before anything is written
    _fill(qtbot, dialog, pg_url)
    _click(qtbot, dialog.check_button)
    qtbot.waitUntil(lambda: dialog.pages.currentIndex() == dialog.CONFIRM, timeout=20000)
    assert not dialog.address_errors.isVisibleTo(dialog)
    assert "本机数据文件" in dialog.confirm_text.text() and "条历史记录" in dialog.confirm_text.text()
    assert "保持为空" in dialog.confirm_text.text() and _tables(pg_url) == []

    _click(qtbot, dialog.start_button)
    qtbot.waitUntil(lambda: dialog.pages.currentIndex() == dialog.DONE, timeout=120000)
    shown = dialog.done_text.text()
    assert "已迁移到" in shown and "逐行核对一致" in shown and "校验通过" in shown and "记入服务器上的历史记录" in shown
    assert not district.is_server  # not switched until asked
    engine = server_migration.server_engine(pg_url)
    try:
        with Session(engine) as session:  # the server's history ends with the move, by this administrator
            last = session.execute(select(AuditEntry).order_by(AuditEntry.id.desc()).limit(1)).scalar_one()
        assert (last.field, last.user) == (server_migration.MOVED_TO_SERVER, ADMIN)
        assert str(district.path) in (last.new_value or "")
    finally:
        engine.dispose()

    with qtbot.waitSignal(dialog.finished, timeout=20000):
        _click(qtbot, dialog.switch_button)
    assert dialog.result() == MoveToServerDialog.DialogCode.Accepted
    assert district.is_server and server.is_configured(folder) and district.user == ADMIN
    assert "数据库服务器" in box.where.text() and not box.move_button.isVisibleTo(page)
    result = district.verify()
    assert result.ok, result.message
    district.close()
    again = encryption.unlock(folder, ADMIN, ADMIN_PASSWORD)  # the next start opens the server
    try:
        assert again.is_server and again.verify().ok
    finally:
        again.close()


def test_a_database_that_is_not_empty_is_refused_before_anything_is_written(qtbot, tmp_path: Path,  # noqa: ANN001
                                                                            pg_url: str) -> None:
    engine = server_migration.server_engine(pg_url)
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE notes (id integer PRIMARY KEY)"))
    engine.dispose()
    district = make_district(tmp_path / "district")
    dialog = MoveToServerDialog(district)
    qtbot.addWidget(dialog)
    dialog.show()
    _fill(qtbot, dialog, pg_url)
    _click(qtbot, dialog.check_button)
    qtbot.waitUntil(lambda: dialog.address_errors.isVisibleTo(dialog), timeout=20000)
    assert "不是空的" in dialog.address_errors.text() and dialog.pages.currentIndex() == dialog.ADDRESS
    assert _tables(pg_url) == ["notes"]
    district.close()


def test_only_a_district_administrator_may_move(qtbot, tmp_path: Path, store: Store) -> None:  # noqa: ANN001
    """The button is off for a supervisor and absent at a school; the service refuses them (and anyone not
    signed in) before it contacts any server."""
    nowhere = server.ServerSettings(str(tmp_path / "no-server"), 5432, "baoxue", "baoxue")
    district = make_district(tmp_path / "district")
    sign_in_as(district, "李督导", Role.SUPERVISOR)
    page = SettingsPage(district)
    qtbot.addWidget(page)
    page.show()
    assert page.location_box.isVisibleTo(page) and not page.location_box.move_button.isEnabled()
    with pytest.raises(PermissionDenied, match="督导员"):
        server_migration.target_for(district, nowhere)
    district.act_as(Actor(ADMIN))  # a store without a signed-in account: fails closed
    with pytest.raises(PermissionDenied, match="尚未登录"):
        server_migration.target_for(district, nowhere)
    with pytest.raises(PermissionDenied):
        server_migration.use_server_from_now_on(district, nowhere)
    district.close()

    school_page = SettingsPage(store)
    qtbot.addWidget(school_page)
    school_page.show()
    assert not school_page.location_box.isVisibleTo(school_page)
    with pytest.raises(ValidationError, match="只有区教委"):
        server_migration.target_for(store, nowhere)


def test_a_test_copy_from_the_server_with_its_progress(qtbot, tmp_path: Path, pg_url: str,  # noqa: ANN001
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """On a server: 从服务器复制 into an empty folder (off the GUI thread), verified, its history ending with the
    copy by this administrator; the same folder again is refused in one Chinese line, the copy unchanged."""
    district = make_district(tmp_path / "district", url=pg_url)
    page = SettingsPage(district)
    qtbot.addWidget(page)
    page.show()
    box = page.location_box
    assert "数据库服务器" in box.where.text() and not box.move_button.isVisibleTo(page)
    assert box.copy_button.isVisibleTo(page) and box.copy_button.isEnabled()
    target = tmp_path / "test-copy"
    monkeypatch.setattr(server_move.FolderChooser, "folder", staticmethod(lambda *_a: target))
    said: list[tuple[str, str]] = []
    monkeypatch.setattr(Messages, "info", staticmethod(lambda _p, title, body: said.append((title, body))))
    monkeypatch.setattr(Messages, "error", staticmethod(lambda _p, title, body: said.append((title, body))))
    _click(qtbot, box.copy_button)
    qtbot.waitUntil(lambda: bool(said), timeout=60000)
    title, body = said.pop()
    assert title == "已复制" and str(target) in body and "校验通过" in body
    copy = encryption.unlock(target, ADMIN, ADMIN_PASSWORD)
    try:
        with copy.read() as session:
            event = session.execute(select(AuditEntry).where(
                AuditEntry.field == server_migration.COPIED_FROM_SERVER)).scalar_one()
        assert event.user == ADMIN and str(target) in (event.new_value or "")
    finally:
        copy.close()
    before = (target / "baoxue.sqlite3").stat().st_mtime_ns
    _click(qtbot, box.copy_button)
    qtbot.waitUntil(lambda: bool(said), timeout=60000)
    title, body = said.pop()
    assert title == "未复制" and "已有保学台账的数据文件" in body and "Traceback" not in body
    assert (target / "baoxue.sqlite3").stat().st_mtime_ns == before
    district.close()


def test_cancelling_the_move_from_its_progress_window_leaves_both_stores_as_they_were(  # noqa: ANN001
        qtbot, tmp_path: Path, pg_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """开始迁移, then 取消 in the progress window: the dialog says so, the server's database is still empty, this
    PC's file holds what it held, still opens and passes verify, and the move can be started again."""
    folder = tmp_path / "district"
    district = make_district(folder)
    page = SettingsPage(district)
    qtbot.addWidget(page)
    page.show()
    before = dump(district)
    paced = server_migration.stepwise

    def slowly(report):  # noqa: ANN001, ANN202 - a small district copies in a blink: time to press 取消
        def step(done: int, steps: int) -> bool:
            time.sleep(0.1)
            return report(done, steps)

        return paced(step)

    monkeypatch.setattr(server_migration, "stepwise", slowly)
    _click(qtbot, page.location_box.move_button)
    dialog = page.location_box.dialog
    assert dialog is not None
    _fill(qtbot, dialog, pg_url)
    _click(qtbot, dialog.check_button)
    qtbot.waitUntil(lambda: dialog.pages.currentIndex() == dialog.CONFIRM, timeout=20000)
    _click(qtbot, dialog.start_button)

    def progress_window() -> QProgressDialog:
        shown = [p for p in dialog.findChildren(QProgressDialog) if p.isVisible()]
        assert shown
        return shown[0]

    qtbot.waitUntil(lambda: bool(progress_window()), timeout=20000)
    window = progress_window()
    assert window.windowTitle() == "迁移到数据库服务器" and window.value() < window.maximum()
    cancel = next(b for b in window.findChildren(QPushButton) if b.text() == "取消")
    _click(qtbot, cancel)
    qtbot.waitUntil(lambda: dialog.move_errors.isVisibleTo(dialog), timeout=30000)
    assert dialog.move_errors.text() == "迁移已取消，服务器上的数据库未做任何改动"
    assert dialog.pages.currentIndex() == dialog.CONFIRM and dialog.start_button.isEnabled()
    assert not window.isVisible() and _tables(pg_url) == []
    assert not district.is_server and not server.is_configured(folder) and dump(district) == before
    with qtbot.waitSignal(dialog.finished, timeout=5000):
        dialog.reject()
    district.close()
    again = encryption.unlock(folder, ADMIN, ADMIN_PASSWORD)
    try:
        assert not again.is_server and again.verify().ok
    finally:
        again.close()


def test_a_cancel_pressed_after_the_copy_committed_says_the_move_is_done(  # noqa: ANN001
        qtbot, tmp_path: Path, pg_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """取消 pressed while the server verifies the committed copy cannot undo it: the dialog says the move is done
    (not 已取消 with a full database behind it) and offers the switch."""
    district = make_district(tmp_path / "district")
    page = SettingsPage(district)
    qtbot.addWidget(page)
    page.show()
    verifying, go_on = threading.Event(), threading.Event()
    real_verify = server_migration.verify_on

    def held_verify(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        verifying.set()
        go_on.wait(30)
        return real_verify(*args, **kwargs)

    monkeypatch.setattr(server_migration, "verify_on", held_verify)
    _click(qtbot, page.location_box.move_button)
    dialog = page.location_box.dialog
    assert dialog is not None
    _fill(qtbot, dialog, pg_url)
    _click(qtbot, dialog.check_button)
    qtbot.waitUntil(lambda: dialog.pages.currentIndex() == dialog.CONFIRM, timeout=20000)
    _click(qtbot, dialog.start_button)
    qtbot.waitUntil(verifying.is_set, timeout=60000)
    qtbot.waitUntil(lambda: any(p.isVisible() for p in dialog.findChildren(QProgressDialog)), timeout=5000)
    window = next(p for p in dialog.findChildren(QProgressDialog) if p.isVisible())
    _click(qtbot, next(b for b in window.findChildren(QPushButton) if b.text() == "取消"))
    go_on.set()
    qtbot.waitUntil(lambda: dialog.pages.currentIndex() == dialog.DONE or dialog.move_errors.isVisibleTo(dialog),
                    timeout=60000)
    assert not dialog.move_errors.isVisibleTo(dialog), dialog.move_errors.text()
    shown = dialog.done_text.text()
    assert shown.startswith("按下“取消”时迁移已经完成") and "已迁移到" in shown and "校验通过" in shown
    assert "installation" in _tables(pg_url) and dialog.switch_button.isEnabled()
    with qtbot.waitSignal(dialog.finished, timeout=5000):
        _click(qtbot, dialog.later_button)
    district.close()


def test_a_cancel_pressed_after_the_test_copy_was_made_says_it_was_made(  # noqa: ANN001
        qtbot, tmp_path: Path, pg_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """从服务器复制: 取消 pressed while the finished copy is verified cannot undo it; the copy is there and is said
    to be (not a silent close that leaves a copy behind the user thinks was cancelled)."""
    district = make_district(tmp_path / "district", url=pg_url)
    page = SettingsPage(district)
    qtbot.addWidget(page)
    page.show()
    box = page.location_box
    target = tmp_path / "test-copy"
    monkeypatch.setattr(server_move.FolderChooser, "folder", staticmethod(lambda *_a: target))
    said: list[tuple[str, str]] = []
    monkeypatch.setattr(Messages, "info", staticmethod(lambda _p, title, body: said.append((title, body))))
    monkeypatch.setattr(Messages, "error", staticmethod(lambda _p, title, body: said.append((title, body))))
    verifying, go_on = threading.Event(), threading.Event()
    real_verify = Store.verify

    def held_verify(self, *args, **kwargs):  # noqa: ANN001, ANN002, ANN003, ANN202
        if self.data_dir == target:  # the copy's own check, after it was written
            verifying.set()
            go_on.wait(30)
        return real_verify(self, *args, **kwargs)

    monkeypatch.setattr(Store, "verify", held_verify)
    _click(qtbot, box.copy_button)
    qtbot.waitUntil(verifying.is_set, timeout=60000)
    qtbot.waitUntil(lambda: any(p.isVisible() for p in box.findChildren(QProgressDialog)), timeout=5000)
    window = next(p for p in box.findChildren(QProgressDialog) if p.isVisible())
    _click(qtbot, next(b for b in window.findChildren(QPushButton) if b.text() == "取消"))
    go_on.set()
    qtbot.waitUntil(lambda: bool(said), timeout=60000)
    title, body = said.pop()
    assert title == "已复制" and str(target) in body and (target / "baoxue.sqlite3").exists()
    district.close()
