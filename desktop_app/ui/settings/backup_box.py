"""设置 → 备份与恢复, and the business settings declared by the areas (numbers with a range)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from desktop_app.domain.errors import BaoxueError
from desktop_app.services import backup, settings
from desktop_app.services.access import Permission, can
from desktop_app.services.store import Store
from desktop_app.ui.accounts.dialogs import PassphraseDialog
from desktop_app.ui.cloud_folders import confirm_output_folder
from desktop_app.ui.common import files, operations
from desktop_app.ui.widgets import ErrorLabel, Messages
from desktop_app.ui.workers import Worker


class FileChooser:
    """File dialogs in one place so tests can replace them."""

    @staticmethod
    def folder(parent: QWidget, title: str) -> Path | None:
        return files.folder(parent, files.BACKUPS, title)

    @staticmethod
    def open_file(parent: QWidget, title: str, start: Path) -> Path | None:
        return files.open_path(parent, files.BACKUPS, title, "保学台账备份 (*.bxbak *.sqlite3);;所有文件 (*)", start)


class BackupBox(QGroupBox):
    """Back up now, an encrypted backup to a chosen folder, restore.

    Signals:
        restored(): the store's contents were replaced; the window must ask for sign-in again.
    """

    restored = Signal()

    def __init__(self, store: Store, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setTitle(self.tr("备份与恢复"))
        self.store = store
        self._worker: Worker | None = None
        layout = QVBoxLayout(self)
        self.status = QLabel(self)
        self.status.setWordWrap(True)
        layout.addWidget(self.status)
        row = QHBoxLayout()
        self.local_button = QPushButton(self.tr("立即备份到本机"), self)
        self.usb_button = QPushButton(self.tr("加密备份到U盘或文件夹…"), self)
        self.restore_button = QPushButton(self.tr("从备份恢复…"), self)
        for b in (self.local_button, self.usb_button, self.restore_button):
            row.addWidget(b)
        row.addStretch(1)
        layout.addLayout(row)
        self.drive_bar = files.DriveBar([(self.tr("加密备份到此U盘"), self.ask_backup_encrypted)], self)
        layout.addWidget(self.drive_bar)
        self.local_button.clicked.connect(self.backup_local)
        self.usb_button.clicked.connect(lambda: self.ask_backup_encrypted())
        self.restore_button.clicked.connect(self.ask_restore)
        self.refresh()

    def refresh(self) -> None:
        copies = backup.list_local(backup.backups_dir(self.store))
        last = copies[0].at.strftime("%Y-%m-%d %H:%M") if copies else self.tr("无")
        self.status.setText(self.tr("本机自动备份 %1 份，最近一次：%2。备份文件夹：%3")
                            .replace("%1", str(len(copies))).replace("%2", last)
                            .replace("%3", str(backup.backups_dir(self.store))))
        self.local_button.setEnabled(can(self.store, Permission.BACKUP))
        self.usb_button.setEnabled(can(self.store, Permission.BACKUP))
        self.restore_button.setEnabled(can(self.store, Permission.RESTORE))
        if hasattr(self, "drive_bar"):
            self.drive_bar.refresh()
            for button in self.drive_bar.buttons.values():
                button.setEnabled(can(self.store, Permission.BACKUP))

    def backup_local(self) -> Worker:
        """A checked copy in backups/ (an integrity check of the whole store: seconds when it is large)."""
        def done(path: object) -> None:
            self.refresh()
            Messages.written(self, self.tr("备份"), self.tr("已备份到 %1").replace("%1", str(path)), Path(str(path)))

        self._worker = operations.run(self, self.tr("正在备份到本机…"),
                                      lambda _report: backup.take(self.store, backup.MANUAL), done=done,
                                      cancellable=False, error_title=self.tr("备份失败"))
        return self._worker

    def ask_backup_encrypted(self, drive: Path | None = None) -> Worker | None:
        folder = drive or FileChooser.folder(self, self.tr("选择U盘或文件夹"))
        if folder is None or not confirm_output_folder(self, folder, self.tr("备份")):
            return None
        passphrase = PassphraseDialog.ask(self, confirm=True)
        if passphrase is None:
            return None
        return self._run(lambda _report: backup.write_encrypted(self.store, folder, passphrase),
                         self.tr("正在加密备份…"), self._backup_done)

    def _backup_done(self, path: object) -> None:
        self.refresh()
        Messages.written(self, self.tr("加密备份"), self.tr("已写入并核对：%1\n可以取下U盘。请妥善保管备份密码。")
                         .replace("%1", str(path)), Path(str(path)))

    def ask_restore(self) -> Worker | None:
        source = FileChooser.open_file(self, self.tr("选择备份文件"), backup.backups_dir(self.store))
        if source is None:
            return None
        passphrase = None
        if backup.is_encrypted(source):
            passphrase = PassphraseDialog.ask(self, confirm=False)
            if passphrase is None:
                return None
        try:
            info = backup.inspect(source, passphrase, self.store)
        except BaoxueError as exc:
            Messages.error(self, self.tr("无法恢复"), str(exc))
            return None
        if not Messages.confirm(self, self.tr("从备份恢复"), self.tr(
            "备份内容：%1（%2），%3件案件，备份时间 %4。\n\n恢复后，本机当前的数据将被这份备份替换"
            "（当前数据会先另存到备份文件夹）。之后需要重新登录。确定恢复吗？"
        ).replace("%1", info.unit_name).replace("%2", info.unit_code).replace("%3", str(info.cases))
                .replace("%4", info.created_at)):
            return None
        return self._run(lambda _report: backup.restore(self.store, source, passphrase),
                         self.tr("正在恢复…"), self._restore_done)

    def _restore_done(self, _info: object) -> None:
        self.refresh()
        Messages.info(self, self.tr("从备份恢复"), self.tr("已从备份恢复。请重新登录。"))
        self.restored.emit()

    def _run(self, job: Callable[[Callable[[int, int], bool]], object], label: str,
             done: Callable[[object], None]) -> Worker:
        self._worker = operations.run(self, label, job, done=done, cancellable=False,
                                      error_title=self.tr("操作失败"))
        return self._worker


class BusinessSettingsBox(QGroupBox):
    """Every numeric setting the areas declared (``settings.declare``), with its range and unit."""

    OWN_BOXES = ("census.",)  # settings shown in an area's own box of 设置 (学期与摸排)

    def __init__(self, store: Store, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setTitle(self.tr("业务设置"))
        self.store = store
        layout = QVBoxLayout(self)
        form = QFormLayout()
        self.spins: dict[str, QSpinBox] = {}
        inst = store.installation()
        for key, spec in sorted(settings.declared().items()):
            if not isinstance(spec.default, int) or isinstance(spec.default, bool):
                continue
            if key.startswith(self.OWN_BOXES) or not spec.applies_to(inst.kind if inst else None):
                continue  # another box's, or a setting the other kind of installation uses
            spin = QSpinBox(self)
            spin.setRange(spec.minimum if spec.minimum is not None else 0,
                          spec.maximum if spec.maximum is not None else 100000)
            spin.setSuffix(f" {spec.unit}" if spec.unit else "")
            form.addRow(spec.label, spin)
            self.spins[key] = spin
        layout.addLayout(form)
        row = QHBoxLayout()
        self.saved_label = QLabel(self)
        self.errors = ErrorLabel(self)
        self.save_button = QPushButton(self.tr("保存业务设置"), self)
        row.addWidget(self.saved_label)
        row.addWidget(self.errors)
        row.addStretch(1)
        row.addWidget(self.save_button)
        layout.addLayout(row)
        self.save_button.clicked.connect(self.save)
        self.reload()

    def reload(self) -> None:
        values = settings.all_values(self.store)
        for key, spin in self.spins.items():
            spin.setValue(int(values[key]))
        self.save_button.setEnabled(can(self.store, Permission.MANAGE_SETTINGS))
        self.saved_label.clear()

    def save(self) -> None:
        try:  # one action, one transaction: all the changed values or none
            current = settings.all_values(self.store)
            settings.put_many(self.store, {key: spin.value() for key, spin in self.spins.items()
                                           if current[key] != spin.value()})
        except BaoxueError as exc:
            self.errors.show_messages([str(exc)])
            return
        self.errors.show_messages([])
        self.saved_label.setText(self.tr("已保存（自动锁定时间在下次解锁或登录后生效）"))
