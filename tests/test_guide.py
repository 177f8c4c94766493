"""帮助: the built-in guide (F1 per page), its pictures kept current, the quick guide, the first steps."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from pypdf import PdfReader
from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QApplication, QPushButton, QWidget

from desktop_app.reports import quick_guide
from desktop_app.services import demo
from desktop_app.services.store import Store
from desktop_app.ui.help import guide, screens
from desktop_app.ui.main_window import FIRST_STEPS_KEY, MainWindow, QuickGuideFiles

GUIDE = Path(guide.guide_file())


def _guide_text() -> str:
    return GUIDE.read_text(encoding="utf-8")


def _pictures() -> list[str]:
    return re.findall(r'<img src="images/([a-z_]+)\.png"', _guide_text())


def test_every_section_of_the_notice_is_in_the_guide() -> None:
    text = _guide_text()
    headings = re.findall(r'<a name="([a-z_]+)"></a>\s*<h2>([^<]+)</h2>', text)
    assert headings == list(guide.SECTIONS)
    assert [h for _a, h in guide.SECTIONS] == [
        "第一次使用", "建档（一生一表）", "劝返与联合劝返", "销号与缓学", "摸排核查与返校核查",
        "特殊学生与送教上门", "打印与导出", "数据交换", "备份与恢复", "区教委督导"]
    assert not re.search(r"N-\d", text)  # no requirement ids in what a teacher reads


def test_every_picture_named_in_the_guide_exists_at_the_fixed_size() -> None:
    names = _pictures()
    assert len(names) >= 12
    for name in names:
        item = screens.screen(name)  # a picture the script does not take would never be current
        image = QImage(str(screens.images_dir() / f"{name}.png"))
        assert not image.isNull(), f"{name}.png is missing: run scripts/make_guide_screenshots.py"
        expected = screens.FORM_SIZE if item.is_form else screens.WINDOW_SIZE
        assert (image.width(), image.height()) == expected, name


def _check_current(window: MainWindow, kind: str) -> list[str]:
    stale = []
    for item in screens.SCREENS:
        if item.kind != kind or item.name not in _pictures():
            continue
        shown, now = screens.take(window, item)
        if changed := screens.changes(item.name, now):
            stale.append(f"{item.name}: {changed}")
        if shown is not window:
            shown.close()
    return stale


def test_the_guides_pictures_show_the_current_school_screens(qtbot, store: Store) -> None:  # noqa: ANN001
    demo.load(store, 3)
    window = MainWindow(store)
    qtbot.addWidget(window)
    window.resize(*screens.WINDOW_SIZE)
    window.show()
    stale = _check_current(window, screens.SCHOOL)
    assert not stale, "screens changed since their pictures: run scripts/make_guide_screenshots.py\n" + "\n".join(stale)


def test_the_guides_pictures_show_the_current_district_screens(qtbot, tmp_path: Path) -> None:  # noqa: ANN001
    from tests.sync_helpers import make_district

    district = make_district(tmp_path / "district")
    try:
        window = MainWindow(district)
        qtbot.addWidget(window)
        window.show()
        stale = _check_current(window, screens.DISTRICT)
        assert not stale, "run scripts/make_guide_screenshots.py\n" + "\n".join(stale)
    finally:
        window.close()
        district.close()


def test_a_changed_screen_makes_its_picture_stale(qtbot, store: Store) -> None:  # noqa: ANN001
    window = MainWindow(store)
    qtbot.addWidget(window)
    _shown, now = screens.take(window, screens.screen("reports"))
    assert screens.changes("reports", now) == []
    QPushButton("新按钮", window.reports_page)
    _shown, now = screens.take(window, screens.screen("reports"))
    assert screens.changes("reports", now) == ["+button:新按钮"]


def _activate(qtbot, window: QWidget) -> None:  # noqa: ANN001
    window.show()
    qtbot.waitExposed(window)
    window.windowHandle().requestActivate()  # a shortcut only works in the active window
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)


def test_f1_opens_the_section_of_each_page(qtbot, store: Store) -> None:  # noqa: ANN001
    window = MainWindow(store)
    qtbot.addWidget(window)
    for name in window.pages:
        window.show_page(name)
        _activate(qtbot, window)
        qtbot.keyClick(window.nav, Qt.Key.Key_F1)
        dialog = guide._open[0]
        assert dialog.isVisible()
        assert dialog.current_section() == guide.PAGE_SECTIONS[name], name
    # the browser shows that section: its heading is at the top of the text
    window.show_page("数据交换")
    dialog = window.show_guide()
    top = dialog.browser.cursorForPosition(dialog.browser.viewport().rect().topLeft())
    assert "数据交换" in top.block().text() or dialog.browser.verticalScrollBar().value() > 0
    dialog.close()


@pytest.mark.parametrize(("tab", "section"), [(0, "registration"), (1, "persuasion"), (2, "closing")])
def test_f1_on_the_form_opens_the_section_of_its_tab(qtbot, store: Store, tab: int, section: str) -> None:  # noqa: ANN001
    window = MainWindow(store)
    qtbot.addWidget(window)
    form = window.new_case()
    form.tabs.setCurrentIndex(tab)
    _activate(qtbot, form)
    qtbot.keyClick(form.tabs, Qt.Key.Key_F1)
    dialog = guide._open[0]
    assert dialog.current_section() == section
    assert dialog.parent() is window  # the guide stays open when the form closes
    form.close()
    dialog.close()


def test_the_guide_shows_its_pictures(qtbot) -> None:  # noqa: ANN001
    dialog = guide.GuideDialog()
    qtbot.addWidget(dialog)
    document = dialog.browser.document()
    for name in _pictures()[:3]:
        image = document.resource(document.ResourceType.ImageResource,
                                  dialog.browser.source().resolved(QUrl(f"images/{name}.png")))
        assert image is not None and not image.isNull(), name


def test_quick_guide_is_two_a4_pages_with_the_font_embedded(tmp_path: Path) -> None:
    path = quick_guide.write(tmp_path / "快速上手.pdf")
    reader = PdfReader(path)
    assert len(reader.pages) == 2
    for page in reader.pages:
        assert (round(float(page.mediabox.width)), round(float(page.mediabox.height))) == (595, 842)
        fonts = [ref.get_object() for ref in page["/Resources"]["/Font"].values()]
        cjk = [f for f in fonts if "WenQuanYi" in str(f["/BaseFont"])]
        assert cjk, "the text is in the bundled font"
        for font in cjk:  # embedded: it prints the same on a PC without Chinese fonts
            assert "/FontFile2" in font["/FontDescriptor"].get_object()
    text = reader.pages[0].extract_text() + reader.pages[1].extract_text()
    for step in ("导入登记包", "新建案件", "备份到U盘", "摸排核查", "导出数据包给区教委"):
        assert step in text


def test_quick_guide_from_the_help_menu(qtbot, store: Store, tmp_path: Path, monkeypatch, messages) -> None:  # noqa: ANN001
    opened: list[Path] = []
    target = tmp_path / "桌面" / "快速上手.pdf"
    target.parent.mkdir()
    monkeypatch.setattr(QuickGuideFiles, "save", staticmethod(lambda _parent: target))
    monkeypatch.setattr(QuickGuideFiles, "open", staticmethod(opened.append))
    window = MainWindow(store)
    qtbot.addWidget(window)
    window.quick_guide_action.trigger()
    assert len(PdfReader(target).pages) == 2
    assert opened == [target]
    assert str(target) in messages.texts("info")[-1]


def test_quick_guide_into_a_missing_folder_says_so(qtbot, store: Store, tmp_path: Path, monkeypatch,  # noqa: ANN001
                                                    messages) -> None:
    monkeypatch.setattr(QuickGuideFiles, "save", staticmethod(lambda _parent: tmp_path / "无" / "a.pdf"))
    monkeypatch.setattr(QuickGuideFiles, "open", staticmethod(lambda _p: pytest.fail("nothing to open")))
    window = MainWindow(store)
    qtbot.addWidget(window)
    assert window.print_quick_guide() is None
    assert "不存在" in messages.texts("error")[-1]


def test_first_steps_stay_until_dismissed(qtbot, store: Store) -> None:  # noqa: ANN001
    window = MainWindow(store)
    qtbot.addWidget(window)
    assert window.first_steps is None  # not on an ordinary start
    panel = window.show_first_steps()
    window.close()
    again = MainWindow(store)
    qtbot.addWidget(again)
    again.show()
    assert again.first_steps is not None and again.first_steps.isVisible()
    steps = again.first_steps.buttons
    assert list(steps) == ["1. 核对本机单位", "2. 导入登记包", "3. 建第一件案件", "4. 备份到U盘"]
    qtbot.mouseClick(steps["2. 导入登记包"], Qt.MouseButton.LeftButton)
    assert again.current_page_name() == "数据交换"
    qtbot.mouseClick(steps["3. 建第一件案件"], Qt.MouseButton.LeftButton)
    form = next(w for w in again.findChildren(type(again.new_case())) if w.isVisible())
    form.close()
    qtbot.mouseClick(again.first_steps.close_button, Qt.MouseButton.LeftButton)
    assert not again.first_steps.isVisible()
    again.close()
    third = MainWindow(store)
    qtbot.addWidget(third)
    assert third.first_steps is None
    assert not third.settings.value(FIRST_STEPS_KEY, False, type=bool)
    del panel


def test_the_first_start_after_set_up_shows_the_first_steps(qtbot, tmp_path: Path, monkeypatch) -> None:  # noqa: ANN001
    from PySide6.QtWidgets import QApplication

    from desktop_app.services import accounts, installation
    from desktop_app.ui import app as gui_app
    from desktop_app.ui.setup_dialog import SetupDialog
    from tests.conftest import SCHOOL

    def set_up(store: Store, _parent: object = None) -> bool:
        installation.setup(store, SCHOOL)
        accounts.create_first_admin(store, "zhou", "Mixin-2026!")
        accounts.sign_in(store, "zhou", "Mixin-2026!")
        return True

    shown: list[MainWindow] = []
    monkeypatch.setattr(SetupDialog, "ask", staticmethod(set_up))
    monkeypatch.setattr(MainWindow, "show", lambda self: shown.append(self))
    monkeypatch.setattr(QApplication, "exec", lambda *_a: 0)
    from desktop_app.services import backup

    monkeypatch.setattr(backup, "daily_if_due", lambda _s: None)
    from desktop_app.ui.accounts.unlock import NewRecoveryKeyDialog

    monkeypatch.setattr(NewRecoveryKeyDialog, "exec", lambda _self: 1)  # the recovery key sheet, read and closed
    assert gui_app.main(["baoxue", "--data-dir", str(tmp_path / "new")]) == 0
    assert shown and shown[0].first_steps is not None and not shown[0].first_steps.isHidden()
    shown[0].close()
    shown[0].deleteLater()
