"""The main job as a new teacher does it, at 1366x768: a new case, two persuasion attempts, save,
print to PDF, find it in the ledger, export the list. Asserts what the teacher sees on the way:
where the cursor starts, which field is required, the file names and the messages."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader
from PySide6.QtCore import QRect, Qt
from PySide6.QtPrintSupport import QPrinter, QPrintPreviewDialog
from PySide6.QtWidgets import QDialog, QFileDialog

from desktop_app.services import case_history, printing
from desktop_app.services.store import Store
from desktop_app.ui.accounts.dialogs import ExportReasonDialog
from desktop_app.ui.help import screens
from desktop_app.ui.main_window import MainWindow
from tests.conftest import MessageLog
from tests.factories import ID_NUMBER
from tests.helpers.qt import choose, type_into
from tests.test_form_gui import fill_attempt_when_shown


@pytest.fixture
def documents(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The teacher's Documents folder; save dialogs answer with the name they suggest, there."""
    from desktop_app.ui.common import files

    folder = tmp_path / "文档"
    folder.mkdir()
    monkeypatch.setattr(files, "documents", lambda: folder)
    suggested: list[str] = []

    def save(_parent: Any, _title: str, start: str, _filter: str) -> tuple[str, str]:
        suggested.append(start)
        return start, ""

    monkeypatch.setattr(QFileDialog, "getSaveFileName", save)
    return folder


def test_a_new_teacher_does_the_main_job(qtbot, store: Store, documents: Path, monkeypatch: pytest.MonkeyPatch,  # noqa: ANN001
                                         messages: MessageLog) -> None:
    window = MainWindow(store)
    qtbot.addWidget(window)
    window.setGeometry(QRect(0, 32, *screens.WINDOW_SIZE))
    window.show()
    qtbot.waitExposed(window)

    # 1. 台账 → 新建案件: the cursor is in 姓名; derived fields are empty.
    window.show_page("台账")
    qtbot.mouseClick(window.ledger.new_button, Qt.MouseButton.LeftButton)
    form = next(w for w in window.findChildren(QDialog) if w.windowTitle().startswith("新建"))
    qtbot.waitExposed(form)
    qtbot.waitUntil(lambda: form.focusWidget() is form.name_edit)
    assert form.birth_edit.text().strip() == "" and form.age_label.text() == ""
    assert form.width() <= 1366 and form.height() <= 728

    # 2. The teacher types what the paper form says, forgetting the grade.
    type_into(qtbot, form.name_edit, "张小明")
    type_into(qtbot, form.id_edit, ID_NUMBER)
    assert form.birth_edit.text() == "2013-05-17" and form.age_label.text().endswith("岁")
    type_into(qtbot, form.guardian1_name_edit, "张大山")
    choose(form.guardian1_relation_combo, "父亲")
    type_into(qtbot, form.guardian1_phone_edit, "13812345678")
    type_into(qtbot, form.address_edits["hukou"].edits["township"], "米心镇")
    type_into(qtbot, form.address_edits["hukou"].edits["detail"], "青龙村3组12号")
    qtbot.mouseClick(form.copy_address_button, Qt.MouseButton.LeftButton)
    choose(form.reason_combo, "外出务工")

    # 3. Two persuasion attempts on the second tab.
    form.tabs.setCurrentIndex(1)
    fill_attempt_when_shown(qtbot, dt.date.today() - dt.timedelta(days=9), "王校长、李老师", "学生家中", "上门家访",
                            "家长同意配合")
    qtbot.mouseClick(form.add_attempt_button, Qt.MouseButton.LeftButton)
    fill_attempt_when_shown(qtbot, dt.date.today() - dt.timedelta(days=2), "班主任", "村委会", "电话联系", "仍不愿返校")
    qtbot.mouseClick(form.add_attempt_button, Qt.MouseButton.LeftButton)
    assert form.count_label.text() == "2次"

    # 4. Save: refused, because the grade is required; the form goes back to it.
    with qtbot.assertNotEmitted(form.saved):
        qtbot.mouseClick(form.save_button, Qt.MouseButton.LeftButton)
    assert form.errors["grade"].text() == "请选择年级" and form.errors["grade"].isVisibleTo(form)
    assert form.tabs.currentIndex() == 0 and form.focusWidget() is form.grade_combo
    assert "未保存" in form.banner.text()
    choose(form.grade_combo, "七年级")
    with qtbot.waitSignal(form.saved, timeout=5000):
        qtbot.mouseClick(form.save_button, Qt.MouseButton.LeftButton)
    assert form.status_label.text() == "已保存。状态：劝返中"

    # 5. 打印 → the print dialog's 打印到PDF: the same PDF as 保存为PDF, with text.
    target = documents / "张小明-一生一表.pdf"

    def print_to_file(dialog: QPrintPreviewDialog) -> int:
        printer = dialog.printer()
        printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
        printer.setOutputFileName(str(target))
        dialog.paintRequested.emit(printer)
        return QDialog.DialogCode.Accepted.value

    monkeypatch.setattr(QPrintPreviewDialog, "exec", print_to_file)
    qtbot.mouseClick(form.print_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: target in messages.written, timeout=20_000)
    assert f"一生一表已保存为PDF（与“保存为PDF”相同，含文字）：\n{target}" == messages.texts("info")[-1]
    assert "张小明" in PdfReader(target).pages[0].extract_text()
    case_id = form._form.case_id
    printed = [line.new for line in case_history.case_history(store, case_id) if line.what == printing.EVENT_PRINT]
    assert printed and printed[-1].startswith("张小明的一生一表打印到PDF文件“张小明-一生一表.pdf”，核验码 BX1-")
    form.close()

    # 6. Find the case in the ledger by pinyin initials.
    type_into(qtbot, window.ledger.search_edit, "zxm")
    window.ledger.apply_filters()
    assert window.ledger.model.rowCount() == 1
    assert window.ledger.model.index(0, 0).data() == "张小明"
    last = window.ledger.model.columnCount() - 1
    assert window.ledger.model.index(0, last).data() == "未报送"

    # 7. Export the list: asked why (personal data), named after the view and the date, in Documents.
    monkeypatch.setattr(ExportReasonDialog, "ask", classmethod(lambda _cls, *_a: ("报送教管中心", False)))
    worker = window.ledger.export_excel()
    assert worker is not None
    qtbot.waitUntil(lambda: len(messages.written) == 2, timeout=20_000)
    stamp = dt.date.today().strftime("%Y%m%d")
    exported = documents / f"潼南区米心镇中心小学全部案件-{stamp}.xlsx"
    assert messages.written[-1] == exported and exported.exists()
    assert messages.texts("info")[-1] == f"已导出全部案件 1 行：\n{exported}"
    sheet = load_workbook(exported).active
    assert sheet.title == "全部案件"
    assert [sheet.cell(4, c).value for c in (2, 8)] == ["张小明", "七年级"]
    assert not messages.texts("error")
