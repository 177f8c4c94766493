"""数据交换 page, first contact (issue 14 point 2): the receipt printed at the school, the fingerprint compared
at the district before a school's first package is imported, and re-enrolment of a school on a new PC."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog
from sqlalchemy import select

from database.models import AuditEntry
from desktop_app.services import cases, sync
from desktop_app.services.store import Store
from desktop_app.ui.exchange.page import FingerprintDialog, Pickers, ReenrolDialog
from desktop_app.ui.main_window import MainWindow
from tests.conftest import MessageLog
from tests.factories import full_form
from tests.sync_helpers import dump


def test_fingerprint_dialog_shows_the_packages_fingerprint_and_asks(qtbot) -> None:  # noqa: ANN001
    dialog = FingerprintDialog("米心镇中心小学", "2150022302", "ABCD-0123-4567-89AB-CDEF-0123-4567-89AB")
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.fingerprint_label.text() == "ABCD-0123-4567-89AB-CDEF-0123-4567-89AB"
    assert dialog.reject_button.isDefault()  # Enter does not import
    with qtbot.waitSignal(dialog.finished):
        qtbot.mouseClick(dialog.accept_button, Qt.MouseButton.LeftButton)
    assert dialog.result() == QDialog.DialogCode.Accepted


def test_district_refuses_a_first_package_whose_fingerprint_is_not_confirmed(
        qtbot, pair: tuple[Store, Store], usb: Path, monkeypatch: pytest.MonkeyPatch,  # noqa: ANN001
        messages: MessageLog) -> None:
    school, dist = pair
    cases.save_form(school, full_form())
    path = sync.export_package(school, "district", usb).path
    asked: list[str] = []
    monkeypatch.setattr(FingerprintDialog, "ask",
                        classmethod(lambda _cls, _parent, _name, _code, fp: asked.append(fp) or False))
    window = MainWindow(dist)
    qtbot.addWidget(window)
    window.show_page("数据交换")
    before = dump(dist)
    worker = window.exchange.import_paths([path])
    with qtbot.waitSignal(worker.signals.finished, timeout=10_000):
        pass
    qtbot.waitUntil(lambda: bool(messages.shown), timeout=10_000)
    assert asked == [sync.own_fingerprint(school)]
    kind, _title, text = messages.shown[-1]
    assert kind == "error" and "密钥指纹未经核对确认" in text
    assert window.exchange.confirm_worker is None
    assert dump(dist) == before


def test_school_prints_its_receipt_from_the_page(qtbot, pair: tuple[Store, Store], tmp_path: Path,  # noqa: ANN001
                                                 monkeypatch: pytest.MonkeyPatch, messages: MessageLog) -> None:
    school, _dist = pair
    out = tmp_path / "回执.pdf"
    monkeypatch.setattr(Pickers, "save", staticmethod(lambda *_a: out))
    window = MainWindow(school)
    qtbot.addWidget(window)
    window.show()
    window.show_page("数据交换")
    page = window.exchange
    assert page.receipt_button.isVisibleTo(page) and not page.reenrol_button.isVisibleTo(page)
    qtbot.mouseClick(page.receipt_button, Qt.MouseButton.LeftButton)
    assert out.read_bytes().startswith(b"%PDF")
    assert messages.shown[-1][0] == "info" and "报送区教委" in messages.shown[-1][2]


def test_district_re_enrols_the_selected_school(qtbot, pair: tuple[Store, Store], usb: Path,  # noqa: ANN001
                                                tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                messages: MessageLog) -> None:
    school, dist = pair
    cases.save_form(school, full_form())
    sync.import_package(dist, sync.export_package(school, "district", usb).path, confirm=sync.own_fingerprint(school))
    folder = tmp_path / "new"
    folder.mkdir()
    monkeypatch.setattr(Pickers, "folder", staticmethod(lambda *_a: folder))
    monkeypatch.setattr(ReenrolDialog, "ask", classmethod(lambda _cls, _parent, _name: "学校更换电脑"))
    window = MainWindow(dist)
    qtbot.addWidget(window)
    window.show()
    window.show_page("数据交换")
    page = window.exchange
    assert page.reenrol_button.isVisibleTo(page) and not page.receipt_button.isVisibleTo(page)
    page.peer_view.selectRow(0)
    qtbot.mouseClick(page.reenrol_button, Qt.MouseButton.LeftButton)
    assert messages.shown[-1][0] == "info", messages.shown
    assert list(folder.glob("*登记.bxpkg"))
    with dist.read() as session:
        revoked = session.execute(select(AuditEntry.new_value).where(AuditEntry.field == "吊销密钥")).scalar_one()
    assert sync.own_fingerprint(school) in revoked
    assert page.peer_model.index(0, 3).data() == "（尚未收到对方公钥）"


def test_two_first_packages_of_one_school_ask_once_and_both_import(
        qtbot, pair: tuple[Store, Store], usb: Path, monkeypatch: pytest.MonkeyPatch,  # noqa: ANN001
        messages: MessageLog) -> None:
    import datetime as dt

    from desktop_app.domain.identity import make_id_number

    school, dist = pair
    cases.save_form(school, full_form())
    first = sync.export_package(school, "district", usb).path
    other = make_id_number("500223", dt.date(2014, 3, 9), 211)
    cases.save_form(school, full_form(name="赵小红", id_number=other, student_number="G" + other))
    second = sync.export_package(school, "district", usb).path
    asked: list[str] = []
    monkeypatch.setattr(FingerprintDialog, "ask",
                        classmethod(lambda _cls, _parent, _name, _code, fp: asked.append(fp) or True))
    window = MainWindow(dist)
    qtbot.addWidget(window)
    window.show_page("数据交换")
    worker = window.exchange.import_paths([first, second])
    with qtbot.waitSignal(worker.signals.finished, timeout=10_000):
        pass
    assert asked == [sync.own_fingerprint(school)]
    again = window.exchange.confirm_worker
    assert again is not None
    qtbot.waitUntil(lambda: bool(messages.shown) and "第2号包" in messages.shown[-1][2], timeout=10_000)
    assert messages.shown[-1][0] == "info"
    assert [p.number for p in sync.packages(dist)] == [2, 1]
