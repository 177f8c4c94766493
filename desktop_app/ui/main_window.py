"""The main window: a navigation list on the left, one page per area on the right."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, cast

from PySide6.QtCore import QSettings, QSize, Qt, QThreadPool, QUrl
from PySide6.QtGui import QAction, QCloseEvent, QDesktopServices, QKeySequence
from PySide6.QtWidgets import (
    QHBoxLayout,
    QListWidget,
    QMainWindow,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from desktop_app import APP_NAME
from desktop_app.domain.errors import BaoxueError
from desktop_app.services import accounts, paths, server, settings
from desktop_app.services.access import Permission, can
from desktop_app.services.store import Store
from desktop_app.ui.accounts.lock import WindowLock
from desktop_app.ui.common import files, operations
from desktop_app.ui.common.tables import prepare_all
from desktop_app.ui.common.window import ElidedLabel, place
from desktop_app.ui.overview import OverviewPage
from desktop_app.ui.widgets import Messages, fill
from desktop_app.ui.workers import Cancelled, Worker

if TYPE_CHECKING:  # the other pages are imported when first shown: start-up loads only the overview
    from desktop_app.services import cases
    from desktop_app.ui.about_dialog import AboutDialog
    from desktop_app.ui.accounts.page import AccountsPage
    from desktop_app.ui.care.page import CarePage
    from desktop_app.ui.census.census_page import CensusPage
    from desktop_app.ui.census.comparison_page import ComparisonPage
    from desktop_app.ui.census.return_page import ReturnCheckPage
    from desktop_app.ui.district.matching_page import MatchingPage
    from desktop_app.ui.district.page import SupervisionPage
    from desktop_app.ui.exchange.page import ExchangePage
    from desktop_app.ui.form.registration_dialog import RegistrationFormDialog
    from desktop_app.ui.help import guide
    from desktop_app.ui.help.first_steps import FirstStepsPanel
    from desktop_app.ui.home_teaching.page import HomeTeachingPage
    from desktop_app.ui.ledger.page import LedgerPage
    from desktop_app.ui.reports.page import ReportsPage
    from desktop_app.ui.settings.page import SettingsPage
    from desktop_app.ui.verify_dialog import VerifyDialog


FIRST_STEPS_KEY = "first_steps/show"


class QuickGuideFiles:
    """Where the quick guide goes and how it is opened, in one place so tests can replace them."""

    @staticmethod
    def save(parent: QWidget) -> Path | None:
        return files.save_path(parent, files.EXPORTS, parent.tr("保存快速上手"), "保学台账快速上手.pdf", "PDF (*.pdf)")

    @staticmethod
    def open(path: Path) -> None:
        QDesktopServices.openUrl(QUrl.fromLocalFile(str(path)))


class MainWindow(QMainWindow):
    def __init__(self, store: Store, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.store = store
        self.settings = QSettings(str(store.data_dir / "settings.ini"), QSettings.Format.IniFormat)
        files.use_settings(self.settings)  # the last folder of each kind of file, kept with the data
        inst = store.installation()
        self.setWindowTitle(f"{APP_NAME} — {inst.name}" if inst else APP_NAME)
        if paths.is_portable(store.data_dir):  # data and settings.ini beside the executable
            self.setWindowTitle(self.windowTitle() + self.tr("（便携模式）"))
        self.forms: dict[str, RegistrationFormDialog] = {}
        self._worker: Worker | None = None

        central = QWidget(self)
        outer = QVBoxLayout(central)
        outer.setContentsMargins(0, 0, 0, 0)
        self.first_steps: FirstStepsPanel | None = None
        self._first_steps_slot = QVBoxLayout()
        outer.addLayout(self._first_steps_slot)
        layout = QHBoxLayout()
        outer.addLayout(layout, 1)
        self.nav = QListWidget(central)
        self.nav.setFixedWidth(130)
        self.nav.setStyleSheet("QListWidget { font-size: 12pt; } QListWidget::item { padding: 8px; }")
        self.stack = QStackedWidget(central)
        layout.addWidget(self.nav)
        layout.addWidget(self.stack, 1)
        self.setCentralWidget(central)

        # Only the overview is built now; every other page is imported and built when first shown
        # (_page_changed), and pages load their data when shown, not while the window is built.
        self.overview = OverviewPage(store, self, load=False)
        district = bool(inst and inst.kind == "district")
        self.pages: dict[str, QWidget] = {}  # name -> the page, or a placeholder until it is first shown
        self._factories: dict[str, Callable[[], QWidget]] = {}
        candidates: tuple[tuple[str, Callable[[], QWidget] | None], ...] = (
            (self.tr("台账"), self._make_ledger),
            # The census, care and home teaching are a school's work; the district supervises instead.
            (self.tr("区教委督导"), self._make_supervision if district else None),
            (self.tr("全区联查"), self._make_matching if district else None),
            (self.tr("摸排核查"), None if district else self._make_census),
            (self.tr("返校核查"), None if district else self._make_return_check),
            (self.tr("数据比对"), None if district else self._make_comparison),
            (self.tr("特殊学生关爱"), None if district else self._make_care),
            (self.tr("送教上门"), None if district else self._make_home_teaching),
            (self.tr("数据交换"), self._make_exchange), (self.tr("报表与打印"), self._make_reports),
            (self.tr("设置"), self._make_settings),
            (self.tr("账户"), self._make_accounts),
        )
        self.add_page(self.tr("总览"), self.overview)
        for name, factory in candidates:
            if factory is not None:
                self.add_lazy_page(name, factory)
        self.nav.currentRowChanged.connect(self._page_changed)
        self.nav.setCurrentRow(0)

        self.overview.show_ledger.connect(self.show_ledger)
        self.overview.show_query.connect(self.show_ledger_query)
        self.overview.open_case.connect(self.open_case)
        self.overview.open_target.connect(self.open_target)
        self._build_menus()
        self.user_label = ElidedLabel(self)  # a long data folder path is shortened in the middle
        self.statusBar().addPermanentWidget(self.user_label, 1)
        operations.events.changed.connect(self._store_changed)
        self.window_lock = WindowLock(
            self, store, lambda: settings.get(store, accounts.IDLE_LOCK_MINUTES.key) * 60_000)
        self.window_lock.unlocked.connect(self.account_changed)
        self.account_changed(refresh_page=False)  # the first page was loaded by setCurrentRow(0)
        # Inside the screen less its taskbar (1366x768 less the taskbar on many school PCs), where it was last.
        place(self, QSize(1280, 720), self.settings.value("main_window/geometry"))
        prepare_all(self)  # every table: columns sized to content, elided text with the whole text as tooltip
        if self.settings.value(FIRST_STEPS_KEY, False, type=bool):
            self.show_first_steps()

    # --- help ---------------------------------------------------------------------------

    def current_page_name(self) -> str:
        row = self.nav.currentRow()
        return list(self.pages)[row] if row >= 0 else ""

    def show_guide(self, anchor: str | None = None) -> guide.GuideDialog:
        """帮助 → 使用指南 (F1): the guide at the section of the page in use."""
        from desktop_app.ui.help import guide  # noqa: PLC0415 - when asked for, not at start

        return guide.show_guide(self, anchor or guide.PAGE_SECTIONS.get(self.current_page_name(), "first_use"))

    def show_first_steps(self) -> FirstStepsPanel:
        """The first steps after set-up, shown at every start until the user dismisses them."""
        self.settings.setValue(FIRST_STEPS_KEY, True)
        if self.first_steps is None:
            from desktop_app.ui.help.first_steps import FirstStepsPanel  # noqa: PLC0415 - until dismissed only

            inst = self.store.installation()
            actions = {
                "settings": lambda: self.show_page(self.tr("设置")),
                "exchange": lambda: self.show_page(self.tr("数据交换")),
                "new_case": self.new_case,
                "backup": self._backup_to_usb,
            }
            self.first_steps = FirstStepsPanel(actions, bool(inst and inst.kind == "district"), self)
            self.first_steps.dismissed.connect(self._first_steps_dismissed)
            self.first_steps.guide.connect(lambda: self.show_guide("first_use"))
            self._first_steps_slot.addWidget(self.first_steps)
        self.first_steps.show()
        return self.first_steps

    def _first_steps_dismissed(self) -> None:
        self.settings.setValue(FIRST_STEPS_KEY, False)
        self.settings.sync()

    def _backup_to_usb(self) -> None:
        self.show_page(self.tr("设置"))
        self.settings_page.backup_box.ask_backup_encrypted()

    def print_quick_guide(self) -> Path | None:
        """帮助 → 打印快速上手: the two-page A4 quick guide as a PDF, opened for printing."""
        from desktop_app.reports import quick_guide

        path = QuickGuideFiles.save(self)
        if path is None:
            return None
        try:
            quick_guide.write(path)
        except BaoxueError as exc:
            Messages.error(self, self.tr("打印快速上手"), str(exc))
            return None
        Messages.written(self, self.tr("打印快速上手"), self.tr(
            "快速上手（两页A4）已保存到：\n%1\n\n将用PDF阅读器打开，请从阅读器中打印。").replace("%1", str(path)), path)
        QuickGuideFiles.open(path)
        return path

    def account_changed(self, refresh_page: bool = True) -> None:
        """After sign-in, unlock or restore: show who is working and refresh what the role allows."""
        self._show_who()
        self.new_action.setEnabled(can(self.store, Permission.EDIT_RECORDS))
        self.demo_action.setEnabled(can(self.store, Permission.LOAD_DEMO))
        self.lock_action.setEnabled(not self.store.account.is_system)
        self.password_action.setEnabled(not self.store.account.is_system)
        if refresh_page:
            self._refresh_page(self.stack.currentWidget())

    def lock(self) -> None:
        self.window_lock.lock()

    def _restored(self) -> None:
        self.store.forget_installation()
        self._case_saved("")
        self.window_lock.lock(self.tr("已从备份恢复。请用备份中的账户重新登录。"))

    def open_target(self, kind: str, target: str) -> None:
        """A 待办 item that is not a case: show the page that deals with it."""
        if kind == "approval" and self.supervision is not None:
            self.show_page(self.tr("区教委督导"))
            self.supervision.show_application(target)
        elif kind == "school" and self.supervision is not None:
            self.show_page(self.tr("区教委督导"))
            self.supervision.tabs.setCurrentIndex(0)
        elif kind == "match" and self.matching_page is not None:  # a 全区联查 figure: its list
            self.show_page(self.tr("全区联查"))
            self.matching_page.show_list(target)
        elif kind == "proposals" and target in self.pages:  # 联查建议: the census page that lists them
            self.show_page(target)
        elif kind == "home_teaching_plan" and self.tr("送教上门") in self.pages:
            self.show_page(self.tr("送教上门"))
        elif kind == "handover" and self.tr("台账") in self.pages:  # 移交 to accept or send back
            self.show_page(self.tr("台账"))
            self.ledger.show_incoming()
        elif kind == "student" and self.tr("摸排核查") in self.pages:
            self.show_page(self.tr("摸排核查"))

    def add_page(self, name: str, page: QWidget) -> None:
        self.pages[name] = page
        self.stack.addWidget(page)
        self.nav.addItem(name)

    def add_lazy_page(self, name: str, factory: Callable[[], QWidget]) -> None:
        """A page built by ``factory`` when it is first shown or asked for."""
        self._factories[name] = factory
        self.add_page(name, QWidget(self.stack))

    def _build(self, name: str) -> QWidget:
        """The page called ``name``; one built now loads its data at once, as if it had been shown."""
        factory = self._factories.pop(name, None)
        if factory is None:
            return self.pages[name]
        placeholder = self.pages[name]
        page = factory()
        index = self.stack.indexOf(placeholder)
        self.stack.insertWidget(index, page)
        self.stack.removeWidget(placeholder)
        placeholder.deleteLater()
        self.pages[name] = page
        prepare_all(page)  # its tables: columns sized to content, elided text with tooltips
        self._refresh_page(page)
        return page

    def page(self, name: str) -> QWidget | None:
        """The page called ``name`` (built if needed), or None when this installation has no such page."""
        return self._build(name) if name in self.pages else None

    def _built(self, name: str) -> QWidget | None:
        """The page if it was built already (nothing to refresh otherwise: it loads when first shown)."""
        return None if name in self._factories else self.pages.get(name)

    def show_page(self, name: str) -> None:
        self.nav.setCurrentRow(list(self.pages).index(name))

    def _page_changed(self, row: int) -> None:
        name = list(self.pages)[row]
        new = name in self._factories
        page = self._build(name)  # a page built now has just loaded
        self.stack.setCurrentWidget(page)
        if not new:
            self._refresh_page(page)

    # --- the pages, built on first use ------------------------------------------------------

    def _make_ledger(self) -> QWidget:
        from desktop_app.ui.ledger.page import LedgerPage

        ledger = LedgerPage(self.store, self, load=False)
        ledger.case_changed.connect(self._case_changed_elsewhere)
        ledger.open_case.connect(self.open_case)
        ledger.new_case.connect(self.new_case)
        return ledger

    def _make_supervision(self) -> QWidget:
        from desktop_app.ui.district.page import SupervisionPage

        return SupervisionPage(self.store, self)

    def _make_matching(self) -> QWidget:
        from desktop_app.ui.district.matching_page import MatchingPage

        return MatchingPage(self.store, self)

    def _make_census(self) -> QWidget:
        from desktop_app.ui.census.census_page import CensusPage

        return CensusPage(self.store, self)

    def _make_return_check(self) -> QWidget:
        from desktop_app.ui.census.return_page import ReturnCheckPage

        page = ReturnCheckPage(self.store, self)
        page.open_case.connect(self._census_case_opened)
        return page

    def _make_comparison(self) -> QWidget:
        from desktop_app.ui.census.comparison_page import ComparisonPage

        page = ComparisonPage(self.store, self)
        page.open_case.connect(self._census_case_opened)
        return page

    def _make_care(self) -> QWidget:
        from desktop_app.ui.care.page import CarePage

        return CarePage(self.store, self)

    def _make_home_teaching(self) -> QWidget:
        from desktop_app.ui.home_teaching.page import HomeTeachingPage

        return HomeTeachingPage(self.store, self)

    def _make_exchange(self) -> QWidget:
        from desktop_app.ui.exchange.page import ExchangePage

        return ExchangePage(self.store, self)

    def _make_reports(self) -> QWidget:
        from desktop_app.ui.reports.page import ReportsPage

        return ReportsPage(self.store, self, load=False)

    def _make_settings(self) -> QWidget:
        from desktop_app.ui.settings.page import SettingsPage

        page = SettingsPage(self.store, self)
        page.backup_box.restored.connect(self._restored)
        return page

    def _make_accounts(self) -> QWidget:
        from desktop_app.ui.accounts.page import AccountsPage

        return AccountsPage(self.store, self)

    @property
    def ledger(self) -> LedgerPage:
        return cast("LedgerPage", self._build(self.tr("台账")))

    @property
    def supervision(self) -> SupervisionPage | None:
        return cast("SupervisionPage | None", self.page(self.tr("区教委督导")))

    @property
    def matching_page(self) -> MatchingPage | None:
        return cast("MatchingPage | None", self.page(self.tr("全区联查")))

    @property
    def census_page(self) -> CensusPage | None:
        return cast("CensusPage | None", self.page(self.tr("摸排核查")))

    @property
    def return_page(self) -> ReturnCheckPage | None:
        return cast("ReturnCheckPage | None", self.page(self.tr("返校核查")))

    @property
    def comparison_page(self) -> ComparisonPage | None:
        return cast("ComparisonPage | None", self.page(self.tr("数据比对")))

    @property
    def care_page(self) -> CarePage | None:
        return cast("CarePage | None", self.page(self.tr("特殊学生关爱")))

    @property
    def home_teaching_page(self) -> HomeTeachingPage | None:
        return cast("HomeTeachingPage | None", self.page(self.tr("送教上门")))

    @property
    def exchange(self) -> ExchangePage:
        return cast("ExchangePage", self._build(self.tr("数据交换")))

    @property
    def reports_page(self) -> ReportsPage:
        return cast("ReportsPage", self._build(self.tr("报表与打印")))

    @property
    def settings_page(self) -> SettingsPage:
        return cast("SettingsPage", self._build(self.tr("设置")))

    @property
    def accounts_page(self) -> AccountsPage:
        return cast("AccountsPage", self._build(self.tr("账户")))

    @staticmethod
    def _refresh_page(page: QWidget | None) -> None:
        """Reload a page's data; pages whose figures can take seconds do it on a worker thread (None: no page)."""
        if page is None:
            return
        if hasattr(page, "refresh_async"):
            page.refresh_async()
        elif hasattr(page, "refresh"):
            page.refresh()

    def _build_menus(self) -> None:
        file_menu = self.menuBar().addMenu(self.tr("文件(&F)"))
        self.new_action = QAction(self.tr("新建案件(&N)"), self)
        self.new_action.setShortcut(QKeySequence.StandardKey.New)
        self.new_action.triggered.connect(self.new_case)
        file_menu.addAction(self.new_action)
        self.demo_action = QAction(self.tr("载入演示数据…"), self)
        self.demo_action.triggered.connect(self.ask_load_demo)
        file_menu.addAction(self.demo_action)
        self.verify_action = QAction(self.tr("校验数据和历史记录(&V)"), self)
        self.verify_action.triggered.connect(self.verify)
        file_menu.addAction(self.verify_action)
        file_menu.addSeparator()
        self.lock_action = QAction(self.tr("锁定(&L)"), self)
        self.lock_action.setShortcut(QKeySequence("Ctrl+L"))
        self.lock_action.triggered.connect(self.lock)
        self.lock_action.setEnabled(not self.store.account.is_system)
        file_menu.addAction(self.lock_action)
        self.password_action = QAction(self.tr("修改我的密码…"), self)
        self.password_action.triggered.connect(self._change_password)
        self.password_action.setEnabled(not self.store.account.is_system)
        file_menu.addAction(self.password_action)
        file_menu.addSeparator()
        quit_action = QAction(self.tr("退出(&X)"), self)
        quit_action.setShortcut(QKeySequence.StandardKey.Quit)
        quit_action.triggered.connect(self.close)
        file_menu.addAction(quit_action)
        help_menu = self.menuBar().addMenu(self.tr("帮助(&H)"))
        self.guide_action = QAction(self.tr("使用指南(&G)"), self)
        self.guide_action.setShortcut(QKeySequence.StandardKey.HelpContents)  # F1, as guide.HELP_KEY
        self.guide_action.triggered.connect(lambda: self.show_guide())
        help_menu.addAction(self.guide_action)
        self.quick_guide_action = QAction(self.tr("打印快速上手…"), self)
        self.quick_guide_action.triggered.connect(self.print_quick_guide)
        help_menu.addAction(self.quick_guide_action)
        self.first_steps_action = QAction(self.tr("第一次使用的步骤"), self)
        self.first_steps_action.triggered.connect(self.show_first_steps)
        help_menu.addAction(self.first_steps_action)
        help_menu.addSeparator()
        self.update_action = QAction(self.tr("安装新版本程序(&U)…"), self)
        self.update_action.triggered.connect(self.install_update)
        help_menu.addAction(self.update_action)
        help_menu.aboutToShow.connect(self._refresh_update_action)
        self.update_action.setEnabled(False)  # until the menu is first opened: nothing is read at start
        self.update_action.setText(self.tr("安装新版本程序(&U)…（尚未收到新版本）"))
        self.about_action = QAction(self.tr("关于(&A)"), self)
        self.about_action.triggered.connect(self.show_about)
        help_menu.addAction(self.about_action)

    def _change_password(self) -> None:
        from desktop_app.ui.accounts.dialogs import ChangePasswordDialog

        ChangePasswordDialog.ask(self.store, self)

    def _refresh_update_action(self) -> None:
        from desktop_app.services import updates  # noqa: PLC0415 - when the help menu opens, not at start

        release = updates.offered(self.store)
        self.update_action.setEnabled(release is not None and can(self.store, Permission.RESTORE))
        self.update_action.setText(self.tr("安装新版本程序 %1(&U)…").replace("%1", release.version) if release
                                   else self.tr("安装新版本程序(&U)…（尚未收到新版本）"))

    def install_update(self) -> None:
        """Offer the release that came with a package: checked already; installed beside this program's folder."""
        from desktop_app.services import updates  # noqa: PLC0415 - not at start

        release = updates.offered(self.store)
        if release is None:
            Messages.info(self, APP_NAME, self.tr("没有收到可安装的新版本程序。新版本随区教委的数据包送达"))
            return
        current = updates.program_folder()
        text = self.tr("随区教委数据包收到 %1 版程序，发布者签名已核对。\n\n将安装到 %2（本程序文件夹旁边）。"
                       "旧版本保留，新版本首次启动并校验数据通过后才删除。\n\n现在安装吗？"
                       ).replace("%1", release.version).replace("%2", str(current.parent / f"baoxue-{release.version}"))
        if not Messages.confirm(self, self.tr("安装新版本程序"), text):
            return
        try:
            target = updates.install(self.store, current)
        except BaoxueError as exc:
            Messages.error(self, self.tr("安装新版本程序"), str(exc))
            return
        self._refresh_update_action()
        Messages.info(self, self.tr("安装新版本程序"),
                      self.tr("已安装到 %1。请退出本程序，从新文件夹启动“保学台账”。").replace("%1", str(target)))

    def show_about(self) -> AboutDialog:
        from desktop_app.ui.about_dialog import AboutDialog

        dialog = AboutDialog(self.store, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.show()
        return dialog

    def bring_to_front(self) -> None:
        """A second start on the same data folder asked for this window."""
        if self.isMinimized():
            self.showNormal()
        self.show()
        self.raise_()
        self.activateWindow()

    # --- cases --------------------------------------------------------------------------

    def show_ledger(self, status_label: str) -> None:
        self.show_page(self.tr("台账"))
        self.ledger.show_statuses(status_label)

    def show_ledger_query(self, query: cases.LedgerQuery) -> None:
        self.show_page(self.tr("台账"))
        self.ledger.show_query(query)

    def _case_changed_elsewhere(self, case_id: str) -> None:
        """A lifecycle action from the ledger: an open, unchanged form of that case is reloaded."""
        dialog = self.forms.get(case_id)
        if dialog is not None and not dialog.is_dirty():
            dialog.reload()
        self.overview.refresh()

    def open_case(self, case_id: str) -> RegistrationFormDialog:
        from desktop_app.ui.form.registration_dialog import RegistrationFormDialog

        dialog = self.forms.get(case_id)
        if dialog is None:
            dialog = RegistrationFormDialog(self.store, case_id, self)
            dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
            dialog.saved.connect(self._case_saved)
            dialog.destroyed.connect(lambda _o=None, cid=case_id: self.forms.pop(cid, None))
            self.forms[case_id] = dialog
        dialog.show()
        dialog.raise_()
        dialog.activateWindow()
        return dialog

    def new_case(self) -> RegistrationFormDialog:
        from desktop_app.ui.form.registration_dialog import RegistrationFormDialog

        dialog = RegistrationFormDialog(self.store, None, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.saved.connect(self._case_saved)
        dialog.show()
        return dialog

    def _census_case_opened(self, case_id: str) -> None:
        self._case_saved(case_id)
        self.open_case(case_id)

    def _case_saved(self, _case_id: str) -> None:
        ledger = self._built(self.tr("台账"))
        if ledger is not None:  # not yet shown: it loads when it is
            cast("LedgerPage", ledger).refresh()
        self.overview.refresh()

    # --- tools --------------------------------------------------------------------------

    def verify(self) -> VerifyDialog:
        """校验数据和历史记录: off the GUI thread, with progress, cancel and the list of findings."""
        from desktop_app.ui.verify_dialog import VerifyDialog

        dialog = VerifyDialog(self.store, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.show()
        dialog.start()
        return dialog

    def ask_load_demo(self) -> None:
        inst = self.store.installation()
        if inst is not None and inst.kind == "district":  # a district's demonstration is its schools
            if Messages.confirm(self, self.tr("载入演示数据"), self.tr(
                "将生成若干虚构的演示学校（各有案件、摸排、关爱和送教数据），登记为本区学校并导入其数据包，用于熟悉软件。\n"
                "演示学校会和真实学校混在一起，正式使用的电脑请不要载入。\n确定载入吗？"
            )):
                self.load_district_demo()
            return
        if Messages.confirm(self, self.tr("载入演示数据"), self.tr(
            "将向本机台账加入80件虚构的演示案件，用于熟悉软件。\n演示数据会和真实数据混在一起，正式使用的电脑请不要载入。\n确定载入吗？"
        )):
            self.load_demo(80)

    def load_district_demo(self) -> Worker:
        """Demonstration schools for the district, built on a worker thread with progress."""
        from desktop_app.services import demo_district

        def job(report: Callable[[int, int], bool]) -> int:
            return demo_district.load_district(self.store, progress=lambda done, total, _name: report(done, total))

        def finished(added: object) -> None:
            self.statusBar().showMessage(self.tr("已载入演示学校 %1 所").replace("%1", str(added)), 5000)

        self._worker = operations.run(self, self.tr("正在生成演示学校并导入其数据包…"), job, done=finished,
                                      total=len(demo_district.SCHOOLS), cancellable=False,
                                      changed=operations.EVERYTHING, error_title=self.tr("载入失败"))
        return self._worker

    def load_demo(self, count: int) -> Worker:
        from desktop_app.services import demo

        def job(report: Callable[[int, int], bool]) -> int:
            try:
                return demo.load(self.store, count, progress=report, batch=max(count // 20, 10))
            except demo.DemoCancelled as exc:
                raise Cancelled from exc

        def finished(added: object) -> None:
            self.statusBar().showMessage(self.tr("已载入演示案件 %1 件").replace("%1", str(added)), 5000)

        self._worker = operations.run(self, self.tr("正在载入演示数据…"), job, done=finished, total=count,
                                      changed=operations.EVERYTHING, error_title=self.tr("载入失败"))
        return self._worker

    def _show_who(self) -> None:
        """The status bar: who is working, and where the ledger is (this PC's file, or the district's server)."""
        where = (fill(self.tr("数据库服务器：%1"), server.ServerSettings.from_url(self.store.server).label())
                 if self.store.server is not None else fill(self.tr("数据文件：%1"), self.store.path))
        self.user_label.setText(fill(self.tr("用户：%1　%2"), self.store.account.label, where))

    def _store_changed(self, what: str) -> None:
        """A job changed the store: the ledger, the overview and the page in view show it (pages not
        built yet load when first shown)."""
        if what == operations.EVERYTHING:  # e.g. this PC switched to the server, or back to its file
            self._show_who()
        self._case_saved("")
        current = self.stack.currentWidget()
        if current is not self.overview and current is not self._built(self.tr("台账")):
            self._refresh_page(current)

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802
        for dialog in list(self.forms.values()):
            if not dialog.close():
                event.ignore()
                return
        self.window_lock.stop()
        self.settings.setValue("main_window/geometry", self.saveGeometry())
        self.settings.sync()
        QThreadPool.globalInstance().waitForDone(30_000)  # let background reads finish before the store closes
        event.accept()
