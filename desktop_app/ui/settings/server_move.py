"""设置 → 台账存放位置 (a district only): where the ledger is, and for a district administrator 迁移到数据库服务器
(the file moved to a server) or, on a server, 从服务器复制 (a test copy into an empty folder).

The move is ``server_migration``'s: the server's address is checked first (reachable, PostgreSQL 14 or newer,
the database empty), the administrator is told what will happen, the copy runs off the GUI thread with its
progress, and at the end this PC may keep its ledger on the server from now on.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QDialog,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy import Engine

from desktop_app.domain.errors import BaoxueError
from desktop_app.services import server, server_migration, server_switch
from desktop_app.services.store import Store
from desktop_app.ui.common import files, operations
from desktop_app.ui.settings.server_fields import ServerForm
from desktop_app.ui.settings.server_switch import SwitchToServerDialog
from desktop_app.ui.widgets import ErrorLabel, Messages, fill
from desktop_app.ui.workers import Cancelled, Worker


class MoveToServerDialog(QDialog):
    """迁移到数据库服务器: address → check → confirm → copy with progress → explain, and switch this PC or not.

    Signals:
        switched(): this PC now keeps its ledger on the server (the store was switched in place).
    """

    switched = Signal()
    ADDRESS, CONFIRM, DONE = range(3)

    def __init__(self, store: Store, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.store = store
        self.setWindowTitle(self.tr("迁移到数据库服务器"))
        self.target: Engine | None = None
        self.settings: server.ServerSettings | None = None
        self.moved: server_migration.ServerMigration | None = None
        self.worker: Worker | None = None
        layout = QVBoxLayout(self)
        self.pages = QStackedWidget(self)
        layout.addWidget(self.pages)

        address = QWidget(self.pages)
        a_layout = QVBoxLayout(address)
        intro = QLabel(self.tr(
            "把本机的台账整体迁移到区教委的 PostgreSQL 数据库服务器（14 或更新版本）上，之后办公室的多台电脑可以"
            "同时使用。请先让管理员在服务器上建好一个空的数据库，再填写它的地址和登录信息（或一个 libpq 服务名）。"),
            address)
        intro.setWordWrap(True)
        a_layout.addWidget(intro)
        self.fields = ServerForm(address, service=True)
        a_layout.addWidget(self.fields)
        self.address_errors = ErrorLabel(address)
        a_layout.addWidget(self.address_errors)
        self.check_button = QPushButton(self.tr("检查连接，下一步"), address)
        self.cancel_button = QPushButton(self.tr("取消"), address)
        a_layout.addLayout(_row(self.cancel_button, self.check_button))
        self.pages.addWidget(address)

        confirm = QWidget(self.pages)
        c_layout = QVBoxLayout(confirm)
        self.confirm_text = QLabel(confirm)
        self.confirm_text.setWordWrap(True)
        c_layout.addWidget(self.confirm_text)
        self.move_errors = ErrorLabel(confirm)
        c_layout.addWidget(self.move_errors)
        c_layout.addStretch(1)
        self.back_button = QPushButton(self.tr("返回修改"), confirm)
        self.start_button = QPushButton(self.tr("开始迁移"), confirm)
        c_layout.addLayout(_row(self.back_button, self.start_button))
        self.pages.addWidget(confirm)

        done = QWidget(self.pages)
        d_layout = QVBoxLayout(done)
        self.done_text = QLabel(done)
        self.done_text.setWordWrap(True)
        d_layout.addWidget(self.done_text)
        self.switch_errors = ErrorLabel(done)
        d_layout.addWidget(self.switch_errors)
        d_layout.addStretch(1)
        self.later_button = QPushButton(self.tr("暂不改用，关闭"), done)
        self.switch_button = QPushButton(self.tr("今后本机使用服务器上的台账"), done)
        d_layout.addLayout(_row(self.later_button, self.switch_button))
        self.pages.addWidget(done)

        self.cancel_button.clicked.connect(self.reject)
        self.check_button.clicked.connect(self.check)
        self.back_button.clicked.connect(self._back)
        self.start_button.clicked.connect(self.start)
        self.later_button.clicked.connect(self.accept)
        self.switch_button.clicked.connect(self.switch)
        self.finished.connect(self._release)
        self.resize(620, self.sizeHint().height())

    # --- 1. the address, checked off the GUI thread (a server that does not answer takes seconds) -----

    def check(self) -> None:
        self.address_errors.show_messages([])
        settings = self.fields.value()
        self._release()
        self.check_button.setEnabled(False)

        def job(_report: operations.Report) -> tuple[Engine, str]:
            target = server_migration.target_for(self.store, settings)
            return target, server_migration.source_summary(self.store)

        def checked(result: tuple[Engine, str]) -> None:
            self.check_button.setEnabled(True)
            (self.target, summary), self.settings = result, settings
            self.confirm_text.setText(fill(self.tr(
                "将要做的：\n"
                "1. 先校验本机的台账（未通过校验的数据不会迁移）；\n"
                "2. 把 %1 整体复制到 %2（一个事务：中途出错或取消，服务器上的数据库保持为空）；\n"
                "3. 逐行核对复制的数据与本机数据一致，并在服务器的历史记录中记下这次迁移（何时、由谁、多少行）；\n"
                "4. 在服务器上校验。\n"
                "本机原来的数据文件保留不动。迁移期间请不要在其他电脑上使用本机数据。"), summary, settings.label()))
            self.move_errors.show_messages([])
            self.pages.setCurrentIndex(self.CONFIRM)

        def refused(message: str) -> None:
            self.check_button.setEnabled(True)
            self.address_errors.show_messages([message])

        self.worker = operations.run(self, self.tr("正在连接数据库服务器…"), job, done=checked, failed=refused,
                                     cancellable=False)

    def _back(self) -> None:
        self._release()
        self.pages.setCurrentIndex(self.ADDRESS)

    # --- 2. the move, with its progress -------------------------------------------------------------

    def start(self) -> None:
        target = self.target
        if target is None:
            return
        self.move_errors.show_messages([])
        self.start_button.setEnabled(False)
        self.back_button.setEnabled(False)
        stopped: list[bool] = []
        committed: list[server_migration.ServerMigration] = []

        def job(report: operations.Report) -> server_migration.ServerMigration:
            def watched(step: int, steps: int) -> bool:
                going = report(step, steps)
                if not going:
                    stopped.append(True)
                return going

            try:
                result = server_migration.migrate_to_server(self.store, target, server_migration.stepwise(watched))
            except server_migration.MigrationError:
                if stopped:
                    raise Cancelled from None
                raise
            committed.append(result)  # a 取消 pressed from here on comes too late: the move is done
            return result

        def moved(result: server_migration.ServerMigration, late: bool = False) -> None:
            self.moved = result
            report = result.report
            where = self.settings.label() if self.settings is not None else result.target
            self.done_text.setText((self.tr("按下“取消”时迁移已经完成，无法再取消。\n") if late else "") + fill(self.tr(
                "已迁移到 %1：%2张表共%3行，用时%4秒；逐行核对一致，服务器上%5\n"
                "这次迁移已记入服务器上的历史记录。本机原来的数据文件保留未动。\n\n"
                "今后请只在服务器上的台账上工作：选择“今后本机使用服务器上的台账”，本机从现在起（以及每次启动时）"
                "使用服务器，仍用原来的账户和密码登录；办公室的其他电脑在首次设置时选择“数据库服务器”并填写同一服务器，"
                "即可加入。选择“暂不改用”时，以后可在“台账存放位置”中用“改用数据库服务器上的台账…”改用。"),
                where, len(report.tables), report.rows, f"{report.seconds:.1f}", result.verify_message))
            self.pages.setCurrentIndex(self.DONE)

        def failed(message: str) -> None:
            self.start_button.setEnabled(True)
            self.back_button.setEnabled(True)
            self.move_errors.show_messages([message])

        def cancelled() -> None:
            if committed:  # the worker reports a cancel even when the job finished after it was pressed
                moved(committed[0], late=True)
                return
            self.start_button.setEnabled(True)
            self.back_button.setEnabled(True)
            self.move_errors.show_messages([self.tr("迁移已取消，服务器上的数据库未做任何改动")])

        self.worker = operations.run(
            self, self.tr("正在迁移到数据库服务器（复制、逐行核对、在服务器上校验）…"), job, done=moved,
            failed=failed, cancelled=cancelled, title=self.tr("迁移到数据库服务器"))

    # --- 3. this PC on the server from now on, or not -----------------------------------------------

    def switch(self) -> None:
        if self.settings is None or self.moved is None:
            return
        self._release()
        try:
            server_migration.use_server_from_now_on(self.store, self.settings)
        except BaoxueError as exc:
            self.switch_errors.show_messages([str(exc)])
            return
        operations.events.changed.emit(operations.EVERYTHING)
        self.switched.emit()
        self.accept()

    def _release(self) -> None:
        if self.target is not None:
            self.target.dispose()
            self.target = None


def _row(*buttons: QPushButton) -> QHBoxLayout:
    row = QHBoxLayout()
    row.addStretch(1)
    for button in buttons:
        row.addWidget(button)
    return row


class FolderChooser:
    """The folder dialog in one place so tests can replace it."""

    @staticmethod
    def folder(parent: QWidget, title: str) -> Path | None:
        return files.folder(parent, files.BACKUPS, title)


class StoreLocationBox(QGroupBox):
    """台账存放位置 on the settings page of a district: the file or the server, and 迁移到数据库服务器….

    Signals:
        switched(): the ledger of this PC is now the server's.
    """

    switched = Signal()

    def __init__(self, store: Store, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setTitle(self.tr("台账存放位置"))
        self.store = store
        self.dialog: MoveToServerDialog | None = None
        self.switch_dialog: SwitchToServerDialog | None = None
        layout = QVBoxLayout(self)
        self.where = QLabel(self)
        self.where.setWordWrap(True)
        layout.addWidget(self.where)
        self.move_button = QPushButton(self.tr("迁移到数据库服务器…"), self)
        self.use_server_button = QPushButton(self.tr("改用数据库服务器上的台账…"), self)  # moved, but 暂不改用 then
        self.copy_button = QPushButton(self.tr("从服务器复制到本机文件夹（测试用副本）…"), self)
        self.to_file_button = QPushButton(self.tr("改回本机数据文件…"), self)  # this PC leaves the server
        layout.addLayout(_row(self.copy_button, self.to_file_button, self.use_server_button, self.move_button))
        self.to_file_button.clicked.connect(self.back_to_own_file)
        self.move_button.clicked.connect(self.open_move)
        self.use_server_button.clicked.connect(self.open_switch)
        self.copy_button.clicked.connect(self.copy_from_server)
        self.worker: Worker | None = None
        self.refresh()

    def refresh(self) -> None:
        if self.store.is_server:
            self.where.setText(fill(self.tr("数据库服务器：%1（办公室的多台电脑同时使用）"), self._server_label()))
        else:
            self.where.setText(self.tr("本机加密数据文件：%1。区教委多位工作人员要同时使用时，管理员可把它迁移到数据库服务器。")
                               .replace("%1", self.store.location))
        self.move_button.setVisible(not self.store.is_server)
        self.use_server_button.setVisible(not self.store.is_server)
        self.copy_button.setVisible(self.store.is_server)
        allowed = server_migration.may_migrate(self.store)
        self.move_button.setEnabled(allowed)
        self.move_button.setToolTip("" if allowed else self.tr("只有区教委管理员可以迁移"))
        self.use_server_button.setEnabled(allowed)
        self.use_server_button.setToolTip(
            self.tr("台账已迁移到服务器、当时选了“暂不改用”时，在这里让本机改用服务器上的台账") if allowed
            else self.tr("只有区教委管理员可以改用数据库服务器"))
        admin = self.store.is_server and server_migration.may_copy(self.store)
        self.to_file_button.setVisible(self.store.is_server)
        self.to_file_button.setEnabled(admin)
        self.to_file_button.setToolTip(self.tr("把服务器上现在的台账复制回本机，本机从此使用自己的数据文件") if admin
                                    else self.tr("只有区教委管理员可以改回"))
        self.copy_button.setEnabled(admin)
        self.copy_button.setToolTip(self.tr("复制一份到空文件夹，用于测试或演练；服务器上的数据不变") if admin
                                    else self.tr("只有区教委管理员可以复制"))

    def open_move(self) -> None:
        """The move dialog, window-modal (tests find it as ``dialog``)."""
        self.dialog = MoveToServerDialog(self.store, self)
        self.dialog.switched.connect(self._switched)
        self.dialog.finished.connect(self.refresh)
        self.dialog.open()

    def open_switch(self) -> None:
        """改用数据库服务器上的台账, window-modal (tests find it as ``switch_dialog``)."""
        self.switch_dialog = SwitchToServerDialog(self.store, self)
        self.switch_dialog.switched.connect(self._switched)
        self.switch_dialog.finished.connect(self.refresh)
        self.switch_dialog.open()

    def copy_from_server(self) -> None:
        """从数据库服务器复制: the server's ledger into an empty folder as a test copy, with its progress."""
        folder = FolderChooser.folder(self, self.tr("选择一个空文件夹存放测试用副本"))
        if folder is None:
            return

        def done(copy: server_migration.ServerCopy) -> None:
            Messages.info(self, self.tr("已复制"), fill(self.tr(
                "已复制到 %1：%2张表共%3行；副本%4\n这是测试用副本：用原来的账户和密码打开"
                "（启动程序时用 --data-dir 指定这个文件夹），服务器上的数据不变。"),
                copy.folder, len(copy.report.tables), copy.report.rows, copy.verify_message))

        made: list[server_migration.ServerCopy] = []

        def job(report: operations.Report) -> server_migration.ServerCopy:
            copy = server_migration.copy_from_server(self.store, folder, server_migration.stepwise(report))
            made.append(copy)  # a 取消 pressed from here on comes too late: the copy is there
            return copy

        def cancelled() -> None:
            if made:  # the worker reports a cancel even when the job finished after it was pressed
                done(made[0])

        self.worker = operations.run(
            self, self.tr("正在从数据库服务器复制…"), job, done=done, cancelled=cancelled,
            error_title=self.tr("未复制"), title=self.tr("从服务器复制"))

    def back_to_own_file(self) -> None:
        """改回本机数据文件: asked first, then the server's ledger copied into this PC's folder with its progress."""
        if not Messages.confirm(self, self.tr("改回本机数据文件"), fill(self.tr(
                "把数据库服务器上现在的台账（%1）复制到本机的数据文件夹，之后本机（以及每次启动时）使用本机的加密数据文件，"
                "不再连接服务器；复制的台账先逐行核对、校验，通过后才改用。本机原有的数据文件（迁移前的）另存到备份文件夹。"
                "服务器上的数据不变。\n\n注意：办公室其他电脑若仍在服务器上工作，之后服务器上的改动不会到本机，"
                "本机的改动也不会到服务器。一般只在全办公室不再使用这个服务器时才改回。是否改回？"), self._server_label())):
            return
        stopped: list[bool] = []
        made: list[server_switch.BackToFile] = []

        def job(report: operations.Report) -> server_switch.BackToFile:
            def watched(step: int, steps: int) -> bool:
                going = report(step, steps)
                if not going:
                    stopped.append(True)
                return going

            try:
                result = server_switch.back_to_own_file(self.store, server_migration.stepwise(watched))
            except server_migration.MigrationError:
                if stopped:
                    raise Cancelled from None
                raise
            made.append(result)  # a 取消 pressed from here on comes too late: this PC is on its file now
            return result

        def done(result: server_switch.BackToFile) -> None:
            operations.events.changed.emit(operations.EVERYTHING)
            self._switched()
            aside = (fill(self.tr("本机原有的数据文件已另存为 %1。"), result.set_aside)
                     if result.set_aside is not None else "")
            Messages.info(self, self.tr("已改回本机数据文件"), fill(self.tr(
                "本机已改用数据文件 %1（从服务器复制%2行，%3），台账已重新打开；以后每次启动都使用它，"
                "仍用原来的账户和密码登录。%4服务器上的数据不变。"), result.path, result.rows, result.verify_message, aside))

        def cancelled() -> None:
            if made:
                done(made[0])
                return
            Messages.info(self, self.tr("已取消"), self.tr("已取消，本机仍使用数据库服务器上的台账，什么都没有改动"))

        self.worker = operations.run(
            self, self.tr("正在把服务器上的台账复制回本机（复制、逐行核对、校验）…"), job, done=done,
            cancelled=cancelled, error_title=self.tr("未改回"), title=self.tr("改回本机数据文件"))

    def _server_label(self) -> str:
        """The server as a person reads it (PostgreSQL user@host:port/database, no password, no %-escapes)."""
        return server.ServerSettings.from_url(self.store.server).label() if self.store.server else self.store.location

    def _switched(self) -> None:
        self.refresh()
        self.switched.emit()
