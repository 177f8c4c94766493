"""GUI: map a roster's columns, import it, mark a child, watch the progress move; return check; comparison."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog
from pytestqt.modeltest import ModelTester
from sqlalchemy import select

from database.census import ChildStatusRecord
from desktop_app.services import cases, census
from desktop_app.services.store import Store
from desktop_app.ui.census.census_page import CensusPage
from desktop_app.ui.census.comparison_page import ComparisonPage
from desktop_app.ui.census.return_page import ReturnCheckPage
from desktop_app.ui.main_window import MainWindow
from tests.helpers import rosters as R
from tests.helpers.qt import choose, type_into

SEM = "2026秋"


def test_map_import_mark_and_progress(qtbot, store: Store, tmp_path: Path, messages) -> None:  # noqa: ANN001
    census.semesters.choose_current(store, SEM)
    kids = R.children(5)
    for k, c in enumerate(kids):
        c["village"] = "青龙村" if k < 3 else "米心村"
    header = ["编号", "儿童", "证件", "家长", "村名", "手机"]
    rows = [[i, c["name"], c["id_number"], c["guardian"], c["village"], c["phone"]] for i, c in enumerate(kids)]
    rows.append([9, "错号", kids[0]["id_number"][:-1] + "0" if not kids[0]["id_number"].endswith("0")
                 else kids[0]["id_number"][:-1] + "1", "某", "青龙村", ""])
    path = R.write_plain_xlsx(tmp_path / "名册.xlsx", header, rows)

    page = CensusPage(store)
    qtbot.addWidget(page)
    dialog = page.open_import("census")
    assert dialog.load_file(path)
    assert dialog.mapping() == {}  # nothing the program recognises: the user maps the columns
    choose(dialog.mapping_combos["name"], "B列：儿童")
    choose(dialog.mapping_combos["id_number"], "C列：证件")
    choose(dialog.mapping_combos["guardian_name"], "D列：家长")
    choose(dialog.mapping_combos["village"], "E列：村名")
    choose(dialog.mapping_combos["guardian_phone"], "F列：手机")
    assert "→ 姓名" in dialog.preview_model.headerData(2, Qt.Orientation.Horizontal)
    # before importing, the first column says what each row will become with the columns chosen
    checks = [dialog.preview_model.index(r, 0).data() for r in range(dialog.preview_model.rowCount())]
    assert checks[:5] == [f"可导入（出生日期 {c['birth_date'].isoformat()}）" for c in kids]
    assert checks[5].startswith("拒绝：") and "校验码" in checks[5]
    assert dialog.preview_model.index(5, 0).data(Qt.ItemDataRole.ForegroundRole) is not None  # in red
    assert "其中 1 行将被拒绝" in dialog.info_label.text()
    with qtbot.waitSignal(dialog.finished, timeout=10000):
        dialog.import_button.click()
    assert dialog.result() == QDialog.DialogCode.Accepted
    assert messages.texts("info")[-1].startswith("接受 5 行，拒绝 1 行，重复 0 行")
    assert (tmp_path / "名册-未导入的行.xlsx").exists()

    assert page.village_progress_text("青龙村") == "0/3"
    assert page.village_progress_text("米心村") == "0/2"
    assert page.overall_bar.value() == 0 and page.overall_bar.maximum() == 5
    qtbot.mouseClick(page.complete_button, Qt.MouseButton.LeftButton)
    assert "还有 5 名" in messages.texts("error")[-1]

    assert page.select_child(kids[1]["name"])
    choose(page.editor.status_combo, "区外就读")
    choose(page.editor.method_combo, "监护人电话")
    qtbot.mouseClick(page.save_button, Qt.MouseButton.LeftButton)
    assert "区外就读须填写就读学校" in page.editor.errors.text()
    type_into(qtbot, page.editor.school_edit, "东莞市长安小学")
    type_into(qtbot, page.editor.place_edit, "广东省东莞市")
    saved_row = page.view.selectionModel().selectedRows()[0].row()
    page.show()
    page.activateWindow()
    qtbot.waitUntil(lambda: page.isActiveWindow())
    qtbot.keyClick(page.editor.place_edit, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)  # Ctrl+S saves
    assert page.village_progress_text("青龙村") == "1/3"
    # the sweep goes on: the next child down the list is selected, ready to be marked
    assert page.view.selectionModel().selectedRows()[0].row() == saved_row + 1
    assert page.selected_child()["name"] != kids[1]["name"]
    assert page.select_child(kids[1]["name"])
    assert page.overall_bar.value() == 1
    with store.read() as s:
        rec = s.execute(select(ChildStatusRecord)).scalar_one()
        assert (rec.status, rec.school, rec.place, rec.semester) == ("区外就读", "东莞市长安小学", "广东省东莞市", SEM)
    row = next(r for r in range(page.model.rowCount()) if page.model.child(r)["name"] == kids[1]["name"])
    assert page.model.index(row, 6).data() == "区外就读"
    assert page.contact_button.isEnabled()

    choose(page.status_filter, "未核查")
    assert page.model.rowCount() == 4
    ModelTester(None).check(page.model)
    ModelTester(None).check(page.village_model)

    # The mapping is remembered for this kind of roster.
    again = page.open_import("census")
    again.load_file(path)
    assert again.mapping() == {"name": 1, "id_number": 2, "guardian_name": 3, "village": 4, "guardian_phone": 5}
    again.reject()


def test_roster_is_read_and_imported_off_the_gui_thread(qtbot, store: Store, tmp_path: Path, messages,  # noqa: ANN001
                                                         monkeypatch) -> None:  # noqa: ANN001
    """A large roster takes seconds to read and to import: both run on a worker thread, the window stays painted,
    and a cancelled import saves nothing and says so."""
    import threading

    census.semesters.choose_current(store, SEM)
    kids = R.children(3)
    path = R.write_plain_xlsx(tmp_path / "名册.xlsx", ["姓名", "身份证号码"],
                              [[c["name"], c["id_number"]] for c in kids])
    threads: dict[str, str] = {}
    real_preview, real_import = census.preview_roster, census.import_roster

    def preview(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        threads["read"] = threading.current_thread().name
        return real_preview(*args, **kwargs)

    def cancelled_import(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        threads["import"] = threading.current_thread().name
        raise census.ImportCancelled

    monkeypatch.setattr(census, "preview_roster", preview)
    monkeypatch.setattr(census, "import_roster", cancelled_import)
    page = CensusPage(store)
    qtbot.addWidget(page)
    dialog = page.open_import("census")
    assert dialog.load_file(path)
    assert threads["read"] != threading.main_thread().name
    worker = dialog.start_import()
    assert worker is not None
    qtbot.waitUntil(lambda: "已取消导入" in dialog.errors.text(), timeout=10000)
    assert threads["import"] != threading.main_thread().name
    assert "已取消导入" in dialog.errors.text() and dialog.import_button.isEnabled()
    assert census.children_count(store, census.ChildQuery(SEM)) == 0

    monkeypatch.setattr(census, "import_roster", real_import)
    with qtbot.waitSignal(dialog.finished, timeout=10000):
        dialog.import_button.click()
    assert dialog.result() == QDialog.DialogCode.Accepted
    assert census.children_count(store, census.ChildQuery(SEM)) == 3


def test_encrypted_file_shows_the_reason_in_the_dialog(qtbot, store: Store, tmp_path: Path) -> None:  # noqa: ANN001
    page = CensusPage(store)
    qtbot.addWidget(page)
    dialog = page.open_import("census")
    assert not dialog.load_file(R.write_encrypted_xlsx(tmp_path / "加密.xlsx"))
    assert "密码" in dialog.errors.text() and not dialog.import_button.isEnabled()
    dialog.reject()


def test_return_check_case_in_one_action(qtbot, store: Store, tmp_path: Path, monkeypatch) -> None:  # noqa: ANN001
    kids = R.children(3)
    census.import_roster(store, R.write_plain_xlsx(tmp_path / "spring.xlsx", R.ENROLLED_HEADER,
                         [R.enrolled_cells(c, "四年级") for c in kids]), "enrolled", semester="2026春")
    census.import_roster(store, R.write_plain_xlsx(tmp_path / "autumn.xlsx", R.ENROLLED_HEADER,
                         [R.enrolled_cells(c, "五年级") for c in kids[:1]]), "enrolled", semester=SEM)
    page = ReturnCheckPage(store)
    qtbot.addWidget(page)
    page.semester_combo.setCurrentText(SEM)
    ModelTester(None).check(page.return_model)
    qtbot.mouseClick(page.auto_button, Qt.MouseButton.LeftButton)
    assert page.return_model.index(0, 7).data() in ("已返校", "未核查")
    monkeypatch.setattr(ReturnCheckPage, "ask_destination", staticmethod(lambda _p: "潼南区实验小学"))
    page.select_student(kids[1]["name"])
    before = page.return_view.selectionModel().selectedRows()[0].row()
    qtbot.mouseClick(page.transfer_button, Qt.MouseButton.LeftButton)
    after = page.return_view.selectionModel().selectedRows()[0].row()
    assert after == min(before + 1, page.return_model.rowCount() - 1)  # on to the next student
    page.select_student(kids[2]["name"])
    qtbot.mouseClick(page.not_returned_button, Qt.MouseButton.LeftButton)
    assert page.return_model.row(page.return_view.selectionModel().selectedRows()[0].row())["name"] == kids[2]["name"]
    with qtbot.waitSignal(page.open_case) as opened:  # a student not back stays selected, for 立案
        qtbot.mouseClick(page.case_button, Qt.MouseButton.LeftButton)
    form = cases.load_form(store, opened.args[0])
    assert form.name == kids[2]["name"] and form.grade == "四年级"
    results = {page.return_model.row(r)["name"]: page.return_model.index(r, 7).data()
               for r in range(page.return_model.rowCount())}
    assert results == {kids[0]["name"]: "已返校", kids[1]["name"]: "转学", kids[2]["name"]: "未返校"}
    assert "未返校 1 人" in page.summary_label.text()


def test_comparison_page_lists_and_main_window_pages(qtbot, store: Store, tmp_path: Path, messages) -> None:  # noqa: ANN001
    census.semesters.choose_current(store, SEM)
    kids = R.children(3)
    census.import_roster(store, R.write_census_xlsx(tmp_path / "c.xlsx", [
        R.census_cells(i, c) for i, c in enumerate(kids)]), "census")
    window = MainWindow(store)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    assert {"摸排核查", "返校核查", "数据比对"} <= set(window.pages)
    window.show_page("数据比对")
    page = window.comparison_page
    assert isinstance(page, ComparisonPage)
    assert page.model.rowCount() == 3
    assert "没有登记就读状态" in page.model.index(0, 5).data()
    ModelTester(None).check(page.model)
    page.view.selectRow(0)
    assert page.selected() is not None
    with qtbot.waitSignal(page.open_case, timeout=3000):
        qtbot.mouseClick(page.case_button, Qt.MouseButton.LeftButton)
    assert messages.texts("error") == []
    assert cases.open_case_count(store) == 1
    for dialog in list(window.forms.values()):
        dialog.close()


def test_settings_semester_dates_and_age_window(qtbot, store: Store) -> None:  # noqa: ANN001
    import datetime as dt

    from desktop_app.services import semesters, settings
    from desktop_app.ui.census.settings_box import CensusSettingsBox
    from desktop_app.ui.widgets import to_qdate

    box = CensusSettingsBox(store)
    qtbot.addWidget(box)
    box.semester_combo.setCurrentText("2027春")
    box.start_edit.setDate(to_qdate(dt.date(2027, 2, 22)))
    box.end_edit.setDate(to_qdate(dt.date(2027, 7, 9)))
    box.min_spin.setValue(7)
    box.contact_spin.setValue(45)
    qtbot.mouseClick(box.save_button, Qt.MouseButton.LeftButton)
    assert box.saved_label.text() == "已保存"
    span = semesters.current(store)
    assert (span.name, span.start, span.end) == ("2027春", dt.date(2027, 2, 22), dt.date(2027, 7, 9))
    assert settings.get(store, "census.min_age") == 7 and settings.get(store, "census.contact_interval_days") == 45
    box.min_spin.setValue(10)
    box.max_spin.setValue(12)
    box.end_edit.setDate(to_qdate(dt.date(2027, 1, 1)))
    qtbot.mouseClick(box.save_button, Qt.MouseButton.LeftButton)
    assert "结束日期应晚于开始日期" in box.errors.text()


def test_status_dialog_and_contact_dialog(qtbot, store: Store, tmp_path: Path) -> None:  # noqa: ANN001
    import datetime as dt

    from desktop_app.ui.census.status_editor import ContactDialog, StatusDialog

    kid = R.children(1)[0]
    census.import_roster(store, R.write_census_xlsx(tmp_path / "c.xlsx", [R.census_cells(1, kid)]), "census")
    student_id = census.children_page(store, census.ChildQuery(SEM))[0]["student_id"]
    dialog = StatusDialog(store, student_id, SEM, "登记就读状态")
    qtbot.addWidget(dialog)
    choose(dialog.editor.status_combo, "特殊学校")
    choose(dialog.editor.method_combo, "村(居)委")
    type_into(qtbot, dialog.editor.school_edit, "潼南区特殊教育学校")
    with qtbot.waitSignal(dialog.finished):
        qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert dialog.result() == QDialog.DialogCode.Accepted
    record = census.status_of(store, student_id, SEM)
    assert (record.status, record.method, record.school) == ("特殊学校", "村(居)委", "潼南区特殊教育学校")

    contact = ContactDialog(store, student_id, kid["name"])
    qtbot.addWidget(contact)
    assert contact.history_label.text() == "还没有联系记录"
    qtbot.mouseClick(contact.save_button, Qt.MouseButton.LeftButton)
    assert "请简要记录联系情况" in contact.errors.text()
    type_into(qtbot, contact.note_edit, "电话联系监护人，孩子在校正常")
    with qtbot.waitSignal(contact.finished):
        qtbot.mouseClick(contact.save_button, Qt.MouseButton.LeftButton)
    assert [(c.contact_date, c.note) for c in census.contacts(store, student_id)] == [
        (dt.date.today(), "电话联系监护人，孩子在校正常")]


def test_mark_the_registry_children_here_from_the_census_page(qtbot, store: Store, tmp_path: Path,  # noqa: ANN001
                                                              messages) -> None:  # noqa: ANN001
    """The button asks first (with the count and who checks); cancelling changes nothing; confirming marks
    them 本校在读 and the progress bar moves."""
    census.semesters.choose_current(store, SEM)
    kids = R.children(4)
    census.import_roster(store, R.write_census_xlsx(tmp_path / "c.xlsx", [R.census_cells(i + 1, c)
                                                                        for i, c in enumerate(kids)]), "census")
    rows = [R.enrolled_cells(c, "五年级") for c in kids[:3]]
    census.import_roster(store, R.write_plain_xlsx(tmp_path / "e.xlsx", R.ENROLLED_HEADER, rows), "enrolled",
                         semester=SEM)
    page = CensusPage(store)
    qtbot.addWidget(page)
    page.show()
    assert page.overall_bar.value() == 0 and page.overall_bar.maximum() == 4
    messages.answer = False
    qtbot.mouseClick(page.registry_button, Qt.MouseButton.LeftButton)
    assert "尚未核查的 3 名适龄儿童" in messages.texts("confirm")[-1]
    assert page.overall_bar.value() == 0 and census.unchecked_on_roster(store, SEM)
    messages.answer = True
    qtbot.mouseClick(page.registry_button, Qt.MouseButton.LeftButton)
    assert messages.texts("info")[-1] == "已标记 3 名儿童为“本校在读”。"
    assert page.overall_bar.value() == 3
    with store.read() as s:
        assert sorted(s.execute(select(ChildStatusRecord.status)).scalars()) == ["本校在读"] * 3
    qtbot.mouseClick(page.registry_button, Qt.MouseButton.LeftButton)  # nothing left to mark: says why
    assert "没有尚未核查、又在本校学籍名册中的适龄儿童" in messages.texts("info")[-1]


def test_several_children_checked_the_same_way_are_saved_at_once(qtbot, store: Store, tmp_path: Path,  # noqa: ANN001
                                                                  messages) -> None:  # noqa: ANN001
    """Ctrl-click two children (siblings studying at the same middle school), fill the status once, save:
    asked first, then both carry it and the progress counts two."""
    census.semesters.choose_current(store, SEM)
    kids = R.children(4)
    census.import_roster(store, R.write_census_xlsx(tmp_path / "c.xlsx", [R.census_cells(i + 1, c)
                                                                        for i, c in enumerate(kids)]), "census")
    page = CensusPage(store)
    qtbot.addWidget(page)
    page.resize(1300, 700)
    page.show()
    view = page.view
    for row, modifier in ((0, Qt.KeyboardModifier.NoModifier), (2, Qt.KeyboardModifier.ControlModifier)):
        rect = view.visualRect(page.model.index(row, 0))
        qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, modifier, rect.center())
    chosen = [c["student_id"] for c in page.selected_children()]
    assert len(chosen) == 2 and page.selected_child() is None
    assert page.child_label.text().startswith("已选 2 名儿童") and not page.contact_button.isEnabled()
    choose(page.editor.status_combo, "区内他校在读")
    choose(page.editor.method_combo, "监护人电话")
    type_into(qtbot, page.editor.school_edit, "潼南区米心镇中学")
    qtbot.mouseClick(page.save_button, Qt.MouseButton.LeftButton)
    assert "为所选 2 名儿童记录同一核查结果“区内他校在读”" in messages.texts("confirm")[-1]
    assert page.overall_bar.value() == 2
    for sid in chosen:
        record = census.status_of(store, sid, SEM)
        assert record is not None and (record.status, record.method, record.school) == (
            "区内他校在读", "监护人电话", "潼南区米心镇中学")
    with store.read() as s:
        assert len(s.execute(select(ChildStatusRecord)).scalars().all()) == 2


def test_marking_down_the_unchecked_list_moves_to_the_next_child(qtbot, store: Store, tmp_path: Path) -> None:  # noqa: ANN001
    """Filtered on 未核查, each saved child leaves the list and the one below takes its place, selected: the
    teacher marks the whole list without touching the mouse between children."""
    census.semesters.choose_current(store, SEM)
    kids = R.children(3)
    census.import_roster(store, R.write_census_xlsx(tmp_path / "c.xlsx", [R.census_cells(i + 1, c)
                                                                        for i, c in enumerate(kids)]), "census")
    page = CensusPage(store)
    qtbot.addWidget(page)
    page.show()
    choose(page.status_filter, "未核查")
    page.view.selectRow(0)
    marked = []
    for _ in range(3):
        child = page.selected_child()
        assert child is not None
        marked.append(child["student_id"])
        choose(page.editor.status_combo, "本校在读")
        choose(page.editor.method_combo, "全国学籍管理系统")
        assert page.save_status()
    assert page.model.rowCount() == 0 and page.overall_bar.value() == 3
    assert page.editor.status_combo.currentText() == "" and not page.editor.isEnabled()  # nothing left selected
    assert len(set(marked)) == 3  # each child once, none skipped
