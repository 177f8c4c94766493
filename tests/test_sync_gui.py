"""The 数据交换 and 区教委督导 screens, used as a teacher and a district inspector would."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QColor

from database.models import Case, Semester
from desktop_app.services import cases, demo, sync
from desktop_app.services.store import Store
from desktop_app.ui.district.page import ApprovalDialog
from desktop_app.ui.exchange.page import FingerprintDialog, Pickers
from desktop_app.ui.main_window import MainWindow
from tests.conftest import MessageLog
from tests.factories import full_form
from tests.helpers.qt import type_into
from tests.sync_helpers import apply_for_deferral, send

CODE = "2150022302"


def click(qtbot, button) -> None:  # noqa: ANN001
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def test_school_exports_and_district_imports_a_folder(qtbot, pair: tuple[Store, Store], usb: Path,  # noqa: ANN001
                                                      monkeypatch: pytest.MonkeyPatch, messages: MessageLog) -> None:
    school, dist = pair
    demo.load(school, 4)
    monkeypatch.setattr(Pickers, "folder", staticmethod(lambda _p, _t: usb))
    school_window = MainWindow(school)
    qtbot.addWidget(school_window)
    assert "区教委督导" not in school_window.pages
    school_window.show()
    school_window.show_page("数据交换")
    page = school_window.exchange
    assert page.peer_model.rowCount() == 1
    assert page.peer_model.index(0, 4).data() == str(sync.pending_count(school, "district"))
    states = {page.pending_model.index(r, 2).data() for r in range(page.pending_model.rowCount())}
    assert page.pending_model.rowCount() == sync.pending_count(school, "district")
    assert states == {"未报送"}
    click(qtbot, page.export_button)
    qtbot.waitUntil(lambda: bool(messages.shown), timeout=10_000)
    assert messages.shown[-1][0] == "info", messages.shown
    assert "可以安全拔出U盘" in messages.texts("info")[-1]
    assert (usb / f"{CODE}-500152-1.bxpkg").exists()

    district_window = MainWindow(dist)
    qtbot.addWidget(district_window)
    district_window.show_page("数据交换")
    dpage = district_window.exchange
    shown_fingerprints: list[str] = []

    def compare(_parent: object, name: str, code: str, fingerprint: str) -> bool:  # the receipt matches
        shown_fingerprints.append(fingerprint)
        return True

    monkeypatch.setattr(FingerprintDialog, "ask", classmethod(lambda _cls, *a: compare(*a)))
    worker = dpage.import_folder()  # the enrolment package in the folder is refused, the school's imported
    with qtbot.waitSignal(worker.signals.finished, timeout=10_000):
        pass
    assert shown_fingerprints == [sync.own_fingerprint(school)]  # the first package asked for its fingerprint
    qtbot.waitUntil(lambda: len(messages.shown) >= 3, timeout=10_000)
    texts = [text for _kind, _title, text in messages.shown[1:]]
    assert any("登记包只能在学校导入" in t for t in texts)
    assert messages.shown[-1][0] == "info" and "新增" in messages.shown[-1][2]  # imported once confirmed
    assert dpage.package_model.rowCount() == 1
    assert dpage.log_model.index(0, 4).data() in ("成功", "拒绝/失败")
    # the school chosen in the list stays chosen when the page refreshes (its pending list with it)
    dpage.peer_view.selectRow(0)
    chosen = dpage.peer_model.key(0)
    dpage.refresh()
    assert [dpage.peer_model.key(i.row()) for i in dpage.peer_view.selectionModel().selectedRows()] == [chosen]
    # the supervision page shows the school's figures
    district_window.show_page("区教委督导")
    sup = district_window.supervision
    assert sup.school_model.index(0, 1).data() == "米心镇中心小学"
    assert sup.school_model.index(0, 3).data() == str(cases.open_case_count(school))
    assert sup.school_model.index(0, 0).data(Qt.ItemDataRole.BackgroundRole) is None  # not stale
    sup.tabs.setCurrentIndex(1)
    assert sup.ledger_model.rowCount() == 4
    assert {sup.ledger_model.index(r, 0).data() for r in range(4)} == {"米心镇中心小学"}


def test_district_records_an_approval_and_publishes_the_calendar(qtbot, pair: tuple[Store, Store], usb: Path,  # noqa: ANN001
                                                                 monkeypatch: pytest.MonkeyPatch,
                                                                 qtmodeltester) -> None:  # noqa: ANN001
    school, dist = pair
    case_id = cases.save_form(school, full_form())
    apply_for_deferral(school, case_id)
    send(school, "district", dist, usb)
    window = MainWindow(dist)
    qtbot.addWidget(window)
    window.show_page("区教委督导")
    sup = window.supervision
    qtmodeltester.check(sup.school_model)
    qtmodeltester.check(sup.ledger_model)
    sup.ledger_view.selectRow(0)
    monkeypatch.setattr(ApprovalDialog, "ask", classmethod(
        lambda cls, _p, _app, approved, decide: decide(approved, dt.date(2026, 11, 2), "潼教发〔2026〕12号", "")
        or True))
    window.show()
    click(qtbot, sup.approve_button)  # the case's pending application, in the 缓学审批 tab
    assert sup.tabs.currentWidget() is sup.approvals_tab
    click(qtbot, sup.approve_app_button)
    type_into(qtbot, sup.semester_edit, "2026秋")
    sup.start_edit.setDate(sup.start_edit.date().fromString("2026-09-01", "yyyy-MM-dd"))
    sup.end_edit.setDate(sup.end_edit.date().fromString("2027-01-20", "yyyy-MM-dd"))
    click(qtbot, sup.publish_button)
    assert sup.semester_model.rowCount() == 1
    send(dist, CODE, school, usb)
    with school.read() as session:
        row = session.get(Case, case_id)
        assert (row.deferral_approved, row.deferral_document) == (True, "潼教发〔2026〕12号")
        assert session.query(Semester).one().end_date == dt.date(2027, 1, 20)


def test_stale_school_is_shown_red_and_a_conflict_is_settled_on_screen(qtbot, pair: tuple[Store, Store],  # noqa: ANN001
                                                                       usb: Path) -> None:
    school, dist = pair
    case_id = cases.save_form(school, full_form())
    send(school, "district", dist, usb)
    send(dist, CODE, school, usb)
    for store, who in ((school, "赵校长"), (dist, "刘督学")):
        with store.write() as session:
            session.get(Case, case_id).responsible_person = who
    send(school, "district", dist, usb)
    window = MainWindow(dist)
    qtbot.addWidget(window)
    window.show_page("数据交换")
    page = window.exchange
    assert page.tabs.tabText(3) == "冲突（1）"
    assert page.conflict_model.index(0, 4).data() == "responsible_person=刘督学"
    assert [page.conflict_model.index(0, c).data() for c in (0, 1)] == ["案件", "张小明"]
    page.conflict_view.selectRow(0)
    click(qtbot, page.keep_local_button)
    assert page.conflict_model.rowCount() == 0
    with dist.read() as session:
        assert session.get(Case, case_id).responsible_person == "刘督学"
    # a school that has never sent a package is flagged
    sync.register_school(dist, sync.SchoolInfo("2150022399", "宝龙镇中心小学", "宝龙镇"))
    window.show_page("区教委督导")
    sup = window.supervision
    rows = {sup.school_model.index(r, 0).data(): r for r in range(sup.school_model.rowCount())}
    assert sup.school_model.index(rows["2150022399"], 0).data(Qt.ItemDataRole.BackgroundRole) == QColor("#ffe0e0")
    assert sup.school_model.index(rows["2150022399"], 10).data() == "逾期"
    # which schools lag: a click on 未销号案件 puts the most open cases first, the school without figures last;
    # the red row stays with its school, and the order survives a reload
    header = sup.school_view.horizontalHeader()
    column = next(c for c in range(sup.school_model.columnCount()) if sup.school_model.headerData(
        c, Qt.Orientation.Horizontal) == "未销号案件")
    qtbot.mouseClick(header.viewport(), Qt.MouseButton.LeftButton,
                     pos=QPoint(header.sectionViewportPosition(column) + 5, header.height() // 2))
    if header.sortIndicatorOrder() == Qt.SortOrder.AscendingOrder:  # the first click's order depends on the style
        qtbot.mouseClick(header.viewport(), Qt.MouseButton.LeftButton,
                         pos=QPoint(header.sectionViewportPosition(column) + 5, header.height() // 2))
    counts = [int(sup.school_model.index(r, column).data()) for r in range(sup.school_model.rowCount())]
    assert counts == sorted(counts, reverse=True)
    sup.refresh()
    after = {sup.school_model.index(r, 0).data(): r for r in range(sup.school_model.rowCount())}
    assert [int(sup.school_model.index(r, column).data()) for r in range(sup.school_model.rowCount())] == counts
    assert sup.school_model.index(after["2150022399"], 0).data(Qt.ItemDataRole.BackgroundRole) == QColor("#ffe0e0")
    assert all(sup.school_model.index(r, 0).data(Qt.ItemDataRole.BackgroundRole) is None
               for code, r in after.items() if code != "2150022399")  # the schools that report are not red
