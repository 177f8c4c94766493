"""设置 → 台账存放位置 → 改用数据库服务器上的台账… (the ledger moved to a server, 暂不改用 chosen then), against the
throw-away cluster of ``tests/pg_cluster.py``: a refused address, a server holding another district's ledger, a
file changed after the move, each refused in one Chinese line with nothing switched; then the switch itself. And
the way back, 改回本机数据文件…."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QProgressDialog, QPushButton
from sqlalchemy import func, make_url, select

from database.models import AuditEntry
from desktop_app.domain.errors import PermissionDenied, SignInError
from desktop_app.domain.roles import Role
from desktop_app.services import accounts, encryption, installation, server, server_migration, server_switch
from desktop_app.services.store import Store
from desktop_app.ui.main_window import MainWindow
from desktop_app.ui.settings.page import SettingsPage
from desktop_app.ui.settings.server_switch import SwitchToServerDialog
from desktop_app.ui.widgets import Messages
from tests.helpers.accounts import ADMIN_PASSWORD, sign_in_admin, sign_in_as
from tests.helpers.qt import type_into
from tests.sync_helpers import DISTRICT, dump, make_district

ADMIN = "督导员"  # the district's first administrator in make_district


def _fill(qtbot, dialog: SwitchToServerDialog, host: str, database: str, user: str) -> None:  # noqa: ANN001
    type_into(qtbot, dialog.fields.host_edit, host)
    type_into(qtbot, dialog.fields.database_edit, database)
    type_into(qtbot, dialog.fields.user_edit, user)


def _fill_url(qtbot, dialog: SwitchToServerDialog, pg_url: str) -> None:  # noqa: ANN001
    url = make_url(pg_url)
    _fill(qtbot, dialog, str(url.query["host"]), str(url.database), str(url.username))  # the cluster's socket


def _click(qtbot, button) -> None:  # noqa: ANN001
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def _refused(qtbot, dialog: SwitchToServerDialog) -> str:  # noqa: ANN001
    qtbot.waitUntil(lambda: dialog.address_errors.isVisibleTo(dialog), timeout=30000)
    shown = dialog.address_errors.text()
    assert shown and "\n" not in shown and "Traceback" not in shown
    assert dialog.pages.currentIndex() == dialog.ADDRESS
    return shown


def _moved_but_not_switched(qtbot, folder: Path, pg_url: str) -> tuple[Store, SettingsPage]:  # noqa: ANN001
    """The district's file moved to the server's database from 设置, and 暂不改用，关闭 chosen at the end."""
    district = make_district(folder)
    page = SettingsPage(district)
    qtbot.addWidget(page)
    page.show()
    box = page.location_box
    _click(qtbot, box.move_button)
    move = box.dialog
    assert move is not None
    url = make_url(pg_url)
    type_into(qtbot, move.fields.host_edit, str(url.query["host"]))
    type_into(qtbot, move.fields.database_edit, str(url.database))
    type_into(qtbot, move.fields.user_edit, str(url.username))
    _click(qtbot, move.check_button)
    qtbot.waitUntil(lambda: move.pages.currentIndex() == move.CONFIRM, timeout=30000)
    _click(qtbot, move.start_button)
    qtbot.waitUntil(lambda: move.pages.currentIndex() == move.DONE, timeout=120000)
    assert "改用数据库服务器上的台账…" in move.done_text.text()  # says where to switch later
    assert f"已迁移到 PostgreSQL baoxue@{url.query['host']}:5432/{url.database}：" in move.done_text.text()
    with qtbot.waitSignal(move.finished, timeout=5000):
        _click(qtbot, move.later_button)
    assert not district.is_server and not server.is_configured(folder)
    return district, page


def _open_switch(qtbot, page: SettingsPage) -> SwitchToServerDialog:  # noqa: ANN001
    box = page.location_box
    assert box.use_server_button.isVisibleTo(page) and box.use_server_button.isEnabled()
    _click(qtbot, box.use_server_button)
    dialog = box.switch_dialog
    assert dialog is not None and dialog.pages.currentIndex() == dialog.ADDRESS
    return dialog


def _page(qtbot, district: Store) -> SettingsPage:  # noqa: ANN001
    page = SettingsPage(district)
    qtbot.addWidget(page)
    page.show()
    return page


def test_after_not_switching_the_administrator_switches_this_pc_to_the_server_later(  # noqa: ANN001
        qtbot, tmp_path: Path, pg_url: str) -> None:
    folder = tmp_path / "district"
    district, page = _moved_but_not_switched(qtbot, folder, pg_url)
    accounts.sign_in(district, ADMIN, ADMIN_PASSWORD)  # later: the program started again on the file
    with pytest.raises(SignInError):
        accounts.sign_in(district, ADMIN, "not-the-password")
    dialog = _open_switch(qtbot, page)
    before = dump(district)
    main = MainWindow(district)  # its status bar says where the ledger is
    qtbot.addWidget(main)
    assert f"数据文件：{district.path}" in main.user_label.text()

    # an address where no server answers: one Chinese line, still on the address, nothing switched
    _fill(qtbot, dialog, str(tmp_path / "no-server"), "baoxue", "baoxue")
    qtbot.keyClick(dialog.fields.user_edit, Qt.Key.Key_Return)  # Enter in a field checks, it does not cancel
    assert "服务器没有应答" in _refused(qtbot, dialog) and dialog.isVisible()
    assert not district.is_server and not server.is_configured(folder)

    # the server the ledger was moved to: checked, then told what will happen
    _fill_url(qtbot, dialog, pg_url)
    _click(qtbot, dialog.check_button)
    qtbot.waitUntil(lambda: dialog.pages.currentIndex() == dialog.CONFIRM, timeout=30000)
    shown = dialog.confirm_text.text()
    assert "潼南区教育委员会（500152）" in shown and "从本机迁移过去" in shown and "本机数据文件之后新增1条" in shown
    assert "每次启动" in shown and "重新打开" in shown and "条登录记录只留在本机数据文件中" in shown
    assert not district.is_server and not server.is_configured(folder) and dump(district) == before

    with qtbot.waitSignal(dialog.switched, timeout=30000):
        _click(qtbot, dialog.switch_button)
    assert dialog.pages.currentIndex() == dialog.DONE and "重新打开" in dialog.done_text.text()
    assert "数据库服务器：PostgreSQL baoxue@" in main.user_label.text() and "数据文件" not in main.user_label.text()
    assert district.is_server and server.is_configured(folder) and district.user == ADMIN
    box = page.location_box
    assert f"数据库服务器：PostgreSQL baoxue@{make_url(pg_url).query['host']}:5432/" in box.where.text()
    assert not box.use_server_button.isVisibleTo(page)
    with qtbot.waitSignal(dialog.finished, timeout=5000):
        _click(qtbot, dialog.close_button)
    result = district.verify()  # the head this PC remembers is the server's now, not the file's later sign-ins
    assert result.ok, result.message
    with district.read() as session:  # the switch is in the server's history
        last = session.execute(select(AuditEntry).order_by(AuditEntry.id.desc()).limit(1)).scalar_one()
    assert (last.field, last.user) == (server_switch.SWITCHED_TO_SERVER, ADMIN)
    assert "条登录记录留在该文件中" in (last.new_value or "")
    district.close()
    again = encryption.unlock(folder, ADMIN, ADMIN_PASSWORD)  # the next start opens the server
    try:
        assert again.is_server and again.verify().ok
    finally:
        again.close()


def test_a_server_holding_another_districts_ledger_is_refused(qtbot, tmp_path: Path, pg_url: str) -> None:  # noqa: ANN001
    other = server.connect(tmp_path / "other", server.ServerSettings.from_url(make_url(pg_url)), user="管理员")
    installation.setup(other, installation.InstallationInfo(
        kind=installation.DISTRICT, name="梁平区教育委员会", code="500155", contact_name="督导科"))
    sign_in_admin(other, "管理员")
    theirs = dump(other)
    district = make_district(tmp_path / "district")
    page = _page(qtbot, district)  # (the page makes the current semester)
    before = dump(district)
    dialog = _open_switch(qtbot, page)
    _fill_url(qtbot, dialog, pg_url)
    _click(qtbot, dialog.check_button)
    shown = _refused(qtbot, dialog)
    assert "梁平区教育委员会（500155）的台账" in shown and "潼南区教育委员会" in shown and "未改用" in shown
    assert not district.is_server and not server.is_configured(tmp_path / "district")
    assert dump(district) == before and dump(other) == theirs
    district.close()
    other.close()


def test_a_file_changed_after_the_move_is_not_switched_and_loses_nothing(qtbot, tmp_path: Path,  # noqa: ANN001
                                                                        pg_url: str) -> None:
    district, page = _moved_but_not_switched(qtbot, tmp_path / "district", pg_url)
    installation.update(district, installation.InstallationInfo(  # work on the file after the move
        kind=DISTRICT.kind, name=DISTRICT.name, code=DISTRICT.code, contact_name="基础教育科"))
    before = dump(district)
    dialog = _open_switch(qtbot, page)
    _fill_url(qtbot, dialog, pg_url)
    _click(qtbot, dialog.check_button)
    shown = _refused(qtbot, dialog)
    assert "迁移到" in shown and "之后又有1处改动" in shown and "installation" in shown and "会丢掉这些改动" in shown
    assert not district.is_server and not server.is_configured(tmp_path / "district") and dump(district) == before
    district.close()


def test_an_empty_database_and_a_supervisor_are_refused(qtbot, tmp_path: Path, pg_url: str) -> None:  # noqa: ANN001
    district = make_district(tmp_path / "district")
    settings = server.ServerSettings.from_url(make_url(pg_url))
    with pytest.raises(server_migration.MigrationError, match="还没有台账"):
        server_switch.check_server_ledger(district, settings)
    sign_in_as(district, "李督导", Role.SUPERVISOR)
    page = _page(qtbot, district)
    assert page.location_box.use_server_button.isVisibleTo(page)
    assert not page.location_box.use_server_button.isEnabled()
    with pytest.raises(PermissionDenied):  # the service refuses before it contacts any server
        server_switch.switch_to_server(district, server.ServerSettings(str(tmp_path / "no-server"), 5432, "b", "b"))
    with pytest.raises(PermissionDenied):
        server_switch.back_to_own_file(district)
    assert not district.is_server and not server.is_configured(tmp_path / "district")
    district.close()


def _on_server_after_the_move(qtbot, folder: Path, pg_url: str) -> tuple[Store, SettingsPage]:  # noqa: ANN001
    district = make_district(folder)
    page = _page(qtbot, district)
    target = server_migration.server_engine(pg_url)
    try:
        server_migration.migrate_to_server(district, target)
    finally:
        target.dispose()
    server_migration.use_server_from_now_on(district, server.ServerSettings.from_url(make_url(pg_url)))
    page.refresh()
    assert district.is_server and page.location_box.to_file_button.isVisibleTo(page)
    assert page.location_box.to_file_button.isEnabled() and not page.location_box.use_server_button.isVisibleTo(page)
    return district, page


def _server_history(pg_url: str) -> int:
    engine = server_migration.server_engine(pg_url)
    try:
        with engine.connect() as conn:
            return int(conn.execute(select(func.count()).select_from(AuditEntry)).scalar_one())
    finally:
        engine.dispose()


def test_back_to_this_pcs_own_file_takes_the_servers_ledger_along(qtbot, tmp_path: Path, pg_url: str,  # noqa: ANN001
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """改回本机数据文件: asked first; cancelled from the progress window nothing changes; then the server's ledger,
    with the work done on it after the move, becomes this PC's file (the old file kept in backups/), verified,
    and the next start opens the file. The server is only read."""
    folder = tmp_path / "district"
    district, page = _on_server_after_the_move(qtbot, folder, pg_url)
    main = MainWindow(district)
    qtbot.addWidget(main)
    assert "数据库服务器：PostgreSQL" in main.user_label.text()
    installation.update(district, installation.InstallationInfo(  # work done on the server after the move
        kind=DISTRICT.kind, name=DISTRICT.name, code=DISTRICT.code, contact_name="基础教育科"))
    asked: list[str] = []
    said: list[tuple[str, str]] = []
    answer = [False]
    monkeypatch.setattr(Messages, "confirm", staticmethod(lambda _p, _t, body: asked.append(body) or answer[0]))
    monkeypatch.setattr(Messages, "info", staticmethod(lambda _p, title, body: said.append((title, body))))
    monkeypatch.setattr(Messages, "error", staticmethod(lambda _p, title, body: said.append((title, body))))
    box = page.location_box
    _click(qtbot, box.to_file_button)  # 否: nothing happens
    assert "其他电脑" in asked[-1] and "服务器上的数据不变" in asked[-1] and district.is_server and not said

    paced = server_migration.stepwise

    def slowly(report):  # noqa: ANN001, ANN202 - time to press 取消
        def step(done: int, steps: int) -> bool:
            time.sleep(0.1)
            return report(done, steps)

        return paced(step)

    monkeypatch.setattr(server_migration, "stepwise", slowly)
    answer[0] = True
    history = _server_history(pg_url)
    _click(qtbot, box.to_file_button)
    qtbot.waitUntil(lambda: any(p.isVisible() for p in box.findChildren(QProgressDialog)), timeout=20000)
    window = next(p for p in box.findChildren(QProgressDialog) if p.isVisible())
    _click(qtbot, next(b for b in window.findChildren(QPushButton) if b.text() == "取消"))
    qtbot.waitUntil(lambda: bool(said), timeout=30000)
    assert said.pop() == ("已取消", "已取消，本机仍使用数据库服务器上的台账，什么都没有改动")
    assert district.is_server and server.is_configured(folder) and not list(folder.glob("*.part*"))
    assert not (folder / "backups").exists() or not list((folder / "backups").glob("*改回本机前*"))

    monkeypatch.setattr(server_migration, "stepwise", paced)
    _click(qtbot, box.to_file_button)
    qtbot.waitUntil(lambda: bool(said), timeout=60000)
    title, body = said.pop()
    assert title == "已改回本机数据文件" and str(district.path) in body and "校验通过" in body, body
    assert "另存为" in body and "重新打开" in body
    assert not district.is_server and not server.is_configured(folder) and district.user == ADMIN
    assert "本机加密数据文件" in box.where.text() and box.use_server_button.isVisibleTo(page)
    assert f"数据文件：{district.path}" in main.user_label.text()
    assert district.installation().contact_name == "基础教育科"  # the server's later work came along
    with district.read() as session:
        last = session.execute(select(AuditEntry).order_by(AuditEntry.id.desc()).limit(1)).scalar_one()
    assert (last.field, last.user) == (server_switch.BACK_TO_FILE, ADMIN)
    assert len(list((folder / "backups").glob("*改回本机前*.sqlite3"))) == 1
    assert _server_history(pg_url) == history  # the server only read
    result = district.verify()
    assert result.ok, result.message
    district.close()
    again = encryption.unlock(folder, ADMIN, ADMIN_PASSWORD)  # the next start opens the file
    try:
        assert not again.is_server and again.verify().ok
        assert again.installation().contact_name == "基础教育科"
    finally:
        again.close()
