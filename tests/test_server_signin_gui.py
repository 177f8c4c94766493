"""登录 on a district PC whose ledger is on the server, when the server does not hold it any more (or does not
answer): the refusal, several lines long with its 技术信息, is shown whole in the sign-in dialog (it was cut off
after two lines at 400×220) and the user can still quit or try again."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialogButtonBox
from pytestqt.qtbot import QtBot

from desktop_app.ui.accounts.unlock import UnlockDialog
from tests import pg_cluster as pg_cluster_module
from tests.helpers.accounts import ADMIN_PASSWORD
from tests.helpers.qt import type_into
from tests.sync_helpers import make_district


def test_a_long_server_refusal_is_shown_whole_at_sign_in(qtbot: QtBot, tmp_path: Path, pg_url: str,
                                                         pg_cluster: pg_cluster_module.Cluster) -> None:
    folder = tmp_path / "district"
    make_district(folder, url=pg_url).close()
    pg_cluster.drop_database(pg_url)  # the server lost the district's database
    dialog = UnlockDialog(folder, None, "督导员")
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    type_into(qtbot, dialog.password_edit, ADMIN_PASSWORD)
    qtbot.mouseClick(dialog.buttons.button(QDialogButtonBox.StandardButton.Ok), Qt.MouseButton.LeftButton)
    label = dialog.message
    qtbot.waitUntil(label.isVisible)
    assert "无法连接数据库服务器" in label.text() and "服务器上没有这个数据库" in label.text()
    qtbot.waitUntil(lambda: label.height() >= label.heightForWidth(label.width()))  # every line shown
    assert label.geometry().bottom() < dialog.buttons.geometry().top() <= dialog.height()
    assert dialog.store is None and dialog.isVisible()
