"""Issue 13 on screen: 校验数据和历史记录 lists what differs with progress and a cancel button, off the GUI
thread; a missing store offers the automatic copies with date and case count, and restores the one chosen."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from desktop_app.services import backup, cases
from desktop_app.services.integrity import rescue
from desktop_app.services.paths import STORE_FILE
from desktop_app.services.store import Store
from desktop_app.ui.main_window import MainWindow
from desktop_app.ui.rescue_dialog import StoreRescueDialog
from desktop_app.ui.verify_dialog import VerifyDialog
from tests.factories import full_form

LEFT = Qt.MouseButton.LeftButton


@pytest.fixture
def window(qtbot, store: Store) -> MainWindow:  # noqa: ANN001
    cases.save_form(store, full_form())
    w = MainWindow(store)
    qtbot.addWidget(w)
    w.show()
    return w


def _rows(model) -> list[list[str]]:  # noqa: ANN001
    return [[model.index(r, c).data() for c in range(model.columnCount())] for r in range(model.rowCount())]


def test_verify_lists_the_changed_record_by_name(qtbot, qtmodeltester, window: MainWindow,  # noqa: ANN001
                                                 store: Store) -> None:
    with store.engine.begin() as conn:  # behind the program's back
        conn.exec_driver_sql("UPDATE students SET guardian1_phone = '13900000000'")
        (name,) = conn.exec_driver_sql("SELECT name FROM students").one()
    window.verify_action.trigger()
    dialog = window.findChild(VerifyDialog)
    assert dialog is not None and dialog.cancel_button.isEnabled()
    qtbot.waitUntil(lambda: dialog.close_button.isEnabled(), timeout=20000)
    assert "校验失败" in dialog.status.text()
    qtmodeltester.check(dialog.model)
    rows = _rows(dialog.model)
    assert ["学生基本信息", name, "监护人1联系电话", "13900000000"] == rows[0][:4]
    assert rows[0][4] != "13900000000"
    assert dialog.progress.value() == 100
    qtbot.mouseClick(dialog.close_button, LEFT)


def test_verify_of_an_untouched_store_passes_and_can_be_cancelled(qtbot, window: MainWindow,  # noqa: ANN001
                                                                  store: Store) -> None:
    window.verify_action.trigger()
    dialog = window.findChild(VerifyDialog)
    qtbot.waitUntil(lambda: dialog.close_button.isEnabled(), timeout=20000)
    assert "校验通过" in dialog.status.text()
    assert dialog.model.rowCount() == 0 and not dialog.view.isVisible()
    dialog.close()

    other = VerifyDialog(store, window)
    qtbot.addWidget(other)
    other.show()
    qtbot.mouseClick(other.cancel_button, LEFT)  # pressed before the work got going
    other.start()
    qtbot.waitUntil(lambda: other.close_button.isEnabled(), timeout=20000)
    assert "已取消" in other.status.text()


def test_a_missing_store_offers_the_copies_and_restores_the_chosen(qtbot, store: Store,  # noqa: ANN001
                                                                   data_dir: Path) -> None:
    cases.save_form(store, full_form())
    backup.take(store, backup.DAILY)
    key = store.key  # the store has an account: its copies open with the key its sign-in unwraps
    store.close()
    (data_dir / STORE_FILE).unlink()
    with pytest.raises(rescue.StoreMissing) as refused:
        Store.open(data_dir, key=key)
    assert not (data_dir / STORE_FILE).exists()  # nothing new was created
    dialog = StoreRescueDialog(refused.value)
    qtbot.addWidget(dialog)
    rows = _rows(dialog.model)
    assert len(rows) == 1 and rows[0][2] == "1" and rows[0][3] == "通过"
    assert rows[0][0].startswith("baoxue-") and len(rows[0][1]) == 16  # the copy and its date
    assert dialog.restore_button.isEnabled()
    with qtbot.waitSignal(dialog.finished):
        qtbot.mouseClick(dialog.restore_button, LEFT)
    assert dialog.result() == StoreRescueDialog.DialogCode.Accepted
    reopened = Store.open(data_dir, key=key)
    try:
        assert reopened.verify().ok
        with reopened.read() as session:
            assert session.connection().exec_driver_sql("SELECT count(*) FROM cases").scalar() == 1
    finally:
        reopened.close()


def test_the_program_start_refuses_an_empty_store_and_offers_the_copies(qtbot, store: Store, data_dir: Path,  # noqa: ANN001
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    from desktop_app.ui import app
    from desktop_app.ui.accounts.unlock import UnlockDialog

    backup.take(store, backup.DAILY)
    key = store.key
    store.close()
    (data_dir / STORE_FILE).write_bytes(b"")
    # the store has an account: its copies are encrypted, so the program first asks for a sign-in
    monkeypatch.setattr(UnlockDialog, "ask_key", classmethod(lambda cls, *_a, **_k: key))
    offered: list[rescue.StoreMissing] = []
    monkeypatch.setattr(StoreRescueDialog, "ask", classmethod(lambda cls, error, parent=None: offered.append(error)))
    assert app.open_store(data_dir) is None  # the person chose to quit
    assert len(offered) == 1 and "数据文件是空的" in str(offered[0])
    assert offered[0].good is not None and offered[0].good.path.name in str(offered[0])
    assert (data_dir / STORE_FILE).stat().st_size == 0  # nothing new created
