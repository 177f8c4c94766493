"""The main window: a navigation list on the left, one page per area on the right."""

from __future__ import annotations

from PySide6.QtCore import QByteArray, QSettings, Qt
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QListWidget,
    QMainWindow,
    QProgressDialog,
    QStackedWidget,
    QWidget,
)

from desktop_app import APP_NAME, __version__
from desktop_app.services import demo
from desktop_app.services.store import Store
from desktop_app.ui.form.registration_dialog import RegistrationFormDialog
from desktop_app.ui.ledger.page import LedgerPage
from desktop_app.ui.overview import OverviewPage
from desktop_app.ui.reports.page import ReportsPage
from desktop_app.ui.settings.page import SettingsPage
from desktop_app.ui.widgets import Messages
from desktop_app.ui.workers import Cancelled, Worker


class MainWindow(QMainWindow):
    def __init__(self, store: Store, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.store = store
        self.settings = QSettings(str(store.data_dir / "settings.ini"), QSettings.Format.IniFormat)
        inst = store.installation()
        self.setWindowTitle(f"{APP_NAME} — {inst.name}" if inst else APP_NAME)
        self.forms: dict[str, RegistrationFormDialog] = {}
        self._worker: Worker | None = None

        central = QWidget(self)
        layout = QHBoxLayout(central)
        self.nav = QListWidget(central)
        self.nav.setFixedWidth(130)
        self.nav.setStyleSheet("QListWidget { font-size: 12pt; } QListWidget::item { padding: 8px; }")
        self.stack = QStackedWidget(central)
        layout.addWidget(self.nav)
        layout.addWidget(self.stack, 1)
        self.setCentralWidget(central)

        self.overview = OverviewPage(store, self)
        self.ledger = LedgerPage(store, self)
        self.settings_page = SettingsPage(store, self)
        self.reports_page = ReportsPage(store, self)
        self.pages: dict[str, QWidget] = {}
        for name, page in ((self.tr("总览"), self.overview), (self.tr("台账"), self.ledger),
                           (self.tr("报表与打印"), self.reports_page),
                           (self.tr("设置"), self.settings_page)):
            self.add_page(name, page)
        self.nav.currentRowChanged.connect(self._page_changed)
        self.nav.setCurrentRow(0)

        self.overview.show_ledger.connect(self.show_ledger)
        self.ledger.open_case.connect(self.open_case)
        self.ledger.new_case.connect(self.new_case)
        self._build_menus()
        self.statusBar().addPermanentWidget(QLabel(
            self.tr("用户：%1　数据文件：%2").replace("%1", store.user).replace("%2", str(store.path)), self
        ))
        self.resize(1280, 720)
        geometry = self.settings.value("main_window/geometry")
        if isinstance(geometry, QByteArray):
            self.restoreGeometry(geometry)

    def add_page(self, name: str, page: QWidget) -> None:
        self.pages[name] = page
        self.stack.addWidget(page)
        self.nav.addItem(name)

    def show_page(self, name: str) -> None:
        self.nav.setCurrentRow(list(self.pages).index(name))

    def _page_changed(self, row: int) -> None:
        page = list(self.pages.values())[row]
        self.stack.setCurrentWidget(page)
        if hasattr(page, "refresh"):
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
        quit_action = QAction(self.tr("退出(&X)"), self)
        quit_action.setShortcut(QKeySequence.StandardKey.Quit)
        quit_action.triggered.connect(self.close)
        file_menu.addAction(quit_action)
        help_menu = self.menuBar().addMenu(self.tr("帮助(&H)"))
        about = QAction(self.tr("关于(&A)"), self)
        about.triggered.connect(lambda: Messages.info(
            self, self.tr("关于"),
            f"{APP_NAME} {__version__}\n义务教育控辍保学工作台账\n数据文件：{self.store.path}",
        ))
        help_menu.addAction(about)

    # --- cases --------------------------------------------------------------------------

    def show_ledger(self, status_label: str) -> None:
        self.show_page(self.tr("台账"))
        self.ledger.show_statuses(status_label)

    def open_case(self, case_id: str) -> RegistrationFormDialog:
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
        dialog = RegistrationFormDialog(self.store, None, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.saved.connect(self._case_saved)
        dialog.show()
        return dialog

    def _case_saved(self, _case_id: str) -> None:
        self.ledger.refresh()
        self.overview.refresh()

    # --- tools --------------------------------------------------------------------------

    def verify(self) -> None:
        result = self.store.verify()
        if result.ok:
            Messages.info(self, self.tr("校验结果"), result.message)
        else:
            Messages.error(self, self.tr("校验失败"), result.message)

    def ask_load_demo(self) -> None:
        if Messages.confirm(self, self.tr("载入演示数据"), self.tr(
            "将向本机台账加入80件虚构的演示案件，用于熟悉软件。\n演示数据会和真实数据混在一起，正式使用的电脑请不要载入。\n确定载入吗？"
        )):
            self.load_demo(80)

    def load_demo(self, count: int) -> Worker:
        progress = QProgressDialog(self.tr("正在载入演示数据…"), self.tr("取消"), 0, count, self)
        progress.setWindowModality(Qt.WindowModality.WindowModal)
        progress.setMinimumDuration(300)

        def job(report):  # noqa: ANN001, ANN202
            try:
                return demo.load(self.store, count, progress=report, batch=max(count // 20, 10))
            except demo.DemoCancelled as exc:
                raise Cancelled from exc

        worker = Worker(job)
        worker.signals.progress.connect(lambda done, total: progress.setValue(done))
        progress.canceled.connect(worker.cancel)

        def finished(added: object) -> None:
            progress.close()
            self._case_saved("")
            self.statusBar().showMessage(self.tr("已载入演示案件 %1 件").replace("%1", str(added)), 5000)

        def failed(message: str) -> None:
            progress.close()
            Messages.error(self, self.tr("载入失败"), message)

        worker.signals.finished.connect(finished)
        worker.signals.failed.connect(failed)
        worker.signals.cancelled.connect(progress.close)
        self._worker = worker
        worker.start()
        return worker

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802
        for dialog in list(self.forms.values()):
            if not dialog.close():
                event.ignore()
                return
        self.settings.setValue("main_window/geometry", self.saveGeometry())
        self.settings.sync()
        event.accept()
